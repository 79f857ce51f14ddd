/* tests/bench/attack-bench.c -- what a well-behaved client gets from a tub
 * while hostile peers attack it (issue 10, doc/protocol.md §8).
 *
 * The victim is "rpc-bench serve" (started here, or given with --furl-file
 * and --pid).  For a baseline and then for each attack, one at a time and
 * for --seconds each, a forked attacker process misbehaves while this
 * process, on its own connection and identity, makes sequential add(1, 2)
 * calls, opens a fresh connection every 250 ms (connect time), and samples
 * the victim's VmRSS every 100 ms.  One JSON line per run, then one
 * summary line per attack with the ratios against the baseline.
 * doc/performance.md ("Under attack") has results.
 *
 * Attacks, all on loopback:
 *   unread-echo      one peer pipelines 1 MiB echo calls and never reads
 *   handshake-flood  TCP connections that never finish the handshake,
 *                    from 127.0.0.2.. so the client's 127.0.0.1 keeps its
 *                    per-address slots
 *   conn-flood       authenticated connections with fresh identities,
 *                    beyond the tub's max_conns
 *   gifts            calls carrying their-references to tubs at a
 *                    listener that accepts and never answers
 *   busy             (control) a process that only burns a CPU
 *
 * Every wait has a deadline, the attacker and the victim die with this
 * process (PR_SET_PDEATHSIG), and the FURL is never printed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ev.h>
#include <glib.h>
#include <msgpack.h>
#include <sodium.h>

#include "rpc/common.h"
#include "rpc/frame.h"
#include "rpc/furl.h"
#include "rpc/hs.h"
#include "rpc/ident.h"
#include "rpc/msg.h"
#include "rpc/pack.h"
#include "rpc/tub.h"
#include "tests/bench/bench.h"

#define DEFAULT_SECONDS	5.0
#define WARMUP_CALLS	200
#define RSS_PERIOD	0.1	/* seconds between VmRSS samples */
#define PROBE_PERIOD	0.25	/* seconds between connect probes */
#define PROBE_DEADLINE	5.0	/* a connect probe gives up */
#define IO_DEADLINE	5.0	/* raw handshakes and lookups */
#define START_DEADLINE	10.0	/* the victim writes its FURL */
#define SETTLE_SECONDS	1.0	/* after an attack, before the next */
#define STATS_DEADLINE	5.0	/* the attacker reports its counts */
#define FURL_FILE_MAX	4096
#define MAX_FDS		4096	/* handshake flood: sockets held */

static const char usage_text[] =
    "usage: attack-bench [--seconds S] [--attacks LIST]"
    " [--server PATH | --furl-file PATH --pid PID]\n"
    "           [--echo-size BYTES] [--echo-conns N] [--flood-conns N]"
    " [--flood-addrs N]\n"
    "           [--tubs N] [--gifts-per-call N] [--gift-conns N]\n"
    "  LIST: comma-separated of busy, unread-echo, handshake-flood,"
    " conn-flood, gifts\n  (default: all)\n";

static void usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2)
    G_GNUC_NORETURN;

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("attack-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	exit(2);
}

/* ---- options ---- */

struct opts {
	double		 seconds;
	const char	*attacks;
	const char	*server;	/* rpc-bench to start */
	const char	*furl_file;	/* or a running victim */
	long		 pid;
	long		 echo_size;
	long		 echo_conns;
	long		 flood_conns;
	long		 flood_addrs;
	long		 tubs;
	long		 gifts_per_call;
	long		 gift_conns;
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

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->seconds = DEFAULT_SECONDS;
	o->attacks = "busy,unread-echo,handshake-flood,conn-flood,gifts";
	o->echo_size = 1024 * 1024;
	o->echo_conns = 1;
	o->flood_conns = 512;
	o->flood_addrs = 64;
	o->tubs = 1100;		/* the default max_conns is 1000 */
	o->gifts_per_call = 32;
	o->gift_conns = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val;

		if (strncmp(a, "--", 2) != 0 || i + 1 >= argc)
			usage_error("unexpected argument '%s'", a);
		val = argv[++i];
		if (strcmp(a, "--seconds") == 0) {
			char *end;

			errno = 0;
			o->seconds = g_ascii_strtod(val, &end);
			if (errno != 0 || *end != '\0' || end == val ||
			    !(o->seconds > 0 && o->seconds <= 600))
				usage_error("--seconds: expected a number in "
				    "(0, 600], got '%s'", val);
		} else if (strcmp(a, "--attacks") == 0) {
			o->attacks = val;
		} else if (strcmp(a, "--server") == 0) {
			o->server = val;
		} else if (strcmp(a, "--furl-file") == 0) {
			o->furl_file = val;
		} else if (strcmp(a, "--pid") == 0) {
			o->pid = parse_long(a, val, 1, INT32_MAX);
		} else if (strcmp(a, "--echo-size") == 0) {
			o->echo_size = parse_long(a, val, 1,
			    RPC_MAX_FRAME - 1024);
		} else if (strcmp(a, "--echo-conns") == 0) {
			o->echo_conns = parse_long(a, val, 1, 64);
		} else if (strcmp(a, "--flood-conns") == 0) {
			o->flood_conns = parse_long(a, val, 1, MAX_FDS);
		} else if (strcmp(a, "--flood-addrs") == 0) {
			o->flood_addrs = parse_long(a, val, 1, 250);
		} else if (strcmp(a, "--tubs") == 0) {
			o->tubs = parse_long(a, val, 1, 8000);
		} else if (strcmp(a, "--gifts-per-call") == 0) {
			o->gifts_per_call = parse_long(a, val, 1, 255);
		} else if (strcmp(a, "--gift-conns") == 0) {
			o->gift_conns = parse_long(a, val, 1, 64);
		} else {
			usage_error("unknown option %s", a);
		}
	}
	if ((o->furl_file == NULL) != (o->pid == 0))
		usage_error("--furl-file and --pid go together");
	if (o->furl_file != NULL && o->server != NULL)
		usage_error("give --server or --furl-file/--pid, not both");
}

