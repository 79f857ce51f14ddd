#!/bin/sh
# An independent Python implementation of doc/protocol.md
# (tests/interop/peer.py, PyNaCl + msgpack) against the C tub, both ways:
# the Python client calls a C server, and the C client calls a Python
# server.  Each side checks calls, errors, references passed in both
# directions, references coming home and DECREF.
. "$TOP_SRCDIR/tests/integration/lib.sh"
PY=${PYTHON3:-python3}
PEER=$BUILD/tests/interop/interop-peer
"$PY" -c 'import nacl, msgpack' 2>/dev/null || {
	echo "python3-nacl or python3-msgpack missing"
	exit 77
}
[ -x "$PEER" ] || fail "missing $PEER"

# 1. Python client -> C server.
spawn cserver "$PEER" serve --furl-file "$T/c.furl"
wait_file "$T/c.furl" 10 || fail "C server wrote no FURL file"
timeout 60 "$PY" "$TOP_SRCDIR/tests/interop/peer.py" client \
    --furl-file "$T/c.furl" >"$T/pyclient.out" 2>&1
rc=$?
cat "$T/pyclient.out"
[ $rc -eq 0 ] || fail "Python client against the C server (exit $rc)"
ok "Python client against the C server"

# forge FILE OUT: the FURL in FILE under another valid tubid (the first
# character changed), same address and swissnum.
forge() {
	furl=$(cat "$1")
	rest=${furl#pb://}
	tubid=${rest%%@*}
	case $tubid in a*) other=b${tubid#?} ;; *) other=a${tubid#?} ;; esac
	printf '%s\n' "pb://$other@${rest#*@}" >"$2"
}

# 1b. The Python client refuses a C server that is not the FURL's tub.
forge "$T/c.furl" "$T/c-forged.furl"
if timeout 60 "$PY" "$TOP_SRCDIR/tests/interop/peer.py" client \
    --furl-file "$T/c-forged.furl" >"$T/pyforged.out" 2>&1; then
	cat "$T/pyforged.out"
	fail "the Python client accepted a server with another tubid"
fi
grep -qi "mismatch" "$T/pyforged.out" ||
    fail "the Python client did not say why: $(cat "$T/pyforged.out")"
ok "Python client: a FURL with a wrong tubid is refused"

# 2. C client -> Python server.
spawn pyserver "$PY" "$TOP_SRCDIR/tests/interop/peer.py" serve \
    --furl-file "$T/py.furl"
wait_file "$T/py.furl" 10 || {
	cat "$T/pyserver.err"
	fail "Python server wrote no FURL file"
}
timeout 60 "$PEER" client --furl-file "$T/py.furl" >"$T/cclient.out" 2>&1
rc=$?
cat "$T/cclient.out"
[ $rc -eq 0 ] || { cat "$T/pyserver.err"; fail "C client against the Python server (exit $rc)"; }
ok "C client against the Python server"

# 2b. The C client refuses a Python server that is not the FURL's tub.
forge "$T/py.furl" "$T/py-forged.furl"
if timeout 60 "$PEER" client --furl-file "$T/py-forged.furl" \
    >"$T/cforged.out" 2>&1; then
	cat "$T/cforged.out"
	fail "the C client accepted a server with another tubid"
fi
grep -qi "mismatch" "$T/cforged.out" ||
    fail "the C client did not say why: $(cat "$T/cforged.out")"
ok "C client: a FURL with a wrong tubid is refused"
echo "4 passed, 0 failed"
