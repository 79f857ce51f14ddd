/* tests/unit/test_rpc_schema.c -- schemas: each type's checks, argument
 * counts, and the tub refusing bad arguments and results with
 * "violation" before handlers run or values leave. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/schema.h"
#include "rpc/tub.h"
#include "tests/unit/tubtest.h"

/* Pack one value with 'fn' and check it against 's'. */
static bool
check(const rpc_schema *s, void (*fn)(msgpack_packer *))
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	bool ok;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	fn(&pk);
	msgpack_unpacked_init(&up);
	msgpack_unpack_next(&up, sb.data, sb.size, NULL);
	ok = rpc_schema_check(s, &up.data, NULL);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return ok;
}

static void p_int5(msgpack_packer *p) { msgpack_pack_int(p, 5); }
static void p_neg(msgpack_packer *p) { msgpack_pack_int(p, -5); }
static void p_big(msgpack_packer *p) { msgpack_pack_uint64(p, UINT64_MAX); }
static void p_str(msgpack_packer *p) { msgpack_pack_str_with_body(p, "abc", 3); }
static void p_bin(msgpack_packer *p) { msgpack_pack_bin_with_body(p, "abc", 3); }
static void p_badutf(msgpack_packer *p) { msgpack_pack_str_with_body(p, "\xff", 1); }
static void p_nil(msgpack_packer *p) { msgpack_pack_nil(p); }
static void p_true(msgpack_packer *p) { msgpack_pack_true(p); }
static void p_list(msgpack_packer *p)
{
	msgpack_pack_array(p, 2);
	msgpack_pack_int(p, 1);
	msgpack_pack_int(p, 2);
}
static void p_mixed(msgpack_packer *p)
{
	msgpack_pack_array(p, 2);
	msgpack_pack_int(p, 1);
	msgpack_pack_str_with_body(p, "x", 1);
}
static void p_map(msgpack_packer *p)
{
	msgpack_pack_map(p, 1);
	msgpack_pack_str_with_body(p, "k", 1);
	msgpack_pack_int(p, 1);
}
static void p_dupmap(msgpack_packer *p)
{
	msgpack_pack_map(p, 2);
	msgpack_pack_str_with_body(p, "k", 1);
	msgpack_pack_int(p, 1);
	msgpack_pack_str_with_body(p, "k", 1);
	msgpack_pack_int(p, 2);
}
static void p_intkey(msgpack_packer *p)
{
	msgpack_pack_map(p, 1);
	msgpack_pack_int(p, 1);
	msgpack_pack_int(p, 1);
}
static void p_ref(msgpack_packer *p)
{
	msgpack_pack_ext(p, 4, 1);
	msgpack_pack_ext_body(p, "\0\0\0\1", 4);
}
static void p_ext9(msgpack_packer *p)
{
	msgpack_pack_ext(p, 4, 9);
	msgpack_pack_ext_body(p, "\0\0\0\1", 4);
}

static void
test_int_range_and_sign(void **state)
{
	static const rpc_schema s = RPC_S_INT(-10, 10);
	static const rpc_schema pos = RPC_S_INT(6, 100);

	RPC_UNUSED(state);
	assert_true(check(&s, p_int5));
	assert_true(check(&s, p_neg));
	assert_false(check(&s, p_big));
	assert_false(check(&pos, p_int5));
	assert_false(check(&s, p_str));
	assert_false(check(&s, p_nil));
}

static void
test_str_and_bin_never_interchangeable(void **state)
{
	static const rpc_schema str = RPC_S_STR(10);
	static const rpc_schema bin = RPC_S_BIN(10);
	static const rpc_schema short_str = RPC_S_STR(2);

	RPC_UNUSED(state);
	assert_true(check(&str, p_str));
	assert_false(check(&str, p_bin));
	assert_true(check(&bin, p_bin));
	assert_false(check(&bin, p_str));
	assert_false(check(&short_str, p_str));
	assert_false(check(&str, p_badutf));
}

static void
test_containers_check_their_elements(void **state)
{
	static const rpc_schema i = RPC_S_INT(0, 100);
	static const rpc_schema list = RPC_S_LIST(5, &i);
	static const rpc_schema short_list = RPC_S_LIST(1, &i);
	static const rpc_schema map = RPC_S_MAP(5, &i);

	RPC_UNUSED(state);
	assert_true(check(&list, p_list));
	assert_false(check(&list, p_mixed));
	assert_false(check(&short_list, p_list));
	assert_true(check(&map, p_map));
	assert_false(check(&map, p_dupmap));
	assert_false(check(&map, p_intkey));
	assert_false(check(&list, p_map));
}

static void
test_optional_bool_nil_ref(void **state)
{
	static const rpc_schema i = RPC_S_INT(0, 9);
	static const rpc_schema opt = RPC_S_OPTIONAL(i);
	static const rpc_schema b = RPC_S_BOOL;
	static const rpc_schema n = RPC_S_NIL;
	static const rpc_schema r = RPC_S_REF;

	RPC_UNUSED(state);
	assert_true(check(&opt, p_nil));
	assert_true(check(&opt, p_int5));
	assert_true(check(&b, p_true));
	assert_false(check(&b, p_nil));
	assert_true(check(&n, p_nil));
	assert_true(check(&r, p_ref));
	assert_false(check(&r, p_ext9));
	assert_false(check(&r, p_str));
}