/* ---- the victim ---- */

static volatile pid_t victim_pid;	/* started here; 0 if given */
static volatile pid_t attacker_pid;
static char *tmp_dir, *tmp_furl;	/* set before any signal can come */

/* SIGINT/SIGTERM (e.g. from timeout(1)): end what this process started
 * and remove its files, with async-signal-safe calls only. */
static void
fatal_signal(int sig)
{
	if (attacker_pid > 0)
		kill(attacker_pid, SIGKILL);
	if (victim_pid > 0)
		kill(victim_pid, SIGKILL);
	if (tmp_furl != NULL)
		unlink(tmp_furl);
	if (tmp_dir != NULL)
		rmdir(tmp_dir);
	_exit(128 + sig);
}

/* VmRSS of 'pid' in KiB, or -1. */
static long
rss_kb(pid_t pid)
{
	char path[64], buf[4096];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "VmRSS:")) == NULL)
		return -1;
	return strtol(p + 6, NULL, 10);
}

/* Read the FURL file (caller wipes and frees). */
static char *
read_furl(const char *path)
{
	char *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, NULL))
		return NULL;
	if (len == 0 || len > FURL_FILE_MAX || text[len - 1] != '\n') {
		g_free(text);		/* not (fully) written yet */
		return NULL;
	}
	return g_strstrip(text);
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		g_free(s);
	}
}

/* Start 'server' serve and wait for its FURL; NULL on failure. */
static char *
start_victim(const char *server)
{
	double end = bench_now_s() + START_DEADLINE;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Its log says a line per connection it closes: under a
		 * flood, writing that to a terminal would be measured too. */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl(server, server, "serve", "--furl-file", tmp_furl,
		    "--port", "0", (char *)NULL);
		_exit(127);
	}
	victim_pid = pid;
	while (bench_now_s() < end) {
		char *furl = read_furl(tmp_furl);

		if (furl != NULL)
			return furl;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			victim_pid = 0;
			return NULL;
		}
		g_usleep(20000);
	}
	return NULL;
}

static void
stop_child(volatile pid_t *pidp, double grace)
{
	double end = bench_now_s() + grace;
	pid_t pid = *pidp;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (bench_now_s() < end) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			*pidp = 0;
			return;
		}
		g_usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	*pidp = 0;
}

/* ---- raw clients for the attacks (plain sockets, the tub's codecs) ---- */

struct raw {
	int		 fd;
	rpc_aead	 tx, rx;
	uint32_t	 export_id;
	uint32_t	 next_qid;
};

static bool
poll_fd(int fd, short events, double deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	double left = deadline - bench_now_s();

	if (left <= 0)
		return false;
	return poll(&p, 1, (int)(left * 1000) + 1) > 0;
}

