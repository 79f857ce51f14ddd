/* tests/bench/rpc-bench.c -- benchmark and two-process test peer for the
 * tub.
 *
 * "serve" exports one object with add(int, int) -> int and echo(bin) ->
 * bin and writes its FURL to a file; "client" measures sequential calls,
 * a window of calls in flight, bulk echo and connection set-up against such
 * a server and prints one JSON line; "call" makes a single call, for the
 * demo and the integration test.  The methodology follows Foolscap's
 * measurement in the reference notes (section 4) so that
 * tests/bench/foolscap-bench.py can do the same work; doc/performance.md
 * has the results.  The FURL is a capability: it is never printed. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <glib.h>
#include <msgpack.h>
#include <sodium.h>

#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/ident.h"
#include "rpc/mpread.h"
#include "rpc/obj.h"
#include "rpc/pack.h"
#include "rpc/tub.h"
#include "tests/bench/bench.h"

/* Untimed calls before measuring, as in the Foolscap measurement. */
#define WARMUP_CALLS	200
#define DEFAULT_SECONDS	3.0
#define DEFAULT_WINDOW	64
/* "call" gives up after this long: a call whose connection went without
 * an answer must fail, never leave the process waiting (or spinning). */
#define CALL_DEADLINE	30.0
#define DEFAULT_SIZE	(1024 * 1024)
/* Longest FURL file accepted (a FURL is well under 1 KiB). */
#define FURL_FILE_MAX	4096
/* Window mode: at most this many calls in flight (the tub's default
 * max_outstanding is 4096). */
#define MAX_WINDOW	4096

static const char usage_text[] =
    "usage: rpc-bench serve --furl-file PATH [--port N]\n"
    "       rpc-bench client (--furl FURL | --furl-file PATH)\n"
    "           --mode seq|window|bulk|connect [--seconds S] [--window K]"
    " [--size BYTES]\n"
    "       rpc-bench call (--furl FURL | --furl-file PATH) add A B\n"
    "       rpc-bench call (--furl FURL | --furl-file PATH) echo TEXT\n";

static void
usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rpc-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	exit(2);
}

/* ---- options ---- */

struct opts {
	const char	*furl_file;
	const char	*furl;
	const char	*mode;
	double		 seconds;
	long		 window;
	long		 size;
	long		 port;
	int		 argi;		/* first positional argument */
};

static long
parse_long(const char *opt, const char *s, long min, long max)
{
	gint64 v;

	if (!g_ascii_string_to_signed(s, 10, min, max, &v, NULL))
		usage_error("%s: expected an integer in [%ld, %ld], got '%s'",
		    opt, min, max, s);
	return (long)v;
}

/* Parse "--name value" and "--name=value" options up to the first
 * positional argument. */
static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->seconds = DEFAULT_SECONDS;
	o->window = DEFAULT_WINDOW;
	o->size = DEFAULT_SIZE;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *eq, *val;
		char name[32];
		size_t nlen;

		if (strncmp(a, "--", 2) != 0)
			break;
		eq = strchr(a, '=');
		nlen = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if (nlen >= sizeof(name))
			usage_error("unknown option %s", a);
		memcpy(name, a, nlen);
		name[nlen] = '\0';
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			usage_error("%s needs a value", name);
		if (strcmp(name, "--furl-file") == 0) {
			o->furl_file = val;
		} else if (strcmp(name, "--furl") == 0) {
			o->furl = val;
		} else if (strcmp(name, "--mode") == 0) {
			o->mode = val;
		} else if (strcmp(name, "--seconds") == 0) {
			char *end;

			errno = 0;
			o->seconds = g_ascii_strtod(val, &end);
			if (errno != 0 || *end != '\0' || end == val ||
			    !(o->seconds > 0 && o->seconds <= 3600))
				usage_error("--seconds: expected a number in "
				    "(0, 3600], got '%s'", val);
		} else if (strcmp(name, "--window") == 0) {
			o->window = parse_long(name, val, 1, MAX_WINDOW);
		} else if (strcmp(name, "--size") == 0) {
			o->size = parse_long(name, val, 0, 64L * 1024 * 1024);
		} else if (strcmp(name, "--port") == 0) {
			o->port = parse_long(name, val, 0, 65535);
		} else {
			usage_error("unknown option %s", name);
		}
	}
	o->argi = i;
}

