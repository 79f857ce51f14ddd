#!/bin/sh
# Grid-manager changes applied to running nodes, without restarts: real
# processes on 127.0.0.1 (an introducer, four storage nodes, a client
# alice with 2-of-3 shares and happy 3).
# - `tahoe add-grid-manager` on the running alice: her very next upload
#   is judged by the new key (refused, naming the numbers), and her status
#   lists the manager by name and key;
# - `tahoe admin add-grid-manager-cert` on a running storage node: the node
#   announces again with a higher sequence number, and alice sees the
#   certificate within seconds; with three certified servers put succeeds;
# - a certificate expiring within 7 days is warned about in the node's log
#   and status; one for another key and an unreadable one are warned about
#   at start;
# - `tahoe admin remove-grid-manager-cert` and `tahoe remove-grid-manager`
#   on running nodes undo both, at once;
# - a tahoe.cfg the running node refuses changes nothing in it, and the
#   command fails with the node's one-line reason.
# Every command runs under a time limit.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1

# check DIR PYTHON: wait (10 s) until DIR's status JSON ('d') passes.
check() {
	_n=0
	while :; do
		t 20 "$TAHOE" -d "$1" status --json >st.json 2>/dev/null &&
		"$PY" - st.json "$2" 2>/dev/null <<'PYEOF' && return 0
import json, sys
d = json.load(open(sys.argv[1]))
gm = {s["nickname"]: s for s in d.get("servers", [])}
exec(sys.argv[2])
PYEOF
		_n=$((_n + 1))
		[ $_n -lt 50 ] || { echo "status of $1: $(cat st.json)" >&2; return 1; }
		sleep 0.2
	done
}

# seqnum NICK: the sequence number the introducer holds for NICK.
seqnum() {
	t 20 "$TAHOE" -d intro status --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print([a["seqnum"] for a in d["announcements"] if a["nickname"] == sys.argv[1]][0])
' "$1"
}

t 20 "$TAHOE" create-introducer --listen=tcp --port=$LOOP intro >/dev/null ||
    fail "create-introducer"
spawn intro "$TAHOE" -d intro run
wait_file intro/private/introducer.furl 10 || fail "introducer"
wait_started intro intro
FURL=$(cat intro/private/introducer.furl)
for i in 0 1 2 3; do
	t 20 "$TAHOE" create-node --introducer "$FURL" --nickname storage$i \
	    --port $LOOP storage$i >/dev/null || fail "create-node storage$i"
done
t 20 "$TAHOE" create-client --introducer "$FURL" --nickname alice \
    --webport 0 --shares-needed=2 --shares-happy=3 --shares-total=3 \
    alice >/dev/null || fail "create-client"
t 20 "$TAHOE" grid-manager --config gm0 create || fail "gm create"
GM=$(t 20 "$TAHOE" grid-manager --config gm0 public-identity)
for i in 0 1 2; do
	t 20 "$TAHOE" grid-manager --config gm0 add storage$i \
	    "$(cat storage$i/node.pubkey)" || fail "gm add"
done
t 20 "$TAHOE" grid-manager --config gm0 sign storage0 >s0.cert || fail "sign"
t 20 "$TAHOE" grid-manager --config gm0 sign storage1 29 >s1.cert || fail "sign"
t 20 "$TAHOE" grid-manager --config gm0 sign storage2 3 >s2.cert || fail "sign"

# storage3 starts with a certificate for another key and an unreadable
# one: both are warned about at start.
cp s0.cert storage3/wrong.cert
printf 'not a certificate\n' >storage3/bad.cert
printf '\n[storage]\ngrid_management = true\n[grid_manager_certificates]\nwrong = wrong.cert\nbad = bad.cert\n' \
    >>storage3/tahoe.cfg
for n in storage0 storage1 storage2 storage3 alice; do
	spawn $n "$TAHOE" -d $n run
done
for n in storage0 storage1 storage2 storage3 alice; do
	wait_started $n $n
