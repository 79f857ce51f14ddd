#!/usr/bin/env python3
"""Print the zfec vectors that tests/unit/test_grid_fec.c checks.

For each (k, n, block length) the input is k blocks cut from the stream
SHA-256(b"fec k n c") for c = 0, 1, ...; zfec.Encoder(k, n) encodes it and
the line holds the SHA-256 of the n output blocks concatenated.  Run with
Debian's python3-zfec:  python3 tests/interop/zfec_vectors.py
"""
import hashlib
import zfec

CASES = [(1, 1, 100), (1, 2, 100), (1, 3, 100), (2, 3, 100), (3, 10, 100),
         (3, 10, 4099), (4, 4, 100), (5, 17, 33), (13, 37, 100),
         (25, 100, 64), (100, 256, 31), (128, 200, 100), (255, 256, 17),
         (256, 256, 9), (1, 256, 5), (2, 256, 1000)]


def stream(k, n, size):
    out = bytearray()
    c = 0
    while len(out) < size:
        out += hashlib.sha256(b"fec %d %d %d" % (k, n, c)).digest()
        c += 1
    return bytes(out[:size])


def main():
    print("# k n blocklen sha256(all n blocks); zfec %s" % zfec.__version__)
    for k, n, blen in CASES:
        data = stream(k, n, k * blen)
        blocks = [data[i * blen:(i + 1) * blen] for i in range(k)]
        out = zfec.Encoder(k, n).encode(blocks)
        h = hashlib.sha256(b"".join(out)).hexdigest()
        print("%d %d %d %s" % (k, n, blen, h))


if __name__ == "__main__":
    main()
