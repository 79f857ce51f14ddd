#!/bin/sh
# Terminating an account on an account-managed grid, real processes on
# 127.0.0.1: an account manager, two storage nodes, two clients.
# (a) A server stopped while an account is terminated deletes that
# account's unshared shares when it starts and registers again (the
# manager tells it then), and keeps a share another account leases.
# (b) A server killed with SIGKILL in the middle of a large termination,
# once while it cancels the leases and once while it deletes the files
# (20,000 share files planted with their rows while it is stopped) is
# consistent after a restart: no share file without a share row and a
# lease, no row without a file, nothing left doomed, counters right.
# Every command runs under a time limit, the nodes under a CPU limit.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
"$PY" -c 'import sqlite3' 2>/dev/null || { echo "SKIP: no python3 sqlite3"; exit 77; }
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1
NPLANT=${NPLANT:-20000}

# run_node NAME: start node NAME (its pid is the node's own, for kill -9).
run_node() {
	[ -f "$T/$1/tahoe.cfg" ] || fail "$T/$1/tahoe.cfg is missing"
	spawn "$1" sh -c 'ulimit -t 300; exec "$0" "$@"' "$TAHOE" -d "$T/$1" run
}

stop_node() {
	eval "_sn_pid=\$${1}_pid"
	kill -TERM "$_sn_pid"
	wait_exit "$_sn_pid" 20 || fail "$1 did not stop"
}

# The storage index of a CHK cap, in hex.
si_of() {
	"$PY" - "$1" <<'PYEOF'
import base64, hashlib, sys
key = sys.argv[1].split(":")[2]
key = base64.b32decode(key.upper() + "=" * (-len(key) % 8))
def tagged(tag, v):
    ns = b"%d:%s," % (len(tag), tag)
    return hashlib.sha256(hashlib.sha256(ns + v).digest()).digest()
print(tagged(b"allmydata_immutable_key_to_storage_index_v1", key)[:16].hex())
PYEOF
}

# dbq NODE SQL: one number from NODE's lease database.
dbq() {
	"$PY" - "$1" "$2" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect("file:%s/storage/leases.sqlite?mode=ro" % sys.argv[1],
    uri=True)
print(db.execute(sys.argv[2]).fetchone()[0])
PYEOF
}

# wait_db NODE SQL VALUE SECONDS
wait_db() {
	_wd_n=0
	while [ "$(dbq "$1" "$2" 2>/dev/null)" != "$3" ]; do
		[ $_wd_n -ge $(($4 * 5)) ] && return 1
		sleep 0.2
		_wd_n=$((_wd_n + 1))
	done
	return 0
}

# consistent NODE: every share file has a share row and a lease; every
# share and lease row has its file; nothing is doomed; each owner's
# counters equal a recount.  Run with the node stopped.
consistent() {
	"$PY" - "$1" <<'PYEOF'
import base64, os, sqlite3, sys
node = sys.argv[1]
top = os.path.join(node, "storage", "shares")
files = set()
for prefix in os.listdir(top):
    if prefix == "incoming":
        continue
    for si in os.listdir(os.path.join(top, prefix)):
        for sh in os.listdir(os.path.join(top, prefix, si)):
            raw = base64.b32decode(si.upper() + "=" * (-len(si) % 8))
            files.add((raw, int(sh)))
db = sqlite3.connect("file:%s/storage/leases.sqlite?mode=ro" % node, uri=True)
shares = set((bytes(s), n) for s, n in db.execute("SELECT si, shnum FROM shares"))
leased = set((bytes(s), n) for s, n in
    db.execute("SELECT DISTINCT si, shnum FROM leases"))
bad = []
if files - shares:
    bad.append("%d file(s) without a share row" % len(files - shares))
if files - leased:
    bad.append("%d file(s) without a lease" % len(files - leased))
if shares - files:
    bad.append("%d share row(s) without a file" % len(shares - files))
if leased - files:
    bad.append("%d leased share(s) without a file" % len(leased - files))
n = db.execute("SELECT COUNT(*) FROM doomed").fetchone()[0]
if n:
    bad.append("%d share(s) still doomed" % n)
want = dict((o, (n, b)) for o, n, b in db.execute(
    "SELECT l.owner, COUNT(*), SUM(s.size) FROM (SELECT DISTINCT owner, si,"
    " shnum FROM leases) l JOIN shares s USING (si, shnum) GROUP BY l.owner"))
got = dict((o, (n, b)) for o, n, b in
    db.execute("SELECT owner, n_shares, bytes FROM owner_usage"))
if want != got:
    bad.append("usage counters %r, recount %r" % (got, want))
if bad:
    sys.exit("%s: %s" % (node, "; ".join(bad)))
print(len(files))
PYEOF
}