static bool
send_all(int fd, const void *buf, size_t n, double deadline)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!poll_fd(fd, POLLOUT, deadline))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static bool
recv_all(int fd, void *buf, size_t n, double deadline)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = recv(fd, p, n, MSG_DONTWAIT);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!poll_fd(fd, POLLIN, deadline))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static int
tcp_socket(const char *src, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);

	if (fd < 0)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	if (src != NULL) {
		struct sockaddr_in s = { .sin_family = AF_INET };

		inet_pton(AF_INET, src, &s.sin_addr);
		if (bind(fd, (struct sockaddr *)&s, sizeof(s)) != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static bool
tcp_connect(int fd, uint16_t port, double deadline)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return true;
	if (errno != EINPROGRESS || !poll_fd(fd, POLLOUT, deadline))
		return false;
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
	    soerr == 0;
}

static void
seal_message(rpc_aead *tx, const msgpack_sbuffer *sb, GByteArray *out)
{
	size_t off = 0;

	g_byte_array_set_size(out, 0);
	/* Frames of at most RPC_FRAME_CHUNK bytes, as doc/protocol.md §4. */
	do {
		size_t part = MIN(sb->size - off, RPC_FRAME_CHUNK);
		guint old = out->len;

		g_byte_array_set_size(out, old + (guint)rpc_frame_size(part));
		rpc_frame_seal_part(tx, (const uint8_t *)sb->data + off, part,
		    off + part < sb->size, out->data + old);
		off += part;
	} while (off < sb->size);
}

/* Handshake with a fresh identity and LOOKUP the FURL's object. */
static bool
raw_open(struct raw *r, const rpc_furl *furl, int rcvbuf)
{
	double deadline = bench_now_s() + IO_DEADLINE;
	rpc_ident *me = rpc_ident_new();
	uint8_t hello[RPC_HS_HELLO_LEN], auth[RPC_HS_AUTH_LEN];
	uint8_t frame[RPC_FRAME_HDR + RPC_HS_AUTH_LEN + RPC_FRAME_TAG];
	uint8_t inc[RPC_INCARNATION_LEN], pk[32], pinc[16], pt[256];
	msgpack_sbuffer sb;
	msgpack_packer mp;
	GByteArray *out;
	size_t ct = 0;
	rpc_hs hs;
	bool ok = false;

	memset(r, 0, sizeof(*r));
	r->next_qid = 2;
	randombytes_buf(inc, sizeof(inc));
	rpc_hs_init(&hs, RPC_HS_CLIENT, NULL);
	if ((r->fd = tcp_socket(NULL, rcvbuf)) < 0)
		goto out;
	if (!tcp_connect(r->fd, rpc_furl_hint_port(furl, 0), deadline))
		goto out;
	rpc_hs_hello(&hs, hello);
	if (!send_all(r->fd, hello, sizeof(hello), deadline) ||
	    !recv_all(r->fd, hello, sizeof(hello), deadline) ||
	    rpc_hs_read_hello(&hs, hello, sizeof(hello)) != 0)
		goto out;
	rpc_aead_init(&r->tx, hs.k_send);
	rpc_aead_init(&r->rx, hs.k_recv);
	rpc_hs_auth(&hs, me, inc, rpc_furl_tubid_raw(furl), auth);
	rpc_frame_seal(&r->tx, auth, sizeof(auth), frame);
	if (!send_all(r->fd, frame, sizeof(frame), deadline) ||
	    !recv_all(r->fd, frame, sizeof(frame), deadline) ||
	    rpc_frame_peek(frame, sizeof(frame), 256, &ct) != 0 ||
	    ct != sizeof(frame) - RPC_FRAME_HDR ||
	    rpc_frame_open(&r->rx, frame, ct, auth) != 0 ||
	    rpc_hs_check_auth(&hs, auth, sizeof(auth), NULL, pk, pinc) != 0)
		goto out;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&mp, &sb, msgpack_sbuffer_write);
	rpc_msg_pack_lookup(&mp, 1, rpc_furl_swissnum(furl));
	out = g_byte_array_new();
	seal_message(&r->tx, &sb, out);
	ok = send_all(r->fd, out->data, out->len, deadline);
	g_byte_array_free(out, TRUE);
	msgpack_sbuffer_destroy(&sb);
	/* The answer [2, 1, fixext4 my-ref id]. */
	if (!ok || !recv_all(r->fd, frame, RPC_FRAME_HDR, deadline) ||
	    rpc_frame_peek(frame, RPC_FRAME_HDR, 200, &ct) != 0 ||
	    !recv_all(r->fd, frame + RPC_FRAME_HDR, ct, deadline) ||
	    rpc_frame_open(&r->rx, frame, ct, pt) != 0 || pt[0] != 0x93 ||
	    pt[1] != RPC_MSG_ANSWER || pt[3] != 0xd6 || pt[4] != 1) {
		ok = false;
		goto out;
	}
	r->export_id = (uint32_t)pt[5] << 24 | (uint32_t)pt[6] << 16 |
	    (uint32_t)pt[7] << 8 | pt[8];
	ok = true;
out:
	rpc_hs_clear(&hs);
	rpc_ident_free(me);
	if (!ok && r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
	return ok;
}

static void
raw_close(struct raw *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	rpc_aead_clear(&r->tx);
	rpc_aead_clear(&r->rx);
}

/* Discard whatever the server sent; false once it closed. */
static bool
drain(int fd)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR);
}

/* Whether the server closed 'fd' (without reading from it). */
static bool
peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) > 0 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* ---- attack 1: pipelined 1 MiB echo calls, answers never read ---- */

