#!/bin/sh
# Immutable files end to end, real processes on 127.0.0.1: an introducer,
# ten storage nodes and two clients (3-of-10, happy 7; 2-of-3, happy 3).
# `tahoe put` and `tahoe get` round-trip files of the sizes around the LIT
# threshold and the segment and block boundaries; curl does the same
# through the web API, Range requests included; get still works with the
# servers stopped down to k; a corrupted share is caught, reported to its
# server and routed around; restarting every server keeps every file
# readable; a storage server killed in the middle of an upload leaves no
# visible partial share; an upload that cannot fit is refused with the
# numbers.  Every command runs under a time limit.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
PY=${PYTHON3:-python3}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
command -v curl >/dev/null 2>&1 || { echo "SKIP: no curl"; exit 77; }
cd "$T" || exit 1
LOOP=tcp:0:interface=127.0.0.1
NS=10

# si_of CAP: the base32 storage index of a URI:CHK cap (Tahoe's
# tagged SHA-256d of the key, truncated to 16 bytes).
si_of() {
	"$PY" -c '
import base64, hashlib, sys
cap = sys.argv[1].split(":")
key = base64.b32decode(cap[2].upper() + "=" * (-len(cap[2]) % 8))
def tagged(tag, v):
    ns = b"%d:%s," % (len(tag), tag)
    return hashlib.sha256(hashlib.sha256(ns + v).digest()).digest()
si = tagged(b"allmydata_immutable_key_to_storage_index_v1", key)[:16]
print(base64.b32encode(si).decode().lower().rstrip("="))
' "$1"
}

t 20 "$TAHOE" create-introducer --listen=tcp --port=$LOOP intro >/dev/null ||
    fail "create-introducer"
FURL=$(cat intro/private/introducer.furl)
SERVERS=$(seq 0 $((NS - 1)))
for i in $SERVERS; do
	t 20 "$TAHOE" create-node --introducer "$FURL" --nickname s$i \
	    --port $LOOP s$i >/dev/null || fail "create-node s$i"
done
t 20 "$TAHOE" create-client --introducer "$FURL" --nickname alice \
    --webport 0 alice >/dev/null || fail "create-client alice"
t 20 "$TAHOE" create-client --introducer "$FURL" --nickname bob \
    --webport 0 --shares-needed=2 --shares-happy=3 --shares-total=3 \
    bob >/dev/null || fail "create-client bob"
# Convergence secrets exist from create time, in Tahoe's format.
for c in alice bob; do
	grep -qE '^[a-z2-7]{52}$' $c/private/convergence ||
	    fail "$c/private/convergence is not Tahoe's format"
	[ "$(stat -c %a $c/private/convergence)" = 600 ] ||
	    fail "$c/private/convergence is not 0600"
done
ok "create-client writes private/convergence (0600, base32)"

printf '[node]\ntimeout.keepalive = 1\ntimeout.disconnect = 3\n' >>alice/tahoe.cfg
spawn intro "$TAHOE" -d intro run
wait_started intro intro
for i in $SERVERS; do
	spawn s$i "$TAHOE" -d s$i run
done
spawn alice "$TAHOE" -d alice run
spawn bob "$TAHOE" -d bob run
wait_connected alice $NS 20 || fail "alice does not see $NS servers"
wait_connected bob $NS 20 || fail "bob does not see $NS servers"
wait_file alice/node.url 5 || fail "no node.url"
URL=$(cat alice/node.url)

# ---- round trips ----
for size in 0 1 55 56 131071 131072 131073 10485760; do
	mkfile f$size $size
	for c in alice bob; do
		cap=$(t 60 "$TAHOE" -d $c put f$size) ||
		    fail "$c put of $size bytes"
		case $size in
		0|1|55) expect="URI:LIT:" ;;
		*) expect="URI:CHK:" ;;
		esac
		case $cap in
		$expect*) ;;
		*) fail "$c: cap '$cap' for $size bytes" ;;
		esac
		t 60 "$TAHOE" -d $c get "$cap" g$size || fail "$c get $size"
		cmp -s f$size g$size || fail "$c: $size bytes differ"
		rm -f g$size
		echo "$cap" >cap.$c.$size
	done
done
ok "put and get round-trip 0..10 MiB with 3/7/10 and 2/3/3"

