/* tests/bench/conn-bench.c -- many authenticated connections to one tub.
 *
 * Forks a server (a tub on 127.0.0.1 exporting add(a, b), its
 * max_conns raised above --conns), then opens --conns connections to it
 * from this process, each from a tub with its own new identity, at most
 * --parallel handshakes at a time (the server admits 8 unauthenticated
 * connections per address: doc/protocol.md §8).  Every --step connections
 * it prints the server's resident memory (VmRSS) and the connect rate
 * since the last step; then it calls add(1, 2) once on every connection
 * (256 calls in flight) and checks every answer; then the server's memory
 * again.  The per-step figures are of connections just opened; the
 * "idle_settled" one is taken 5 s after the last, once the server's trim
 * pass (rpc/tub.c, every 2 s) has given back idle connections' buffers.  One JSON line per measurement, then a summary with the memory
 * per idle connection (the slope from 0 to --conns).  Then, with the
 * connections still open, an unauthenticated flood: --flood sockets from
 * 200 addresses (127.0.0.2 to 127.0.0.201) that connect and never send
 * a byte, each reopened as soon as the server closes it; meanwhile
 * --trials new clients (new identities, from 127.0.0.1) connect and call
 * add(1, 2) one after another, and their times are reported.  Not a
 * test: nothing is asserted beyond every call being answered.
 *
 *   conn-bench [--conns N] [--step S] [--parallel P] [--limit SECONDS]
 *              [--hold SECONDS] [--flood F] [--trials T]
 *
 * --hold keeps the connections open that long before the calls (the
 * server's pid is printed on stderr: look at /proc/PID/smaps).
 *
 * The process raises its soft descriptor limit to the hard one; N
 * connections need N descriptors in each process (plus a few). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>
#include <glib.h>
#include <sodium.h>

#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/ident.h"
#include "rpc/limits.h"
#include "rpc/obj.h"
#include "rpc/pack.h"
#include "rpc/ref.h"
#include "rpc/tub.h"
#include "tests/bench/bench.h"

#define CALL_WINDOW	256

static void
die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

static pid_t server_pid = -1;

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("conn-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (server_pid > 0)
		kill(server_pid, SIGKILL);
	_exit(1);
}

static long
parse_long(const char *opt, const char *s, long min, long max)
{
	gint64 v;

	if (s == NULL || !g_ascii_string_to_signed(s, 10, min, max, &v, NULL))
		die("%s: expected an integer in [%ld, %ld]", opt, min, max);
	return (long)v;
}

/* ---- the server (child) ---- */

static void
calc_add(rpc_incall *call, rpc_mp *args, void *data)
{
	int64_t a, b;
	rpc_pack *p;

	RPC_UNUSED(data);
	if (rpc_mp_int(args, -1000000, 1000000, &a) != 0 ||
	    rpc_mp_int(args, -1000000, 1000000, &b) != 0 ||
	    rpc_mp_end(args) != 0) {
		rpc_incall_fail(call, "violation", "add takes two integers");
		return;
	}
	p = rpc_pack_new();
	rpc_pack_int(p, a + b);
	rpc_incall_return(call, p);
}