# ---- the grid: a manager, two servers, clients alice and bob ----
t 20 "$TAHOE" create-account-manager --listen=tcp --port=$LOOP \
    --nickname am am >/dev/null || fail "create-account-manager"
spawn am "$TAHOE" -d am run
for f in new-account manage-accounts serverdesk; do
	wait_file am/private/$f.furl 30 || fail "am did not write $f.furl"
done
for s in s0 s1; do
	t 20 "$TAHOE" create-node --nickname $s --port $LOOP $s >/dev/null ||
	    fail "create-node $s"
	cp am/private/serverdesk.furl $s/serverdesk.furl
	run_node $s
done
wait_started s0 s0
wait_started s1 s1
wait_connected am 2 30 || fail "the servers did not register"
for c in alice bob; do
	t 20 "$TAHOE" create-client --nickname $c --webport 0 \
	    --shares-needed 1 --shares-happy 2 --shares-total 2 $c \
	    >/dev/null || fail "create-client $c"
	t 30 "$TAHOE" create-account --new-account-furl-file \
	    am/private/new-account.furl $c $c >/dev/null ||
	    fail "create-account $c"
	spawn $c "$TAHOE" -d $c run
done
wait_connected alice 2 30 || fail "alice does not see 2 servers"
wait_connected bob 2 30 || fail "bob does not see 2 servers"
# Alice 1, Bob 2: the account numbers are the servers' owners here.
for n in 1 2; do
	mkfile f.a$n 50000
	t 60 "$TAHOE" -d alice put f.a$n >cap.a$n || fail "alice put $n"
done
mkfile f.b 50000
t 60 "$TAHOE" -d bob put f.b >cap.b || fail "bob put"
SI1=$(si_of "$(cat cap.a1)")
SI2=$(si_of "$(cat cap.a2)")
for s in s0 s1; do
	[ "$(dbq $s "SELECT COUNT(*) FROM leases WHERE owner = 1")" = 2 ] ||
	    fail "$s: alice does not hold 2 leases"
done
ok "alice stores two files, bob one, on both servers"

# ---- (a) a server away during the termination ----
stop_node s0
# Bob leases alice's second file on s0 too (as add_lease would).
"$PY" - "$SI2" <<'PYEOF' || fail "planting bob's lease"
import os, sqlite3, sys
db = sqlite3.connect("s0/storage/leases.sqlite")
si = bytes.fromhex(sys.argv[1])
db.execute("INSERT INTO leases SELECT si, shnum, 2, ?, ?, expiry FROM leases"
    " WHERE si = ? AND owner = 1", (os.urandom(32), os.urandom(32), si))
db.commit()
PYEOF
t 30 "$TAHOE" admin accounts -d am terminate 1 >/dev/null ||
    fail "terminate alice"
wait_db s1 "SELECT COUNT(*) FROM shares" 1 10 ||
    fail "s1 kept alice's shares: $(dbq s1 'SELECT COUNT(*) FROM shares')"
[ "$(dbq s0 "SELECT COUNT(*) FROM leases WHERE owner = 1")" = 2 ] ||
    fail "s0 changed while stopped"
run_node s0
wait_started s0 s0
wait_db s0 "SELECT COUNT(*) FROM leases WHERE owner = 1" 0 30 ||
    fail "s0 did not cancel alice's leases when it registered again"
wait_db s0 "SELECT COUNT(*) FROM shares" 2 10 ||
    fail "s0 holds $(dbq s0 'SELECT COUNT(*) FROM shares') shares, not 2"
[ "$(dbq s0 "SELECT COUNT(*) FROM shares WHERE hex(si) = upper('$SI1')")" = 0 ] ||
    fail "s0 kept alice's unshared share"
[ "$(dbq s0 "SELECT COUNT(*) FROM leases WHERE hex(si) = upper('$SI2') AND owner = 2")" = 1 ] ||
    fail "s0 lost the share bob leases too"
