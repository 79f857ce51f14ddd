/* tests/unit/test_rpc_err.c -- the RPC_ERROR domain and remote types. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rpc/err.h"

static void
test_set_error_returns_false_and_sets_code(void **state)
{
	GError *err = NULL;

	(void)state;
	assert_false(rpc_set_error(&err, RPC_E_FORMAT, "bad %d", 7));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
	assert_string_equal(err->message, "bad 7");
	g_error_free(err);
	assert_false(rpc_set_error(NULL, RPC_E_FORMAT, "ignored"));
}

static void
test_remote_type_survives_copy(void **state)
{
	GError *err = NULL, *copy;

	(void)state;
	rpc_set_remote_error(&err, "grid.QuotaExceeded", "over");
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_REMOTE));
	copy = g_error_copy(err);
	g_error_free(err);
	assert_string_equal(rpc_remote_error_type(copy),
	    "grid.QuotaExceeded");
	g_error_free(copy);
}

static void
test_non_remote_error_has_no_type(void **state)
{
	GError *err = NULL;

	(void)state;
	rpc_set_error(&err, RPC_E_CLOSED, "gone");
	assert_null(rpc_remote_error_type(err));
	assert_null(rpc_remote_error_type(NULL));
	g_error_free(err);
}

static void
test_strerror_names_every_code(void **state)
{
	int r;

	(void)state;
	for (r = RPC_OK; r >= RPC_E_TIMEOUT; r--)
		assert_string_not_equal(rpc_strerror(r), "unknown error");
	assert_string_equal(rpc_strerror(-1000), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_error_returns_false_and_sets_code),
		cmocka_unit_test(test_remote_type_survives_copy),
		cmocka_unit_test(test_non_remote_error_has_no_type),
		cmocka_unit_test(test_strerror_names_every_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
