#!/bin/sh
# tests/bench/grid-bench.sh -- put and get through a whole grid on this
# machine: an introducer, 10 storage nodes and a client on 127.0.0.1,
# k=3 happy=7 n=10, 1 MiB segments.  For a large file (SIZE_MB, default
# 256) and for many small files (FILES of 4 KiB, default 1000), RUNS times
# each (default 3): MB/s or files/s, and the client node's peak RSS
# (VmHWM).  Beside them, for context, the tub's own bulk figure
# (rpc-bench --mode bulk: 1 MiB echo calls on one connection) measured in
# the same run.  For the large file also the CPU seconds that each put and
# get cost the client node, the ten storage nodes together and the
# `tahoe` command, and the rate this machine could reach if that CPU time
# were spread perfectly over its cores ("cpu_bound_mb_per_s": a ceiling,
# not a forecast).  Prints one JSON line per measurement, then the
# medians.  Not a test: nothing is asserted.
#
#   sh tests/bench/grid-bench.sh BUILD_DIR
#   knobs: SIZE_MB=256 FILES=1000 RUNS=3 KEEP=1 (keep the grid's directory)
set -eu
BUILD=$(cd "${1:?usage: grid-bench.sh BUILD_DIR}" && pwd)
TAHOE=$BUILD/cli/tahoe
RPC=$BUILD/tests/bench/rpc-bench
SIZE_MB=${SIZE_MB:-256}
FILES=${FILES:-1000}
RUNS=${RUNS:-3}
PY=${PYTHON3:-python3}
D=$(mktemp -d "${TMPDIR:-/tmp}/grid-bench.XXXXXX")
PIDS=
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 1
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
	[ "${KEEP:-0}" = 1 ] && echo "kept $D" >&2 || rm -rf "$D"
}
trap cleanup EXIT
cd "$D"
LOOP=tcp:0:interface=127.0.0.1

start() {
	"$TAHOE" -d "$1" run >"$1.out" 2>&1 &
	PIDS="$PIDS $!"
	eval "pid_$1=$!"
}
now() { "$PY" -c 'import time; print("%.6f" % time.monotonic())'; }

"$TAHOE" create-introducer --listen=tcp --port=$LOOP intro >/dev/null
FURL=$(cat intro/private/introducer.furl)
start intro
for i in 0 1 2 3 4 5 6 7 8 9; do
	"$TAHOE" create-node --introducer "$FURL" --nickname s$i --port $LOOP \
	    s$i >/dev/null
	start s$i
done
"$TAHOE" create-client --introducer "$FURL" --nickname bench --webport 0 \
    client >/dev/null
start client
n=0
until "$TAHOE" -d client status 2>/dev/null | grep -q "10 of 10 connected"; do
	n=$((n + 1))
	[ $n -gt 300 ] && { echo "the grid did not come up" >&2; exit 1; }
	sleep 0.1
done
rpc_bulk() {
	rm -f rpc.furl
	"$RPC" serve --furl-file rpc.furl >/dev/null 2>&1 &
	rp=$!
	PIDS="$PIDS $rp"
	n=0
	until [ -s rpc.furl ]; do
		n=$((n + 1))
		[ $n -gt 200 ] && { echo "rpc-bench did not start" >&2; exit 1; }
		sleep 0.1
	done
	timeout -k 5 60 "$RPC" client --furl-file rpc.furl --mode bulk \
	    --seconds 3 | "$PY" -c '
import json, sys
r = json.loads(sys.stdin.readline())
print(json.dumps({"mode": "rpc_bulk", "run": int(sys.argv[1]), "mb_per_s": r["mb_per_s"]}))
' "$1"
	kill -TERM "$rp" 2>/dev/null || true
	wait "$rp" 2>/dev/null || true
}
# CPU seconds (user + system) used so far by the processes named.
TCK=$(getconf CLK_TCK)
cpu() {
	for p in "$@"; do
		# utime and stime are fields 14 and 15; the name (field 2)
		# of a tahoe process has no spaces.
		awk '{ print $14 + $15 }' /proc/"$p"/stat
	done | awk -v t="$TCK" '{ s += $1 } END { printf "%.3f", s / t }'
}
servers() { echo $pid_s0 $pid_s1 $pid_s2 $pid_s3 $pid_s4 $pid_s5 $pid_s6 \
    $pid_s7 $pid_s8 $pid_s9; }
# cli_cpu FILE CMD...: run CMD (its output passes through) and write the
# CPU seconds it used to FILE.
cli_cpu() {
	"$PY" -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f" % (u.ru_utime + u.ru_stime))
sys.exit(rc)
' "$@"
}
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid_client/status; }

