#!/bin/sh
# The seed's grid as real processes on 127.0.0.1: an introducer, three
# storage nodes and a client.  The client lists three connected servers;
# a killed storage node shows disconnected and, restarted, connected
# again; a restarted introducer keeps everything working (a storage node
# started afterwards still reaches the client); `tahoe status --json` and
# the welcome page's /?t=json agree; SIGTERM stops a node with status 0.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1

"$TAHOE" create-introducer --listen=tcp --port=$LOOP intro >/dev/null ||
    fail "create-introducer"
[ -s intro/private/introducer.furl ] || fail "no introducer.furl at once"
FURL=$(cat intro/private/introducer.furl)
for i in 0 1 2 3; do
	"$TAHOE" create-node --introducer "$FURL" --nickname storage$i \
	    --port $LOOP s$i >/dev/null || fail "create-node s$i"
done
"$TAHOE" create-client --introducer "$FURL" --nickname alice \
    --webport 0 --shares-total=3 --shares-needed=2 --shares-happy=3 \
    alice >/dev/null || fail "create-client"

# alice declares a silent server gone after 3 s (pinging after 1 s idle).
printf '[node]\ntimeout.keepalive = 1\ntimeout.disconnect = 3\n' >>alice/tahoe.cfg
spawn intro "$TAHOE" -d intro run
wait_started intro intro
[ "$FURL" = "$(cat intro/private/introducer.furl)" ] ||
    fail "introducer.furl changed when the introducer ran"
for i in 0 1 2; do
	spawn s$i "$TAHOE" -d s$i run
done
spawn alice "$TAHOE" run alice
wait_connected alice 3 10 || fail "alice does not list 3 connected servers"
ok "the client lists three connected servers within 10 s"

# status --json and /?t=json agree.
wait_file alice/node.url 5 || fail "no node.url"
"$TAHOE" -d alice status --json >st.json || fail "status --json"
"$PY" - "$(cat alice/node.url)" st.json <<'PYEOF' || fail "status and web disagree"
import json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
web = json.load(urllib.request.urlopen(url + "?t=json", timeout=10))
cli = json.load(open(path))
def facts(d):
    return (d["nickname"], d["node_id"], d["tubid"], d["introducer"]["state"],
            sorted((s["node_id"], s["nickname"], s["address"], s["state"])
                   for s in d["servers"]))
assert facts(web) == facts(cli), (facts(web), facts(cli))
html = urllib.request.urlopen(url, timeout=10).read().decode()
for s in cli["servers"]:
    assert s["nickname"] in html, s["nickname"]
PYEOF
"$TAHOE" -d alice status >st.txt || fail "status"
grep -q "3 of 3 connected" st.txt || fail "status text: $(cat st.txt)"
ok "tahoe status --json and /?t=json agree"

# A second run on the same directory is refused.
"$TAHOE" -d s0 run >run2.out 2>&1 && fail "second run accepted"
grep -q "already running" run2.out || fail "second run: $(cat run2.out)"
ok "a second run is refused"

# Kill one storage node: disconnected; restart it: connected again.
kill -KILL "$s1_pid"
wait_connected alice 2 10 || fail "killed server still connected"
"$TAHOE" -d alice status --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
s = [s for s in d["servers"] if s["nickname"] == "storage1"][0]
assert s["state"] != "connected", s
' || fail "storage1 not shown disconnected"
ok "a killed storage node shows disconnected"
spawn s1b "$TAHOE" -d s1 run
wait_connected alice 3 15 || fail "restarted server did not reconnect"
ok "the restarted storage node is connected again"

# A storage node that stops answering (SIGSTOP) is declared gone by the
# disconnect timeout, and found again once it answers.
kill -STOP "$s2_pid"
stopped=$(date +%s%N)
wait_connected alice 2 10 || { kill -CONT "$s2_pid"; fail "stopped server still connected"; }
gone_ms=$((($(date +%s%N) - stopped) / 1000000))
kill -CONT "$s2_pid"
# The claim is 3 s: allow the status polls (0.2 s apart) and some
# scheduling slack, but not twice the timeout.
[ $gone_ms -ge 2000 ] && [ $gone_ms -le 4500 ] ||
    fail "the stopped server was declared gone after $gone_ms ms, not about 3 s"
ok "a silent storage node is declared gone within [node] timeout.disconnect ($gone_ms ms)"
wait_connected alice 3 20 || fail "the resumed server did not reconnect"
ok "the resumed storage node is connected again"

# Restart the introducer (same port and FURL): clients resubscribe and
# nodes republish, so a node started afterwards is seen by the client.
kill -TERM "$intro_pid"
wait_exit "$intro_pid" 10
rc=$?
[ $rc = 0 ] || fail "introducer exit status $rc after SIGTERM"
ok "SIGTERM stops a node with status 0"
[ ! -e intro/private/control.furl ] || fail "control.furl left behind"
spawn intro2 "$TAHOE" -d intro run
wait_file intro/private/control.furl 10 || fail "introducer did not restart"
spawn s3 "$TAHOE" -d s3 run
wait_connected alice 4 20 || fail "client did not learn of storage3"
# Every storage node republishes (each after its own backoff).
i=0
until "$TAHOE" -d intro status --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["announcements"]) == 4, d["announcements"]
' 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "introducer did not get every announcement again"
	sleep 0.2
done
ok "after an introducer restart everything republishes and resubscribes"

# Logs: one line per event, no secrets.
[ -s alice/logs/node.log ] || fail "no node.log"
# Every FURL a node holds (the control FURLs of the running nodes too),
# and the secrets in private/: none may appear in a log or an output.
n=0
for f in */private/*.furl; do
	swiss=$(sed 's|.*/||' "$f")
	[ -n "$swiss" ] || continue
	n=$((n + 1))
	if grep -rq "$swiss" */logs/node.log */*.out */*.err *.out *.err \
	    2>/dev/null; then
		fail "a swissnum ($f) appears in a log"
	fi
done
[ $n -ge 8 ] || fail "only $n FURL files were checked"
for f in */private/convergence */private/secret; do
	[ -s "$f" ] || continue
	if grep -rq "$(cat "$f")" */logs/node.log */*.out */*.err *.out *.err \
	    2>/dev/null; then
		fail "a secret ($f) appears in a log"
	fi
done
ok "logs written, no swissnum ($n FURL files) or secret in them"
echo "all passed"
