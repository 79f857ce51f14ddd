/* tests/unit/test_rpc_hostile.c -- hostile peers on raw sockets: random
 * bytes, a stalled handshake, oversized, forged and malformed frames, and
 * too many unauthenticated connections.  Each must close only its own
 * connection while a legitimate client keeps being served. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <sodium.h>

#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/frame.h"
#include "rpc/furl.h"
#include "rpc/hs.h"
#include "rpc/msg.h"
#include "rpc/sess-internal.h"
#include "rpc/tub.h"
#include "rpc/tub-internal.h"
#include "tests/unit/tubtest.h"

/* A server under test, and a legitimate client connected to its calc
 * that must keep being served whatever the hostile ones do. */
typedef tt_pair fixture;

static int
setup_with(void **state, const rpc_limits *lim)
{
	tt_pair_opts opts = { lim, NULL, false, NULL, true };
	fixture *f = g_new0(fixture, 1);

	tt_pair_init(f, &opts);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.handshake_timeout = 0.3;
	lim.max_unauth = 4;
	return setup_with(state, &lim);
}

static int
setup_cap(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.max_unauth = 4;
	return setup_with(state, &lim);
}

/* A small output cap (1 MiB) and a short write deadline. */
#define OUTCAP		(1024 * 1024)

static int
setup_outcap(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.max_outbuf = OUTCAP;
	lim.write_timeout = 1.0;
	return setup_with(state, &lim);
}

static int
teardown(void **state)
{
	fixture *f = *state;

	tt_pair_fini(f);
	g_free(f);
	return 0;
}

/* The legitimate client still gets answers. */
static void
assert_still_served(fixture *f)
{
	tt_answer a;

	tt_answer_init(&a);
	assert_true(tt_call(f->loop, f->ref, "add", tt_args_ints(20, 22), &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 42);
	tt_answer_clear(&a);
}

static int
raw_connect(fixture *f)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(rpc_tub_port(f->server));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Pump the loop until 'fd' sees EOF or a reset; false after 'timeout'. */
static bool
wait_closed(fixture *f, int fd, double timeout)
{
	double end = ev_time() + timeout;
	uint8_t buf[4096];

	while (ev_time() < end) {
		ssize_t n;

		tt_run_for(f->loop, 0.01);
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (n < 0 && errno != EAGAIN &&
		    errno != EWOULDBLOCK))
			return true;
	}
	return false;
}

/* Pump the loop until 'n' bytes arrive on 'fd'. */
static void
read_exact(fixture *f, int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	double end = ev_time() + 5.0;

	while (got < n && ev_time() < end) {
		ssize_t r;

		tt_run_for(f->loop, 0.005);
		r = recv(fd, p + got, n - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0)
			fail_msg("server closed during the handshake");
	}
	assert_int_equal(got, n);
}

