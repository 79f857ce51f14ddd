#!/bin/sh
# The demo of ./quickstart demo-accounts: the seed "Account Management:
# Introducer-based" on this machine, on 127.0.0.1 with ports picked now:
# an account manager, three storage nodes given its serverdesk.furl (and
# no introducer), and two clients, alice and bob, each with an account.
# Both put and get a file; each server's lease database shows every lease
# owned by the account that uploaded; then every node stops.
set -eu
BUILD=${1:?usage: demo_accounts.sh BUILD_DIR}
TAHOE=$BUILD/cli/tahoe
D=$(mktemp -d "${TMPDIR:-/tmp}/tahoe-demo-accounts.XXXXXX")
NODES="am storage0 storage1 storage2 alice bob"
. "$(dirname "$0")/demo_lib.sh"
wait_for() {
	i=0
	until "$TAHOE" -d "$1" status 2>/dev/null | grep -q "$2"; do
		i=$((i + 1))
		[ $i -gt 200 ] && break
		sleep 0.1
	done
}
LOOP=tcp:0:interface=127.0.0.1

say "an account manager: it writes its three FURLs when it starts"
show "$TAHOE" create-account-manager --listen=tcp --port=$LOOP \
    --nickname am ./am
start am
show ls -l am/private
say "three storage nodes, each given the serverdesk FURL and no introducer"
for i in 0 1 2; do
	show "$TAHOE" create-node --nickname storage$i --port $LOOP \
	    ./storage$i >/dev/null
	show cp am/private/serverdesk.furl storage$i/serverdesk.furl
	start storage$i
done
wait_for am "3 of 3 servers connected"
show "$TAHOE" -d am status
say "two accounts, two clients"
for c in alice bob; do
	show "$TAHOE" create-client --nickname $c --webport 0 \
	    --shares-total=3 --shares-needed=2 --shares-happy=3 ./$c >/dev/null
	show "$TAHOE" create-account --new-account-furl-file \
	    am/private/new-account.furl $c ./$c
	start $c
done
wait_for alice "3 of 3 connected"
wait_for bob "3 of 3 connected"
say "what alice knows: her account and her personal storage facets"
show "$TAHOE" -d alice status
say "alice and bob upload and download"
for c in alice bob; do
	printf 'Hello from %s, through the per-account storage facets of the tahoe-c demo.\n' $c >$c.txt
	CAP=$(show "$TAHOE" -d $c put $c.txt)
	echo "$CAP"
	show "$TAHOE" -d $c get "$CAP" $c-copy.txt
	cmp $c.txt $c-copy.txt && echo "   $c-copy.txt is $c.txt, byte for byte"
done
say "the lease owners in each server's lease database (1: alice, 2: bob)"
for i in 0 1 2; do
	echo "   storage$i/storage/leases.sqlite:"
	python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for si, sh, owner in db.execute("SELECT hex(si), shnum, owner FROM leases ORDER BY owner"):
    print("   share %s.. #%d: owner %d" % (si[:12].lower(), sh, owner))' \
	    storage$i/storage/leases.sqlite
done
say "stopping every node"
for n in $NODES; do stop $n; done
echo "done: every node stopped cleanly"