static void
attack_unread_echo(const struct opts *o, const rpc_furl *furl, double end,
    GString *stats)
{
	long n = o->echo_conns, i;
	struct raw *r = g_new0(struct raw, n);
	size_t *off = g_new0(size_t, n);
	GByteArray **msg = g_new0(GByteArray *, n);
	uint8_t *body = g_malloc0((size_t)o->echo_size);
	uint64_t calls = 0, closes = 0, opens = 0, open_fail = 0;

	for (i = 0; i < n; i++) {
		r[i].fd = -1;
		msg[i] = g_byte_array_new();
	}
	while (bench_now_s() < end) {
		struct pollfd *pf = g_new0(struct pollfd, n);

		for (i = 0; i < n; i++) {
			if (r[i].fd >= 0 && peer_closed(r[i].fd)) {
				raw_close(&r[i]);
				closes++;
			}
			if (r[i].fd < 0) {
				/* Small receive buffer: the kernel takes
				 * little of what the server answers. */
				if (!raw_open(&r[i], furl, 4096)) {
					open_fail++;
					continue;
				}
				opens++;
				off[i] = 0;
				g_byte_array_set_size(msg[i], 0);
			}
			if (off[i] == msg[i]->len) {
				msgpack_sbuffer sb;
				msgpack_packer mp;

				msgpack_sbuffer_init(&sb);
				msgpack_packer_init(&mp, &sb,
				    msgpack_sbuffer_write);
				rpc_msg_pack_call_head(&mp, r[i].next_qid++,
				    r[i].export_id, "echo");
				msgpack_pack_array(&mp, 1);
				msgpack_pack_bin(&mp, (size_t)o->echo_size);
				msgpack_pack_bin_body(&mp, body,
				    (size_t)o->echo_size);
				seal_message(&r[i].tx, &sb, msg[i]);
				msgpack_sbuffer_destroy(&sb);
				off[i] = 0;
			}
			while (off[i] < msg[i]->len) {
				ssize_t w = send(r[i].fd,
				    msg[i]->data + off[i],
				    msg[i]->len - off[i],
				    MSG_NOSIGNAL | MSG_DONTWAIT);

				if (w <= 0)
					break;
				off[i] += (size_t)w;
			}
			if (off[i] == msg[i]->len)
				calls++;
			pf[i].fd = r[i].fd;
			pf[i].events = POLLOUT | POLLRDHUP;
		}
		poll(pf, (nfds_t)n, 20);
		g_free(pf);
	}
	g_string_append_printf(stats, "\"calls_sent\":%" PRIu64
	    ",\"mib_sent\":%.1f,\"conns_opened\":%" PRIu64
	    ",\"closed_by_server\":%" PRIu64 ",\"open_failures\":%" PRIu64,
	    calls, (double)calls * (double)o->echo_size / 1048576.0, opens,
	    closes, open_fail);
	for (i = 0; i < n; i++) {
		raw_close(&r[i]);
		g_byte_array_free(msg[i], TRUE);
	}
	g_free(msg);
	g_free(off);
	g_free(r);
	g_free(body);
}

/* ---- attack 2: connections that never finish the handshake ---- */

static void
attack_handshake_flood(const struct opts *o, const rpc_furl *furl,
    double end, GString *stats)
{
	long n = o->flood_conns, i;
	int *fd = g_new(int, n);
	uint64_t opened = 0, closed = 0, failed = 0;
	uint16_t port = rpc_furl_hint_port(furl, 0);

	for (i = 0; i < n; i++)
		fd[i] = -1;
	while (bench_now_s() < end) {
		for (i = 0; i < n && bench_now_s() < end; i++) {
			struct sockaddr_in sin = { .sin_family = AF_INET };
			char src[32];

			if (fd[i] >= 0 && peer_closed(fd[i])) {
				close(fd[i]);
				fd[i] = -1;
				closed++;
			}
			if (fd[i] >= 0)
				continue;
			/* 127.0.0.2 .. 127.0.0.(1 + flood_addrs). */
			snprintf(src, sizeof(src), "127.0.0.%ld",
			    2 + i % o->flood_addrs);
			if ((fd[i] = tcp_socket(src, 0)) < 0) {
				failed++;
				continue;
			}
			sin.sin_port = htons(port);
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (connect(fd[i], (struct sockaddr *)&sin,
			    sizeof(sin)) != 0 && errno != EINPROGRESS) {
				close(fd[i]);
				fd[i] = -1;
				failed++;
				continue;
			}
			opened++;
		}
		g_usleep(10000);
	}
	g_string_append_printf(stats, "\"conns_opened\":%" PRIu64
	    ",\"closed_by_server\":%" PRIu64 ",\"connect_failures\":%" PRIu64
	    ",\"held_at_end\":%ld", opened, closed, failed, n);
	for (i = 0; i < n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	g_free(fd);
}

/* ---- attack 3: authenticated connections beyond max_conns ---- */

#define FLOOD_DIALS	4	/* get_refs in flight: under the 8 a
				 * handshaking address may hold */

struct flood;

struct flood_tub {
	struct flood	*f;
	rpc_tub		*tub;
	rpc_ref		*ref;
	bool		 pending;
	bool		 failed;
};

struct flood {
	struct ev_loop	*loop;
	const char	*furl;
	GPtrArray	*tubs;		/* struct flood_tub * */
	unsigned	 dialing;
	uint64_t	 ok, failed;
};

static void
flood_getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct flood_tub *t = arg;

	t->pending = false;
	t->f->dialing--;
	if (err != NULL) {
		t->failed = true;
		t->f->failed++;
		return;
	}
	t->ref = ref;
	t->f->ok++;
}

static void
flood_dial(struct flood *f)
{
	struct flood_tub *t = g_new0(struct flood_tub, 1);

	t->f = f;
	t->tub = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	t->pending = true;
	f->dialing++;
	g_ptr_array_add(f->tubs, t);
	rpc_tub_get_ref(t->tub, f->furl, flood_getref_cb, t);
}

static void
flood_tub_free(struct flood_tub *t)
{
	rpc_ref_unref(t->ref);
	t->ref = NULL;
	rpc_tub_free(t->tub);	/* a pending get_ref completes here */
	g_free(t);
}