static const rpc_method calc_methods[] = {
	{ .name = "add", .fn = calc_add },
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

static G_GNUC_NORETURN void
serve(int fd, long conns)
{
	struct ev_loop *loop = ev_default_loop(0);
	rpc_limits lim;
	rpc_tub *tub;
	rpc_obj *obj;
	GError *err = NULL;
	char *furl;
	ev_signal sigterm;
	size_t len;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The server's per-connection log lines (evictions during the
	 * flood) are not what is measured. */
	{
		int nul = open("/dev/null", O_WRONLY);

		if (nul >= 0) {
			dup2(nul, STDERR_FILENO);
			close(nul);
		}
	}
	rpc_limits_init(&lim);
	lim.max_conns = (uint32_t)conns + 16;
	tub = rpc_tub_new(loop, rpc_ident_new(), &lim);
	if (!rpc_tub_listen(tub, "127.0.0.1", 0, &err))
		die("server: %s", err->message);
	obj = rpc_obj_new(&calc_iface, NULL, NULL);
	furl = rpc_tub_register(tub, obj, NULL, NULL, &err);
	rpc_obj_unref(obj);
	if (furl == NULL)
		die("server: %s", err->message);
	{
		char port[16];
		int pl = snprintf(port, sizeof(port), "%u\n",
		    (unsigned)rpc_tub_port(tub));

		if (write(fd, port, (size_t)pl) != pl)
			die("server: cannot hand over the port");
	}
	len = strlen(furl);
	if (write(fd, furl, len) != (ssize_t)len)
		die("server: cannot hand over the FURL");
	close(fd);
	sodium_memzero(furl, len);
	g_free(furl);
	ev_signal_init(&sigterm, stop_cb, SIGTERM);
	ev_signal_start(loop, &sigterm);
	ev_run(loop, 0);
	rpc_tub_free(tub);
	_exit(0);
}

/* ---- the clients ---- */

struct bench {
	struct ev_loop	*loop;
	const char	*furl;
	rpc_tub		**tubs;
	rpc_ref		**refs;
	long		 n, started, connected, parallel;
	long		 answered, calls_sent;
	char		*error;
};

static long
server_rss_kib(void)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status",
	    (int)server_pid);
	g_autofree char *text = NULL;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    (p = strstr(text, "VmRSS:")) == NULL)
		die("cannot read %s", path);
	return strtol(p + 6, NULL, 10);
}

static void start_more(struct bench *b);

struct slot {
	struct bench	*b;
	long		 i;
};

static void
getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct slot *s = arg;
	struct bench *b = s->b;

	if (err != NULL) {
		if (b->error == NULL)
			b->error = g_strdup_printf("connection %ld: %s", s->i,
			    err->message);
	} else {
		b->refs[s->i] = rpc_ref_ref(ref);
		b->connected++;
	}
	g_free(s);
	start_more(b);
}

static void
start_more(struct bench *b)
{
	while (b->error == NULL && b->started < b->n &&
	    b->started - b->connected < b->parallel) {
		struct slot *s = g_new0(struct slot, 1);

		s->b = b;
		s->i = b->started;
		b->tubs[s->i] = rpc_tub_new(b->loop, rpc_ident_new(), NULL);
		b->started++;
		rpc_tub_get_ref(b->tubs[s->i], b->furl, getref_cb, s);
	}
}

static void send_call(struct bench *b);

static void
add_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct bench *b = arg;

	RPC_UNUSED(refs);
	if (err != NULL || result->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    result->via.u64 != 3) {
		if (b->error == NULL)
			b->error = g_strdup_printf("a call failed: %s",
			    err != NULL ? err->message : "wrong answer");
		return;
	}
	b->answered++;
	send_call(b);
}

static void
send_call(struct bench *b)
{
	rpc_pack *p;

	if (b->calls_sent >= b->n || b->error != NULL)
		return;
	p = rpc_pack_new();
	rpc_pack_array(p, 2);
	rpc_pack_int(p, 1);
	rpc_pack_int(p, 2);
	rpc_ref_call(b->refs[b->calls_sent++], "add", p, add_cb, b);
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	die("not done within %.0f s", w->repeat);
}

/* Run the loop until *v reaches 'want' (or an error). */
static void
run_until(struct bench *b, const long *v, long want)
{
	while (*v < want && b->error == NULL)
		ev_run(b->loop, EVRUN_ONCE);
	if (b->error != NULL)
		die("%s", b->error);
}

static void
settle(struct ev_loop *loop, double seconds)
{
	double end = bench_now_s() + seconds;

	while (bench_now_s() < end)
		ev_run(loop, EVRUN_NOWAIT), g_usleep(10000);
}

