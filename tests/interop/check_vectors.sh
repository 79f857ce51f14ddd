#!/bin/sh
# Recompute doc/protocol.md's test vectors with PyNaCl (independent of rpc/).
exec "${PYTHON3:-python3}" "$TOP_SRCDIR/tests/interop/check_vectors.py" \
    "$TOP_SRCDIR/doc/protocol.md"