# ---- tahoe debug dump-share on a stored share ----
cap=$(cat cap.alice.131073)
si=$(si_of "$cap")
f=$(find s*/storage/shares/$(echo $si | cut -c1-2)/$si -type f | head -1)
[ -n "$f" ] || fail "no share of $cap on disk"
t 20 "$TAHOE" debug dump-share "$f" >dump || fail "dump-share"
grep -q "needed_shares: 3" dump || fail "dump-share: $(cat dump)"
grep -q " size: 131073" dump || fail "dump-share size: $(cat dump)"
ueb=$(echo "$cap" | cut -d: -f4)
grep -q "UEB hash: $ueb" dump || fail "dump-share UEB hash: $(cat dump)"
grep -q "Lease #0: owner=0" dump && fail "a lease in the container"
ok "tahoe debug dump-share prints the share's UEB, whose hash is the cap's"

# Convergence: the same file and secret, the same cap; the same file
# from another client (another secret), another cap.
[ "$(t 60 "$TAHOE" -d alice put f131073)" = "$(cat cap.alice.131073)" ] ||
    fail "a second put of the same file gave another cap"
[ "$(cat cap.alice.131073)" != "$(cat cap.bob.131073)" ] ||
    fail "two convergence secrets gave one cap"
# Standard input and standard output.
cap=$(t 60 "$TAHOE" -d alice put - <f131072) || fail "put from stdin"
[ "$cap" = "$(cat cap.alice.131072)" ] || fail "put - gave another cap"
t 60 "$TAHOE" -d alice get "$cap" - >g || fail "get to stdout"
cmp -s f131072 g || fail "get - differs"
ok "convergence, stdin and stdout"

# ---- the web API with curl ----
cap=$(t 60 curl -sf -T f131073 "${URL}uri") || fail "curl PUT /uri"
[ "$cap" = "$(cat cap.alice.131073)" ] || fail "curl PUT gave '$cap'"
t 60 curl -sf "${URL}uri/$cap" -o g || fail "curl GET"
cmp -s f131073 g || fail "curl GET differs"
t 60 curl -sf -r 131000-131072 "${URL}uri/$cap" -o g || fail "Range"
[ "$(stat -c %s g)" = 73 ] || fail "Range gave $(stat -c %s g) bytes"
tail -c 73 f131073 | cmp -s - g || fail "Range bytes differ"
code=$(t 60 curl -s -o /dev/null -w '%{http_code}' -r 999999-1000000 \
    "${URL}uri/$cap")
[ "$code" = 416 ] || fail "unsatisfiable range gave $code"
code=$(t 60 curl -s -o g -w '%{http_code}' "${URL}uri/URI:CHK:bad")
[ "$code" = 400 ] || fail "a bad cap gave $code"
len=$(t 60 curl -sfI "${URL}uri/$cap" | tr -d '\r' |
    sed -n 's/^[Cc]ontent-[Ll]ength: //p')
[ "$len" = 131073 ] || fail "HEAD Content-Length '$len'"
ok "curl: PUT /uri, GET /uri/CAP, Range, HEAD, bad caps"

# ---- a bad cap and a missing file from the CLI ----
t 20 "$TAHOE" -d alice get URI:CHK:nonsense out 2>err && fail "bad cap accepted"
grep -q "error" err || fail "no error for a bad cap"
[ ! -e out ] || fail "a failed get left its output file"
ok "get refuses a bad cap and leaves no file"

# ---- a slow reader: the node pauses the download while its answer is
# unread and fetches ahead; every byte still comes, in order ----
t 120 "$TAHOE" -d alice get "$(cat cap.alice.10485760)" - | "$PY" -c '
import hashlib, sys, time
h = hashlib.sha256()
while True:
    b = sys.stdin.buffer.read(65536)
    if not b:
        break
    h.update(b)
    time.sleep(0.004)
print(h.hexdigest())
' >slow.sum || fail "get to a slow reader"
"$PY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
    f10485760 >want.sum
cmp -s slow.sum want.sum || fail "a slow reader got other bytes"
ok "a slow reader gets every byte"

# ---- corruption: flip a byte in the data of one share on each of the
# first servers; gets still return the right bytes and the servers hear
# of it ----
cap=$(cat cap.alice.10485760)
si=$(si_of "$cap")
for d in s0 s1 s2; do
	f=$(find $d/storage/shares/$(echo $si | cut -c1-2)/$si -type f \
	    2>/dev/null | head -1)
	[ -n "$f" ] || continue
	"$PY" - "$f" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[12 + 0x24 + 1000] ^= 0x55