/* The FURL from --furl or --furl-file (caller frees with free_furl()). */
static char *
load_furl(const struct opts *o)
{
	char *text = NULL;
	gsize len = 0;
	GError *err = NULL;

	if (o->furl != NULL && o->furl_file != NULL)
		usage_error("give --furl or --furl-file, not both");
	if (o->furl != NULL)
		return g_strdup(o->furl);
	if (o->furl_file == NULL)
		usage_error("--furl or --furl-file is required");
	if (!g_file_get_contents(o->furl_file, &text, &len, &err)) {
		fprintf(stderr, "rpc-bench: %s\n", err->message);
		g_error_free(err);
		exit(1);
	}
	if (len > FURL_FILE_MAX) {
		fprintf(stderr, "rpc-bench: %s: too long for a FURL file\n",
		    o->furl_file);
		exit(1);
	}
	return g_strstrip(text);
}

static void
free_furl(char *furl)
{
	if (furl == NULL)
		return;
	sodium_memzero(furl, strlen(furl));
	g_free(furl);
}

/* ---- serve ---- */

static void
calc_add(rpc_incall *call, rpc_mp *args, void *data)
{
	int64_t a, b, sum;
	rpc_pack *p;

	RPC_UNUSED(data);
	if (rpc_mp_int(args, INT64_MIN, INT64_MAX, &a) != 0 ||
	    rpc_mp_int(args, INT64_MIN, INT64_MAX, &b) != 0 ||
	    rpc_mp_end(args) != 0) {
		rpc_incall_fail(call, "violation",
		    "add takes two integers");
		return;
	}
	if (__builtin_add_overflow(a, b, &sum)) {
		rpc_incall_fail(call, "violation", "add: sum overflows");
		return;
	}
	p = rpc_pack_new();
	rpc_pack_int(p, sum);
	rpc_incall_return(call, p);
}

static void
calc_echo(rpc_incall *call, rpc_mp *args, void *data)
{
	const rpc_tub *tub = data;
	const uint8_t *bytes;
	size_t len;
	rpc_pack *p;

	if (rpc_mp_bin(args, rpc_tub_limits(tub)->max_frame, &bytes,
	    &len) != 0 || rpc_mp_end(args) != 0) {
		rpc_incall_fail(call, "violation",
		    "echo takes one bin of at most %zu bytes",
		    rpc_tub_limits(tub)->max_frame);
		return;
	}
	p = rpc_pack_new();
	rpc_pack_bin(p, bytes, len);
	rpc_incall_return(call, p);
}

/* Designated initializers: the handlers check their own arguments, so
 * any further fields of rpc_method stay zero. */
static const rpc_method calc_methods[] = {
	{ .name = "add", .fn = calc_add },
	{ .name = "echo", .fn = calc_echo },
};

static const rpc_iface calc_iface = {
	.name = "bench.Calc",
	.methods = calc_methods,
	.n_methods = G_N_ELEMENTS(calc_methods),
};

static void
stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ALL);
}

static int
cmd_serve(struct ev_loop *loop, const struct opts *o, int argc)
{
	GError *err = NULL;
	rpc_tub *tub;
	rpc_obj *obj;
	char *furl;
	ev_signal sigterm, sigint;

	if (o->argi != argc)
		usage_error("serve takes no arguments");
	if (o->furl_file == NULL)
		usage_error("serve needs --furl-file");
	tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	if (!rpc_tub_listen(tub, "127.0.0.1", (uint16_t)o->port, &err))
		goto fail;
	obj = rpc_obj_new(&calc_iface, tub, NULL);
	furl = rpc_tub_register(tub, obj, NULL, o->furl_file, &err);
	rpc_obj_unref(obj);
	if (furl == NULL)
		goto fail;
	free_furl(furl);
	printf("serving FURL-file=%s port=%u\n", o->furl_file,
	    (unsigned)rpc_tub_port(tub));
	fflush(stdout);

	ev_signal_init(&sigterm, stop_cb, SIGTERM);
	ev_signal_start(loop, &sigterm);
	ev_signal_init(&sigint, stop_cb, SIGINT);
	ev_signal_start(loop, &sigint);
	ev_run(loop, 0);
	ev_signal_stop(loop, &sigterm);
	ev_signal_stop(loop, &sigint);
	rpc_tub_free(tub);
	return 0;

fail:
	fprintf(stderr, "rpc-bench: %s\n", err->message);
	g_error_free(err);
	rpc_tub_free(tub);
	return 1;
}

/* ---- client ---- */

enum mode { MODE_SEQ, MODE_WINDOW, MODE_BULK, MODE_CONNECT };

struct bench;

/* One call in flight (window mode keeps K of them). */
struct slot {
	struct bench	*b;
	double		 t0;		/* µs, when the call was sent */
};