static void
attack_conn_flood(const struct opts *o, const char *furl, double end,
    GString *stats)
{
	struct flood f = { 0 };
	guint i, held = 0;

	f.loop = ev_loop_new(EVFLAG_AUTO);
	f.furl = furl;
	f.tubs = g_ptr_array_new();
	while (bench_now_s() < end) {
		/* Drop the refused ones; keep FLOOD_DIALS dials going while
		 * fewer than --tubs tubs are alive. */
		for (i = 0; i < f.tubs->len;) {
			struct flood_tub *t = g_ptr_array_index(f.tubs, i);

			if (t->failed) {
				g_ptr_array_remove_index_fast(f.tubs, i);
				flood_tub_free(t);
			} else {
				i++;
			}
		}
		while (f.dialing < FLOOD_DIALS &&
		    f.tubs->len < (guint)o->tubs)
			flood_dial(&f);
		ev_run(f.loop, EVRUN_NOWAIT);
		g_usleep(1000);
	}
	for (i = 0; i < f.tubs->len; i++) {
		struct flood_tub *t = g_ptr_array_index(f.tubs, i);

		held += rpc_tub_n_connections(t->tub);
	}
	g_string_append_printf(stats, "\"connected\":%" PRIu64
	    ",\"refused\":%" PRIu64 ",\"held_at_end\":%u", f.ok, f.failed,
	    held);
	/* The process exits next: the kernel closes the sockets. */
}

/* ---- attack 4: calls carrying gifts ---- */

static int
silent_listener(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* echo([gift x n]): n their-refs to n fresh tubids at 127.0.0.1:port. */
static void
pack_gift_call(struct raw *r, long n, uint16_t port, uint32_t *gid,
    GByteArray *out)
{
	msgpack_sbuffer sb;
	msgpack_packer mp;
	long i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&mp, &sb, msgpack_sbuffer_write);
	rpc_msg_pack_call_head(&mp, r->next_qid++, r->export_id, "echo");
	msgpack_pack_array(&mp, 1);
	msgpack_pack_array(&mp, (uint32_t)n);
	for (i = 0; i < n; i++) {
		rpc_ident *other = rpc_ident_new();
		uint8_t g[4];
		char *furl;

		furl = g_strdup_printf("pb://%s@tcp:127.0.0.1:%u/%s",
		    rpc_ident_tubid(other), port,
		    "abcdefghijklmnopqrstuvwxyz234567");
		rpc_ident_free(other);
		(*gid)++;
		g[0] = (uint8_t)(*gid >> 24);
		g[1] = (uint8_t)(*gid >> 16);
		g[2] = (uint8_t)(*gid >> 8);
		g[3] = (uint8_t)*gid;
		msgpack_pack_ext(&mp, sizeof(g) + strlen(furl),
		    RPC_EXT_THEIRREF);
		msgpack_pack_ext_body(&mp, g, sizeof(g));
		msgpack_pack_ext_body(&mp, furl, strlen(furl));
		g_free(furl);
	}
	seal_message(&r->tx, &sb, out);
	msgpack_sbuffer_destroy(&sb);
}

static void
attack_gifts(const struct opts *o, const rpc_furl *furl, double end,
    GString *stats)
{
	long n = o->gift_conns, i;
	struct raw *r = g_new0(struct raw, n);
	size_t *off = g_new0(size_t, n);
	GByteArray **msg = g_new0(GByteArray *, n);
	GArray *kept = g_array_new(FALSE, FALSE, sizeof(int));
	uint64_t calls = 0, closes = 0, opens = 0, open_fail = 0, dials = 0;
	uint32_t gid = 0;
	uint16_t port = 0;
	int lfd = silent_listener(&port);

	if (lfd < 0) {
		g_string_append(stats, "\"error\":\"no listener\"");
		goto out;
	}
	for (i = 0; i < n; i++) {
		r[i].fd = -1;
		msg[i] = g_byte_array_new();
	}
	while (bench_now_s() < end) {
		int fd;

		/* Each accepted dial is kept and never answered, so the
		 * victim's redemption waits in its handshake. */
		while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			dials++;
			if (kept->len < MAX_FDS)
				g_array_append_val(kept, fd);
			else
				close(fd);
		}
		for (i = 0; i < n; i++) {
			if (r[i].fd >= 0 && !drain(r[i].fd)) {
				raw_close(&r[i]);
				closes++;
			}
			if (r[i].fd < 0) {
				if (!raw_open(&r[i], furl, 0)) {
					open_fail++;
					continue;
				}
				opens++;
				off[i] = 0;
				g_byte_array_set_size(msg[i], 0);
			}
			if (off[i] == msg[i]->len) {
				pack_gift_call(&r[i], o->gifts_per_call, port,
				    &gid, msg[i]);
				off[i] = 0;
			}
			while (off[i] < msg[i]->len) {
				ssize_t w = send(r[i].fd,
				    msg[i]->data + off[i],
				    msg[i]->len - off[i],
				    MSG_NOSIGNAL | MSG_DONTWAIT);

				if (w <= 0)
					break;
				off[i] += (size_t)w;
			}
			if (off[i] == msg[i]->len)
				calls++;
		}
		g_usleep(2000);
	}
	g_string_append_printf(stats, "\"calls_sent\":%" PRIu64
	    ",\"gifts_sent\":%" PRIu64 ",\"dials_seen\":%" PRIu64
	    ",\"conns_opened\":%" PRIu64 ",\"closed_by_server\":%" PRIu64
	    ",\"open_failures\":%" PRIu64, calls,
	    calls * (uint64_t)o->gifts_per_call, dials, opens, closes,
	    open_fail);
	for (i = 0; i < n; i++) {
		raw_close(&r[i]);
		g_byte_array_free(msg[i], TRUE);
	}
	for (guint k = 0; k < kept->len; k++)
		close(g_array_index(kept, int, k));
	close(lfd);
