#!/bin/sh
# create-introducer, create-node, create-client, run and status: what they
# leave on disk, and every bad input the issue lists, each with a one-line
# error and nothing half-created.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/cli/lib.sh"
PY=${PYTHON3:-python3}
LOOP=tcp:0:interface=127.0.0.1

# ---- what create-* makes ----
expect 0 "$TAHOE" create-introducer --listen=tcp --port=$LOOP intro
[ -s intro/private/introducer.furl ] || fail "no introducer.furl"
[ "$(stat -c %a intro/private/node.privkey)" = 600 ] || fail "key mode"
[ "$(stat -c %a intro/private)" = 700 ] || fail "private/ mode"
grep -q '^pub-v0-' intro/node.pubkey || fail "node.pubkey"
[ -e intro/tahoe-introducer.tac ] || fail "introducer marker"
FURL=$(cat intro/private/introducer.furl)
tubid=${FURL#pb://}
tubid=${tubid%%@*}
port=$(sed -n 's/^tub.port=tcp:\([0-9]*\):interface=127.0.0.1$/\1/p' \
    intro/tahoe.cfg)
[ -n "$port" ] && [ "$port" != 0 ] || fail "port 0 not allocated"
case $FURL in
*@tcp:127.0.0.1:$port/*) ;;
*) fail "FURL does not name the allocated port" ;;
esac
ok "create-introducer: key, FURL at once, allocated port"

expect 0 "$TAHOE" create-node --introducer "$FURL" --nickname storage0 \
    --webport 6001 --location tcp:localhost:6003 --port 6003 s0
grep -q '^nickname=storage0$' s0/tahoe.cfg || fail "nickname"
grep -q '^web.port=tcp:6001:interface=127.0.0.1$' s0/tahoe.cfg ||
    fail "web.port"
grep -q '^tub.port=tcp:6003$' s0/tahoe.cfg || fail "tub.port"
grep -q '^tub.location=tcp:localhost:6003$' s0/tahoe.cfg ||
    fail "tub.location"
grep -q '^enabled=true$' s0/tahoe.cfg || fail "storage enabled"
grep -q "^introducer.furl=$FURL\$" s0/tahoe.cfg || fail "introducer.furl"
expect 0 "$TAHOE" create-client --introducer "$FURL" --nickname alice \
    --webport 6401 --shares-total=3 --shares-needed=2 --shares-happy=3 c
grep -q '^shares.needed=2$' c/tahoe.cfg || fail "shares.needed"
grep -q '^shares.happy=3$' c/tahoe.cfg || fail "shares.happy"
grep -q '^shares.total=3$' c/tahoe.cfg || fail "shares.total"
grep -q '^enabled=false$' c/tahoe.cfg || fail "client storage"
[ "$(stat -c %a c/tahoe.cfg)" = 600 ] || fail "tahoe.cfg with a FURL is not 0600"
grep -q '^tub.port=disabled$' c/tahoe.cfg || fail "client listens"
mkdir empty
expect 0 "$TAHOE" create-client --introducer "$FURL" empty
expect 0 "$TAHOE" create-node --port $LOOP --location tcp:localhost:0 s9
p9=$(sed -n 's/^tub.port=tcp:\([0-9]*\):interface=127.0.0.1$/\1/p' s9/tahoe.cfg)
grep -q "^tub.location=tcp:localhost:$p9\$" s9/tahoe.cfg ||
    fail "port 0 in --location not replaced: $(cat s9/tahoe.cfg)"
ok "create-node and create-client write the seed's settings"

# ---- bad input: one line, nothing created ----
before=$(ls -a | sort)
expect 1 "$TAHOE" create-node --introducer "$FURL" s0
one_line_error "not empty"
expect 1 "$TAHOE" create-client --introducer "pb://nonsense" bad1
one_line_error "introducer"
expect 1 "$TAHOE" create-node --introducer "$FURL" --port 70000 bad2
one_line_error "port"
expect 1 "$TAHOE" create-node --introducer "$FURL" --location 'tcp:x' bad3
one_line_error "location"
expect 1 "$TAHOE" create-client --shares-needed=4 --shares-total=3 bad4
one_line_error "shares"
expect 1 "$TAHOE" create-node --listen=tor bad5
one_line_error "listen"
expect 1 "$TAHOE" create-client --nickname "$(printf 'a\nb')" bad6
one_line_error "nickname"
expect 1 "$TAHOE" create-node --listen=none bad9
one_line_error "must listen"
expect 2 "$TAHOE" create-node --bogus bad7
one_line_error "bogus"
expect 2 "$TAHOE" create-introducer --shares-total=3 bad8
expect 2 "$TAHOE" create-client a b
[ "$(ls -a | sort)" = "$before" ] || fail "a failed create left files"
ok "create-* refuse bad input and create nothing"

# ---- run: missing directory, malformed tahoe.cfg, port in use ----
expect 1 "$TAHOE" -d nosuchdir run
one_line_error "nosuchdir"
expect 1 "$TAHOE" run nosuchdir
mkdir broken && cp -r c/. broken/
printf '[node\nnickname=x\n' >broken/tahoe.cfg
expect 1 "$TAHOE" -d broken run
one_line_error "tahoe.cfg"
cp c/tahoe.cfg broken/tahoe.cfg
printf '[client]\nshares.needed=zero\n' >>broken/tahoe.cfg
expect 1 "$TAHOE" -d broken run
grep -q "shares.needed" err || fail "error does not name the key: $(cat err)"
cp c/tahoe.cfg broken/tahoe.cfg
sed -i 's/^reserved_space=.*//' broken/tahoe.cfg
printf '[storage]\nenabled=true\nreserved_space=lots\n' >>broken/tahoe.cfg
expect 1 "$TAHOE" -d broken run
grep -q "reserved_space" err || fail "error does not name the key: $(cat err)"
cp c/tahoe.cfg broken/tahoe.cfg
sed -i 's/^enabled=false$/enabled=true/' broken/tahoe.cfg
expect 1 "$TAHOE" -d broken run
grep -q "tub.port" err || fail "storage without a listener: $(cat err)"
cp c/tahoe.cfg broken/tahoe.cfg
sed -i 's|^introducer.furl=.*|introducer.furl=pb://not-a-furl|' broken/tahoe.cfg
expect 1 "$TAHOE" -d broken run
grep -q "introducer.furl" err || fail "error does not name the key: $(cat err)"
if grep -q "not-a-furl" broken/logs/node.log 2>/dev/null; then
	fail "the bad FURL was logged"
fi
# A port already in use: a second introducer on the first one's port.
spawn i1 "$TAHOE" -d intro run
wait_started i1 intro
expect 0 "$TAHOE" create-introducer --port=tcp:$port:interface=127.0.0.1 \
    intro2
expect 1 "$TAHOE" -d intro2 run
one_line_error "tub.port"
[ ! -e intro2/private/control.furl ] || fail "control.furl of a failed run"
ok "run refuses a missing directory, a bad tahoe.cfg and a busy port"

# ---- status ----
expect 1 "$TAHOE" -d c status
one_line_error "running"
expect 0 "$TAHOE" -d intro status --json
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="introducer", d' out ||
    fail "introducer status"
expect 2 "$TAHOE" -d intro status --bogus
ok "status"

# ---- an empty [grid_managers] is run with a warning ----
printf '[grid_managers]\n' >>empty/tahoe.cfg
spawn e1 "$TAHOE" -d empty run
wait_started e1 empty
grep -q "\[grid_managers\] is empty" "$T/e1.err" ||
    fail "no warning for an empty [grid_managers]: $(cat "$T/e1.err")"
grep -q "\[grid_managers\] is empty" empty/logs/node.log ||
    fail "the warning is not in the log"
ok "an empty [grid_managers] is reported as a warning"

# ---- node.url while running, control.furl fresh after a crash ----
expect 0 "$TAHOE" create-client --webport 0 w
spawn w1 "$TAHOE" -d w run
wait_started w1 w
wait_file w/node.url 5 || fail "no node.url"
kill -TERM "$w1_pid"
wait_exit "$w1_pid" 10 || fail "w exit status"
[ ! -e w/node.url ] || fail "node.url left after a clean stop"
spawn w2 "$TAHOE" -d w run
wait_file w/private/control.furl 10 || fail "w did not start again"
c1=$(cat w/private/control.furl)
kill -KILL "$w2_pid"
wait_exit "$w2_pid" 10
[ -e w/private/control.furl ] || fail "a crash should leave control.furl"
spawn w3 "$TAHOE" -d w run
i=0
while [ "$(cat w/private/control.furl 2>/dev/null)" = "$c1" ] ||
    [ ! -s w/private/control.furl ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "control.furl not renewed after a crash"
	sleep 0.1
done
ok "node.url only while running; a new control FURL after a crash"

# ---- a node that does not answer: status gives up after 10 s ----
kill -STOP "$w3_pid"
expect 1 "$TAHOE" -d w status
kill -CONT "$w3_pid"
one_line_error "did not answer within 10 s"
ok "status gives up on a node that does not answer"

# ---- the introducer's FURL survives restarts ----
kill -TERM "$i1_pid"
wait_exit "$i1_pid" 10 || fail "introducer exit status"
spawn i2 "$TAHOE" -d intro run
wait_file intro/private/control.furl 10 || fail "introducer did not restart"
[ "$(cat intro/private/introducer.furl)" = "$FURL" ] ||
    fail "introducer.furl changed"
ok "introducer.furl is the same after a restart"
# ---- a create killed part-way leaves nothing behind for long ----
# A stale temporary directory (its create was killed; it may hold a key)
# is removed by the next create of the same name; one that a running
# create holds locked is not.
mkdir -p .k.tmp-abc123/private .k.tmp-held01
echo secret >.k.tmp-abc123/private/node.privkey
flock .k.tmp-held01 sleep 20 &
holder=$!
i=0
while python3 -c 'import fcntl,os,sys
fd = os.open(".k.tmp-held01", os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)' 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "flock did not take its lock"
	sleep 0.1
done
expect 0 "$TAHOE" create-client k
[ ! -e .k.tmp-abc123 ] || fail "a stale temporary directory was kept"
[ -d .k.tmp-held01 ] || fail "a locked temporary directory was removed"
kill "$holder"
wait "$holder" 2>/dev/null
rm -rf k .k.tmp-held01
# The same with real kills: whatever moment a create dies at, the next
# create of that name leaves no temporary directory.
for d in 0.001 0.003 0.005 0.01 0.02 0.03; do
	"$TAHOE" create-node --hostname 127.0.0.1 --port 0 kk >/dev/null 2>&1 &
	pid=$!
	sleep $d
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf kk
done
expect 0 "$TAHOE" create-node --hostname 127.0.0.1 --port 0 kk
[ -z "$(ls -A | grep '^\.kk\.tmp-')" ] ||
    fail "temporary directories left after killed creates: $(ls -A | grep '^\.kk\.tmp-')"
ok "stale temporary directories of killed creates are removed"
echo "$passed passed, 0 failed"