struct bench {
	struct ev_loop	*loop;
	enum mode	 mode;
	rpc_ref		*ref;
	double		 seconds;
	size_t		 size;
	uint8_t		*payload;	/* bulk: the bytes sent */

	bool		 timing;	/* past the warm-up */
	double		 start, end;	/* µs */
	uint64_t	 ops;
	GArray		*lat;		/* double µs per op */
	unsigned	 warmup_left;
	unsigned	 outstanding;
	bool		 done;
	char		*error;		/* first failure; ends the run */
};

static void
bench_fail(struct bench *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
bench_fail(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	if (b->error == NULL) {
		va_start(ap, fmt);
		b->error = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	b->done = true;
	ev_break(b->loop, EVBREAK_ALL);
}

static rpc_pack *
add_args(int64_t a, int64_t bb)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_int(p, a);
	rpc_pack_int(p, bb);
	return p;
}

static rpc_pack *
echo_args(const uint8_t *data, size_t len)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 1);
	rpc_pack_bin(p, data, len);
	return p;
}

static bool
is_int(const msgpack_object *o, int64_t want)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return want >= 0 && o->via.u64 == (uint64_t)want;
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64 == want;
	return false;
}

static void bench_answer_cb(const msgpack_object *result,
    const rpc_refctx *refs, const GError *err, void *arg);

static void
bench_send(struct slot *s)
{
	struct bench *b = s->b;

	b->outstanding++;
	s->t0 = bench_now_us();
	if (b->mode == MODE_BULK && b->timing)
		rpc_ref_call(b->ref, "echo",
		    echo_args(b->payload, b->size), bench_answer_cb, s);
	else
		rpc_ref_call(b->ref, "add", add_args(1, 2), bench_answer_cb,
		    s);
}

static void
bench_start_timing(struct bench *b)
{
	b->timing = true;
	b->start = bench_now_us();
}

static void
bench_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct slot *s = arg;
	struct bench *b = s->b;
	double t = bench_now_us();

	RPC_UNUSED(refs);
	b->outstanding--;
	if (b->done)
		return;
	if (err != NULL) {
		bench_fail(b, "call failed: %s", err->message);
		return;
	}
	if (b->mode == MODE_BULK && b->timing) {
		if (result->type != MSGPACK_OBJECT_BIN ||
		    result->via.bin.size != b->size ||
		    memcmp(result->via.bin.ptr, b->payload, b->size) != 0) {
			bench_fail(b, "echo returned different bytes");
			return;
		}
	} else if (!is_int(result, 3)) {
		bench_fail(b, "add(1, 2) did not return 3");
		return;
	}
	if (!b->timing) {
		if (b->warmup_left > 0)
			b->warmup_left--;
		if (b->warmup_left > 0) {
			bench_send(s);
		} else if (b->outstanding == 0) {
			b->done = true;	/* the caller starts the timed run */
			ev_break(b->loop, EVBREAK_ALL);
		}
		return;
	}
	b->ops++;
	g_array_append_vals(b->lat, &(double){ t - s->t0 }, 1);
	b->end = t;
	if (t - b->start < b->seconds * 1e6) {
		bench_send(s);
	} else if (b->outstanding == 0) {
		b->done = true;
		ev_break(b->loop, EVBREAK_ALL);
	}
}

static void
getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct bench *b = arg;

	b->done = true;
	if (err != NULL) {
		if (b->error == NULL)
			b->error = g_strdup_printf("connect failed: %s",
			    err->message);
		return;
	}
	b->ref = ref;
}

/* The process's last word when a wait runs past its deadline. */
static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	fprintf(stderr, "rpc-bench: no answer within %.0f s\n", w->repeat);
	fflush(stdout);
	_exit(1);
}

/* Run the loop until *done.  The deadline timer keeps the loop from
 * returning at once (and the caller from spinning) when nothing else is
 * watched: a connection that went without completing the wait ends the
 * process through deadline_cb, never in a busy loop. */
static void
run_until(struct ev_loop *loop, const bool *done, double seconds)
{
	ev_timer deadline;

	ev_timer_init(&deadline, deadline_cb, seconds, seconds);
	ev_timer_start(loop, &deadline);
	while (!*done)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &deadline);
}

static void
run_until_done(struct bench *b)
{
	run_until(b->loop, &b->done, CALL_DEADLINE);
}

/* Get a reference to 'furl' through 'tub' into b->ref; FALSE on error. */
static bool
bench_connect(struct bench *b, rpc_tub *tub, const char *furl)
{
	b->done = false;
	b->ref = NULL;
	rpc_tub_get_ref(tub, furl, getref_cb, b);
	run_until_done(b);
	return b->ref != NULL;
}