static void
write_all(int fd, const void *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* A raw client that completes the handshake; returns its socket and
 * leaves its send state in *tx. */
static int
raw_handshake_fd(fixture *f, int fd, rpc_aead *tx, rpc_aead *rx)
{
	g_autoptr(rpc_ident) me = rpc_ident_new();
	g_autoptr(rpc_furl) furl = NULL;
	uint8_t hello[RPC_HS_HELLO_LEN], auth[RPC_HS_AUTH_LEN];
	uint8_t frame[RPC_FRAME_HDR + RPC_HS_AUTH_LEN + RPC_FRAME_TAG], inc[16] = { 0 };
	uint8_t pk[32], pinc[16];
	size_t ct;
	rpc_hs hs;

	assert_true(rpc_furl_parse(f->furl, &furl, NULL));
	rpc_hs_init(&hs, RPC_HS_CLIENT, NULL);
	rpc_hs_hello(&hs, hello);
	write_all(fd, hello, sizeof(hello));
	read_exact(f, fd, hello, sizeof(hello));
	assert_int_equal(rpc_hs_read_hello(&hs, hello, sizeof(hello)), 0);
	rpc_aead_init(tx, hs.k_send);
	rpc_aead_init(rx, hs.k_recv);
	rpc_hs_auth(&hs, me, inc, rpc_furl_tubid_raw(furl), auth);
	rpc_frame_seal(tx, auth, sizeof(auth), frame);
	write_all(fd, frame, sizeof(frame));
	read_exact(f, fd, frame, sizeof(frame));
	assert_int_equal(rpc_frame_peek(frame, sizeof(frame), 256, &ct), 0);
	assert_int_equal(rpc_frame_open(rx, frame, ct, auth), 0);
	assert_int_equal(rpc_hs_check_auth(&hs, auth, sizeof(auth), NULL, pk,
	    pinc), 0);
	rpc_hs_clear(&hs);
	return fd;
}

static int
raw_handshake(fixture *f, rpc_aead *tx, rpc_aead *rx)
{
	return raw_handshake_fd(f, raw_connect(f), tx, rx);
}

static void
test_random_bytes_close_that_connection(void **state)
{
	fixture *f = *state;
	uint8_t junk[200];
	int fd = raw_connect(f);

	randombytes_buf(junk, sizeof(junk));
	junk[0] = 'G';			/* never the magic */
	write_all(fd, junk, sizeof(junk));
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
}

static void
test_http_request_closes_that_connection(void **state)
{
	fixture *f = *state;
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	    "padding padding padding";
	int fd = raw_connect(f);

	write_all(fd, req, sizeof(req) - 1);
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
}

static void
test_truncated_handshake_times_out(void **state)
{
	fixture *f = *state;
	uint8_t hello[RPC_HS_HELLO_LEN];
	rpc_hs hs;
	double start = ev_time();
	int fd = raw_connect(f);

	rpc_hs_init(&hs, RPC_HS_CLIENT, NULL);
	rpc_hs_hello(&hs, hello);
	write_all(fd, hello, 10);
	assert_true(wait_closed(f, fd, 3.0));
	assert_true(ev_time() - start >= 0.25);
	close(fd);
	assert_still_served(f);
}

static void
test_forged_auth_closes_connection(void **state)
{
	fixture *f = *state;
	uint8_t hello[RPC_HS_HELLO_LEN];
	uint8_t frame[RPC_FRAME_HDR + RPC_HS_AUTH_LEN + RPC_FRAME_TAG];
	rpc_hs hs;
	int fd = raw_connect(f);

	rpc_hs_init(&hs, RPC_HS_CLIENT, NULL);
	rpc_hs_hello(&hs, hello);
	write_all(fd, hello, sizeof(hello));
	/* A well-formed frame header followed by bytes that fail the tag. */
	randombytes_buf(frame, sizeof(frame));
	frame[0] = 0;
	frame[1] = 0;
	frame[2] = 0;
	frame[3] = RPC_HS_AUTH_LEN + RPC_FRAME_TAG;
	write_all(fd, frame, sizeof(frame));
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
}

static void
test_oversized_frame_closes_connection(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);
	/* 5 MiB claimed, over the 4 MiB default; refused from the header. */
	static const uint8_t hdr[4] = { 0x00, 0x50, 0x00, 0x10 };

	write_all(fd, hdr, sizeof(hdr));
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
send_sealed(int fd, rpc_aead *tx, const uint8_t *pt, size_t len)
{
	uint8_t *frame = g_malloc(rpc_frame_size(len));

	rpc_frame_seal(tx, pt, len, frame);
	write_all(fd, frame, rpc_frame_size(len));
	g_free(frame);
}

/* As the raw client, LOOKUP the fixture's object and return the export
 * id of the my-ref that answers it. */
static uint32_t
raw_lookup_furl(fixture *f, int fd, rpc_aead *tx, rpc_aead *rx,
    const char *text)
{
	g_autoptr(rpc_furl) furl = NULL;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t buf[256];
	size_t ct = 0;

	assert_true(rpc_furl_parse(text, &furl, NULL));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rpc_msg_pack_lookup(&pk, 1, rpc_furl_swissnum(furl));
	send_sealed(fd, tx, (uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	read_exact(f, fd, buf, 4);
	assert_int_equal(rpc_frame_peek(buf, 4, 200, &ct), 0);
	read_exact(f, fd, buf + 4, ct);
	assert_int_equal(rpc_frame_open(rx, buf, ct, buf + 100), 0);
	/* [2, 1, fixext4 my-ref id] */
	assert_int_equal(buf[100], 0x93);
	assert_int_equal(buf[101], RPC_MSG_ANSWER);
	assert_int_equal(buf[103], 0xd6);
	assert_int_equal(buf[104], 1);
	return (uint32_t)buf[105] << 24 | (uint32_t)buf[106] << 16 |
	    (uint32_t)buf[107] << 8 | buf[108];
}

static uint32_t
raw_lookup(fixture *f, int fd, rpc_aead *tx, rpc_aead *rx)
{
	return raw_lookup_furl(f, fd, tx, rx, f->furl);
}

static void
test_huge_declared_array_closes_connection(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);
	/* [1, 1, 1, "add", array32 of 4 billion]: pre-scan refuses it. */
	static const uint8_t msg[] = { 0x95, 0x01, 0x01, 0x01, 0xa3, 'a', 'd',
	    'd', 0xdd, 0xff, 0xff, 0xff, 0xff };

	send_sealed(fd, &tx, msg, sizeof(msg));
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_parts_over_limit_close_connection(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);
	uint8_t *part = g_malloc0(RPC_FRAME_CHUNK);
	uint8_t *frame = g_malloc(rpc_frame_size(RPC_FRAME_CHUNK));
	size_t total = 0, off;
	bool closed = false;

	/* Parts that each fit, but never end, past the 4 MiB limit. */
	while (!closed && total <= RPC_MAX_FRAME + RPC_FRAME_CHUNK) {
		rpc_frame_seal_part(&tx, part, RPC_FRAME_CHUNK, true, frame);
		for (off = 0; off < rpc_frame_size(RPC_FRAME_CHUNK);) {
			ssize_t w = send(fd, frame + off,
			    rpc_frame_size(RPC_FRAME_CHUNK) - off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EAGAIN) {
				closed = true;
				break;
			}
			tt_run_for(f->loop, 0.001);
		}
		total += RPC_FRAME_CHUNK;
	}
	g_free(part);
	g_free(frame);
	assert_true(closed || wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_deep_nesting_closes_connection(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);
	uint8_t msg[1000];

	memset(msg, 0x91, sizeof(msg));
	msg[sizeof(msg) - 1] = 0xc0;
	send_sealed(fd, &tx, msg, sizeof(msg));
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_valid_call_from_raw_client_answered(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);

	/* LOOKUP then ANSWER: the raw client speaks the protocol right. */
	assert_int_not_equal(raw_lookup(f, fd, &tx, &rx), 0);
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_writing_to_vanished_peer_raises_no_sigpipe(void **state)
{
	fixture *f = *state;
	rpc_conn *c;
	int sv[2];

	/* A connection whose peer is gone before our first byte: writing
	 * gives EPIPE, which must close the connection, not raise SIGPIPE
	 * (this process leaves SIGPIPE at its default: death). */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c = rpci_tub_adopt(f->server, sv[0], RPC_HS_SERVER, "socketpair");
	close(sv[1]);
	rpci_conn_ref(c);
	rpci_conn_flush(c);
	assert_int_equal(rpci_conn_state_of(c), RPCI_CONN_CLOSED);
	rpci_conn_unref(c);
	assert_still_served(f);
}

static void
test_decref_above_count_closes_connection(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);
	uint32_t id = raw_lookup(f, fd, &tx, &rx);
	msgpack_sbuffer sb;
	msgpack_packer pk;

	/* One receipt (the LOOKUP), released twice. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint8(&pk, RPC_MSG_DECREF);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint32(&pk, id);
	msgpack_pack_uint8(&pk, 2);
	send_sealed(fd, &tx, (uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

/* DECREF with a count of 0 releases nothing and breaks the protocol. */
static void
test_decref_of_zero_closes_connection(void **state)
{
	fixture *f = *state;
	rpc_aead tx, rx;
	int fd = raw_handshake(f, &tx, &rx);
	uint32_t id = raw_lookup(f, fd, &tx, &rx);
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint8(&pk, RPC_MSG_DECREF);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint32(&pk, id);
	msgpack_pack_uint8(&pk, 0);
	send_sealed(fd, &tx, (uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	assert_true(wait_closed(f, fd, 2.0));
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_unauthenticated_connections_are_capped(void **state)
{
	fixture *f = *state;
	int fds[5], i;

	for (i = 0; i < 5; i++) {
		fds[i] = raw_connect(f);
		tt_run_for(f->loop, 0.01);	/* accepted in this order */
	}
	/* The fifth is over max_unauth = 4: the oldest is closed to make
	 * room for it. */
	assert_true(wait_closed(f, fds[0], 0.2));
	for (i = 1; i < 5; i++)
		assert_false(wait_closed(f, fds[i], 0.02));
	for (i = 0; i < 5; i++)
		close(fds[i]);
	tt_run_for(f->loop, 0.05);
	assert_still_served(f);
}


static int raw_connect_from(fixture *f, const char *src);

/* A full listener closes a silent socket before a peer that has sent
 * its HELLO, however old: a flood of silent reconnections cannot push
 * out a client in the middle of its handshake. */
static void
test_full_listener_closes_silent_sockets_first(void **state)
{
	fixture *f = *state;
	uint8_t hello[RPC_HS_HELLO_LEN];
	int talker = raw_connect(f), silent[8], i;
	rpc_hs hs;

	rpc_hs_init(&hs, RPC_HS_CLIENT, NULL);
	rpc_hs_hello(&hs, hello);
	write_all(talker, hello, sizeof(hello));
	rpc_hs_clear(&hs);
	tt_run_for(f->loop, 0.02);
	for (i = 0; i < 8; i++) {
		g_autofree char *src = g_strdup_printf("127.0.0.%d", 2 + i);

		silent[i] = raw_connect_from(f, src);
		tt_run_for(f->loop, 0.01);	/* accepted in this order */
	}
	/* Nine connections for four places: the first five silent ones
	 * went, the talker (the oldest of all) stays. */
	for (i = 0; i < 5; i++)
		assert_true(wait_closed(f, silent[i], 0.2));
	for (i = 5; i < 8; i++)
		assert_false(wait_closed(f, silent[i], 0.02));
	assert_false(wait_closed(f, talker, 0.05));
	for (i = 0; i < 8; i++)
		close(silent[i]);
	close(talker);
	tt_run_for(f->loop, 0.05);
	assert_still_served(f);
}

/* Connect to the server from the loopback address 'src' (127.0.0.N). */
static int
raw_connect_from(fixture *f, const char *src)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, src, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	sin.sin_port = htons(rpc_tub_port(f->server));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static int
setup_per_addr(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.max_unauth = 16;
	lim.max_unauth_per_addr = 3;
	return setup_with(state, &lim);
}

static void
test_unauthenticated_connections_per_address_are_capped(void **state)
{
	fixture *f = *state;
	int fds[4], other, i;

	for (i = 0; i < 4; i++) {
		fds[i] = raw_connect_from(f, "127.0.0.2");
		tt_run_for(f->loop, 0.01);
	}
	/* The fourth from 127.0.0.2 is over the per-address limit of 3;
	 * another address is still admitted. */
	assert_true(wait_closed(f, fds[3], 0.2));
	for (i = 0; i < 3; i++)
		assert_false(wait_closed(f, fds[i], 0.02));
	other = raw_connect_from(f, "127.0.0.3");
	assert_false(wait_closed(f, other, 0.1));
	for (i = 0; i < 4; i++)
		close(fds[i]);
	close(other);
	tt_run_for(f->loop, 0.05);
	assert_still_served(f);
}

static void
test_full_handshake_slots_do_not_lock_out_a_new_client(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	rpc_tub *late = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	rpc_ref *ref;
	int fds[4], i;

	/* Four stalled sockets fill max_unauth = 4; a real client that
	 * comes later still gets in (the oldest stalled one goes). */
	for (i = 0; i < 4; i++) {
		fds[i] = raw_connect(f);
		tt_run_for(f->loop, 0.01);
	}
	ref = tt_get_ref(late, f->furl, &err);
	assert_null(err);
	assert_non_null(ref);
	rpc_ref_unref(ref);
	rpc_tub_free(late);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	tt_run_for(f->loop, 0.05);
	assert_still_served(f);
}

static int
setup_hello(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.handshake_timeout = 5.0;
	lim.hello_timeout = 0.2;
	return setup_with(state, &lim);
}

static void
test_silent_peer_gets_the_shorter_hello_deadline(void **state)
{
	fixture *f = *state;
	uint8_t hello[RPC_HS_HELLO_LEN];
	int silent = raw_connect(f), talker = raw_connect(f);
	rpc_hs hs;

	/* One sends its HELLO and stops; the other sends nothing. */
	rpc_hs_init(&hs, RPC_HS_CLIENT, NULL);
	rpc_hs_hello(&hs, hello);
	write_all(talker, hello, sizeof(hello));
	rpc_hs_clear(&hs);
	assert_true(wait_closed(f, silent, 1.0));
	/* The one that sent HELLO has the rest of the 5 s deadline. */
	assert_false(wait_closed(f, talker, 0.5));
	close(silent);
	close(talker);
	assert_still_served(f);
}

static int
setup_retry(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.accept_retry = 0.2;
	return setup_with(state, &lim);
}

static void
test_out_of_descriptors_pauses_the_listener(void **state)
{
	fixture *f = *state;
	struct rlimit old, low;
	GArray *fill = g_array_new(FALSE, FALSE, sizeof(int));
	uint8_t hello[RPC_HS_HELLO_LEN];
	unsigned int before, spins;
	int fd, i;

	/* Leave this process one free descriptor under a low limit: the
	 * client's socket takes it, so the server's accept() gets EMFILE
	 * while the connection waits in the backlog. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while ((fd = dup(0)) >= 0)
		g_array_append_val(fill, fd);
	assert_int_equal(errno, EMFILE);
	assert_true(fill->len > 0);
	close(g_array_index(fill, int, fill->len - 1));
	g_array_set_size(fill, fill->len - 1);
	fd = raw_connect(f);
	/* Without the pause the listener's watcher fires again at once:
	 * thousands of loop iterations in 0.3 s. */
	before = ev_iteration(f->loop);
	tt_run_for(f->loop, 0.3);
	spins = ev_iteration(f->loop) - before;
	for (i = 0; i < (int)fill->len; i++)
		close(g_array_index(fill, int, i));
	g_array_free(fill, TRUE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(spins < 100);
	/* With descriptors back, the retry accepts it: the server's HELLO
	 * arrives. */
	read_exact(f, fd, hello, sizeof(hello));
	close(fd);
	assert_still_served(f);
}

static int
setup_one_conn(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.max_conns = 1;
	return setup_with(state, &lim);
}

static void
test_connections_per_tub_are_capped(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	rpc_tub *late = rpc_tub_new(f->loop, rpc_ident_new(), NULL);

	/* The fixture's client holds the one connection allowed. */
	assert_null(tt_get_ref(late, f->furl, &err));
	assert_non_null(err);
	rpc_tub_free(late);
	assert_int_equal(rpc_tub_n_connections(f->server), 1);
	assert_still_served(f);
}

/* A raw client on a socketpair the server adopts, so that the test sees
 * the server's side of the connection.  Small socket buffers keep the
 * kernel from absorbing what the server queues. */
static rpc_conn *
adopt_pair(fixture *f, int *client_fd)
{
	int sv[2], small = 16 * 1024;
	rpc_conn *c;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	c = rpci_tub_adopt(f->server, sv[0], RPC_HS_SERVER, "socketpair");
	rpci_conn_ref(c);
	*client_fd = sv[1];
	return c;
}

/* Seal the CALL [1, qid, target, method, [arg]] into a new buffer; 'arg'
 * is a bin of 'binlen' bytes or, with binlen 0, the integer 'n'. */
static GByteArray *
sealed_call(rpc_aead *tx, uint32_t qid, uint32_t target, const char *method,
    size_t binlen, uint64_t n)
{
	GByteArray *out = g_byte_array_new();
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t off = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rpc_msg_pack_call_head(&pk, qid, target, method);
	msgpack_pack_array(&pk, 1);
	if (binlen > 0) {
		uint8_t *body = g_malloc0(binlen);

		msgpack_pack_bin(&pk, binlen);
		msgpack_pack_bin_body(&pk, body, binlen);
		g_free(body);
	} else {
		msgpack_pack_uint64(&pk, n);
	}
	/* Frames of at most RPC_FRAME_CHUNK bytes, as doc/protocol.md §4. */
	do {
		size_t part = MIN(sb.size - off, RPC_FRAME_CHUNK);
		guint old = out->len;

		g_byte_array_set_size(out, old + (guint)rpc_frame_size(part));
		rpc_frame_seal_part(tx, (uint8_t *)sb.data + off, part,
		    off + part < sb.size, out->data + old);
		off += part;
	} while (off < sb.size);
	msgpack_sbuffer_destroy(&sb);
	return out;
}

/* Send what the socket takes of 'b' from *off without blocking; false
 * once the peer is gone. */
static bool
send_some(int fd, const GByteArray *b, size_t *off)
{
	while (*off < b->len) {
		ssize_t n = send(fd, b->data + *off, b->len - *off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		*off += (size_t)n;
	}
	return true;
}

static void
test_peer_not_reading_answers_is_bounded_and_closed(void **state)
{
	fixture *f = *state;
	const int calls = 64;
	const size_t payload = 256 * 1024;
	GByteArray *frame = NULL;
	size_t off = 0, peak = 0;
	double end, closed_at = 0, start;
	rpc_aead tx, rx;
	uint32_t id;
	int fd, sent = 0;
	rpc_conn *c = adopt_pair(f, &fd);

	raw_handshake_fd(f, fd, &tx, &rx);
	id = raw_lookup(f, fd, &tx, &rx);
	/* 64 echo calls of 256 KiB (16 MiB of answers), never reading. */
	start = ev_time();
	end = start + 8.0;
	while (ev_time() < end && !rpci_conn_is_closed(c)) {
		if (frame == NULL && sent < calls) {
			frame = sealed_call(&tx, (uint32_t)sent + 2, id,
			    "echo", payload, 0);
			off = 0;
		}
		if (frame != NULL) {
			if (!send_some(fd, frame, &off))
				break;
			if (off == frame->len) {
				g_byte_array_free(frame, TRUE);
				frame = NULL;
				sent++;
			}
		}
		tt_run_for(f->loop, 0.002);
		peak = MAX(peak, rpci_conn_out_pending(c));
	}
	if (frame != NULL)
		g_byte_array_free(frame, TRUE);
	closed_at = ev_time() - start;
	/* Bounded by the cap, reading stopped (the client could not even
	 * send its calls), and closed by the write deadline (1 s). */
	assert_true(peak <= OUTCAP);
	assert_true(sent < calls);
	assert_true(rpci_conn_is_closed(c));
	assert_int_equal(rpci_conn_error_code(c), RPC_E_TIMEOUT);
	assert_true(closed_at < 4.0);
	rpci_conn_unref(c);
	close(fd);
	assert_still_served(f);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

/* The "big" object: read(n) answers with n bytes, but only when they can
 * be queued (rpc_incall_can_answer); until then it waits for room. */
typedef struct big {
	int	 waited;	/* calls that had to wait */
	int	 answered;
	int	 gone;		/* woken with the connection gone */
} big;

static void
big_answer(rpc_incall *call, big *b, size_t n)
{
	rpc_pack *r = rpc_pack_new();
	uint8_t *body = g_malloc0(n);

	rpc_pack_bin(r, body, n);
	g_free(body);
	b->answered++;
	rpc_incall_return(call, r);
}

struct big_wait {
	big	*b;
	size_t	 n;
};

static void
big_room_cb(rpc_incall *call, void *arg)
{
	struct big_wait *w = arg;

	if (!rpc_incall_can_answer(call, w->n + 5)) {
		w->b->gone++;
		rpc_incall_fail(call, "gone", "no room");
	} else {
		big_answer(call, w->b, w->n);
	}
	g_free(w);
}

static void
big_read(rpc_incall *call, rpc_mp *args, void *data)
{
	big *b = data;
	uint64_t n;
	struct big_wait *w;

	if (rpc_mp_uint(args, 1024 * 1024, &n) != 0) {
		rpc_incall_fail(call, "violation", "read(n)");
		return;
	}
	/* A bin of n bytes takes n + 5 bytes of msgpack. */
	if (rpc_incall_can_answer(call, n + 5)) {
		big_answer(call, b, n);
		return;
	}
	b->waited++;
	w = g_new0(struct big_wait, 1);
	w->b = b;
	w->n = n;
	rpc_incall_when_room(call, n + 5, big_room_cb, w);
}

static const rpc_method big_methods[] = {
	{ "read", big_read, NULL, 0, NULL },
};
static const rpc_iface big_iface = { "big", big_methods, 1 };

/* Read and count the messages on 'fd' until 'want' have arrived or
 * 'timeout' passes; each must be an ANSWER. */
static int
read_answers(fixture *f, int fd, rpc_aead *rx, int want, double timeout)
{
	GByteArray *in = g_byte_array_new();
	uint8_t *pt = g_malloc(RPC_FRAME_CHUNK + 64);
	double end = ev_time() + timeout;
	bool first = true;
	int got = 0;

	while (got < want && ev_time() < end) {
		uint8_t buf[65536];
		ssize_t n;
		size_t ct;

		tt_run_for(f->loop, 0.002);
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			g_byte_array_append(in, buf, (guint)n);
		while (in->len >= RPC_FRAME_HDR &&
		    rpc_frame_peek(in->data, in->len, RPC_FRAME_CHUNK,
		    &ct) == 0 && in->len >= RPC_FRAME_HDR + ct) {
			bool more = rpc_frame_is_more(in->data);

			assert_int_equal(rpc_frame_open(rx, in->data, ct, pt),
			    0);
			if (first)
				assert_int_equal(pt[1], RPC_MSG_ANSWER);
			first = !more;
			if (!more)
				got++;
			g_byte_array_remove_range(in, 0,
			    (guint)(RPC_FRAME_HDR + ct));
		}
	}
	g_byte_array_free(in, TRUE);
	g_free(pt);
	return got;
}

static void
test_handler_waits_for_room_to_answer(void **state)
{
	fixture *f = *state;
	const int calls = 8;
	big b = { 0 };
	g_autofree char *furl = NULL;
	g_autoptr(rpc_obj) obj = rpc_obj_new(&big_iface, &b, NULL);
	GByteArray *frames = g_byte_array_new();
	size_t off = 0, peak = 0;
	rpc_aead tx, rx;
	uint32_t id;
	double end;
	int fd, i;
	rpc_conn *c = adopt_pair(f, &fd);

	furl = rpc_tub_register(f->server, obj, NULL, NULL, NULL);
	assert_non_null(furl);
	raw_handshake_fd(f, fd, &tx, &rx);
	id = raw_lookup_furl(f, fd, &tx, &rx, furl);
	/* A read of 480 KiB, which is answered and leaves the queue under
	 * half the cap (so calls are still read), then seven of 700 KiB
	 * (5.3 MiB over a 1 MiB cap), all sent while not reading: the
	 * handlers that cannot answer wait for room. */
	for (i = 0; i < calls; i++) {
		GByteArray *one = sealed_call(&tx, (uint32_t)i + 2, id,
		    "read", 0, (i == 0 ? 480 : 700) * 1024);

		g_byte_array_append(frames, one->data, one->len);
		g_byte_array_free(one, TRUE);
	}
	end = ev_time() + 0.5;
	while (ev_time() < end) {
		assert_true(send_some(fd, frames, &off));
		tt_run_for(f->loop, 0.002);
		peak = MAX(peak, rpci_conn_out_pending(c));
	}
	assert_int_equal(off, frames->len);
	assert_int_equal(b.answered, 1);
	assert_int_equal(b.waited, calls - 1);
	assert_true(peak <= OUTCAP);
	assert_false(rpci_conn_is_closed(c));
	/* Reading now, every answer arrives. */
	assert_int_equal(read_answers(f, fd, &rx, calls, 5.0), calls);
	assert_int_equal(b.answered, calls);
	assert_int_equal(b.gone, 0);
	g_byte_array_free(frames, TRUE);
	rpci_conn_unref(c);
	close(fd);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

/* A TCP listener that never accepts: a tub dialling it waits in the
 * handshake.  Its port in *port. */
static int
silent_listener(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 512), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Accept and keep every connection waiting on 'lfd'; return how many
 * arrived so far (added to *n). */
static void
count_dials(int lfd, GArray *kept)
{
	int fd;

	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		g_array_append_val(kept, fd);
}

/* As the raw client, call echo([gift x n]) on export 'id': n their-refs
 * to n different tubs, all at 127.0.0.1:'port'. */
static void
send_gifts(int fd, rpc_aead *tx, uint32_t qid, uint32_t id, int n,
    uint16_t port)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rpc_msg_pack_call_head(&pk, qid, id, "echo");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, (uint32_t)n);
	for (i = 0; i < n; i++) {
		g_autoptr(rpc_ident) other = rpc_ident_new();
		g_autofree char *furl = g_strdup_printf(
		    "pb://%s@tcp:127.0.0.1:%u/%s", rpc_ident_tubid(other),
		    port, "abcdefghijklmnopqrstuvwxyz234567");
		uint8_t gid[4] = { 0, 0, 0, (uint8_t)(i + 1) };

		msgpack_pack_ext(&pk, sizeof(gid) + strlen(furl),
		    RPC_EXT_THEIRREF);
		msgpack_pack_ext_body(&pk, gid, sizeof(gid));
		msgpack_pack_ext_body(&pk, furl, strlen(furl));
	}
	send_sealed(fd, tx, (uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static int
setup_gifts(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.max_outbuf = OUTCAP;
	lim.max_gift_dials = 8;
	lim.max_tub_gift_dials = 12;
	return setup_with(state, &lim);
}

static void
test_gift_dials_are_capped_and_held_messages_counted(void **state)
{
	fixture *f = *state;
	GArray *kept = g_array_new(FALSE, FALSE, sizeof(int));
	const size_t callsize = 128 * 1024;
	GByteArray *frame = NULL;
	size_t off = 0, peak = 0;
	rpc_aead tx, rx, tx2, rx2;
	uint16_t port;
	uint32_t id, id2;
	double end;
	int lfd = silent_listener(&port), fd, fd2, i, sent = 0;
	rpc_conn *c = adopt_pair(f, &fd);

	raw_handshake_fd(f, fd, &tx, &rx);
	id = raw_lookup(f, fd, &tx, &rx);
	/* 32 gifts in one call make at most max_gift_dials = 8 dials. */
	send_gifts(fd, &tx, 2, id, 32, port);
	end = ev_time() + 0.5;
	while (ev_time() < end) {
		tt_run_for(f->loop, 0.01);
		count_dials(lfd, kept);
	}
	assert_true(kept->len > 0);
	assert_true(kept->len <= 8);
	/* A second connection's 32 more: max_tub_gift_dials = 12 in all. */
	fd2 = raw_handshake(f, &tx2, &rx2);
	id2 = raw_lookup(f, fd2, &tx2, &rx2);
	send_gifts(fd2, &tx2, 2, id2, 32, port);
	end = ev_time() + 0.5;
	while (ev_time() < end) {
		tt_run_for(f->loop, 0.01);
		count_dials(lfd, kept);
	}
	assert_true(kept->len <= 12);
	/* Calls of 128 KiB behind the waiting gifts are held, and count
	 * against the memory cap: reading stops at half of it. */
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	end = ev_time() + 1.0;
	while (ev_time() < end && sent < 40) {
		if (frame == NULL) {
			frame = sealed_call(&tx, (uint32_t)sent + 3, id,
			    "echo", callsize, 0);
			off = 0;
		}
		assert_true(send_some(fd, frame, &off));
		if (off == frame->len) {
			g_byte_array_free(frame, TRUE);
			frame = NULL;
			sent++;
		}
		tt_run_for(f->loop, 0.002);
		peak = MAX(peak, rpci_sess_held_bytes(rpci_sess_of(c)));
	}
	if (frame != NULL)
		g_byte_array_free(frame, TRUE);
	assert_true(peak > 0);
	assert_true(peak <= OUTCAP / 2 + callsize + 64);
	for (i = 0; i < (int)kept->len; i++)
		close(g_array_index(kept, int, i));
	g_array_free(kept, TRUE);
	close(lfd);
	rpci_conn_unref(c);
	close(fd);
	close(fd2);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
	rpc_aead_clear(&tx2);
	rpc_aead_clear(&rx2);
}

/* 'furl' with its host replaced by 'host' (caller g_free()s). */
static char *
furl_with_host(const char *furl, const char *host)
{
	const char *at = strstr(furl, "@tcp:127.0.0.1:");

	assert_non_null(at);
	return g_strdup_printf("%.*s@tcp:%s:%s", (int)(at - furl), furl,
	    host, at + strlen("@tcp:127.0.0.1:"));
}

static void
tt_getref_ignore(rpc_ref *ref, const GError *err, void *arg)
{
	RPC_UNUSED(err);
	RPC_UNUSED(arg);
	rpc_ref_unref(ref);
}

static void
test_host_names_are_resolved_off_the_loop(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL, err2 = NULL;
	g_autofree char *named = furl_with_host(f->furl, "localhost");
	g_autofree char *bad = furl_with_host(f->furl, "no-such-host.invalid");
	rpc_tub *late = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	rpc_ref *ref;

	/* A name resolves in a thread and the dial goes on from there
	 * (tt_get_ref() checks that nothing completes inside the call). */
	ref = tt_get_ref(late, named, &err);
	assert_null(err);
	assert_non_null(ref);
	rpc_ref_unref(ref);
	rpc_tub_free(late);
	/* A name that does not resolve fails the get_ref, not the loop
	 * (a new tub: the first one would use its open connection); a tub
	 * freed while a thread may still be resolving is safe. */
	late = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	assert_null(tt_get_ref(late, bad, &err2));
	assert_non_null(err2);
	rpc_tub_free(late);
	late = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	rpc_tub_get_ref(late, bad, tt_getref_ignore, NULL);
	rpc_tub_free(late);
	assert_still_served(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_random_bytes_close_that_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_peer_not_reading_answers_is_bounded_and_closed,
		    setup_outcap, teardown),
		cmocka_unit_test_setup_teardown(
		    test_handler_waits_for_room_to_answer, setup_outcap,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_request_closes_that_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncated_handshake_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_forged_auth_closes_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_oversized_frame_closes_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_huge_declared_array_closes_connection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_deep_nesting_closes_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_parts_over_limit_close_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_valid_call_from_raw_client_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_decref_of_zero_closes_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unauthenticated_connections_per_address_are_capped,
		    setup_per_addr, teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_handshake_slots_do_not_lock_out_a_new_client,
		    setup_cap, teardown),
		cmocka_unit_test_setup_teardown(
		    test_out_of_descriptors_pauses_the_listener, setup_retry,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_connections_per_tub_are_capped, setup_one_conn,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_gift_dials_are_capped_and_held_messages_counted,
		    setup_gifts, teardown),
		cmocka_unit_test_setup_teardown(
		    test_host_names_are_resolved_off_the_loop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_silent_peer_gets_the_shorter_hello_deadline,
		    setup_hello, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unauthenticated_connections_are_capped, setup_cap,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_listener_closes_silent_sockets_first, setup_cap,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_writing_to_vanished_peer_raises_no_sigpipe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_decref_above_count_closes_connection, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
