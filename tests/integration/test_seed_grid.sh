#!/bin/sh
# The seed's "Example Setup of a New Managed Grid", command for command,
# with nodes under daemonize as the seed runs them.  Only the port numbers
# differ (free ports found now instead of 5555, 6001, ...), so that tests
# can run side by side.  Checks: the grid manager's certificates reach the
# client through the introducer, and alice's status shows storage0 and
# storage1 certified and storage2 not.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
command -v daemonize >/dev/null || { echo "daemonize missing"; exit 77; }
cd "$T" || exit 1

freeport() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Stop every node started under daemonize (their pids are in node.lock).
stop_nodes() {
	for d in introducer storage0 storage1 storage2 alice; do
		[ -s $d/node.lock ] || continue
		pid=$(cat $d/node.lock)
		kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.5
	for d in introducer storage0 storage1 storage2 alice; do
		[ -s $d/node.lock ] && kill -KILL "$(cat $d/node.lock)" 2>/dev/null
	done
	cleanup
}
trap stop_nodes EXIT
# run DIR: the seed's "daemonize tahoe -d DIR run"; wait until it serves.
run() {
	daemonize -c "$T" -e "$T/$1.err" -o "$T/$1.out" "$TAHOE" -d "$1" run ||
	    fail "daemonize $1"
	wait_file "$1/private/control.furl" 10 || fail "$1 did not start"
}
P_INTRO=$(freeport); P0=$(freeport); P1=$(freeport); P2=$(freeport)

"$TAHOE" grid-manager --config ./gm0 create || fail "gm create"
"$TAHOE" create-introducer --listen=tcp --port=$P_INTRO --location=tcp:localhost:$P_INTRO ./introducer >/dev/null ||
    fail "create-introducer"
run introducer
"$TAHOE" create-node --introducer $(cat introducer/private/introducer.furl) --nickname storage0 --webport 0 --location tcp:localhost:$P0 --port $P0 ./storage0 >/dev/null ||
    fail "create-node storage0"
"$TAHOE" create-node --introducer $(cat introducer/private/introducer.furl) --nickname storage1 --webport 0 --location tcp:localhost:$P1 --port $P1 ./storage1 >/dev/null ||
    fail "create-node storage1"
run storage0
run storage1
"$TAHOE" grid-manager --config ./gm0 add storage0 $(cat storage0/node.pubkey) || fail "add"
"$TAHOE" grid-manager --config ./gm0 add storage1 $(cat storage1/node.pubkey) || fail "add"
"$TAHOE" grid-manager --config ./gm0 sign storage0 > ./storage0/gridmanager.cert || fail "sign"
"$TAHOE" grid-manager --config ./gm0 sign storage1 > ./storage1/gridmanager.cert || fail "sign"
for d in storage0 storage1; do
	printf '\n[storage]\ngrid_management = true\n[grid_manager_certificates]\ndefault = gridmanager.cert\n' \
	    >>$d/tahoe.cfg
	kill -TERM "$(cat $d/node.lock)"
	i=0
	while [ -e $d/private/control.furl ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	run $d
done
ok "storage0 and storage1 restarted with certificates"
"$TAHOE" create-node --introducer $(cat introducer/private/introducer.furl) --nickname storage2 --webport 0 --location tcp:localhost:$P2 --port $P2 ./storage2 >/dev/null ||
    fail "create-node storage2"
run storage2
"$TAHOE" create-client --introducer $(cat introducer/private/introducer.furl) --nickname alice --webport 0 --shares-total=3 --shares-needed=2 --shares-happy=3 ./alice >/dev/null ||
    fail "create-client"
"$TAHOE" -d alice add-grid-manager example_name "$("$TAHOE" grid-manager --config ./gm0 public-identity)" >/dev/null ||
    fail "add-grid-manager"
run alice

i=0
while :; do
	"$TAHOE" -d alice status --json >st.json 2>/dev/null &&
	"$PY" - st.json 2>/dev/null <<'PYEOF' && break
import json, sys
d = json.load(open(sys.argv[1]))
gm = {s["nickname"]: (s["state"], s["grid_manager"]) for s in d["servers"]}
assert gm["storage0"][0] == gm["storage1"][0] == gm["storage2"][0] == "connected"
assert gm["storage0"][1].startswith("certified: valid until"), gm
assert gm["storage1"][1].startswith("certified: valid until"), gm
assert gm["storage2"][1] == "not certified: no certificate", gm
PYEOF
	i=$((i + 1))
	[ $i -lt 50 ] || fail "alice's status: $(cat st.json)"
	sleep 0.2
done
ok "alice sees storage0 and storage1 certified, storage2 not"
"$PY" - "$(cat alice/node.url)" <<'PYEOF' || fail "welcome page"
import sys, urllib.request
html = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
assert "certified: valid until" in html and "not certified" in html
PYEOF
ok "the welcome page shows each server's certificate status"
echo "all passed"