out:
	g_array_free(kept, TRUE);
	g_free(msg);
	g_free(off);
	g_free(r);
}

/* ---- the attacker process ---- */

static const char *const attack_names[] = {
	"unread-echo", "handshake-flood", "conn-flood", "gifts", "busy",
};

/* The control: a process that only burns a CPU, to tell what the other
 * attacks cost the victim from what any busy neighbour costs (on an idle
 * VM, a busy core also keeps the vCPUs from sleeping between calls). */
static void
attack_busy(double end, GString *stats)
{
	uint64_t spins = 0;

	while (bench_now_s() < end)
		spins++;
	g_string_append_printf(stats, "\"spins\":%" PRIu64, spins);
}

/* In the forked child: run attack 'which' until 'seconds' have passed,
 * write its counts as JSON members to 'out_fd' and exit. */
static G_GNUC_NORETURN void
attacker_main(int which, const struct opts *o, const char *furl_text,
    double seconds, int out_fd)
{
	GString *stats = g_string_new(NULL);
	rpc_furl *furl = NULL;
	double end = bench_now_s() + seconds;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (!rpc_furl_parse(furl_text, &furl, NULL)) {
		g_string_append(stats, "\"error\":\"bad FURL\"");
	} else if (which == 0) {
		attack_unread_echo(o, furl, end, stats);
	} else if (which == 1) {
		attack_handshake_flood(o, furl, end, stats);
	} else if (which == 2) {
		attack_conn_flood(o, furl_text, end, stats);
	} else if (which == 3) {
		attack_gifts(o, furl, end, stats);
	} else {
		attack_busy(end, stats);
	}
	g_string_append_c(stats, '\n');
	if (write(out_fd, stats->str, stats->len) < 0)
		_exit(1);
	_exit(0);
}

/* ---- the well-behaved client and the measurements ---- */

struct probe {
	struct client	*c;
	rpc_tub		*tub;
	rpc_ref		*ref;
	double		 t0, t1;
	bool		 done, ok;
};

struct client {
	struct ev_loop	*loop;
	const char	*furl;
	pid_t		 victim;
	rpc_tub		*tub;		/* its own identity */
	rpc_ref		*ref;
	bool		 in_flight;
	bool		 connecting;
	double		 t0;		/* of the call in flight */

	bool		 measuring;
	bool		 warmup;
	unsigned	 warmup_left;
	GArray		*lat;		/* µs per call */
	uint64_t	 errors, reconnects;
	struct probe	*probe;
	GArray		*conn_lat;	/* µs per connect probe */
	uint64_t	 conn_fail;
	long		 rss_max, rss_end;
};

static void client_next(struct client *c);

static rpc_pack *
add_args(void)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_int(p, 1);
	rpc_pack_int(p, 2);
	return p;
}

static void
client_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct client *c = arg;
	double t = bench_now_s();

	RPC_UNUSED(refs);
	c->in_flight = false;
	if (err != NULL || result->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    result->via.u64 != 3) {
		c->errors++;
		/* Reconnect (same tub, same identity) on the next call. */
		rpc_ref_unref(c->ref);
		c->ref = NULL;
	} else if (c->measuring) {
		g_array_append_vals(c->lat, &(double){ (t - c->t0) * 1e6 },
		    1);
	} else if (c->warmup && c->warmup_left > 0) {
		c->warmup_left--;
	}
	client_next(c);
}

static void
client_getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct client *c = arg;

	c->connecting = false;
	if (err == NULL) {
		c->ref = ref;
		c->reconnects++;
	} else {
		c->errors++;
	}
	client_next(c);
}

/* Send the next add(1, 2), or reconnect first.  Calls continue between
 * runs (not counted) so that the connection stays as busy as measured. */
static void
client_next(struct client *c)
{
	if (c->in_flight || c->connecting)
		return;
	if (c->ref == NULL) {
		c->connecting = true;
		rpc_tub_get_ref(c->tub, c->furl, client_getref_cb, c);
		return;
	}
	if (!c->measuring && !c->warmup)
		return;
	c->in_flight = true;
	c->t0 = bench_now_s();
	rpc_ref_call(c->ref, "add", add_args(), client_answer_cb, c);
}

static void
probe_getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct probe *p = arg;

	p->done = true;
	p->t1 = bench_now_s();
	p->ok = err == NULL;
	p->ref = ref;
	if (err != NULL && p->c->measuring)
		fprintf(stderr, "attack-bench: connect probe: %s\n",
		    err->message);
}

static void
probe_free(struct probe *p)
{
	rpc_ref_unref(p->ref);
	p->ref = NULL;
	rpc_tub_free(p->tub);	/* a pending get_ref completes here */
	g_free(p);
}

