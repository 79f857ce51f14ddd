#!/bin/sh
# Accounts end to end, real processes on 127.0.0.1: an account manager,
# three storage nodes with serverdesk.furl (and no introducer), two
# clients with accounts.  Both put and get; every lease on every server is
# owned by the account that uploaded; no storage node exposes an anonymous
# storage FURL; with the manager stopped, clients still put and get; the
# manager restarted, servers register again and a new account works; a
# server added later reaches a running client.  Every command runs under
# a time limit.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
"$PY" -c 'import sqlite3' 2>/dev/null || { echo "SKIP: no python3 sqlite3"; exit 77; }
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1

t() {
	lim=$1
	shift
	timeout -k 5 "$lim" "$@"
}

status_json() {
	t 20 "$TAHOE" -d "$1" status --json 2>/dev/null
}

count_connected() {
	status_json "$1" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for s in d.get("servers", []) if s["state"] == "connected"))
' 2>/dev/null || echo -1
}

wait_connected() {
	_wc_n=0
	while [ "$(count_connected "$1")" != "$2" ]; do
		[ $_wc_n -ge $(($3 * 5)) ] && return 1
		sleep 0.2
		_wc_n=$((_wc_n + 1))
	done
	return 0
}

mkfile() {
	"$PY" -c 'import os, sys; sys.stdout.buffer.write(os.urandom(int(sys.argv[1])))' \
	    "$2" >"$1"
}

# leases_ok CAP OWNER SERVERS...: every lease on the cap's shares is owned
# by account OWNER, and there is at least one.
leases_ok() {
	_cap=$1
	_owner=$2
	shift 2
	"$PY" - "$_cap" "$_owner" "$@" <<'PYEOF'
import base64, hashlib, sqlite3, sys
cap, owner, servers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
key = cap.split(":")[2]
key = base64.b32decode(key.upper() + "=" * (-len(key) % 8))
def tagged(tag, v):
    ns = b"%d:%s," % (len(tag), tag)
    return hashlib.sha256(hashlib.sha256(ns + v).digest()).digest()
si = tagged(b"allmydata_immutable_key_to_storage_index_v1", key)[:16]
n = 0
for s in servers:
    db = sqlite3.connect("file:%s/storage/leases.sqlite?mode=ro" % s, uri=True)
    for (o,) in db.execute("SELECT owner FROM leases WHERE si = ?", (si,)):
        if o != owner:
            sys.exit("%s: a lease owned by %d, not %d" % (s, o, owner))
        n += 1
    db.close()
if n == 0:
    sys.exit("no lease on the shares")
print(n)
PYEOF
}

# ---- the account manager ----
t 20 "$TAHOE" create-account-manager --listen=tcp --port=$LOOP \
    --nickname am am >/dev/null || fail "create-account-manager"
[ -f am/tahoe-account-manager.tac ] || fail "no account-manager marker"
[ -f am/tahoe-introducer.tac ] && fail "an account manager marked as introducer"
spawn am "$TAHOE" -d am run
for f in new-account manage-accounts serverdesk; do
	wait_file am/private/$f.furl 30 || fail "am did not write $f.furl: $(tail -n 3 "$T/am.err" | tr '\n' ' ')"
	[ "$(stat -c %a am/private/$f.furl)" = 600 ] ||
	    fail "am/private/$f.furl is not 0600"
done
cp am/private/new-account.furl na.1
cp am/private/serverdesk.furl sd.1
ok "the account manager writes its three FURLs (0600)"

# ---- storage servers with serverdesk.furl, no introducer ----
for i in 0 1 2; do
	t 20 "$TAHOE" create-node --nickname s$i --port $LOOP s$i \
	    >/dev/null || fail "create-node s$i"
	cp am/private/serverdesk.furl s$i/serverdesk.furl
	spawn s$i "$TAHOE" -d s$i run
done
for i in 0 1 2; do
	wait_started s$i s$i
done
wait_connected am 3 20 || fail "the servers did not register"
ok "three storage servers register at the serverdesk"

# No anonymous storage FURL: none on disk, none in what was registered.
for i in 0 1 2; do
	[ -e s$i/private/storage.furl ] && fail "s$i wrote a storage.furl"
done
"$PY" - <<'PYEOF' || fail "an announcement names an anonymous FURL"
import json, sqlite3, sys
db = sqlite3.connect("file:am/accounts.sqlite?mode=ro", uri=True)
rows = db.execute("SELECT msg FROM servers").fetchall()
assert len(rows) == 3, rows
for (m,) in rows:
    if "anonymous-storage-FURL" in json.loads(m):
        sys.exit(1)
PYEOF
ok "storage nodes with serverdesk.furl expose no anonymous storage FURL"

# ---- accounts and clients ----
t 20 "$TAHOE" create-client --nickname alice --webport 0 \
    --shares-needed 2 --shares-happy 3 --shares-total 3 alice >/dev/null ||
    fail "create-client alice"
t 30 "$TAHOE" create-account --new-account-furl-file na.1 alice alice \
    >/dev/null || fail "create-account alice"
[ "$(stat -c %a alice/account.furl)" = 600 ] || fail "account.furl not 0600"
BOBFURL=$(t 30 "$TAHOE" create-account --new-account-furl "$(cat na.1)" bob) ||
    fail "create-account bob"
case $BOBFURL in pb://*/2-*) ;; *) fail "bob's FURL: $BOBFURL" ;; esac
t 20 "$TAHOE" create-client --nickname bob --webport 0 \
    --shares-needed 2 --shares-happy 3 --shares-total 3 \
    --account-furl "$BOBFURL" bob >/dev/null || fail "create-client bob"
t 30 "$TAHOE" create-account --new-account-furl-file na.1 alice \
    >dup.out 2>dup.err && fail "a duplicate name was accepted"
