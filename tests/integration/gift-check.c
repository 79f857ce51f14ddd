/* tests/integration/gift-check.c -- offer a gift to a running node and
 * report what came of it, for test_node_gifts.sh.
 *
 * Usage: gift-check FURL_FILE METHOD.  A third tub, listening on
 * 127.0.0.1, exports a calc object; this program's own tub gets a
 * reference to it and calls METHOD (no other arguments) on the object of
 * FURL_FILE with that reference as its one argument: a gift (a their-ref,
 * doc/protocol.md §5.2), since the object is the third tub's.  It then
 * watches the third tub for two seconds more and prints
 *   answer: ok | error TYPE
 *   third-tub connections: N
 * where N is the most connections the third tub had at once (1: ours
 * only; 2: the receiver dialled it to redeem the gift).  Exit 0 when the
 * receiver refused the gift (gift-failed) and never dialled; 1 otherwise.
 * The FURLs are never printed. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <ev.h>
#include <glib.h>
#include <sodium.h>

#include "rpc/err.h"
#include "rpc/pack.h"
#include "rpc/tub.h"
#include "tests/unit/tubtest.h"

#define WATCH_SECONDS	2.0

int
main(int argc, char **argv)
{
	struct ev_loop *loop;
	rpc_tub *third, *me;
	rpc_obj *obj;
	rpc_ref *gift = NULL, *target = NULL;
	tt_calc calc;
	tt_answer a;
	GError *err = NULL;
	char *furl3 = NULL, *furl = NULL;
	const char *type = NULL;
	guint most = 0;
	double end;
	rpc_pack *args;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: gift-check FURL_FILE METHOD\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (!g_file_get_contents(argv[1], &furl, NULL, &err)) {
		fprintf(stderr, "gift-check: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	g_strstrip(furl);
	loop = ev_default_loop(0);
	memset(&calc, 0, sizeof(calc));
	third = tt_tub_listening(loop, NULL);
	obj = tt_calc_new(&calc);
	furl3 = rpc_tub_register(third, obj, NULL, NULL, &err);
	rpc_obj_unref(obj);
	me = rpc_tub_new(loop, rpc_ident_new(), NULL);
	if (furl3 == NULL ||
	    (gift = tt_get_ref(me, furl3, &err)) == NULL ||
	    (target = tt_get_ref(me, furl, &err)) == NULL) {
		fprintf(stderr, "gift-check: %s\n", err->message);
		g_error_free(err);
		goto out;
	}

	args = rpc_pack_new();
	rpc_pack_array(args, 1);
	rpc_pack_ref(args, gift);
	tt_answer_init(&a);
	if (!tt_call(loop, target, argv[2], args, &a)) {
		fprintf(stderr, "gift-check: no answer within 5 s\n");
		tt_answer_clear(&a);
		goto out;
	}
	if (a.err == NULL)
		printf("answer: ok\n");
	else if ((type = rpc_remote_error_type(a.err)) != NULL)
		printf("answer: error %s\n", type);
	else
		printf("answer: error (local) %s\n", a.err->message);
	/* A redeeming receiver dials the third tub; give it time to. */
	for (end = ev_time() + WATCH_SECONDS; ev_time() < end;) {
		most = MAX(most, rpc_tub_n_connections(third));
		tt_run_for(loop, 0.05);
	}
	most = MAX(most, rpc_tub_n_connections(third));
	printf("third-tub connections: %u\n", most);
	rc = type != NULL && strcmp(type, "gift-failed") == 0 && most == 1 ?
	    0 : 1;
	tt_answer_clear(&a);

out:
	fflush(stdout);
	rpc_ref_unref(gift);
	rpc_ref_unref(target);
	rpc_tub_free(me);
	rpc_tub_free(third);
	tt_calc_clear(&calc);
	g_free(furl3);
	if (furl != NULL) {
		sodium_memzero(furl, strlen(furl));
		g_free(furl);
	}
	return rc;
}
