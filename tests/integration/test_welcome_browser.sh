#!/bin/sh
# The welcome page of a client that trusts a grid manager, as a real
# browser renders it: headless Chromium loads alice's page and dumps the
# DOM it built, and the test reads the tables from that DOM.  It must list
# the trusted grid manager (name and key), and for each server whether it
# holds a valid certificate, from which manager, until when and how long
# is left; a storage node's own page lists its certificates.  Skipped
# (77) without chromium.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
need_chromium
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1

t 20 "$TAHOE" create-introducer --listen=tcp --port=$LOOP intro >/dev/null ||
    fail "create-introducer"
spawn intro "$TAHOE" -d intro run
wait_file intro/private/introducer.furl 10 || fail "introducer"
FURL=$(cat intro/private/introducer.furl)
for i in 0 1; do
	t 20 "$TAHOE" create-node --introducer "$FURL" --nickname storage$i \
	    --port $LOOP --webport 0 storage$i >/dev/null || fail "create-node"
done
t 20 "$TAHOE" create-client --introducer "$FURL" --nickname alice \
    --webport 0 alice >/dev/null || fail "create-client"
t 20 "$TAHOE" grid-manager --config gm0 create || fail "gm create"
GM=$(t 20 "$TAHOE" grid-manager --config gm0 public-identity)
t 20 "$TAHOE" grid-manager --config gm0 add storage0 "$(cat storage0/node.pubkey)" ||
    fail "gm add"
t 20 "$TAHOE" grid-manager --config gm0 sign storage0 30 >s0.cert || fail "sign"
t 20 "$TAHOE" -d storage0 admin add-grid-manager-cert --filename s0.cert \
    --name default >/dev/null || fail "add-grid-manager-cert"
t 20 "$TAHOE" -d alice add-grid-manager work-grid "$GM" >/dev/null ||
    fail "add-grid-manager"
for n in storage0 storage1 alice; do
	spawn $n "$TAHOE" -d $n run
done
for n in storage0 storage1 alice; do
	wait_file $n/node.url 10 || fail "$n did not start"
done
i=0
until t 20 "$TAHOE" -d alice status --json 2>/dev/null | grep -q '"certified_by": *"work-grid"'; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "alice never saw storage0's certificate"
	sleep 0.2
done

dom "$(cat alice/node.url)" alice.html
cp "$TOP_SRCDIR/tests/integration/tables.py" tables.py
"$PY" - alice.html "$GM" <<'PYEOF' || fail "alice's page as rendered: $(cat alice.html)"
import sys
sys.path.insert(0, ".")
from tables import tables
t = tables(sys.argv[1])
gms = t["Grid managers trusted for uploads"]
assert gms == [{"Name": "work-grid", "Public key": sys.argv[2]}], gms
rows = {r["Nickname"]: r for r in t["Storage servers"]}
s0, s1 = rows["storage0"]["Grid manager"], rows["storage1"]["Grid manager"]
assert s0.startswith("certified: valid until "), s0
assert " UTC, valid for 29 days, by grid manager work-grid" in s0, s0
assert s1 == "not certified: no certificate", s1
PYEOF
ok "alice's welcome page in Chromium: the manager, and each server's certificate"

dom "$(cat storage0/node.url)" storage0.html
"$PY" - storage0.html <<'PYEOF' || fail "storage0's page as rendered: $(cat storage0.html)"
import sys
sys.path.insert(0, ".")
from tables import tables
t = tables(sys.argv[1])
c = t["This server's grid-manager certificates"]
assert len(c) == 1 and c[0]["Name"] == "default" and c[0]["Status"] == "valid", c
assert "(valid for 29 days)" in c[0]["Detail"], c
PYEOF
ok "storage0's welcome page in Chromium: its own certificate"
echo "all passed"