/* Every PROBE_PERIOD: record the last connect probe, start the next. */
static void
probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;
	struct probe *p = c->probe;
	rpc_ident *id;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	if (p != NULL) {
		if (!p->done && bench_now_s() - p->t0 < PROBE_DEADLINE)
			return;
		if (p->done && p->ok)
			g_array_append_vals(c->conn_lat,
			    &(double){ (p->t1 - p->t0) * 1e6 }, 1);
		else
			c->conn_fail++;
		probe_free(p);
		c->probe = NULL;
	}
	if (!c->measuring)
		return;
	id = rpc_ident_new();		/* key generation is not timed */
	p = g_new0(struct probe, 1);
	p->c = c;
	p->t0 = bench_now_s();
	p->tub = rpc_tub_new(c->loop, id, NULL);
	c->probe = p;
	rpc_tub_get_ref(p->tub, c->furl, probe_getref_cb, p);
}

static void
rss_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;
	long kb = rss_kb(c->victim);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	if (kb > c->rss_max)
		c->rss_max = kb;
	if (kb >= 0)
		c->rss_end = kb;
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop for 'seconds' (sampling RSS when 'sample'). */
static void
run_for(struct client *c, double seconds, bool sample)
{
	ev_timer stop, rss, probe;

	ev_timer_init(&stop, timeout_cb, seconds, 0);
	ev_timer_start(c->loop, &stop);
	ev_timer_init(&rss, rss_cb, RSS_PERIOD, RSS_PERIOD);
	rss.data = c;
	ev_timer_init(&probe, probe_cb, 0, PROBE_PERIOD);
	probe.data = c;
	if (sample) {
		ev_timer_start(c->loop, &rss);
		ev_timer_start(c->loop, &probe);
	}
	ev_run(c->loop, 0);
	ev_timer_stop(c->loop, &stop);
	ev_timer_stop(c->loop, &rss);
	ev_timer_stop(c->loop, &probe);
}

/* Nearest-rank percentile of 'v' (sorted here); 0 when empty. */
static double
percentile(GArray *v, double p)
{
	qsort(v->data, v->len, sizeof(double), bench_cmp_double);
	return bench_percentile((const double *)v->data, v->len, p);
}

struct result {
	const char	*attack;
	double		 calls_per_s, p50, p99, conn_p50;
	long		 rss_start, rss_max, rss_end;
};

/* One run: the attack 'which' (-1: none) for o->seconds while the client
 * measures.  Prints the JSON line; false if the victim died. */
static bool
measure(struct client *c, const struct opts *o, int which,
    struct result *res)
{
	GString *stats = g_string_new(NULL);
	int pfd[2] = { -1, -1 };
	double t0, secs;