/* A connect trial: the callback of the one add call. */
struct trial {
	bool		 done;
	char		*error;
};

static void
trial_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct trial *tr = arg;

	RPC_UNUSED(refs);
	tr->done = true;
	if (err != NULL)
		tr->error = g_strdup_printf("call failed: %s", err->message);
	else if (!is_int(result, 3))
		tr->error = g_strdup("add(1, 2) did not return 3");
}

static void
run_connect_mode(struct bench *b, const char *furl)
{
	b->start = bench_now_us();
	b->end = b->start;
	while (b->end - b->start < b->seconds * 1e6) {
		/* Ed25519 key generation happens before the clock starts. */
		rpc_ident *id = rpc_ident_new();
		struct trial tr = { false, NULL };
		struct bench cb;
		rpc_tub *tub;
		double t0, t1;

		memset(&cb, 0, sizeof(cb));
		cb.loop = b->loop;
		t0 = bench_now_us();
		tub = rpc_tub_new(b->loop, id, NULL);
		if (!bench_connect(&cb, tub, furl)) {
			b->error = cb.error;
			rpc_tub_free(tub);
			return;
		}
		rpc_ref_call(cb.ref, "add", add_args(1, 2), trial_answer_cb,
		    &tr);
		run_until(b->loop, &tr.done, CALL_DEADLINE);
		t1 = bench_now_us();
		rpc_ref_unref(cb.ref);
		rpc_tub_free(tub);
		if (tr.error != NULL) {
			b->error = tr.error;
			return;
		}
		b->ops++;
		g_array_append_vals(b->lat, &(double){ t1 - t0 }, 1);
		b->end = bench_now_us();
	}
}

static void
print_result(const struct bench *b, const char *mode_name, long window)
{
	double secs = (b->end - b->start) / 1e6;
	double *v = (double *)(void *)b->lat->data;
	size_t n = b->lat->len;
	double ops_s = secs > 0 ? (double)b->ops / secs : 0;

	qsort(v, n, sizeof(double), bench_cmp_double);
	printf("{\"mode\":\"%s\",\"ops\":%" PRIu64 ",\"seconds\":%.3f,"
	    "\"ops_per_s\":%.1f", mode_name, b->ops, secs, ops_s);
	if (b->mode == MODE_BULK)
		printf(",\"mb_per_s\":%.2f", secs > 0 ?
		    (double)b->ops * (double)b->size / 1e6 / secs : 0);
	printf(",\"p50_us\":%.1f,\"p99_us\":%.1f", bench_percentile(v, n, 0.50),
	    bench_percentile(v, n, 0.99));
	if (b->mode == MODE_WINDOW)
		printf(",\"window\":%ld", window);
	if (b->mode == MODE_BULK)
		printf(",\"size\":%zu", b->size);
	printf("}\n");
	fflush(stdout);
}

static int
cmd_client(struct ev_loop *loop, const struct opts *o, int argc)
{
	struct bench b;
	rpc_tub *tub;
	char *furl;
	struct slot *slots;
	long nslots = 1;
	int rc = 1;

	if (o->argi != argc)
		usage_error("client takes no arguments");
	if (o->mode == NULL)
		usage_error("client needs --mode");
	memset(&b, 0, sizeof(b));
	if (strcmp(o->mode, "seq") == 0)
		b.mode = MODE_SEQ;
	else if (strcmp(o->mode, "window") == 0)
		b.mode = MODE_WINDOW, nslots = o->window;
	else if (strcmp(o->mode, "bulk") == 0)
		b.mode = MODE_BULK;
	else if (strcmp(o->mode, "connect") == 0)
		b.mode = MODE_CONNECT;
	else
		usage_error("unknown mode '%s'", o->mode);
	furl = load_furl(o);

	b.loop = loop;
	b.seconds = o->seconds;
	b.size = (size_t)o->size;
	b.lat = g_array_sized_new(FALSE, FALSE, sizeof(double), 65536);
	slots = g_new0(struct slot, nslots);
	if (b.mode == MODE_BULK) {
		b.payload = g_malloc(b.size > 0 ? b.size : 1);
		randombytes_buf(b.payload, b.size);
	}

	tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	if (!bench_connect(&b, tub, furl))
		goto out;

	/* Warm-up: sequential adds, not timed. */
	b.done = false;
	b.warmup_left = WARMUP_CALLS;
	slots[0].b = &b;
	bench_send(&slots[0]);
	run_until_done(&b);
	if (b.error != NULL)
		goto out;

	if (b.mode == MODE_CONNECT) {
		run_connect_mode(&b, furl);
	} else {
		b.done = false;
		bench_start_timing(&b);
		for (long i = 0; i < nslots; i++) {
			slots[i].b = &b;
			bench_send(&slots[i]);
		}
		run_until_done(&b);
	}
	if (b.error != NULL)
		goto out;
	print_result(&b, o->mode, o->window);
	rc = 0;

out:
	if (b.error != NULL)
		fprintf(stderr, "rpc-bench: %s\n", b.error);
	rpc_ref_unref(b.ref);
	rpc_tub_free(tub);
	free_furl(furl);
	g_free(b.error);
	g_free(b.payload);
	g_free(slots);
	g_array_free(b.lat, TRUE);
	return rc;
}