t 60 "$TAHOE" -d bob get "$(cat cap.b)" g.b || fail "bob's file after (a)"
cmp -s f.b g.b || fail "bob's file differs"
stop_node s0
consistent s0 >/dev/null || fail "s0 after (a)"
run_node s0
wait_started s0 s0
ok "a server stopped during a termination deletes the account's unshared shares when it registers again"

# ---- (b) SIGKILL during a large termination ----
# plant N: give s1 (stopped) N more share files of bob's, with their rows.
plant() {
	"$PY" - "$1" <<'PYEOF' || fail "planting $1 shares on s1"
import base64, os, sqlite3, struct, sys, time
n = int(sys.argv[1])
db = sqlite3.connect("s1/storage/leases.sqlite")
top = "s1/storage/shares"
data = os.urandom(100)
body = struct.pack(">III", 2, len(data), 0) + data
exp = int(time.time()) + 31 * 86400
rows, leases = [], []
for i in range(n):
    si = os.urandom(16)
    b32 = base64.b32encode(si).decode().lower().rstrip("=")
    d = os.path.join(top, b32[:2], b32)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "0"), "wb") as f:
        f.write(body)
    rows.append((si, 0, len(body)))
    leases.append((si, 0, 2, os.urandom(32), os.urandom(32), exp))
db.executemany("INSERT INTO shares VALUES (?,?,?)", rows)
db.executemany("INSERT INTO leases VALUES (?,?,?,?,?,?)", leases)
db.commit()
PYEOF
}

# killer PHASE N: in the background, SIGKILL s1 once its termination of
# bob is in PHASE: "cancel" (some of bob's leases cancelled, not all) or
# "files" (all cancelled, some doomed files deleted, most not).  Prints
# what it saw in kill.out.
killer() {
	"$PY" - "$s1_pid" "$1" "$2" >kill.out <<'PYEOF' &
import os, signal, sqlite3, sys, time
pid, phase, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
end = time.time() + 60
while time.time() < end:
    try:
        db = sqlite3.connect("file:s1/storage/leases.sqlite?mode=ro",
            uri=True, timeout=0.1)
        l = db.execute("SELECT COUNT(*) FROM leases WHERE owner = 2").fetchone()[0]
        d = db.execute("SELECT COUNT(*) FROM doomed").fetchone()[0]
        db.close()
    except sqlite3.Error:
        continue
    if (phase == "cancel" and 0 < l < n) or \
       (phase == "files" and l == 0 and 0 < d < n * 0.95):
        os.kill(pid, signal.SIGKILL)
        print("%d lease(s) of bob left, %d share(s) doomed" % (l, d))
        sys.exit(0)
print("missed")
sys.exit(1)
PYEOF
	killer_pid=$!
	PIDS="$PIDS $killer_pid"
}

# recover PHASE: s1 was killed; restart it, let it finish, stop it and
# check it.
recover() {
	wait "$killer_pid" ||
	    fail "s1 was not killed during the $1 phase: $(cat kill.out)"
	wait_exit "$s1_pid" 10
	ok "s1 killed with SIGKILL in the $1 phase: $(cat kill.out)"
	run_node s1
	wait_started s1 s1
	wait_connected am 2 30 || fail "s1 did not register after the kill"
	wait_db s1 "SELECT COUNT(*) FROM leases" 0 60 ||
	    fail "s1: leases left after the kill in the $1 phase"
	wait_db s1 "SELECT COUNT(*) FROM doomed" 0 60 ||
	    fail "s1: doomed shares left after the kill in the $1 phase"
	stop_node s1
	_n=$(consistent s1) || fail "s1 after the kill in the $1 phase"
	[ "$_n" = 0 ] || fail "s1 still holds $_n share files"
	ok "after a restart s1 is consistent and bob's shares are gone"
}

# Killed while it cancels the leases (after the manager's command).
stop_node s1
plant "$NPLANT"
run_node s1
wait_started s1 s1
wait_connected am 2 30 || fail "s1 did not register again"
[ "$(dbq s1 "SELECT n_shares FROM owner_usage WHERE owner = 2")" = $((NPLANT + 1)) ] ||
    fail "s1: bob's usage is not $((NPLANT + 1))"
killer cancel $((NPLANT + 1))
t 60 "$TAHOE" admin accounts -d am terminate 2 >/dev/null 2>&1
recover cancel

# Killed while it deletes the files (bob terminated already: the manager
# tells s1 again when it registers).
plant "$NPLANT"
run_node s1
killer files "$NPLANT"
recover files
exit 0
