#!/bin/sh
# The grid-manager commands, run as the real `tahoe` binary in temporary
# directories: every command, every error the issue lists (exit status,
# one-line message, nothing changed on disk), both DIR and --config -, and
# the seed's command lines verbatim.
. "$TOP_SRCDIR/tests/integration/lib.sh"
. "$TOP_SRCDIR/tests/cli/lib.sh"

# A node.pubkey made for the test, as a storage node would have.
mkdir storage0 storage1
"$TAHOE" grid-manager --config kp create >/dev/null
"$TAHOE" grid-manager --config kp public-identity >storage0/node.pubkey
"$TAHOE" grid-manager --config kp2 create >/dev/null
"$TAHOE" grid-manager --config kp2 public-identity >storage1/node.pubkey

# ---- the seed's commands, verbatim ----
tahoe() { "$TAHOE" "$@"; }
expect 0 tahoe grid-manager --config ./gm0 create
[ "$(stat -c %a gm0)" = 700 ] || fail "gm0 is not mode 0700"
[ "$(stat -c %a gm0/config.json)" = 600 ] || fail "config.json not 0600"
grep -q '"grid_manager_config_version": 0' gm0/config.json ||
    fail "config.json lacks its version"
if grep -q storage_servers gm0/config.json; then
	fail "empty storage_servers written"
fi
expect 0 tahoe grid-manager --config ./gm0 add storage0 $(cat storage0/node.pubkey)
expect 0 tahoe grid-manager --config ./gm0 add storage1 $(cat storage1/node.pubkey)
tahoe grid-manager --config ./gm0 sign storage0 > ./storage0/gridmanager.cert ||
    fail "sign storage0"
tahoe grid-manager --config ./gm0 sign storage1 > ./storage1/gridmanager.cert ||
    fail "sign storage1"
expect 0 tahoe grid-manager --config ./gm0 public-identity
grep -q '^pub-v0-[a-z2-7]\{52\}$' out || fail "public-identity: $(cat out)"
GM=$(cat out)
[ -f gm0/storage0.cert.0 ] && [ -f gm0/storage1.cert.0 ] ||
    fail "certificates not kept in gm0"
ok "seed commands"

# ---- certificates ----
grep -q '"certificate": "{\\"expires\\":\\"' storage0/gridmanager.cert ||
    fail "certificate layout: $(cat storage0/gridmanager.cert)"
expect 0 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" --grid-manager "$GM" \
    storage0/gridmanager.cert
grep -q '^upload permitted: yes$' out || fail "check: $(cat out)"
# About 365 days by default.
expires=$(sed -n 's/.*expires\\":\\"\([0-9-]*\)T.*/\1/p' storage0/gridmanager.cert)
days=$(( ($(date -d "$expires" +%s) - $(date +%s)) / 86400 ))
[ "$days" -ge 363 ] && [ "$days" -le 365 ] || fail "default expiry $days days"
# Another server's certificate, an unknown manager, an expired one.
expect 3 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage1/node.pubkey)" --grid-manager "$GM" \
    storage0/gridmanager.cert
grep -q 'invalid' out && grep -q '^upload permitted: no$' out ||
    fail "other server: $(cat out)"
expect 3 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" \
    --grid-manager "$(cat storage1/node.pubkey)" storage0/gridmanager.cert
expect 3 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" --grid-manager "$GM" \
    --now 2200-01-01T00:00:00+00:00 storage0/gridmanager.cert
grep -q 'expired' out || fail "expired: $(cat out)"
# Two certificates, one valid: permitted.
expect 0 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" --grid-manager "$GM" \
    storage1/gridmanager.cert storage0/gridmanager.cert
# No grid manager configured: any server.
expect 0 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage1/node.pubkey)" storage0/gridmanager.cert
# Errors: unreadable file 1, usage 2.
expect 1 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" --grid-manager "$GM" nosuch
expect 2 "$TAHOE" debug check-grid-manager-certs storage0/gridmanager.cert
# No certificate at all: usable without managers, not with one.
expect 0 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)"
grep -q '^upload permitted: yes$' out || fail "no certs, no managers: $(cat out)"
expect 3 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" --grid-manager "$GM"
grep -q '^upload permitted: no$' out || fail "no certs, a manager: $(cat out)"
expect 2 "$TAHOE" debug check-grid-manager-certs --server-key pub-v0-x \
    storage0/gridmanager.cert