done
check storage3 '
c = {x["name"]: x for x in d["certificates"]}
assert d["certificate_warnings"] == 2, d
assert c["wrong"]["status"] == "invalid" and "names another server" in c["wrong"]["detail"], c
assert c["bad"]["status"] == "invalid", c
' || fail "storage3's status does not warn about its certificates"
grep -q "certificate wrong: names another server" storage3/logs/node.log ||
    fail "no warning in storage3's log: $(cat storage3/logs/node.log)"
grep -q "certificate bad not announced" storage3/logs/node.log ||
    fail "no warning in storage3's log: $(cat storage3/logs/node.log)"
ok "a storage node warns at start about certificates for another key or unreadable"
t 20 "$TAHOE" -d storage3 status >st3.txt || fail "status"
grep -q "Certificate warnings" st3.txt && grep -q "names another server" st3.txt ||
    fail "tahoe status (text): $(cat st3.txt)"
ok "tahoe status shows the warnings"
kill -TERM "$storage3_pid"
wait_exit "$storage3_pid" 10 || fail "storage3 did not stop"

check alice 'assert [gm[n]["state"] for n in ("storage0", "storage1", "storage2")] == ["connected"] * 3, gm' ||
    fail "alice does not see three servers"
mkfile f1 5000
mkfile f2 7000
t 60 "$TAHOE" -d alice put f1 >cap1 || fail "put with no grid manager"
ok "alice, trusting no grid manager, uploads"

# ---- add-grid-manager on the running alice ----
t 20 "$TAHOE" -d alice add-grid-manager work-grid "$GM" >out 2>err ||
    fail "add-grid-manager: $(cat err)"
grep -q "The running node applied it" out && grep -q "trusting 1 grid manager" out ||
    fail "add-grid-manager output: $(cat out)"
# At once: no waiting between the command and the upload.
if t 60 "$TAHOE" -d alice put f2 >cap2 2>err; then
	fail "put succeeded right after add-grid-manager"
fi
grep -q "3 storage server(s) connected, 0 of them certified by a trusted grid manager, but shares.happy is 3" err ||
    fail "put's message: $(cat err)"
ok "add-grid-manager on a running client applies to the next upload"
check alice '
assert [m["name"] for m in d["trusted_grid_managers"]] == ["work-grid"], d
assert gm["storage0"]["grid_manager"] == "not certified: no certificate", gm
' || fail "alice's status after add-grid-manager"
grep -q "$GM" st.json || fail "alice's status lacks the manager's key"

# ---- add-grid-manager-cert on running storage nodes ----
before=$(seqnum storage0)
t 20 "$TAHOE" -d storage0 admin add-grid-manager-cert --filename s0.cert \
    --name default >out 2>err || fail "add-grid-manager-cert: $(cat err)"
grep -q "The running node applied it" out && grep -q "announcing 1 certificate" out ||
    fail "add-grid-manager-cert output: $(cat out)"
after=$(seqnum storage0)
[ "$after" -gt "$before" ] || fail "seqnum $before -> $after"
ok "add-grid-manager-cert on a running node announces again (seqnum $before -> $after)"
t 20 "$TAHOE" -d storage1 admin add-grid-manager-cert --filename s1.cert \
    --name default >out 2>err || fail "add-grid-manager-cert: $(cat err)"
check alice '
s0, s1 = gm["storage0"], gm["storage1"]
assert s0["grid_manager"].startswith("certified: valid until "), s0
assert ", valid for 36" in s0["grid_manager"] and s0["grid_manager"].endswith("by grid manager work-grid"), s0
assert s0["certified_by"] == "work-grid" and s0["certificate_expires"] > 0, s0
assert ", valid for 28 days" in s1["grid_manager"], s1
assert gm["storage2"]["certified_by"] is None, gm
' || fail "alice does not see the new certificates"
ok "alice sees storage0 and storage1 certified, by whom and for how long"
t 20 "$TAHOE" -d alice status >alice.txt || fail "status"
grep -q "Grid managers trusted for uploads" alice.txt && grep -q "work-grid" alice.txt &&
    grep -q "valid for 28 days" alice.txt || fail "alice's status (text): $(cat alice.txt)"
