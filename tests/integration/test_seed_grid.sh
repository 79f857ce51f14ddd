#!/bin/sh
# The seed's "Example Setup of a New Managed Grid", command for command,
# with nodes under daemonize as the seed runs them.  Only the port numbers
# differ (free ports found now instead of 5555, 6001, ...; web ports 0),
# so that tests can run side by side.  Checks, in the seed's order: alice,
# trusting no grid manager, puts README.rst and storage2 holds a share;
# alice trusts gm0 (its key put in [grid_managers] by hand) and restarts:
# her status and welcome page show storage0 and storage1 certified and
# storage2 not, and `tahoe put` fails naming connected and certified
# servers and shares.happy; gm0 signs storage2, which enrolls as the
# others did and restarts, and put succeeds again.  `tahoe get` of the
# first cap works throughout, also with a certified server stopped (so
# through the uncertified storage2).  Every command has a time limit.
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
	t 20 daemonize -c "$T" -e "$T/$1.err" -o "$T/$1.out" "$TAHOE" -d "$1" run ||
	    fail "daemonize $1"
	wait_file "$1/private/control.furl" 30 ||
	    fail "$1 did not start within 30 s: $(tail -n 3 "$T/$1.err" | tr '\n' ' ')"
}
# stop DIR: SIGTERM, and wait until it has let go of its directory.
stop() {
	kill -TERM "$(cat $1/node.lock)"
	_n=0
	while [ -e $1/private/control.furl ] && [ $_n -lt 100 ]; do
		sleep 0.1; _n=$((_n + 1))
	done
	[ ! -e $1/private/control.furl ] || fail "$1 did not stop"
}
# enroll DIR: the seed's tahoe.cfg lines, then a restart.
enroll() {
	printf '\n[storage]\ngrid_management = true\n[grid_manager_certificates]\ndefault = gridmanager.cert\n' \
	    >>$1/tahoe.cfg
	stop $1
	run $1
}
# alice_sees PYTHON-CHECK: wait (10 s) until alice's status passes the
# check, run on 'gm' (nickname -> (state, grid_manager)).
alice_sees() {
	_n=0
	while :; do
		t 20 "$TAHOE" -d alice status --json >st.json 2>/dev/null &&
		"$PY" - st.json "$1" 2>/dev/null <<'PYEOF' && return 0
import json, sys
d = json.load(open(sys.argv[1]))
gm = {s["nickname"]: (s["state"], s["grid_manager"]) for s in d["servers"]}
exec(sys.argv[2])
PYEOF
		_n=$((_n + 1))
		[ $_n -lt 50 ] || fail "alice's status: $(cat st.json)"
		sleep 0.2
	done
}
# get_first: alice gets the first cap back, byte for byte.
get_first() {
	rm -f got.rst
	t 60 "$TAHOE" -d alice get "$CAP1" got.rst || fail "get: $1"
	cmp -s got.rst README.rst || fail "get: $1: wrong bytes"
}
cp "$TOP_SRCDIR/README.md" README.rst || fail "README"
P_INTRO=$(freeport); P0=$(freeport); P1=$(freeport); P2=$(freeport)

t 20 "$TAHOE" grid-manager --config ./gm0 create || fail "gm create"
t 20 "$TAHOE" create-introducer --listen=tcp --port=$P_INTRO --location=tcp:localhost:$P_INTRO ./introducer >/dev/null ||
    fail "create-introducer"
run introducer
t 20 "$TAHOE" create-node --introducer $(cat introducer/private/introducer.furl) --nickname storage0 --webport 0 --location tcp:localhost:$P0 --port $P0 ./storage0 >/dev/null ||
    fail "create-node storage0"
t 20 "$TAHOE" create-node --introducer $(cat introducer/private/introducer.furl) --nickname storage1 --webport 0 --location tcp:localhost:$P1 --port $P1 ./storage1 >/dev/null ||
    fail "create-node storage1"
run storage0
run storage1
t 20 "$TAHOE" grid-manager --config ./gm0 add storage0 $(cat storage0/node.pubkey) || fail "add"
t 20 "$TAHOE" grid-manager --config ./gm0 add storage1 $(cat storage1/node.pubkey) || fail "add"
t 20 "$TAHOE" grid-manager --config ./gm0 sign storage0 > ./storage0/gridmanager.cert || fail "sign"
t 20 "$TAHOE" grid-manager --config ./gm0 sign storage1 > ./storage1/gridmanager.cert || fail "sign"
enroll storage0
enroll storage1
ok "storage0 and storage1 restarted with certificates"
t 20 "$TAHOE" create-node --introducer $(cat introducer/private/introducer.furl) --nickname storage2 --webport 0 --location tcp:localhost:$P2 --port $P2 ./storage2 >/dev/null ||
    fail "create-node storage2"
