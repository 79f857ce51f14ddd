#!/bin/sh
# tests/bench/run-bench.sh -- the whole benchmark in one invocation.
#
#   sh tests/bench/run-bench.sh [BUILD_DIR]      (or BUILD=DIR sh ...)
#
# For each mode (seq, window 64, bulk 1 MiB, connect) runs the C tub
# (rpc-bench), Foolscap (foolscap-bench.py) and Cap'n Proto (capnp/, built
# here with Debian's capnproto and libcapnp-dev when they are installed;
# no connect mode) against their own servers, RUNS times each, taking
# turns so that all see the same machine noise; the TCP floor (tcp-pingpong) runs before each seq pair.  Every
# result is printed as one JSON line with an "impl" field added; a summary
# of medians and the target ratios follows.  Environment:
#   SECONDS_PER_RUN  measuring time of each run (default 3)
#   RUNS             runs per mode and implementation (default 3)
#   PYTHON           interpreter with foolscap (default /usr/bin/python3)
#   PIN              1 (default when taskset exists and there are 2+ CPUs):
#                    servers on CPU 0, clients on CPU 1, for every
#                    implementation and the TCP floor; 0: let the scheduler
#                    place them (round trips then swing between ~15 us, same
#                    CPU, and ~70 us, two CPUs, from run to run)
# Exit status: 0 when every run succeeded (targets missed or not), 1 if a
# run failed, 2 on bad usage.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-${BUILD:-$(cd "$HERE/../.." && pwd)}}
SECS=${SECONDS_PER_RUN:-3}
RUNS=${RUNS:-3}
PYTHON=${PYTHON:-/usr/bin/python3}
WINDOW=64
SIZE=1048576
RPC=$BUILD/tests/bench/rpc-bench
TCP=$BUILD/tests/bench/tcp-pingpong
FOOL=$HERE/foolscap-bench.py
CAPNP_SRC=$HERE/capnp

for p in "$RPC" "$TCP"; do
	if [ ! -x "$p" ]; then
		echo "run-bench: missing $p (build it: make tests/bench/rpc-bench" \
		    "tests/bench/tcp-pingpong)" >&2
		exit 2
	fi
done
case $SECS in
''|*[!0-9.]*) echo "run-bench: bad SECONDS_PER_RUN '$SECS'" >&2; exit 2 ;;
esac
case $RUNS in
''|*[!0-9]*|0) echo "run-bench: bad RUNS '$RUNS'" >&2; exit 2 ;;
esac

# Every run gets a hard limit well above its measuring time: warm-up,
# connection set-up and (for Foolscap's connect mode) RSA key generation.
LIMIT=$(awk -v s="$SECS" 'BEGIN { printf "%d", s * 4 + 60 }')
if command -v timeout >/dev/null 2>&1; then
	BOUND="timeout -k 5 $LIMIT"
else
	BOUND=
fi

SRV_PIN=
CLI_PIN=
placement=
TCP_PIN=
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "${PIN:-1}" = 1 ] && [ "$ncpu" -ge 2 ] &&
    command -v taskset >/dev/null 2>&1; then
	SRV_PIN="taskset -c 0"
	CLI_PIN="taskset -c 1"
	TCP_PIN="--server-cpu 0"
	placement="servers on CPU 0, clients on CPU 1"
else
	placement="not pinned"
fi

D=$(mktemp -d "${TMPDIR:-/tmp}/rpc-bench.XXXXXX") || exit 1
RES=$D/results
: >"$RES"
c_pid=
f_pid=
k_pid=
failed=0

stop_server() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop_server "$c_pid"
	stop_server "$f_pid"
	stop_server "$k_pid"
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# wait_furl FILE PID: wait up to 20 s for the server to write FILE.
wait_furl() {
	i=0
	while [ ! -s "$1" ]; do
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.1
	done
}

