#!/bin/sh
# The account manager's welcome page as a real browser renders it:
# headless Chromium loads the page of a manager with 55 accounts and
# dumps the DOM it built.  Page 1 lists accounts 1 to 50 with status,
# quota and usage (alice's, who uploaded, as `tahoe admin accounts show`
# counts it), and links to page 2, which lists the other 5 and links
# back.  Skipped (77) without chromium or curl.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
need_chromium
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1
cp "$TOP_SRCDIR/tests/integration/tables.py" tables.py

t 20 "$TAHOE" create-account-manager --listen=tcp --port=$LOOP \
    --webport tcp:0:interface=127.0.0.1 --nickname am am >/dev/null ||
    fail "create-account-manager"
spawn am "$TAHOE" -d am run
wait_started am am
wait_file am/node.url 10 || fail "am wrote no node.url"
t 20 "$TAHOE" create-node --nickname s0 --port $LOOP s0 >/dev/null ||
    fail "create-node"
cp am/private/serverdesk.furl s0/serverdesk.furl
spawn s0 "$TAHOE" -d s0 run
t 20 "$TAHOE" create-client --nickname alice --webport 0 \
    --shares-needed 1 --shares-happy 1 --shares-total 1 alice >/dev/null ||
    fail "create-client"
t 30 "$TAHOE" create-account --new-account-furl-file \
    am/private/new-account.furl alice alice >/dev/null || fail "create-account"
i=2
while [ $i -le 55 ]; do
	t 30 "$TAHOE" create-account --new-account-furl-file \
	    am/private/new-account.furl "user $i" >/dev/null ||
	    fail "create-account $i"
	i=$((i + 1))
done
t 30 "$TAHOE" admin accounts -d am set-quota 7 5GiB >/dev/null || fail "set-quota"
t 30 "$TAHOE" admin accounts -d am disable 9 >/dev/null || fail "disable"
spawn alice "$TAHOE" -d alice run
wait_started alice alice
head -c 300000 /dev/urandom >f
_n=0
until cap=$(t 60 "$TAHOE" -d alice put f 2>put.err); do
	[ $_n -ge 50 ] && fail "alice put: $(cat put.err)"
	sleep 0.2
	_n=$((_n + 1))
done
t 30 "$TAHOE" admin accounts -d am show 1 --json >show.json || fail "show"

# Usage is counted when a page is viewed: wait for the count.
_n=0
until t 10 curl -sf "$(cat am/node.url)?t=json" >am.json &&
    "$PY" -c '
import json, sys
d, s = json.load(open("am.json")), json.load(open("show.json"))
sys.exit(0 if d["account_list"][0]["usage"] == s["usage"] > 0 else 1)'; do
	[ $_n -ge 50 ] && fail "usage not counted: $(cat am.json)"
	sleep 0.2
	_n=$((_n + 1))
done

dom "$(cat am/node.url)" p1.html
"$PY" - p1.html show.json <<'PYEOF' || fail "page 1 as rendered: $(cat p1.html)"
import json, sys
sys.path.insert(0, ".")
from tables import tables, links
t = tables(sys.argv[1])
show = json.load(open(sys.argv[2]))
rows = t["Accounts on this page"]
assert [r["Number"] for r in rows] == [str(i) for i in range(1, 51)], rows
a = rows[0]
assert a["Name"] == "alice" and a["Status"] == "active", a
assert a["Usage (bytes)"] == str(show["usage"]) and a["Shares"] == "1", a
assert a["Counted on"] == "all servers", a
assert rows[6]["Quota (bytes)"] == str(5 * 1024 ** 3), rows[6]
assert rows[8]["Status"] == "disabled", rows[8]
assert ("?page=2", "2") in links(sys.argv[1]), links(sys.argv[1])
PYEOF
ok "page 1 in Chromium: 50 accounts with status, quota and usage; a link to page 2"

dom "$(cat am/node.url)?page=2" p2.html
"$PY" - p2.html <<'PYEOF' || fail "page 2 as rendered: $(cat p2.html)"
import sys
sys.path.insert(0, ".")
from tables import tables, links
rows = tables(sys.argv[1])["Accounts on this page"]
assert [r["Number"] for r in rows] == [str(i) for i in range(51, 56)], rows
assert rows[-1]["Name"] == "user 55", rows
l = links(sys.argv[1])
assert ("?page=1", "1") in l and not any(h == "?page=3" for h, _ in l), l
PYEOF
ok "page 2 in Chromium: the other 5 accounts and a link back"
echo "all passed"
