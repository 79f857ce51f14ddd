#!/bin/sh
# An independent Python implementation (python3-cryptography) of the
# Tahoe-LAFS grid-manager formats (keys, config.json, certificates)
# against the C tahoe: tahoe grid-manager, debug check-grid-manager-certs
# and admin add-grid-manager-cert.  See tests/interop/gm_interop.py.
. "$TOP_SRCDIR/tests/integration/lib.sh"
PY=${PYTHON3:-python3}
TAHOE=$BUILD/cli/tahoe
"$PY" -c 'import cryptography' 2>/dev/null || {
	echo "python3-cryptography missing"
	exit 77
}
[ -x "$TAHOE" ] || fail "missing $TAHOE"
"$PY" "$TOP_SRCDIR/tests/interop/gm_interop.py" "$TAHOE" "$T"
rc=$?
[ $rc -eq 0 ] || echo "FAIL: gm_interop.py (exit $rc)" >&2
exit $rc