/* ---- the flood ---- */

#define FLOOD_ADDRS	200

struct flood;
struct fsock {
	ev_io		 w;
	struct flood	*f;
	int		 i;
};
struct flood {
	struct ev_loop	*loop;
	uint16_t	 port;
	struct fsock	*s;
	long		 n, opened, closed_by_server;
};

static void flood_cb(struct ev_loop *loop, ev_io *w, int revents);

static void
flood_open(struct flood *f, int i)
{
	struct sockaddr_in src, dst;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	char addr[32];

	if (fd < 0)
		die("flood socket: %s", g_strerror(errno));
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	g_snprintf(addr, sizeof(addr), "127.0.0.%d", 2 + i % FLOOD_ADDRS);
	inet_pton(AF_INET, addr, &src.sin_addr);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0)
		die("flood bind %s: %s", addr, g_strerror(errno));
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(f->port);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 &&
	    errno != EINPROGRESS)
		die("flood connect: %s", g_strerror(errno));
	f->s[i].f = f;
	f->s[i].i = i;
	ev_io_init(&f->s[i].w, flood_cb, fd, EV_READ);
	ev_io_start(f->loop, &f->s[i].w);
	f->opened++;
}

/* The server spoke (ignored: the flood never answers) or closed the
 * socket (open another at once: the attacker reconnects). */
static void
flood_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fsock *s = RPC_CONTAINER_OF(w, struct fsock, w);
	char buf[512];
	ssize_t r = read(w->fd, buf, sizeof(buf));

	RPC_UNUSED(revents);
	if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	ev_io_stop(loop, w);
	close(w->fd);
	s->f->closed_by_server++;
	flood_open(s->f, s->i);
}

static void
flood_stop(struct flood *f)
{
	long i;

	for (i = 0; i < f->n; i++) {
		ev_io_stop(f->loop, &f->s[i].w);
		close(f->s[i].w.fd);
	}
	g_free(f->s);
}

/* One new client during the flood: connect, call, time it. */
struct trial {
	bool		 done, ok;
	rpc_ref		*ref;
};

static void
trial_ref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct trial *tr = arg;

	if (err != NULL)
		tr->done = true;
	else
		tr->ref = rpc_ref_ref(ref);
}

static void
trial_add_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct trial *tr = arg;

	RPC_UNUSED(refs);
	tr->done = true;
	tr->ok = err == NULL && result->type ==
	    MSGPACK_OBJECT_POSITIVE_INTEGER && result->via.u64 == 3;
}

/* Connect and call within 'limit' seconds; the time taken, or -1. */
static double
trial_run(struct ev_loop *loop, const char *furl, double limit)
{
	struct trial tr = { false, false, NULL };
	rpc_tub *tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	double t0 = bench_now_s(), end = t0 + limit, t;
	bool called = false;

	rpc_tub_get_ref(tub, furl, trial_ref_cb, &tr);
	while (!tr.done && bench_now_s() < end) {
		ev_run(loop, EVRUN_ONCE);
		if (tr.ref != NULL && !called) {
			rpc_pack *p = rpc_pack_new();

			rpc_pack_array(p, 2);
			rpc_pack_int(p, 1);
			rpc_pack_int(p, 2);
			rpc_ref_call(tr.ref, "add", p, trial_add_cb, &tr);
			called = true;
		}
	}
	t = bench_now_s();
	rpc_ref_unref(tr.ref);
	rpc_tub_free(tub);
	/* The tub's cancelled call answered as it went. */
	return tr.ok ? t - t0 : -1;
}

