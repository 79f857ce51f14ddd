#!/bin/sh
# Enrolling nodes in a managed grid: `tahoe admin add-grid-manager-cert` and
# `remove-grid-manager-cert` on a storage node, `tahoe add-grid-manager` and
# `remove-grid-manager` on a client edit tahoe.cfg of a node that is not
# running (keeping what was there), say the change applies at the next
# start, and refuse bad input without changing anything.  (Applied to a
# running node: tests/integration/test_gm_live.sh.)
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/cli/lib.sh"

# A storage node directory (node.pubkey made for the test) and a manager.
step "$TAHOE" grid-manager --config gm create >/dev/null
step "$TAHOE" grid-manager --config nodekey create >/dev/null
step "$TAHOE" grid-manager --config otherkey create >/dev/null
mkdir storage0 || fail "mkdir storage0"
step "$TAHOE" grid-manager --config nodekey public-identity \
    >storage0/node.pubkey
grep -q '^pub-v0-' storage0/node.pubkey ||
    fail "public-identity printed '$(cat storage0/node.pubkey)'"
cat >storage0/tahoe.cfg <<'CFG'
# written by hand
[node]
nickname = storage0
# the port
tub.port = tcp:6003

[storage]
enabled = true
CFG
step "$TAHOE" grid-manager --config gm add storage0 \
    "$(cat storage0/node.pubkey)" >/dev/null
OTHER=$("$TAHOE" grid-manager --config otherkey public-identity) ||
    fail "public-identity of otherkey"
step "$TAHOE" grid-manager --config gm add other "$OTHER" >/dev/null
step "$TAHOE" grid-manager --config gm sign storage0 >storage0.cert
step "$TAHOE" grid-manager --config gm sign other >other.cert
grep -q '"signature"' storage0.cert && grep -q '"signature"' other.cert ||
    fail "sign printed no certificate"

expect 0 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename storage0.cert --name default
grep -q "There are now 1 certificates" out || fail "output: $(cat out)"
grep -q "not running: it applies the change when it starts" out ||
    fail "no notice that the change applies at the next start: $(cat out)"
cmp -s storage0/default.cert storage0.cert || fail "certificate not kept as given"
grep -q '^# written by hand' storage0/tahoe.cfg || fail "comment lost"
grep -q '^nickname *= *storage0' storage0/tahoe.cfg || fail "nickname lost"
grep -q '^grid_management *= *true' storage0/tahoe.cfg ||
    fail "grid_management not set: $(cat storage0/tahoe.cfg)"
grep -q '^\[grid_manager_certificates\]' storage0/tahoe.cfg &&
    grep -q '^default *= *default.cert' storage0/tahoe.cfg ||
    fail "certificate not listed"
ok "add-grid-manager-cert from a file"

expect 0 sh -c "'$TAHOE' -d storage0 admin add-grid-manager-cert \
    --filename - --name second <storage0.cert"
grep -q "There are now 2 certificates" out || fail "stdin: $(cat out)"
ok "add-grid-manager-cert from stdin"

before=$(snapshot storage0)
expect 1 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename storage0.cert --name default
grep -q "already" err || fail "duplicate: $(cat err)"
expect 1 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename other.cert --name third
grep -q "this node is" err || fail "other node: $(cat err)"
printf '{"certificate": "x"}' >bad.cert
expect 1 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename bad.cert --name third
one_line_error "bad.cert: certificate file must contain 'certificate' and 'signature'"
printf 'not json' >bad.cert
expect 1 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename bad.cert --name third
one_line_error "bad.cert: certificate file is not valid JSON"
expect 1 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename nosuch.cert --name third
one_line_error "nosuch.cert: No such file or directory"
expect 2 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename storage0.cert
one_line_error "both --filename and --name are required"
expect 2 "$TAHOE" -d storage0 admin add-grid-manager-cert \
    --filename storage0.cert --name ../evil
one_line_error "--name must be letters, digits"
expect 2 "$TAHOE" -d storage0 admin frob
one_line_error "unknown command 'frob'"
expect 1 "$TAHOE" -d nosuchnode admin add-grid-manager-cert \
    --filename storage0.cert --name x
one_line_error "nosuchnode: no such node directory"
[ "$(snapshot storage0)" = "$before" ] || fail "a refused command changed the node"
ok "add-grid-manager-cert refusals change nothing"

# The certificate installed is the one checked: a FIFO hands out this
# node's certificate to the first reader and other bytes to a second one.
mkdir storage2
cp storage0/node.pubkey storage2/
printf '[storage]\nenabled = true\n' >storage2/tahoe.cfg
mkfifo swap.cert
{ cat storage0.cert >swap.cert; sleep 1; printf 'swapped\n' >swap.cert; } &
writer=$!
expect 0 "$TAHOE" -d storage2 admin add-grid-manager-cert \
    --filename swap.cert --name swap
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
cmp -s storage2/swap.cert storage0.cert ||
    fail "installed bytes are not the checked ones: $(cat storage2/swap.cert)"
ok "add-grid-manager-cert reads the file once"

# A malformed [grid_managers] key is an error, not a key silently left out
# of the signature check.
mkdir storage3
cp storage0/node.pubkey storage3/
printf '[storage]\nenabled = true\n[grid_managers]\nwork = pub-v0-nope\n' \
    >storage3/tahoe.cfg