	memset(res, 0, sizeof(*res));
	res->attack = which < 0 ? "none" : attack_names[which];
	g_array_set_size(c->lat, 0);
	g_array_set_size(c->conn_lat, 0);
	c->errors = c->reconnects = c->conn_fail = 0;
	c->rss_max = c->rss_end = res->rss_start = rss_kb(c->victim);
	if (which >= 0) {
		pid_t pid;

		if (pipe2(pfd, O_CLOEXEC) != 0)
			g_error("pipe: %s", g_strerror(errno));
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			g_error("fork: %s", g_strerror(errno));
		if (pid == 0) {
			close(pfd[0]);
			attacker_main(which, o, c->furl, o->seconds, pfd[1]);
		}
		attacker_pid = pid;
		close(pfd[1]);
	}
	c->measuring = true;
	t0 = bench_now_s();
	client_next(c);
	run_for(c, o->seconds, true);
	c->measuring = false;
	secs = bench_now_s() - t0;
	if (which >= 0) {
		char buf[1024];
		size_t got = 0;
		double end = bench_now_s() + STATS_DEADLINE;

		while (got < sizeof(buf) - 1 && poll_fd(pfd[0], POLLIN, end)) {
			ssize_t n = read(pfd[0], buf + got,
			    sizeof(buf) - 1 - got);

			if (n <= 0)
				break;
			got += (size_t)n;
			if (buf[got - 1] == '\n')
				break;
		}
		buf[got] = '\0';
		g_strchomp(buf);
		g_string_append(stats, got > 0 ? buf :
		    "\"error\":\"attacker sent no counts\"");
		close(pfd[0]);
		stop_child(&attacker_pid, 0.5);
	}
	res->calls_per_s = (double)c->lat->len / secs;
	res->p50 = percentile(c->lat, 0.50);
	res->p99 = percentile(c->lat, 0.99);
	res->conn_p50 = percentile(c->conn_lat, 0.50);
	res->rss_max = c->rss_max;
	res->rss_end = c->rss_end;
	printf("{\"attack\":\"%s\",\"seconds\":%.2f,\"calls\":%u,"
	    "\"calls_per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
	    "\"call_errors\":%" PRIu64 ",\"reconnects\":%" PRIu64
	    ",\"connects\":%u,\"connect_failures\":%" PRIu64
	    ",\"connect_p50_us\":%.1f,\"rss_start_kb\":%ld,"
	    "\"rss_max_kb\":%ld,\"rss_end_kb\":%ld,\"attacker\":{%s}}\n",
	    res->attack, secs, c->lat->len, res->calls_per_s, res->p50,
	    res->p99, c->errors, c->reconnects, c->conn_lat->len,
	    c->conn_fail, res->conn_p50, res->rss_start, res->rss_max,
	    res->rss_end, stats->str);
	fflush(stdout);
	g_string_free(stats, TRUE);
	/* Let the victim close what the attacker left before the next. */
	run_for(c, SETTLE_SECONDS, false);
	if (c->probe != NULL) {
		probe_free(c->probe);
		c->probe = NULL;
	}
	return kill(c->victim, 0) == 0 && rss_kb(c->victim) >= 0;
}

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct client c;
	struct result base, *res;
	char *furl = NULL, **names;
	int n_attacks = 0, rc = 1, i;
	struct rlimit rl;

	parse_opts(argc, argv, &o);
	names = g_strsplit(o.attacks, ",", -1);
	res = g_new0(struct result, g_strv_length(names) + 1);
	for (i = 0; names[i] != NULL; i++) {
		bool known = false;

		for (size_t k = 0; k < G_N_ELEMENTS(attack_names); k++)
			known = known ||
			    strcmp(names[i], attack_names[k]) == 0;
		if (!known)
			usage_error("unknown attack '%s'", names[i]);
		n_attacks++;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "attack-bench: libsodium failed to "
		    "initialise\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* The connection flood holds more sockets than the usual 1024. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	memset(&c, 0, sizeof(c));
	if (o.furl_file != NULL) {
		furl = read_furl(o.furl_file);
		c.victim = (pid_t)o.pid;
		if (furl == NULL) {
			fprintf(stderr, "attack-bench: cannot read %s\n",
			    o.furl_file);
			goto out;
		}
	} else {
		char *dir = g_path_get_dirname(argv[0]);
		char *server = o.server != NULL ? g_strdup(o.server) :
		    g_build_filename(dir, "rpc-bench", NULL);
		GError *err = NULL;

		g_free(dir);
		tmp_dir = g_dir_make_tmp("attack-bench-XXXXXX", &err);
		if (tmp_dir == NULL) {
			fprintf(stderr, "attack-bench: %s\n", err->message);
			g_error_free(err);
			g_free(server);
			goto out;
		}
		tmp_furl = g_build_filename(tmp_dir, "victim.furl", NULL);
		signal(SIGTERM, fatal_signal);
		signal(SIGINT, fatal_signal);
		furl = start_victim(server);
		c.victim = victim_pid;
		if (furl == NULL)
			fprintf(stderr, "attack-bench: %s serve did not "
			    "start\n", server);
		g_free(server);
		if (furl == NULL)
			goto out;
	}

	c.loop = ev_default_loop(0);
	c.furl = furl;
	c.tub = rpc_tub_new(c.loop, rpc_ident_new(), NULL);
	c.lat = g_array_new(FALSE, FALSE, sizeof(double));
	c.conn_lat = g_array_new(FALSE, FALSE, sizeof(double));

	/* Connect and warm up, untimed. */
	c.warmup = true;
	c.warmup_left = WARMUP_CALLS;
	client_next(&c);
	for (double end = bench_now_s() + IO_DEADLINE;
	    c.warmup_left > 0 && bench_now_s() < end;)
		ev_run(c.loop, EVRUN_ONCE);
	c.warmup = false;
	if (c.warmup_left > 0) {
		fprintf(stderr, "attack-bench: the victim does not answer\n");
		goto out;
	}

	if (!measure(&c, &o, -1, &base)) {
		fprintf(stderr, "attack-bench: the victim died\n");
		goto out;
	}
	rc = 0;
	for (i = 0; i < n_attacks; i++) {
		int which = 0;

		while (strcmp(names[i], attack_names[which]) != 0)
			which++;
		if (!measure(&c, &o, which, &res[i])) {
			fprintf(stderr, "attack-bench: the victim died during "
			    "%s\n", names[i]);
			rc = 1;
			n_attacks = i + 1;
			break;
		}
	}
	for (i = 0; i < n_attacks; i++)
		printf("{\"summary\":\"%s\",\"calls_ratio\":%.3f,"
		    "\"p99_ratio\":%.2f,\"connect_p50_ratio\":%.2f,"
		    "\"rss_growth_kb\":%ld,\"rss_run_growth_kb\":%ld}\n",
		    res[i].attack,
		    ratio(res[i].calls_per_s, base.calls_per_s),
		    ratio(res[i].p99, base.p99),
		    ratio(res[i].conn_p50, base.conn_p50),
		    res[i].rss_max - base.rss_end,
		    res[i].rss_max - res[i].rss_start);

out:
	fflush(stdout);
	if (c.tub != NULL) {
		rpc_ref_unref(c.ref);
		c.ref = NULL;
		rpc_tub_free(c.tub);
	}
	stop_child(&attacker_pid, 0.5);
	stop_child(&victim_pid, 2.0);
	if (tmp_furl != NULL)
		unlink(tmp_furl);
	if (tmp_dir != NULL)
		rmdir(tmp_dir);
	free_secret(furl);
	if (c.lat != NULL)
		g_array_free(c.lat, TRUE);
	if (c.conn_lat != NULL)
		g_array_free(c.conn_lat, TRUE);
	g_strfreev(names);
	g_free(res);
	return rc;
}