int
main(int argc, char **argv)
{
	long conns = 10000, step = 1000, parallel = 8, limit = 600, hold = 0;
	long nflood = 1000, trials = 20;
	struct bench b;
	struct rlimit rl;
	int fds[2], i;
	char *furl;
	uint16_t port;
	char buf[512];
	ssize_t r;
	size_t got = 0;
	long rss0, rss_prev, rss, rss_step1 = -1;
	long conns_prev = 0, conns_step1 = -1, rss_idle;
	double t, t_prev, t_start;
	ev_timer deadline;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--conns") == 0)
			conns = parse_long("--conns", v, 1, 1000000);
		else if (strcmp(argv[i], "--step") == 0)
			step = parse_long("--step", v, 1, 1000000);
		else if (strcmp(argv[i], "--parallel") == 0)
			parallel = parse_long("--parallel", v, 1, 64);
		else if (strcmp(argv[i], "--limit") == 0)
			limit = parse_long("--limit", v, 1, 86400);
		else if (strcmp(argv[i], "--hold") == 0)
			hold = parse_long("--hold", v, 0, 3600);
		else if (strcmp(argv[i], "--flood") == 0)
			nflood = parse_long("--flood", v, 0, 100000);
		else if (strcmp(argv[i], "--trials") == 0)
			trials = parse_long("--trials", v, 1, 10000);
		else
			die("usage: conn-bench [--conns N] [--step S] "
			    "[--parallel P] [--limit SECONDS] [--hold SECONDS] "
			    "[--flood F] [--trials T]");
		i++;
	}
	if (sodium_init() < 0)
		die("libsodium failed to initialise");
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((rlim_t)(conns + nflood) + 64 > rl.rlim_cur)
		die("%ld connections and %ld flood sockets need %ld "
		    "descriptors; the limit is %lu", conns, nflood,
		    conns + nflood + 64, (unsigned long)rl.rlim_cur);
	if (pipe(fds) != 0)
		die("pipe: %s", g_strerror(errno));
	fflush(stdout);
	server_pid = fork();
	if (server_pid < 0)
		die("fork: %s", g_strerror(errno));
	if (server_pid == 0) {
		close(fds[0]);
		serve(fds[1], conns);
	}
	close(fds[1]);
	while (got < sizeof(buf) - 1 &&
	    (r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)r;
	close(fds[0]);
	buf[got] = '\0';
	if (got == 0 || (furl = strchr(buf, '\n')) == NULL)
		die("the server did not start");
	*furl++ = '\0';
	port = (uint16_t)parse_long("server port", buf, 1, 65535);

	memset(&b, 0, sizeof(b));
	b.loop = ev_default_loop(0);
	b.furl = furl;
	b.n = conns;
	b.parallel = parallel;
	b.tubs = g_new0(rpc_tub *, (gsize)conns);
	b.refs = g_new0(rpc_ref *, (gsize)conns);
	ev_timer_init(&deadline, deadline_cb, (double)limit, (double)limit);
	ev_timer_start(b.loop, &deadline);

	settle(b.loop, 0.2);
	rss0 = rss_prev = server_rss_kib();
	printf("{\"mode\":\"idle\",\"conns\":0,\"server_rss_kib\":%ld}\n",
	    rss0);
	t_start = t_prev = bench_now_s();
	while (b.connected < conns) {
		long want = MIN(conns, b.connected + step);

		start_more(&b);
		run_until(&b, &b.connected, want);
		t = bench_now_s();
		rss = server_rss_kib();
		if (rss_step1 < 0)
			rss_step1 = rss;
		printf("{\"mode\":\"idle\",\"conns\":%ld,\"server_rss_kib\":"
		    "%ld,\"kib_per_conn_step\":%.2f,\"connects_per_s\":%.0f}\n",
		    b.connected, rss, (double)(rss - rss_prev) /
		    (double)(b.connected - conns_prev),
		    (double)(b.connected - conns_prev) / (t - t_prev));
		fflush(stdout);
		if (conns_step1 < 0)
			conns_step1 = b.connected;
		rss_prev = rss;
		t_prev = t;
		conns_prev = b.connected;
	}
	t = bench_now_s();
	printf("{\"mode\":\"connect\",\"conns\":%ld,\"seconds\":%.2f,"
	    "\"connects_per_s\":%.0f}\n", conns, t - t_start,
	    (double)conns / (t - t_start));
	/* Idle: the server's trim pass (every 2 s) gives back the buffers
	 * of connections without traffic since the pass before. */
	settle(b.loop, 5.0);
	rss_idle = server_rss_kib();
	printf("{\"mode\":\"idle_settled\",\"conns\":%ld,\"server_rss_kib\":"
	    "%ld}\n", conns, rss_idle);
	if (hold > 0) {
		fprintf(stderr, "conn-bench: server pid %d, holding %ld s\n",
		    (int)server_pid, hold);
		settle(b.loop, (double)hold);
	}
	t_start = bench_now_s();
	for (i = 0; i < CALL_WINDOW; i++)
		send_call(&b);
	run_until(&b, &b.answered, conns);
	t = bench_now_s();
	settle(b.loop, 0.2);
	rss = server_rss_kib();
	printf("{\"mode\":\"calls\",\"conns\":%ld,\"answered\":%ld,"
	    "\"seconds\":%.2f,\"server_rss_kib\":%ld}\n", conns, b.answered,
	    t - t_start, rss);
	if (nflood > 0) {
		struct flood f = { b.loop, port, NULL, nflood, 0, 0 };
		g_autofree double *times = g_new0(double, (gsize)trials);
		long ok = 0, k;

		f.s = g_new0(struct fsock, (gsize)nflood);
		for (k = 0; k < nflood; k++)
			flood_open(&f, (int)k);
		settle(b.loop, 1.0);
		for (k = 0; k < trials; k++) {
			double d = trial_run(b.loop, furl, 10.0);

			if (d >= 0)
				times[ok++] = d * 1e3;
		}
		rss = server_rss_kib();
		qsort(times, (size_t)ok, sizeof(double), bench_cmp_double);
		printf("{\"mode\":\"flood\",\"conns\":%ld,\"flood_sockets\":"
		    "%ld,\"flood_opened\":%ld,\"closed_by_server\":%ld,"
		    "\"trials\":%ld,\"trials_ok\":%ld,\"connect_call_ms_p50\":"
		    "%.1f,\"connect_call_ms_max\":%.1f,\"server_rss_kib\":"
		    "%ld}\n", conns, nflood, f.opened, f.closed_by_server,
		    trials, ok, ok > 0 ? times[(ok - 1) / 2] : -1.0,
		    ok > 0 ? times[ok - 1] : -1.0, rss);
		flood_stop(&f);
	}
	printf("{\"summary\":true,\"conns\":%ld,\"server_rss_kib_0\":%ld,"
	    "\"server_rss_kib_n_fresh\":%ld,\"server_rss_kib_n_idle\":%ld,"
	    "\"bytes_per_idle_conn\":%.0f,"
	    "\"bytes_per_fresh_conn_after_first_step\":%.0f,"
	    "\"all_answered\":%s}\n", conns, rss0, rss_prev, rss_idle,
	    (double)(rss_idle - rss0) * 1024.0 / (double)conns,
	    conns > conns_step1 ? (double)(rss_prev - rss_step1) * 1024.0 /
	    (double)(conns - conns_step1) : 0.0,
	    b.answered == conns ? "true" : "false");
	fflush(stdout);

	kill(server_pid, SIGTERM);
	for (i = 0; i < 50 && waitpid(server_pid, NULL, WNOHANG) == 0; i++)
		g_usleep(100000);
	kill(server_pid, SIGKILL);
	waitpid(server_pid, NULL, 0);
	for (i = 0; i < conns; i++) {
		rpc_ref_unref(b.refs[i]);
		rpc_tub_free(b.tubs[i]);
	}
	g_free(b.refs);
	g_free(b.tubs);
	return b.answered == conns ? 0 : 1;
}
