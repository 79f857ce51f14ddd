/* tests/unit/tubtest.h -- helpers for tests that run tubs on one loop. */
#ifndef TUBTEST_H
#define TUBTEST_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <glib.h>
#include <msgpack.h>

#include "rpc/tub.h"

/* Run 'loop' until *flag is true or 'timeout' seconds pass; return *flag. */
bool tt_run_until(struct ev_loop *loop, const bool *flag, double timeout);
/* Run 'loop' for 'seconds'. */
void tt_run_for(struct ev_loop *loop, double seconds);

/* A tub with a new identity listening on 127.0.0.1:0. */
rpc_tub *tt_tub_listening(struct ev_loop *loop, const rpc_limits *lim);

/* rpc_tub_get_ref(), waiting up to 5 s.  Return the reference, or NULL
 * with *err set. */
rpc_ref *tt_get_ref(rpc_tub *tub, const char *furl, GError **err);

/* The outcome of one call, with a copy of the result. */
typedef struct tt_answer {
	bool			 done;
	int			 times;		/* callback invocations */
	GError			*err;
	msgpack_unpacked	 result;	/* valid if err == NULL */
	msgpack_sbuffer		 bytes;		/* what 'result' points into */
} tt_answer;

void tt_answer_init(tt_answer *a);
void tt_answer_clear(tt_answer *a);
rpc_answer_fn tt_answer_cb;

/* Call and wait up to 5 s; return true if an answer or error arrived. */
bool tt_call(struct ev_loop *loop, rpc_ref *ref, const char *method,
    rpc_pack *args, tt_answer *a);

/* Pack [a, b] of integers. */
rpc_pack *tt_args_ints(int64_t a, int64_t b);

/* The test object "calc": add(int, int) -> int; echo(x) -> x;
 * fail(type, msg) raises; hold() never answers until tt_calc_release();
 * note(x) (meant one-way) counts calls; callback(ref, a) answers with
 * ref.add(a, 1); store(ref) keeps a reference; same(ref) -> whether it is
 * the stored one; drop() forgets it; make() -> a new calc object;
 * give_back(ref) -> ref. */
typedef struct tt_calc {
	int		 notes;
	int		 destroyed;
	rpc_incall	*held;
	rpc_ref		*stored;
	rpc_obj		*stored_obj;
	struct tt_calc	*made;		/* state given to make()'s objects */
} tt_calc;
rpc_obj *tt_calc_new(tt_calc *state);
void tt_calc_release(tt_calc *state);
/* Drop what store() kept. */
void tt_calc_clear(tt_calc *state);

/* Two tubs on one new loop, married as nng's nuts_marry() marries two
 * sockets: a server listening on 127.0.0.1:0 with one object registered
 * under a random name, and a client (listening too if asked), holding a
 * reference to the object if asked.  The fixture of the network unit
 * tests; a test's own fixture may embed one. */
typedef struct tt_pair {
	struct ev_loop	*loop;
	rpc_tub		*server;
	rpc_tub		*client;
	tt_calc		 calc;		/* the default object's state */
	char		*furl;		/* the server object's FURL */
	rpc_ref		*ref;		/* client -> that object, or NULL */
} tt_pair;

typedef struct tt_pair_opts {
	const rpc_limits *server_lim;	/* NULL: defaults */
	const rpc_limits *client_lim;
	bool		 client_listens;
	rpc_obj		*obj;		/* to register (borrowed); NULL: a
					 * calc on p->calc */
	bool		 connect;	/* fill in p->ref */
} tt_pair_opts;

/* Set up 'p' (zeroed by the caller); 'o' NULL means the defaults: a calc,
 * a client that does not listen, connected.  Fails the test on error. */
void tt_pair_init(tt_pair *p, const tt_pair_opts *o);
/* Drop the reference, free both tubs (client first) and the loop. */
void tt_pair_fini(tt_pair *p);

#endif
