#!/bin/sh
# A node's tub redeems no gifts (node/node.c sets accept_gifts off): a
# call to a running node's control object that carries a reference to an
# object on a third tub is answered gift-failed, and the node never dials
# the third tub.  With gifts on, the node would connect to any address a
# caller names.
. "$TOP_SRCDIR/tests/integration/lib.sh"
TAHOE=$BUILD/cli/tahoe
CHECK=$BUILD/tests/integration/gift-check
[ -x "$TAHOE" ] || fail "missing $TAHOE"
[ -x "$CHECK" ] || fail "missing $CHECK"
cd "$T" || exit 1

"$TAHOE" create-introducer --listen=tcp --port=tcp:0:interface=127.0.0.1 \
    intro >/dev/null || fail "create-introducer"
spawn intro timeout -k 5 120 "$TAHOE" -d intro run
wait_started intro intro

timeout -k 5 30 "$CHECK" intro/private/control.furl get_status \
    >"$T/check.out" 2>"$T/check.err"
rc=$?
cat "$T/check.out"
grep -q '^answer: error gift-failed$' "$T/check.out" ||
    fail "the node did not refuse the gift: $(cat "$T/check.out" \
    "$T/check.err")"
grep -q '^third-tub connections: 1$' "$T/check.out" ||
    fail "the node dialled the gift's tub: $(cat "$T/check.out")"
[ $rc = 0 ] || fail "gift-check exited $rc: $(cat "$T/check.err")"
ok "the node answered gift-failed and never dialled the third tub"

"$TAHOE" -d intro status --json >/dev/null 2>&1 ||
    kill -0 "$intro_pid" || fail "the node died"
ok "the node still runs"
