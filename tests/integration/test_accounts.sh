#!/bin/sh
# Accounts end to end, real processes on 127.0.0.1: an account manager,
# three storage nodes with serverdesk.furl (and no introducer), two
# clients with accounts.  Both put and get; every lease on every server is
# owned by the account that uploaded; no storage node exposes an anonymous
# storage FURL.  The operator's `tahoe admin accounts`: each account's
# usage on each server is what its share files take on that server's
# disk; a quota below usage refuses puts (not gets), disable and enable;
# terminate deletes exactly the terminated account's unshared shares and
# its FURL stops resolving.  With the manager stopped, clients still put
# and get; the manager restarted, servers register again and a new
# account works; a server added later reaches a running client.  Every
# command runs under a time limit.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
"$PY" -c 'import sqlite3' 2>/dev/null || { echo "SKIP: no python3 sqlite3"; exit 77; }
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1

status_json() {
	t 20 "$TAHOE" -d "$1" status --json 2>/dev/null
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
    --webport tcp:0:interface=127.0.0.1 --nickname am am >/dev/null ||
    fail "create-account-manager"
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
# One convergence secret: the same file is the same storage index for
# both, so a share can be leased by both accounts.
cp alice/private/convergence bob/private/convergence
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

# ---- the operator's commands ----
ACC() {
	t 30 "$TAHOE" admin accounts -d am "$@"
}

# usage_ok NUM: `admin accounts show NUM --json` names every server, and
# on each its figures are the share files the account leases there, as
# the server's disk and lease database have them.
usage_ok() {
	ACC show "$1" --json >show.$1.json || return 1
	"$PY" - "$1" show.$1.json <<'PYEOF'
import base64, json, os, sqlite3, sys
num, d = int(sys.argv[1]), json.load(open(sys.argv[2]))
assert d["num"] == num, d
assert d["servers_counted"] == d["servers_registered"] == 3, d
total = shares_total = 0
for s in d["per_server"]:
    assert "error" not in s, s
    nick = s["nickname"]
    db = sqlite3.connect("file:%s/storage/leases.sqlite?mode=ro" % nick,
                         uri=True)
    rows = db.execute("SELECT DISTINCT si, shnum FROM leases WHERE owner = ?",
                      (num,)).fetchall()
    db.close()
    size = 0
    for si, shnum in rows:
        b32 = base64.b32encode(si).decode().lower().rstrip("=")
        size += os.path.getsize("%s/storage/shares/%s/%s/%d"
                                % (nick, b32[:2], b32, shnum))
    if (s["shares"], s["bytes"]) != (len(rows), size):
        sys.exit("%s: account %d: reported %d shares %d bytes, on disk %d "
                 "shares %d bytes" % (nick, num, s["shares"], s["bytes"],
                                      len(rows), size))
    total += size
    shares_total += len(rows)
assert (d["usage"], d["shares"]) == (total, shares_total), d
assert total > 0
PYEOF
}

usage_ok 1 || fail "alice's usage per server"
usage_ok 2 || fail "bob's usage per server"
ok "admin accounts show: each server's usage is the account's share files there"

ACC list >list.out || fail "admin accounts list"
head -n 1 list.out | grep -q "NUM.*NAME.*STATUS.*QUOTA.*USAGE.*SHARES.*CREATED" ||
    fail "list header: $(cat list.out)"
grep -qE '^1 +alice +active +none +[0-9.]+ kB +3 ' list.out ||
    fail "list: $(cat list.out)"
grep -qE '^2 +bob +active +none ' list.out || fail "list: $(cat list.out)"
ACC list --json --offset 1 --limit 5 >list.json || fail "list --json"
"$PY" - <<'PYEOF' || fail "list --json: $(cat list.json)"
import json
d = json.load(open("list.json"))
assert [a["num"] for a in d["accounts"]] == [2], d
a = d["accounts"][0]
assert set(a) == {"num", "name", "status", "quota", "usage", "shares",
                  "created"}, a
assert a["name"] == "bob" and a["quota"] is None and a["usage"] > 0, a
assert d["servers_counted"] == d["servers_registered"] == 3, d
assert d["servers_missing"] == [], d
PYEOF
t 30 "$TAHOE" admin accounts --manage-accounts-furl "$(cat am/private/manage-accounts.furl)" \
    show 2 >show.out || fail "show with --manage-accounts-furl"
grep -q "status: *active" show.out || fail "show: $(cat show.out)"
ACC show 9 >/dev/null 2>show9.err && fail "show of an unknown account"
grep -q "no account 9" show9.err || fail "show 9: $(cat show9.err)"
ACC set-quota 2 12cubits >/dev/null 2>sq.err && fail "a garbage size"
[ "$(wc -l <sq.err)" = 1 ] && grep -q "unparseable size" sq.err ||
    fail "garbage size: $(cat sq.err)"
ACC set-quota 2 99999999999EiB >/dev/null 2>sq.err && fail "an overflowing size"
grep -q "too large" sq.err || fail "overflowing size: $(cat sq.err)"
ok "admin accounts list (table and JSON), show, unknown accounts and bad sizes"

# The manager's welcome page: accounts with status, quota and usage, a
# page at a time; usage is counted for a page when it is viewed.
if command -v curl >/dev/null; then
	_n=0
	until t 10 curl -sf "$(cat am/node.url)?t=json&page=1" >am.json &&
	    "$PY" - <<'PYEOF' 2>page.err; do
import json
d = json.load(open("am.json"))
rows = {r["num"]: r for r in d["account_list"]}
for num in (1, 2):
    show = json.load(open("show.%d.json" % num))
    assert rows[num]["usage"] == show["usage"], (rows[num], show["usage"])
    assert rows[num]["shares"] == show["shares"], rows[num]
    assert rows[num]["status"] == "active" and rows[num]["quota"] is None
assert d["accounts_page"]["page"] == 1 and d["accounts_page"]["next"] is None
PYEOF
		[ $_n -ge 50 ] && fail "am's page: $(tail -n 1 page.err)"
		sleep 0.2
		_n=$((_n + 1))
	done
	t 10 curl -sf "$(cat am/node.url)" >am.html || fail "am's page"
	grep -q "<h2>Accounts on this page</h2>" am.html || fail "am.html: no accounts"
	grep -q "<td>alice</td>" am.html || fail "am.html: no alice"
	t 10 curl -s -o /dev/null -w '%{http_code}' "$(cat am/node.url)?page=0" \
	    >code.out
	[ "$(cat code.out)" = 400 ] || fail "?page=0: $(cat code.out)"
	t 10 curl -sf "$(cat am/node.url)?t=json&page=2" >am2.json ||
	    fail "page 2"
	"$PY" -c '
import json
d = json.load(open("am2.json"))
assert d["account_list"] == [] and d["accounts_page"]["previous"] == 1, d
' || fail "page 2: $(cat am2.json)"
	ok "the manager's welcome page lists accounts with their usage (curl)"
fi

# A quota below usage: puts refused, gets served.
ACC set-quota 2 10kB >sq.out || fail "set-quota"
grep -q "quota of 10.00 kB (10000 bytes)" sq.out || fail "set-quota: $(cat sq.out)"
sleep 1
mkfile f.q 200000
t 60 "$TAHOE" -d bob put f.q >q.out 2>q.err && fail "bob's put passed his quota"
# The servers' reason, not the counts of servers of happiness.
grep -q "^tahoe: error: put: quota exceeded: .*account 2: this server's share of its quota is" q.err ||
    fail "refused put without the quota's reason: $(cat q.err)"
grep -q "servers of happiness\|shares could be placed" q.err &&
    fail "a quota refusal reported as unhappiness: $(cat q.err)"
t 60 "$TAHOE" -d bob get "$(cat cap.bob)" g.q || fail "get over quota"
cmp -s f.bob g.q || fail "get over quota: differs"
ACC set-quota 2 none >/dev/null || fail "set-quota none"
ok "a quota below usage refuses the next put (with 'quota') and serves gets"

ACC disable 2 >dis.out || fail "disable"
grep -q "Account 2 (bob) is disabled" dis.out || fail "disable: $(cat dis.out)"
sleep 1
t 60 "$TAHOE" -d bob put f.q >/dev/null 2>d.err && fail "a disabled account's put"
grep -q "^tahoe: error: put: account refused: .*account 2 is disabled" d.err ||
    fail "disabled put: $(cat d.err)"
t 60 "$TAHOE" -d bob get "$(cat cap.bob)" g.d || fail "a disabled account's get"
ACC enable 2 >/dev/null || fail "enable"
sleep 1
t 60 "$TAHOE" -d bob put f.q >/dev/null || fail "put after enable"
ok "disable refuses puts and serves gets; enable restores puts"

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
# Both put the same file: its shares carry a lease of each.
mkfile f.shared 150000
capa=$(t 60 "$TAHOE" -d alice put f.shared) || fail "alice put shared"
capb=$(t 60 "$TAHOE" -d bob put f.shared) || fail "bob put shared"
[ "$capa" = "$capb" ] || fail "the same file, two caps"
# leases.before: every (server, si, shnum) with its owners.
snapshot() {
	"$PY" - "$1" <<'PYEOF'
import base64, json, sqlite3, sys
out = {}
for s in ("s0", "s1", "s2"):
    db = sqlite3.connect("file:%s/storage/leases.sqlite?mode=ro" % s, uri=True)
    for si, shnum, owner in db.execute("SELECT si, shnum, owner FROM leases"):
        b32 = base64.b32encode(si).decode().lower().rstrip("=")
        out.setdefault("%s/storage/shares/%s/%s/%d" % (s, b32[:2], b32, shnum),
                       []).append(owner)
    db.close()
json.dump(out, open(sys.argv[1], "w"))
PYEOF
}
snapshot leases.before
"$PY" - <<'PYEOF' || fail "no share leased by both"
import json
d = json.load(open("leases.before"))
assert sum(1 for o in d.values() if 1 in o and 2 in o) >= 3, d
assert sum(1 for o in d.values() if o == [1]) >= 3, d
PYEOF
ACC terminate 1 >term.out || fail "terminate"
grep -q "terminated" term.out || fail "terminate: $(cat term.out)"
ACC enable 1 >/dev/null 2>en.err && fail "a terminated account enabled"
grep -q "terminated; that is final" en.err || fail "enable: $(cat en.err)"
ACC set-quota 1 1G >/dev/null 2>/dev/null && fail "a terminated account changed"
_n=0
while :; do
	snapshot leases.after
	"$PY" - 2>term.check <<'PYEOF' && break
import json, os, sys
before = json.load(open("leases.before"))
after = json.load(open("leases.after"))
for path, owners in before.items():
    if owners == [1]:
        if os.path.exists(path) or path in after:
            sys.exit("%s: alice's own share is still there" % path)
    elif 1 in owners:
        if not os.path.exists(path) or after.get(path) != [o for o in owners if o != 1]:
            sys.exit("%s: shared share: %r" % (path, after.get(path)))
    elif after.get(path) != owners or not os.path.exists(path):
        sys.exit("%s: another's share changed" % path)
PYEOF
	[ $_n -ge 50 ] && fail "after terminate: $(tail -n 1 term.check)"
	sleep 0.2
	_n=$((_n + 1))
done
t 60 "$TAHOE" -d bob get "$capb" g.s || fail "bob lost the shared file"
cmp -s f.shared g.s || fail "shared file differs"
t 60 "$TAHOE" -d bob get "$(cat cap.bob)" g.b2 || fail "bob's own file"
# Its FURL no longer resolves: alice restarted cannot reach her account.
kill -TERM $alice_pid
wait_exit $alice_pid 10 || fail "alice did not stop"
spawn alice "$TAHOE" -d alice run
_n=0
until status_json alice | "$PY" -c '
import json, sys
e = json.load(sys.stdin)["account"]["last_error"] or ""
sys.exit(0 if "not-found" in e or "not found" in e else 1)' 2>/dev/null; do
	[ $_n -ge 100 ] && fail "alice's account FURL still resolves: $(status_json alice)"
	sleep 0.2
	_n=$((_n + 1))
done
t 60 "$TAHOE" -d alice put f.3 >/dev/null 2>a.err && fail "a terminated account's put"
ok "terminate deletes exactly the account's unshared shares; its FURL is not found"

# ---- a server added later ----
t 20 "$TAHOE" create-node --nickname s3 --port $LOOP s3 >/dev/null ||
    fail "create-node s3"
cp am/private/serverdesk.furl s3/serverdesk.furl
spawn s3 "$TAHOE" -d s3 run
wait_connected bob 4 30 || fail "bob did not learn of s3"
ok "a server added later reaches a running client"
exit 0