/* A served object whose methods declare schemas. */
static const rpc_schema small_int = RPC_S_INT(0, 1000);
static const rpc_schema add_args[] = {
	RPC_S_INT(0, 1000), RPC_S_INT(0, 1000),
	{ RPC_T_INT, true, 0, 1000, NULL },
};
static const rpc_schema name_args[] = { RPC_S_STR(8) };
static int handler_ran;

static void
m_add(rpc_incall *call, rpc_mp *args, void *data)
{
	int64_t a, b, c = 0;
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(data);
	handler_ran++;
	rpc_mp_int(args, 0, 1000, &a);
	rpc_mp_int(args, 0, 1000, &b);
	if (rpc_mp_left(args) > 0)
		rpc_mp_int(args, 0, 1000, &c);
	rpc_pack_int(r, a + b + c);
	rpc_incall_return(call, r);
}

static void
m_lie(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(args);
	RPC_UNUSED(data);
	handler_ran++;
	rpc_pack_str(r, "not an int");
	rpc_incall_return(call, r);
}

static const rpc_method methods[] = {
	{ "add", m_add, add_args, 3, &small_int },
	{ "name", m_add, name_args, 1, NULL },
	{ "lie", m_lie, NULL, 0, &small_int },
};
static const rpc_iface iface = { "typed", methods, G_N_ELEMENTS(methods) };

/* A client connected to the schema-checked object. */
typedef tt_pair fixture;

static int
setup(void **state)
{
	fixture *f = g_new0(fixture, 1);
	g_autoptr(rpc_obj) obj = rpc_obj_new(&iface, NULL, NULL);
	tt_pair_opts opts = { NULL, NULL, false, obj, true };

	tt_pair_init(f, &opts);
	handler_ran = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	tt_pair_fini(f);
	g_free(f);
	return 0;
}

static void
test_bad_arguments_refused_before_handler(void **state)
{
	fixture *f = *state;
	rpc_pack *p;
	tt_answer a;

	tt_answer_init(&a);
	assert_true(tt_call(f->loop, f->ref, "add", tt_args_ints(2, 3), &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 5);
	tt_answer_clear(&a);
	assert_int_equal(handler_ran, 1);
	/* Out of range, wrong type, too few, too many: all violations. */
	assert_true(tt_call(f->loop, f->ref, "add", tt_args_ints(2, 3000),
	    &a));
	assert_string_equal(rpc_remote_error_type(a.err), "violation");
	tt_answer_clear(&a);
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_int(p, 1);
	assert_true(tt_call(f->loop, f->ref, "add", p, &a));
	assert_string_equal(rpc_remote_error_type(a.err), "violation");
	assert_non_null(strstr(a.err->message, "arguments"));
	tt_answer_clear(&a);
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_bin(p, "abc", 3);
	assert_true(tt_call(f->loop, f->ref, "name", p, &a));
	assert_string_equal(rpc_remote_error_type(a.err), "violation");
	tt_answer_clear(&a);
	assert_int_equal(handler_ran, 1);
	/* The optional third argument may be given. */
	p = rpc_pack_new();
	rpc_pack_array(p, 3);
	rpc_pack_int(p, 1);
	rpc_pack_int(p, 2);
	rpc_pack_int(p, 3);
	assert_true(tt_call(f->loop, f->ref, "add", p, &a));
	assert_int_equal(a.result.data.via.u64, 6);
	tt_answer_clear(&a);
}

static void
test_bad_result_not_sent(void **state)
{
	fixture *f = *state;
	tt_answer a;

	tt_answer_init(&a);
	assert_true(tt_call(f->loop, f->ref, "lie", NULL, &a));
	assert_string_equal(rpc_remote_error_type(a.err), "violation");
	tt_answer_clear(&a);
}

static void
test_caller_checks_its_own_arguments(void **state)
{
	fixture *f = *state;
	tt_answer a;

	tt_answer_init(&a);
	rpc_ref_call_checked(f->ref, &methods[0], tt_args_ints(1, 5000),
	    tt_answer_cb, &a);
	assert_false(a.done);
	assert_true(tt_run_until(f->loop, &a.done, 1.0));
	assert_string_equal(rpc_remote_error_type(a.err), "violation");
	tt_answer_clear(&a);
	assert_int_equal(handler_ran, 0);	/* never sent */
	rpc_ref_call_checked(f->ref, &methods[0], tt_args_ints(1, 5),
	    tt_answer_cb, &a);
	assert_true(tt_run_until(f->loop, &a.done, 5.0));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 6);
	tt_answer_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_range_and_sign),
		cmocka_unit_test(test_str_and_bin_never_interchangeable),
		cmocka_unit_test(test_containers_check_their_elements),
		cmocka_unit_test(test_optional_bool_nil_ref),
		cmocka_unit_test_setup_teardown(
		    test_bad_arguments_refused_before_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_result_not_sent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_caller_checks_its_own_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
