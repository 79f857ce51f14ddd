#!/bin/sh
# The demo of ./quickstart demo: a tub serving an object in one process,
# called from a second process through the FURL file.
set -eu
BUILD=${1:?usage: demo.sh BUILD_DIR}
BENCH=$BUILD/tests/bench/rpc-bench
D=$(mktemp -d "${TMPDIR:-/tmp}/tahoe-demo.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

echo "== starting a server tub (process 1)"
"$BENCH" serve --furl-file "$D/calc.furl" >"$D/server.out" 2>&1 &
pid=$!
i=0
while [ ! -s "$D/calc.furl" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "server did not start" >&2; exit 1; }
	sleep 0.1
done
cat "$D/server.out"
furl=$(cat "$D/calc.furl")
echo "   its FURL file holds pb://${furl#pb://}" | sed 's|/[^/]*$|/<swissnum hidden>|'
echo "== calling it from a second process"
"$BENCH" call --furl-file "$D/calc.furl" add 2 3
"$BENCH" call --furl-file "$D/calc.furl" echo "hello, tub"
echo "== the same FURL with another tubid is refused"
rest=${furl#pb://}
tubid=${rest%%@*}
case $tubid in a*) other=b${tubid#?} ;; *) other=a${tubid#?} ;; esac
printf 'pb://%s@%s\n' "$other" "${rest#*@}" >"$D/forged.furl"
"$BENCH" call --furl-file "$D/forged.furl" add 2 3 || true
echo "== measuring (rpc-bench client, 1 s per mode)"
for mode in seq window bulk connect; do
	"$BENCH" client --furl-file "$D/calc.furl" --mode $mode --seconds 1
done
echo "== stopping the server"
kill -TERM "$pid"
wait "$pid" && echo "server exited cleanly"
pid=