ok "debug check-grid-manager-certs"

# ---- sign: days ----
expect 0 "$TAHOE" grid-manager --config gm0 sign storage0 1
expect 0 "$TAHOE" grid-manager --config gm0 sign storage0 1825
[ -f gm0/storage0.cert.2 ] || fail "kept certificates not numbered .1, .2"
before=$(snapshot gm0)
for bad in 0 1826 -1 abc 10x ""; do
	expect 2 "$TAHOE" grid-manager --config gm0 sign storage0 "$bad"
	one_line_error "DAYS"
done
expect 1 "$TAHOE" grid-manager --config gm0 sign nobody
[ "$(snapshot gm0)" = "$before" ] || fail "a failed sign changed gm0"
ok "sign days and errors"

# ---- list ----
expect 0 "$TAHOE" grid-manager --config gm0 list
grep -q "^storage0: $(cat storage0/node.pubkey)\$" out || fail "list: $(cat out)"
grep -q "cert 0: valid until" out || fail "list certs: $(cat out)"
ok "list"

# ---- errors leave everything as it was ----
before=$(snapshot gm0)
expect 1 "$TAHOE" grid-manager --config gm0 create
one_line_error "exist"
expect 1 "$TAHOE" grid-manager --config gm0 add storage0 "$(cat storage1/node.pubkey)"
one_line_error "storage0"
expect 1 "$TAHOE" grid-manager --config gm0 add storage9 pub-v0-notakey
expect 1 "$TAHOE" grid-manager --config gm0 remove nobody
expect 2 "$TAHOE" grid-manager --config gm0 add storage9
expect 2 "$TAHOE" grid-manager --config gm0 frobnicate
expect 2 "$TAHOE" grid-manager create
expect 2 "$TAHOE" grid-manager --config gm0 --bogus list
[ "$(snapshot gm0)" = "$before" ] || fail "a failed command changed gm0"
mkdir bad
printf '{"grid_manager_config_version": 1, "private_key": "x"}' >bad/config.json
expect 1 "$TAHOE" grid-manager --config bad list
one_line_error "version"
printf '{"grid_manager_config_version": 0}' >bad/config.json
expect 1 "$TAHOE" grid-manager --config bad list
one_line_error "private_key"
printf 'not json' >bad/config.json
expect 1 "$TAHOE" grid-manager --config bad list
expect 1 "$TAHOE" grid-manager --config nosuchdir list
ok "errors change nothing"

# ---- remove ----
expect 0 "$TAHOE" grid-manager --config gm0 remove storage0
[ ! -e gm0/storage0.cert.0 ] || fail "remove kept the certificates"
[ -e gm0/storage1.cert.0 ] || fail "remove deleted another server's"
expect 0 "$TAHOE" grid-manager --config gm0 list
if grep -q storage0 out; then fail "storage0 still listed"; fi
ok "remove"

# ---- --config - (stdin in, stdout out) ----
expect 0 "$TAHOE" grid-manager --config - create
cp out s.json
grep -q '"private_key": "priv-v0-' s.json || fail "stdin create output"
"$TAHOE" grid-manager --config - add s0 "$(cat storage0/node.pubkey)" \
    <s.json >s2.json || fail "stdin add"
grep -q '"s0"' s2.json || fail "stdin add did not add"
"$TAHOE" grid-manager --config - public-identity <s2.json >pk || fail "pi"
"$TAHOE" grid-manager --config - sign s0 30 <s2.json >c.cert || fail "stdin sign"
expect 0 "$TAHOE" debug check-grid-manager-certs \
    --server-key "$(cat storage0/node.pubkey)" --grid-manager "$(cat pk)" \
    c.cert
"$TAHOE" grid-manager --config - remove s0 <s2.json >s3.json ||
    fail "stdin remove"
if grep -q s0 s3.json; then fail "stdin remove left s0"; fi
echo '{not json' | "$TAHOE" grid-manager --config - list >out 2>err
[ $? = 1 ] || fail "invalid JSON on stdin accepted"
one_line_error "stdin"
ok "--config -"

echo "$passed passed, 0 failed"
