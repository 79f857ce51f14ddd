/* tests/bench/tcp-pingpong.c -- the floor for one sequential call: plain
 * TCP round trips on 127.0.0.1 between two processes.
 *
 * A forked child echoes fixed-size messages over blocking sockets with
 * TCP_NODELAY; the parent sends one message, waits for the echo, and
 * repeats for the given time.  No framing, encryption, encoding or event
 * loop: what a tub call costs beyond this is the tub's own overhead.  Uses
 * libc only, so nothing but the kernel sits under the number.
 *
 * Round-trip time on a small VM depends mostly on where the two processes
 * run (same CPU: a direct switch; two CPUs: a cross-CPU wake-up), so
 * --server-cpu pins the child, and the caller pins the parent (taskset),
 * the same way run-bench.sh pins the tub server and client. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/bench/bench.h"

#define DEFAULT_SIZE	16
#define MAX_SIZE	(16 * 1024 * 1024)
/* Untimed round trips first, as the RPC benchmarks do. */
#define WARMUP_TRIPS	200

static const char usage_text[] =
    "usage: tcp-pingpong --seconds S [--size N] [--server-cpu C]\n";

static void
usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "tcp-pingpong: %s%s\n%s", msg, arg, usage_text);
	exit(2);
}

static void
die(const char *what)
{
	fprintf(stderr, "tcp-pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Move exactly 'len' bytes; return 0, or -1 on error or end of stream. */
static int
read_full(int fd, char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		die("setsockopt TCP_NODELAY");
}

/* The child: accept one connection and echo until it closes. */
static void
serve(int lfd, size_t size, int cpu)
{
	char *buf = malloc(size);
	int fd;

	if (buf == NULL)
		_exit(1);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			die("sched_setaffinity");
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(1);
	set_nodelay(fd);
	while (read_full(fd, buf, size) == 0)
		if (write_full(fd, buf, size) != 0)
			break;
	_exit(0);
}

int
main(int argc, char **argv)
{
	double seconds = -1, start, end, t0, t1;
	long size = DEFAULT_SIZE, cpu = -1;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	double *lat = NULL;
	size_t nlat = 0, cap = 0;
	char *buf;
	pid_t child;
	int lfd, fd, i, status;

	for (i = 1; i < argc; i++) {
		char *end_p;

		if (i + 1 >= argc)
			usage_error("missing value for ", argv[i]);
		if (strcmp(argv[i], "--seconds") == 0) {
			seconds = strtod(argv[++i], &end_p);
			if (*end_p != '\0' || !(seconds > 0 && seconds <= 3600))
				usage_error("bad --seconds: ", argv[i]);
		} else if (strcmp(argv[i], "--size") == 0) {
			size = strtol(argv[++i], &end_p, 10);
			if (*end_p != '\0' || size < 1 || size > MAX_SIZE)
				usage_error("bad --size: ", argv[i]);
		} else if (strcmp(argv[i], "--server-cpu") == 0) {
			cpu = strtol(argv[++i], &end_p, 10);
			if (*end_p != '\0' || cpu < 0 || cpu >= CPU_SETSIZE)
				usage_error("bad --server-cpu: ", argv[i]);
		} else {
			usage_error("unknown argument ", argv[i]);
		}
	}
	if (seconds < 0)
		usage_error("--seconds is required", "");
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0)
		die("listen on 127.0.0.1:0");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		serve(lfd, (size_t)size, (int)cpu);
	close(lfd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect");
	set_nodelay(fd);
	buf = malloc((size_t)size);
	if (buf == NULL)
		die("malloc");
	memset(buf, 'x', (size_t)size);

	for (i = 0; i < WARMUP_TRIPS; i++)
		if (write_full(fd, buf, (size_t)size) != 0 ||
		    read_full(fd, buf, (size_t)size) != 0)
			die("round trip");
	start = bench_now_us();
	end = start;
	while (end - start < seconds * 1e6) {
		t0 = bench_now_us();
		if (write_full(fd, buf, (size_t)size) != 0 ||
		    read_full(fd, buf, (size_t)size) != 0)
			die("round trip");
		t1 = bench_now_us();
		if (nlat == cap) {
			cap = cap ? cap * 2 : 65536;
			lat = realloc(lat, cap * sizeof(*lat));
			if (lat == NULL)
				die("realloc");
		}
		lat[nlat++] = t1 - t0;
		end = t1;
	}
	close(fd);
	kill(child, SIGTERM);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;

	qsort(lat, nlat, sizeof(*lat), bench_cmp_double);
	printf("{\"mode\":\"tcp-pingpong\",\"ops\":%zu,\"seconds\":%.3f,"
	    "\"ops_per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
	    "\"size\":%ld}\n", nlat, (end - start) / 1e6,
	    (double)nlat / ((end - start) / 1e6), bench_percentile(lat, nlat, 0.50),
	    bench_percentile(lat, nlat, 0.99), size);
	free(lat);
	free(buf);
	return 0;
}
