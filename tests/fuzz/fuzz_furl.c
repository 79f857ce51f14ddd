/* tests/fuzz/fuzz_furl.c -- libFuzzer target for rpc_furl_parse().
 *
 * Any input either fails with a one-line error, or parses into a FURL
 * whose canonical text parses again to the same FURL and the same text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "rpc/err.h"
#include "rpc/furl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The two FURLs have the same parts. */
static gboolean
same_furl(const rpc_furl *a, const rpc_furl *b)
{
	size_t i;

	if (strcmp(rpc_furl_tubid(a), rpc_furl_tubid(b)) != 0 ||
	    memcmp(rpc_furl_tubid_raw(a), rpc_furl_tubid_raw(b),
	    RPC_TUBID_RAW) != 0 ||
	    strcmp(rpc_furl_swissnum(a), rpc_furl_swissnum(b)) != 0 ||
	    rpc_furl_n_hints(a) != rpc_furl_n_hints(b))
		return FALSE;
	for (i = 0; i < rpc_furl_n_hints(a); i++)
		if (strcmp(rpc_furl_hint_host(a, i),
		    rpc_furl_hint_host(b, i)) != 0 ||
		    rpc_furl_hint_port(a, i) != rpc_furl_hint_port(b, i))
			return FALSE;
	return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rpc_furl *f = NULL, *g = NULL;
	GError *err = NULL;
	char *text, *s1 = NULL, *s2 = NULL, *red = NULL;

	text = g_malloc(size + 1);
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';

	if (!rpc_furl_parse(text, &f, &err)) {
		if (f != NULL || err == NULL || err->domain != RPC_ERROR ||
		    strchr(err->message, '\n') != NULL)
			abort();
		g_error_free(err);
		goto out;
	}
	if (err != NULL)
		abort();
	s1 = rpc_furl_to_string(f);
	if (!rpc_furl_parse(s1, &g, NULL))
		abort();
	s2 = rpc_furl_to_string(g);
	if (strcmp(s1, s2) != 0 || !same_furl(f, g))
		abort();
	red = rpc_furl_redacted(f);
	if (strlen(red) > strlen(s1) + 3)
		abort();

out:
	g_free(red);
	g_free(s2);
	g_free(s1);
	rpc_furl_free(g);
	rpc_furl_free(f);
	g_free(text);
	return 0;
}