r=0
while [ $r -lt "$RUNS" ]; do
	# New content every run: every put is a fresh upload (the same
	# content would find its shares already there).
	head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >big
	rm -rf small
	mkdir small
	"$PY" -c '
import os, sys
for i in range(int(sys.argv[1])):
    open("small/f%d" % i, "wb").write(os.urandom(4096))
' "$FILES"
	c0=$(cpu $pid_client); s0=$(cpu $(servers))
	t0=$(now)
	cap=$(cli_cpu put.cpu "$TAHOE" -d client put big)
	t1=$(now)
	c1=$(cpu $pid_client); s1=$(cpu $(servers))
	cli_cpu get.cpu "$TAHOE" -d client get "$cap" out
	t2=$(now)
	c2=$(cpu $pid_client); s2=$(cpu $(servers))
	cmp -s big out || { echo "get returned other bytes" >&2; exit 1; }
	rm -f out
	rpc_bulk "$r"
	"$PY" -c '
import json, sys
t0, t1, t2, size_mb, rss, r = map(float, sys.argv[1:])
mb = size_mb * 1.048576     # MB of 10^6 bytes
print(json.dumps({"mode": "put", "run": int(r), "mb_per_s": round(mb / (t1 - t0), 1), "seconds": round(t1 - t0, 3)}))
print(json.dumps({"mode": "get", "run": int(r), "mb_per_s": round(mb / (t2 - t1), 1), "seconds": round(t2 - t1, 3)}))
print(json.dumps({"mode": "client_rss", "run": int(r), "vmhwm_mib": round(rss / 1024, 1)}))
' "$t0" "$t1" "$t2" "$SIZE_MB" "$(hwm)" "$r"
	"$PY" -c '
import json, os, sys
mb, r = float(sys.argv[1]) * 1.048576, int(sys.argv[2])
c0, c1, c2, s0, s1, s2 = map(float, sys.argv[3:9])
for mode, client, servers, cli in (("put_cpu", c1 - c0, s1 - s0, float(sys.argv[9])),
                                   ("get_cpu", c2 - c1, s2 - s1, float(sys.argv[10]))):
    total = client + servers + cli
    print(json.dumps({"mode": mode, "run": r, "client_s": round(client, 3),
        "servers_s": round(servers, 3), "cli_s": round(cli, 3), "total_s": round(total, 3),
        "cpus": os.cpu_count(),
        "cpu_bound_mb_per_s": round(mb / (total / os.cpu_count()), 1) if total > 0 else None}))
' "$SIZE_MB" "$r" "$c0" "$c1" "$c2" "$s0" "$s1" "$s2" "$(cat put.cpu)" "$(cat get.cpu)"
	t0=$(now)
	for f in small/*; do
		"$TAHOE" -d client put "$f" >>caps.$r
	done
	t1=$(now)
	while read -r c; do "$TAHOE" -d client get "$c" - >/dev/null; done <caps.$r
	t2=$(now)
	"$PY" -c '
import json, sys
t0, t1, t2, n, r = map(float, sys.argv[1:])
print(json.dumps({"mode": "put_small", "run": int(r), "files_per_s": round(n / (t1 - t0), 1)}))
print(json.dumps({"mode": "get_small", "run": int(r), "files_per_s": round(n / (t2 - t1), 1)}))
' "$t0" "$t1" "$t2" "$FILES" "$r"
	r=$((r + 1))
done | tee results.jsonl
# A run that failed (a put, a get, bytes that differ) ends the loop
# above; say so rather than print medians of fewer runs.
done_runs=$(grep -c '"mode": "get_small"' results.jsonl || true)
if [ "$done_runs" != "$RUNS" ]; then
	echo "grid-bench: only $done_runs of $RUNS run(s) completed" >&2
	exit 1
fi
"$PY" - <<'EOF'
import json, statistics
rows = [json.loads(l) for l in open("results.jsonl")]
def med(mode, key):
    v = [r[key] for r in rows if r["mode"] == mode]
    return statistics.median(v) if v else None
print(json.dumps({"summary": True,
    "put_mb_per_s": med("put", "mb_per_s"), "get_mb_per_s": med("get", "mb_per_s"),
    "put_small_files_per_s": med("put_small", "files_per_s"),
    "get_small_files_per_s": med("get_small", "files_per_s"),
    "rpc_bulk_mb_per_s": med("rpc_bulk", "mb_per_s"),
    "put_cpu_s": med("put_cpu", "total_s"), "get_cpu_s": med("get_cpu", "total_s"),
    "put_cpu_bound_mb_per_s": med("put_cpu", "cpu_bound_mb_per_s"),
    "get_cpu_bound_mb_per_s": med("get_cpu", "cpu_bound_mb_per_s"),
    "client_vmhwm_mib": max(r["vmhwm_mib"] for r in rows if r["mode"] == "client_rss")}))
EOF