if t 60 "$TAHOE" -d alice put f2 >cap2 2>err; then
	fail "put succeeded with two certified servers"
fi
grep -q "2 of them certified" err || fail "put's message: $(cat err)"

# storage2's certificate expires in 3 days: it is announced, and warned
# about by storage2.
t 20 "$TAHOE" -d storage2 admin add-grid-manager-cert --filename s2.cert \
    --name default >out 2>err || fail "add-grid-manager-cert: $(cat err)"
grep -q "renew it" out || fail "no warning in the command's report: $(cat out)"
grep -q "grid-manager certificate default: expires at .*renew it" storage2/logs/node.log ||
    fail "no warning in storage2's log"
check storage2 '
assert d["certificate_warnings"] == 1, d
assert d["certificates"][0]["status"] == "expiring", d
' || fail "storage2's status does not warn"
check alice 'assert gm["storage2"]["certified_by"] == "work-grid", gm' ||
    fail "alice does not see storage2's certificate"
t 60 "$TAHOE" -d alice put f2 >cap2 2>err || fail "put: $(cat err)"
grep -q '^URI:CHK:' cap2 || fail "put printed $(cat cap2)"
ok "three certified servers: alice uploads; storage2 warns of its expiring certificate"

# ---- the inverse commands, live ----
t 20 "$TAHOE" -d storage2 admin remove-grid-manager-cert default >out 2>err ||
    fail "remove-grid-manager-cert: $(cat err)"
grep -q "announcing 0 certificate" out || fail "remove output: $(cat out)"
check alice 'assert gm["storage2"]["grid_manager"] == "not certified: no certificate", gm' ||
    fail "alice still sees storage2 certified"
if t 60 "$TAHOE" -d alice put f1 >/dev/null 2>err; then
	fail "put succeeded after storage2's certificate was removed"
fi
ok "remove-grid-manager-cert on a running node withdraws the certificate"
t 20 "$TAHOE" -d alice remove-grid-manager work-grid >out 2>err ||
    fail "remove-grid-manager: $(cat err)"
grep -q "trusting 0 grid manager" out || fail "remove-grid-manager output: $(cat out)"
mkfile f3 6000
t 60 "$TAHOE" -d alice put f3 >cap3 2>err || fail "put after remove-grid-manager: $(cat err)"
check alice 'assert d["trusted_grid_managers"] == [] and gm["storage0"]["grid_manager"] is None, d' ||
    fail "alice's status after remove-grid-manager"
ok "remove-grid-manager on a running client applies to the next upload"
# A tahoe.cfg the running node refuses: the command fails with the node's
# reason, and the node goes on as it was.
printf '\n[grid_managers]\nbroken = pub-v0-nope\n' >>alice/tahoe.cfg
if t 20 "$TAHOE" -d alice add-grid-manager work-grid "$GM" >out 2>err; then
	fail "add-grid-manager succeeded with a broken tahoe.cfg: $(cat out)"
fi
[ "$(wc -l <err)" -eq 1 ] && grep -q "did not apply it" err &&
    grep -q "\[grid_managers\] broken" err || fail "refused reload: $(cat err)"
check alice 'assert d["trusted_grid_managers"] == [], d' ||
    fail "alice applied part of a refused tahoe.cfg"
t 60 "$TAHOE" -d alice put f1 >/dev/null 2>err || fail "put after a refused reload: $(cat err)"
ok "a running node that refuses the new tahoe.cfg keeps what it had"
for c in cap1 cap2 cap3; do
	t 60 "$TAHOE" -d alice get "$(cat $c)" got || fail "get $c"
done
cmp -s got f3 || fail "get: wrong bytes"
ok "every file reads back"
echo "all passed"