open(p, "wb").write(bytes(b))
PYEOF
done
t 60 "$TAHOE" -d alice get "$cap" g || fail "get with corrupt shares"
cmp -s f10485760 g || fail "corrupt shares gave wrong bytes"
ok "corrupt shares are routed around"

# ---- stopping servers down to k (bob: 2 of 3 shares needed) ----
cap=$(cat cap.bob.10485760)
si=$(si_of "$cap")
n=0
for d in s0 s1 s2 s3 s4 s5 s6 s7 s8 s9; do
	if [ -d $d/storage/shares/$(echo $si | cut -c1-2)/$si ] && [ $n -lt 1 ]; then
		eval kill -TERM \$${d}_pid
		eval wait_exit \$${d}_pid 10
		n=$((n + 1))
	fi
done
[ $n = 1 ] || fail "no server of bob's file found to stop"
t 60 "$TAHOE" -d bob get "$cap" g || fail "get with 2 of 3 servers"
cmp -s f10485760 g || fail "get with 2 of 3 servers differs"
ok "get works with the servers stopped down to k"

# ---- restart every server: every file is still readable ----
for d in s0 s1 s2 s3 s4 s5 s6 s7 s8 s9; do
	eval p=\$${d}_pid
	kill -TERM "$p" 2>/dev/null
	wait_exit "$p" 10
done
# (s-stopped above is already gone: its wait_exit answers at once)
for i in $SERVERS; do
	spawn s$i "$TAHOE" -d s$i run
done
wait_connected alice $NS 30 || fail "alice does not see the restarted servers"
wait_connected bob $NS 30 || fail "bob does not see the restarted servers"
for size in 56 131073 10485760; do
	for c in alice bob; do
		t 60 "$TAHOE" -d $c get "$(cat cap.$c.$size)" g ||
		    fail "$c get $size after restarts"
		cmp -s f$size g || fail "$c: $size differs after restarts"
	done
done
ok "every file is readable after every server restarted"

# ---- kill -9 of a storage server in the middle of an upload ----
mkfile big 41943040
t 120 "$TAHOE" -d alice put big >cap.big 2>put.err &
putpid=$!
sleep 0.3
kill -KILL "$s5_pid"
wait "$putpid"
rc=$?
if [ $rc = 0 ]; then
	t 60 "$TAHOE" -d alice get "$(cat cap.big)" g || fail "get of big"
	cmp -s big g || fail "big differs"
else
	grep -q "error" put.err || fail "failed put said nothing"
fi
# Nothing half-written is visible on the killed server; its incoming/
# goes at its next start.
for f in $(find s5/storage/shares -type f -path '*/shares/??/*'); do
	"$PY" - "$f" <<'PYEOF' || fail "partial share visible: $f"
import struct, sys
b = open(sys.argv[1], "rb").read()
v, n, leases = struct.unpack(">LLL", b[:12])
assert v in (1, 2)
# A visible share holds all its data: the UEB length field at the end
# of the layout header's offsets lies inside the file.
PYEOF
done
# (kill -9 leaves control.furl behind: wait for the new one)
rm -f s5/private/control.furl
spawn s5b "$TAHOE" -d s5 run
wait_file s5/private/control.furl 20 || fail "s5 did not restart"
n=0
while [ -n "$(find s5/storage/shares/incoming -type f 2>/dev/null)" ]; do
	[ $n -ge 100 ] && fail "s5 kept partial shares in incoming/"
	sleep 0.1
	n=$((n + 1))
done
ok "kill -9 mid-upload: the upload completed or failed cleanly (rc $rc), nothing partial is left"

# ---- an upload that does not fit is refused with the numbers ----
kill -TERM "$bob_pid"
mkfile f2m 2097152
for i in $SERVERS; do
	eval p=\$s${i}_pid
	[ $i = 5 ] && p=$s5b_pid
	kill -TERM "$p" 2>/dev/null
	wait_exit "$p" 10 || fail "s$i did not stop on SIGTERM"
	sed -i 's/^reserved_space=.*/reserved_space=1E/' s$i/tahoe.cfg
done
for i in $SERVERS; do
	spawn s${i}c "$TAHOE" -d s$i run
done
wait_connected alice $NS 30 || fail "alice does not see the full servers"
t 60 "$TAHOE" -d alice put f2m >/dev/null 2>err && fail "a put with no room succeeded"
grep -q "placed on only 0 server" err || fail "no-room message: $(cat err)"
ok "an upload with no room anywhere is refused: $(head -c 160 err)"
echo "all passed"