run storage2

# "At this point any client will upload to any of these three
# storage-servers.  Make a client "alice" and try!"
t 20 "$TAHOE" create-client --introducer $(cat introducer/private/introducer.furl) --nickname alice --webport 0 --shares-total=3 --shares-needed=2 --shares-happy=3 ./alice >/dev/null ||
    fail "create-client"
run alice
alice_sees 'assert all(gm[n] == ("connected", None) for n in ("storage0", "storage1", "storage2")), gm'
t 60 "$TAHOE" -d alice put README.rst >cap1 2>put1.err || fail "put: $(cat put1.err)"
CAP1=$(cat cap1)
case $CAP1 in URI:CHK:*) ;; *) fail "put printed '$CAP1'" ;; esac
t 20 find storage2/storage/shares >found || fail "find"
grep -q '^storage2/storage/shares/[a-z2-7][a-z2-7]/[a-z2-7]*/[0-9]*$' found ||
    fail "storage2 holds no share: $(cat found)"
ok "alice, trusting no grid manager, put README.rst; storage2 has a share"
get_first "before alice trusts gm0"

# "Put the key printed out above into Alice's tahoe.cfg", then restart.
t 20 "$TAHOE" grid-manager --config ./gm0 public-identity >gm0.pub || fail "public-identity"
printf '\n[grid_managers]\nexample_name = %s\n' "$(cat gm0.pub)" >>alice/tahoe.cfg
stop alice
run alice
alice_sees '
assert gm["storage0"][0] == gm["storage1"][0] == gm["storage2"][0] == "connected"
assert gm["storage0"][1].startswith("certified: valid until"), gm
assert gm["storage1"][1].startswith("certified: valid until"), gm
assert gm["storage2"][1] == "not certified: no certificate", gm
'
ok "alice sees storage0 and storage1 certified, storage2 not"
"$PY" - "$(cat alice/node.url)" <<'PYEOF' || fail "welcome page"
import sys, urllib.request
html = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
assert "certified: valid until" in html and "not certified" in html
PYEOF
ok "the welcome page shows each server's certificate status"

# "all their uploads should now fail (so tahoe put will fail)"
if t 60 "$TAHOE" -d alice put README.rst >cap2 2>put2.err; then
	fail "put succeeded with two certified servers: $(cat cap2)"
fi
grep -q '3 storage server(s) connected, 2 of them certified by a trusted grid manager, but shares.happy is 3' put2.err ||
    fail "put's message: $(cat put2.err)"
ok "alice's put fails: 3 connected, 2 certified, happy 3"
get_first "after alice trusts gm0"
# Downloads use any server: without storage1, storage2 must serve.
stop storage1
alice_sees 'assert gm["storage1"][0] != "connected", gm'
get_first "with storage1 stopped"
ok "get works through the uncertified storage2"
run storage1

# The grid manager certifies storage2, which enrolls as the others did.
t 20 "$TAHOE" grid-manager --config ./gm0 add storage2 $(cat storage2/node.pubkey) || fail "add"
t 20 "$TAHOE" grid-manager --config ./gm0 sign storage2 > ./storage2/gridmanager.cert || fail "sign"
enroll storage2
alice_sees 'assert all(gm[n][0] == "connected" and gm[n][1].startswith("certified: valid until") for n in ("storage0", "storage1", "storage2")), gm'
echo "a second file, after storage2 was certified" >>README2.rst
cat README.rst >>README2.rst
t 60 "$TAHOE" -d alice put README2.rst >cap3 2>put3.err || fail "put: $(cat put3.err)"
grep -q '^URI:CHK:' cap3 || fail "put printed '$(cat cap3)'"
t 60 "$TAHOE" -d alice get "$(cat cap3)" got2.rst || fail "get of the second cap"
cmp -s got2.rst README2.rst || fail "second file: wrong bytes"
ok "storage2 certified: alice's put succeeds again"
get_first "after storage2 is certified"
ok "the first cap reads back throughout"
echo "all passed"