grep -q "exists" dup.err || fail "duplicate name: $(cat dup.err)"
ok "create-account: FURL files, printed FURLs, duplicates refused"

spawn alice "$TAHOE" -d alice run
spawn bob "$TAHOE" -d bob run
wait_connected alice 3 20 || fail "alice does not see 3 servers"
wait_connected bob 3 20 || fail "bob does not see 3 servers"
[ "$(stat -c %a alice/private/servers.json)" = 600 ] ||
    fail "servers.json is not 0600"
t 20 "$TAHOE" -d alice status >st.alice || fail "status alice"
grep -q "Account number" st.alice || fail "status: $(cat st.alice)"
grep -q "alice" st.alice || fail "status has no account name"
ok "clients take their servers from their accounts"

for c in alice bob; do
	mkfile f.$c 200000
	cap=$(t 60 "$TAHOE" -d $c put f.$c) || fail "$c put"
	echo "$cap" >cap.$c
	t 60 "$TAHOE" -d $c get "$cap" g.$c || fail "$c get"
	cmp -s f.$c g.$c || fail "$c: the file differs"
done
leases_ok "$(cat cap.alice)" 1 s0 s1 s2 >/dev/null || fail "alice's leases"
leases_ok "$(cat cap.bob)" 2 s0 s1 s2 >/dev/null || fail "bob's leases"
# Bob reads Alice's file through his own facets.
t 60 "$TAHOE" -d bob get "$(cat cap.alice)" g.x || fail "bob gets alice's"
cmp -s f.alice g.x || fail "bob: alice's file differs"
ok "put and get through PSS facets; every lease owned by its account"

# ---- the operator's commands: list, quota, disable ----
MF="--manage-accounts-furl-file am/private/manage-accounts.furl"
t 30 "$TAHOE" manage-accounts $MF list >list.out || fail "manage-accounts list"
grep -qE '^1 +alice +active +none' list.out || fail "list: $(cat list.out)"
grep -qE '^2 +bob +active +none' list.out || fail "list: $(cat list.out)"
t 30 "$TAHOE" manage-accounts $MF set 2 active 1000 >/dev/null ||
    fail "manage-accounts set quota"
sleep 1
mkfile f.q 200000
t 60 "$TAHOE" -d bob put f.q >q.out 2>q.err && fail "bob's put passed his quota"
t 30 "$TAHOE" manage-accounts $MF set 2 active none >/dev/null ||
    fail "manage-accounts lift quota"
sleep 1
t 60 "$TAHOE" -d bob put f.q >/dev/null || fail "bob's put after the quota went"
t 30 "$TAHOE" manage-accounts $MF set 9 active >/dev/null 2>set.err &&
    fail "set of an unknown account"
ok "manage-accounts lists accounts; a quota refuses an upload past it"

# ---- the manager stopped ----
kill -TERM $am_pid
wait_exit $am_pid 10 || fail "am did not stop"
mkfile f.2 100000
cap=$(t 60 "$TAHOE" -d alice put f.2) || fail "put with the AM down"
t 60 "$TAHOE" -d alice get "$cap" g.2 || fail "get with the AM down"
cmp -s f.2 g.2 || fail "differs with the AM down"
ok "clients put and get with the account manager down"

# ---- the manager restarted ----
spawn am "$TAHOE" -d am run
wait_connected am 3 40 || fail "the servers did not register again"
cmp -s am/private/new-account.furl na.1 || fail "new-account.furl changed"
cmp -s am/private/serverdesk.furl sd.1 || fail "serverdesk.furl changed"
t 20 "$TAHOE" create-client --nickname carol --webport 0 \
    --shares-needed 2 --shares-happy 3 --shares-total 3 carol >/dev/null ||
    fail "create-client carol"
t 30 "$TAHOE" create-account --new-account-furl-file na.1 carol carol \
    >/dev/null || fail "create-account carol"
spawn carol "$TAHOE" -d carol run
wait_connected carol 3 20 || fail "carol does not see 3 servers"
mkfile f.3 100000
cap=$(t 60 "$TAHOE" -d carol put f.3) || fail "carol put"
t 60 "$TAHOE" -d carol get "$cap" g.3 || fail "carol get"
cmp -s f.3 g.3 || fail "carol: differs"
leases_ok "$cap" 3 s0 s1 s2 >/dev/null || fail "carol's leases"
ok "after a restart of the manager, servers register again; a new account works"

# ---- a terminated account ----
t 30 "$TAHOE" manage-accounts $MF set 3 terminated >/dev/null ||
    fail "terminate carol"
sleep 1
"$PY" - <<'PYEOF' || fail "carol's leases are still there"
import sqlite3, sys
for s in ("s0", "s1", "s2"):
    db = sqlite3.connect("file:%s/storage/leases.sqlite?mode=ro" % s, uri=True)
    n = db.execute("SELECT COUNT(*) FROM leases WHERE owner = 3").fetchone()[0]
    if n:
        sys.exit("%s: %d lease(s) of carol left" % (s, n))
PYEOF
t 60 "$TAHOE" -d carol get "$cap" g.3b 2>/dev/null && fail "carol's file is still there"
leases_ok "$(cat cap.alice)" 1 s0 s1 s2 >/dev/null || fail "alice's leases went too"
ok "terminating an account cancels its leases and deletes its shares"

# ---- a server added later ----
t 20 "$TAHOE" create-node --nickname s3 --port $LOOP s3 >/dev/null ||
    fail "create-node s3"
cp am/private/serverdesk.furl s3/serverdesk.furl
spawn s3 "$TAHOE" -d s3 run
wait_connected alice 4 30 || fail "alice did not learn of s3"
ok "a server added later reaches a running client"
exit 0