# record IMPL OUTPUT: print the JSON line with "impl" added and keep it.
record() {
	line=$(printf '%s\n' "$2" | sed -n '/^{/{s/^{/{"impl":"'"$1"'",/;p;q;}')
	if [ -z "$line" ]; then
		echo "run-bench: $1 printed no result" >&2
		failed=1
		return
	fi
	printf '%s\n' "$line"
	printf '%s\n' "$line" >>"$RES"
}

# run IMPL CMD...: one bounded run.
run() {
	impl=$1
	shift
	# shellcheck disable=SC2086
	if out=$($BOUND $CLI_PIN "$@" 2>"$D/err"); then
		record "$impl" "$out"
	else
		echo "run-bench: $impl run failed: $(head -n 3 "$D/err")" >&2
		failed=1
	fi
}

echo "# machine: $(uname -srm), $ncpu CPUs; $SECS s per run, $RUNS runs" \
    "per mode; $placement"

# shellcheck disable=SC2086
$SRV_PIN "$RPC" serve --furl-file "$D/c.furl" >"$D/c.out" 2>"$D/c.err" &
c_pid=$!
wait_furl "$D/c.furl" "$c_pid" || {
	echo "run-bench: rpc-bench server did not start: $(cat "$D/c.err")" >&2
	exit 1
}

have_fool=0
if "$PYTHON" -c 'import foolscap' >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	$SRV_PIN "$PYTHON" "$FOOL" serve --furl-file "$D/f.furl" >"$D/f.out" \
	    2>"$D/f.err" &
	f_pid=$!
	if wait_furl "$D/f.furl" "$f_pid"; then
		have_fool=1
	else
		echo "run-bench: foolscap server did not start: $(cat "$D/f.err")" >&2
		failed=1
	fi
else
	echo "# note: '$PYTHON -c \"import foolscap\"' failed;" \
	    "skipping Foolscap (install python3-foolscap)"
fi

# Cap'n Proto: compiled here (C++, kj and capnp), not by make.
have_capnp=0
if command -v capnp >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1 &&
    pkg-config --exists capnp-rpc 2>/dev/null; then
	mkdir "$D/capnp"
	# shellcheck disable=SC2046
	if capnp compile -oc++:"$D/capnp" --src-prefix="$CAPNP_SRC" \
	    "$CAPNP_SRC/bench.capnp" 2>"$D/capnp.err" &&
	    c++ -O2 -std=c++14 -I"$D/capnp" -o "$D/capnp/capnp-bench" \
	    "$CAPNP_SRC/capnp-bench.c++" "$D/capnp/bench.capnp.c++" \
	    $(pkg-config --cflags --libs capnp-rpc) 2>>"$D/capnp.err"; then
		# shellcheck disable=SC2086
		$SRV_PIN "$D/capnp/capnp-bench" serve --addr-file "$D/k.addr" \
		    >"$D/k.out" 2>"$D/k.err" &
		k_pid=$!
		if wait_furl "$D/k.addr" "$k_pid"; then
			have_capnp=1
		else
			echo "run-bench: capnp server did not start: $(cat "$D/k.err")" >&2
			failed=1
		fi
	else
		echo "run-bench: building the Cap'n Proto peer failed:" \
		    "$(head -n 3 "$D/capnp.err")" >&2
		failed=1
	fi
else
	echo "# note: capnp, c++ or pkg-config capnp-rpc missing;" \
	    "skipping Cap'n Proto (apt-get install capnproto libcapnp-dev)"
fi