/* ---- call ---- */

struct one_call {
	bool		 done;
	bool		 ok;
	bool		 is_echo;
	int64_t		 a, b;
};

static void
one_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct one_call *c = arg;

	RPC_UNUSED(refs);
	c->done = true;
	if (err != NULL) {
		fprintf(stderr, "rpc-bench: call failed: %s\n",
		    err->message);
		return;
	}
	if (c->is_echo) {
		char *text, *esc;

		if (result->type != MSGPACK_OBJECT_BIN) {
			fprintf(stderr, "rpc-bench: echo returned no bin\n");
			return;
		}
		text = g_strndup(result->via.bin.ptr, result->via.bin.size);
		esc = g_strescape(text, NULL);
		printf("echo -> \"%s\"\n", esc);
		g_free(esc);
		g_free(text);
	} else if (result->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    result->via.u64 <= INT64_MAX) {
		printf("add(%" PRId64 ", %" PRId64 ") = %" PRId64 "\n", c->a,
		    c->b, (int64_t)result->via.u64);
	} else if (result->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		printf("add(%" PRId64 ", %" PRId64 ") = %" PRId64 "\n", c->a,
		    c->b, result->via.i64);
	} else {
		fprintf(stderr, "rpc-bench: add returned no integer\n");
		return;
	}
	c->ok = true;
}

static int64_t
parse_int64(const char *what, const char *s)
{
	gint64 v;

	if (!g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, &v,
	    NULL))
		usage_error("%s: not an integer: '%s'", what, s);
	return v;
}

static int
cmd_call(struct ev_loop *loop, const struct opts *o, int argc, char **argv)
{
	struct bench b;
	struct one_call c;
	rpc_tub *tub;
	rpc_pack *args;
	char *furl;
	const char *method;
	int rc = 1;

	memset(&c, 0, sizeof(c));
	if (o->argi >= argc)
		usage_error("call needs a method: add or echo");
	method = argv[o->argi];
	if (strcmp(method, "add") == 0) {
		if (argc - o->argi != 3)
			usage_error("add takes two integers");
		c.a = parse_int64("A", argv[o->argi + 1]);
		c.b = parse_int64("B", argv[o->argi + 2]);
		args = add_args(c.a, c.b);
	} else if (strcmp(method, "echo") == 0) {
		if (argc - o->argi != 2)
			usage_error("echo takes one text");
		c.is_echo = true;
		args = echo_args((const uint8_t *)argv[o->argi + 1],
		    strlen(argv[o->argi + 1]));
	} else {
		usage_error("unknown method '%s'", method);
	}
	furl = load_furl(o);

	memset(&b, 0, sizeof(b));
	b.loop = loop;
	tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	if (!bench_connect(&b, tub, furl)) {
		fprintf(stderr, "rpc-bench: %s\n", b.error);
		rpc_pack_free(args);
		goto out;
	}
	rpc_ref_call(b.ref, method, args, one_answer_cb, &c);
	run_until(loop, &c.done, CALL_DEADLINE);
	rc = c.ok ? 0 : 1;

out:
	fflush(stdout);
	rpc_ref_unref(b.ref);
	rpc_tub_free(tub);
	free_furl(furl);
	g_free(b.error);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ev_loop *loop;
	struct opts o;
	const char *cmd;

	if (argc < 2)
		usage_error("missing command");
	cmd = argv[1];
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "client") != 0 &&
	    strcmp(cmd, "call") != 0)
		usage_error("unknown command '%s'", cmd);
	parse_opts(argc, argv, &o);
	if (sodium_init() < 0) {
		fprintf(stderr, "rpc-bench: libsodium failed to initialise\n");
		return 1;
	}
	/* A peer that closes mid-write must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	loop = ev_default_loop(0);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(loop, &o, argc);
	if (strcmp(cmd, "client") == 0)
		return cmd_client(loop, &o, argc);
	return cmd_call(loop, &o, argc, argv);
}
