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
echo "2 passed, 0 failed"
