#!/bin/sh
# The demo of ./quickstart demo: the seed's "Example Setup of a New Managed
# Grid" on this machine, on 127.0.0.1 with ports picked now: a grid
# manager, an introducer, three storage nodes of which two are certified,
# and a client "alice" that trusts the grid manager.  It shows what alice
# knows of the grid; her upload is refused (two certified servers, happy
# 3); once the third server is certified (applied by the running node, no
# restart) she puts a file, prints its cap and gets it back; then every
# node stops.
set -eu
BUILD=${1:?usage: demo.sh BUILD_DIR}
TAHOE=$BUILD/cli/tahoe
D=$(mktemp -d "${TMPDIR:-/tmp}/tahoe-demo.XXXXXX")
NODES="introducer storage0 storage1 storage2 alice"
. "$(dirname "$0")/demo_lib.sh"
LOOP=tcp:0:interface=127.0.0.1

say "a grid manager"
show "$TAHOE" grid-manager --config ./gm0 create
show "$TAHOE" grid-manager --config ./gm0 public-identity
say "an introducer (its FURL exists as soon as it is created)"
show "$TAHOE" create-introducer --listen=tcp --port=$LOOP ./introducer
start introducer
FURL=$(cat introducer/private/introducer.furl)
say "three storage nodes"
for i in 0 1 2; do
	show "$TAHOE" create-node --introducer "$FURL" --nickname storage$i \
	    --port $LOOP ./storage$i >/dev/null
	start storage$i
done
say "certificates for storage0 and storage1"
for i in 0 1; do
	show "$TAHOE" grid-manager --config ./gm0 add storage$i \
	    "$(cat storage$i/node.pubkey)"
	show "$TAHOE" grid-manager --config ./gm0 sign storage$i 30 \
	    >storage$i/gridmanager.cert
	show "$TAHOE" -d storage$i admin add-grid-manager-cert \
	    --filename storage$i/gridmanager.cert --name default
	stop storage$i
	start storage$i
done
show "$TAHOE" grid-manager --config ./gm0 list
say "a client, alice, who trusts the grid manager"
show "$TAHOE" create-client --introducer "$FURL" --nickname alice \
    --webport 0 --shares-total=3 --shares-needed=2 --shares-happy=3 \
    ./alice >/dev/null
show "$TAHOE" -d alice add-grid-manager example_grid \
    "$("$TAHOE" grid-manager --config ./gm0 public-identity)"
start alice
i=0
until "$TAHOE" -d alice status 2>/dev/null | grep -q "3 of 3 connected"; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
say "what alice knows (her welcome page is at $(cat alice/node.url))"
show "$TAHOE" -d alice status
say "alice uploads: refused, only two servers are certified (happy = 3)"
printf 'Hello from the tahoe-c demo.  This file is longer than 55 bytes, so it\nis a CHK file: encrypted, erasure-coded, spread over the servers.\n' \
    >hello.txt
show "$TAHOE" -d alice put hello.txt || true
say "the grid manager certifies storage2 too"
show "$TAHOE" grid-manager --config ./gm0 add storage2 \
    "$(cat storage2/node.pubkey)"
show "$TAHOE" grid-manager --config ./gm0 sign storage2 30 \
    >storage2/gridmanager.cert
say "storage2 is running: it announces the certificate at once"
show "$TAHOE" -d storage2 admin add-grid-manager-cert \
    --filename storage2/gridmanager.cert --name default
i=0
until "$TAHOE" -d alice status --json 2>/dev/null |
    grep -c '"certified: ' | grep -q '^3$'; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
say "alice uploads again: three certified servers, the cap is printed"
CAP=$(show "$TAHOE" -d alice put hello.txt)
echo "$CAP"
say "and gets the file back by its cap"
show "$TAHOE" -d alice get "$CAP" hello-copy.txt
cmp hello.txt hello-copy.txt && echo "   hello-copy.txt is hello.txt, byte for byte"
show find storage0/storage/shares storage1/storage/shares \
    storage2/storage/shares -type f -path '*/shares/??/*'
say "stopping every node"
for n in $NODES; do stop $n; done
echo "done: every node stopped cleanly"