for mode in seq window bulk connect; do
	r=1
	while [ $r -le "$RUNS" ]; do
		# The TCP floor is measured next to each sequential run, so
		# that the seq_rtt_vs_tcp ratio compares like with like.
		[ $mode = seq ] && run tcp "$TCP" --seconds "$SECS" $TCP_PIN
		extra=
		[ $mode = window ] && extra="--window $WINDOW"
		[ $mode = bulk ] && extra="--size $SIZE"
		# shellcheck disable=SC2086
		run c "$RPC" client --furl-file "$D/c.furl" \
		    --mode $mode --seconds "$SECS" $extra
		if [ $have_fool = 1 ]; then
			# shellcheck disable=SC2086
			run foolscap "$PYTHON" "$FOOL" client \
			    --furl-file "$D/f.furl" --mode $mode \
			    --seconds "$SECS" $extra
		fi
		if [ $have_capnp = 1 ] && [ $mode != connect ]; then
			# shellcheck disable=SC2086
			run capnp "$D/capnp/capnp-bench" client \
			    --addr-file "$D/k.addr" --mode $mode \
			    --seconds "$SECS" $extra
		fi
		r=$((r + 1))
	done
done

# med IMPL MODE FIELD: median of FIELD over the recorded runs ("-" if none).
med() {
	grep "^{\"impl\":\"$1\",\"mode\":\"$2\"" "$RES" |
	    sed -n "s/.*\"$3\":\([0-9.e+-]*\).*/\1/p" | sort -g |
	    awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			if (NR % 2) m = v[(NR + 1) / 2]
			else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f\n", m
		}'
}

# ratio A B: A / B to two decimals, "-" if either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf "%.2f\n", a / b }'
}

# verdict VALUE OP TARGET
verdict() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "-") { print "not measured"; exit }
		ok = (op == "<=") ? v <= t : (op == ">=") ? v >= t : v < t
		print ok ? "met" : "MISSED" }'
}

echo
echo "# summary: medians of $RUNS runs"
printf '%-8s %-9s %12s %10s %10s %9s\n' impl mode ops_per_s p50_us p99_us mb_per_s
for impl in tcp c foolscap capnp; do
	for mode in tcp-pingpong seq window bulk connect; do
		ops=$(med $impl $mode ops_per_s)
		[ "$ops" = - ] && continue
		printf '%-8s %-9s %12s %10s %10s %9s\n' $impl $mode "$ops" \
		    "$(med $impl $mode p50_us)" "$(med $impl $mode p99_us)" \
		    "$(med $impl $mode mb_per_s)"
	done
done

seq_rtt=$(ratio "$(med c seq p50_us)" "$(med tcp tcp-pingpong p50_us)")
win=$(ratio "$(med c window ops_per_s)" "$(med foolscap window ops_per_s)")
bulk=$(ratio "$(med c bulk mb_per_s)" "$(med foolscap bulk mb_per_s)")
conn=$(ratio "$(med c connect p50_us)" 1000)
kbulk=$(ratio "$(med c bulk mb_per_s)" "$(med capnp bulk mb_per_s)")
kwin=$(ratio "$(med c window ops_per_s)" "$(med capnp window ops_per_s)")
bulk_mb=$(med c bulk mb_per_s)
echo
echo "# targets"
printf 'seq_rtt_vs_tcp     %8s  (target <= 1.3)  %s\n' "$seq_rtt" \
    "$(verdict "$seq_rtt" '<=' 1.3)"
printf 'window_vs_foolscap %8s  (target >= 10)   %s\n' "$win" \
    "$(verdict "$win" '>=' 10)"
printf 'bulk_vs_foolscap   %8s  (target >= 10)   %s\n' "$bulk" \
    "$(verdict "$bulk" '>=' 10)"
printf 'connect_ms         %8s  (target < 2)     %s\n' "$conn" \
    "$(verdict "$conn" '<' 2)"
printf 'bulk_mb_per_s      %8s  (target >= 500)  %s\n' "$bulk_mb" \
    "$(verdict "$bulk_mb" '>=' 500)"
printf 'bulk_vs_capnp      %8s  (target >= 1.5)  %s\n' "$kbulk" \
    "$(verdict "$kbulk" '>=' 1.5)"
printf 'window_vs_capnp    %8s  (target >= 2)    %s\n' "$kwin" \
    "$(verdict "$kwin" '>=' 2)"
exit $failed