before=$(snapshot storage3)
expect 1 "$TAHOE" -d storage3 admin add-grid-manager-cert \
    --filename storage0.cert --name default
one_line_error "\[grid_managers\] work"
[ "$(snapshot storage3)" = "$before" ] || fail "a refused command changed storage3"
ok "add-grid-manager-cert refuses a bad [grid_managers] key"

# The seed's section name is read as the same list.
mkdir storage1
cp storage0/node.pubkey storage1/
printf '[storage]\nenabled = true\n[grid_management_keys]\nold = old.cert\n' \
    >storage1/tahoe.cfg
expect 1 "$TAHOE" -d storage1 admin add-grid-manager-cert \
    --filename storage0.cert --name old
grep -q "there is already a certificate named 'old'" err ||
    fail "[grid_management_keys] not read: $(cat err)"
ok "[grid_management_keys] is read as [grid_manager_certificates]"

# ---- remove-grid-manager-cert ----
before=$(snapshot storage0)
expect 1 "$TAHOE" -d storage0 admin remove-grid-manager-cert nosuch
one_line_error "no certificate named 'nosuch'"
expect 2 "$TAHOE" -d storage0 admin remove-grid-manager-cert
[ "$(snapshot storage0)" = "$before" ] || fail "a refused remove changed storage0"
cp storage0/second.cert kept.cert
printf 'byhand = %s/kept.cert\n' "$(pwd)" >>storage0/tahoe.cfg
expect 0 "$TAHOE" -d storage0 admin remove-grid-manager-cert second
grep -q "There are now 2 certificates" out || fail "remove: $(cat out)"
grep -q "not running" out || fail "remove: $(cat out)"
grep -q '^second *=' storage0/tahoe.cfg && fail "second still listed"
[ -e storage0/second.cert ] && fail "storage0/second.cert left behind"
grep -q '^default *= *default.cert' storage0/tahoe.cfg || fail "default lost"
grep -q '^# written by hand' storage0/tahoe.cfg || fail "comment lost"
expect 0 "$TAHOE" -d storage0 admin remove-grid-manager-cert byhand
[ -e kept.cert ] || fail "a certificate listed by hand was deleted"
expect 0 "$TAHOE" -d storage1 admin remove-grid-manager-cert old
grep -q '^old *=' storage1/tahoe.cfg && fail "[grid_management_keys] old still listed"
ok "remove-grid-manager-cert"

# ---- add-grid-manager on a client ----
mkdir alice
printf '[node]\nnickname = alice\n' >alice/tahoe.cfg
GM=$("$TAHOE" grid-manager --config gm public-identity) ||
    fail "public-identity of gm"
expect 0 "$TAHOE" -d alice add-grid-manager work-grid "$GM"
grep -q '^\[grid_managers\]' alice/tahoe.cfg &&
    grep -q "^work-grid *= *$GM" alice/tahoe.cfg || fail "not added"
grep -q '^nickname *= *alice' alice/tahoe.cfg || fail "nickname lost"
before=$(snapshot alice)
expect 1 "$TAHOE" -d alice add-grid-manager work-grid "$GM"
one_line_error "there is already a grid manager named 'work-grid'"
expect 1 "$TAHOE" -d alice add-grid-manager other pub-v0-abc
one_line_error "public key is not 32 bytes of base32 after 'pub-v0-'"
expect 2 "$TAHOE" -d alice add-grid-manager onlyname
one_line_error "expected NAME and PUBKEY"
expect 2 "$TAHOE" -d alice add-grid-manager 'bad name' "$GM"
one_line_error "NAME must be letters, digits"
[ "$(snapshot alice)" = "$before" ] || fail "a refused add changed alice"
ok "add-grid-manager"

# ---- remove-grid-manager ----
before=$(snapshot alice)
expect 1 "$TAHOE" -d alice remove-grid-manager nosuch
one_line_error "no grid manager named 'nosuch'"
expect 2 "$TAHOE" -d alice remove-grid-manager
one_line_error "expected NAME"
expect 2 "$TAHOE" -d alice remove-grid-manager a b
one_line_error "expected NAME"
[ "$(snapshot alice)" = "$before" ] || fail "a refused remove changed alice"
expect 0 "$TAHOE" -d alice remove-grid-manager work-grid
grep -q "not running" out || fail "remove-grid-manager: $(cat out)"
grep -q "^work-grid" alice/tahoe.cfg && fail "work-grid still trusted"
# The section goes with its last key: an empty [grid_managers] would be
# warned about at start.
grep -q '^\[grid_managers\]' alice/tahoe.cfg && fail "empty [grid_managers] left"
grep -q '^nickname *= *alice' alice/tahoe.cfg || fail "nickname lost"
ok "remove-grid-manager"

# ---- the program itself ----
expect 2 "$TAHOE"
one_line_error "no command given"
expect 2 "$TAHOE" frobnicate
one_line_error "unknown command 'frobnicate'"
expect 2 "$TAHOE" --frob
one_line_error "unknown option '--frob'"
expect 0 "$TAHOE" --help
expect 0 "$TAHOE" grid-manager --help
grep -q "public-identity" out || fail "grid-manager --help"
expect 0 "$TAHOE" admin --help
expect 0 "$TAHOE" debug --help
expect 0 "$TAHOE" add-grid-manager --help
expect 0 "$TAHOE" remove-grid-manager --help
ok "usage and --help"
echo "$passed passed, 0 failed"
