#!/usr/bin/python3
"""Recompute the test vectors of doc/protocol.md section 7 with PyNaCl.

This shares no code with the C implementation: it follows the text of
doc/protocol.md and compares its own results with the values printed there.
Usage: check_vectors.py PATH/TO/protocol.md
Exit 0 if every value matches, 1 otherwise, 77 (skip) without PyNaCl.
"""
import base64
import re
import struct
import sys

try:
    import msgpack
    from nacl import bindings as b
except ImportError:
    print("check_vectors: PyNaCl or msgpack missing; skipping")
    sys.exit(77)


def blake2b(data, size=32, key=b""):
    return b.crypto_generichash_blake2b_salt_personal(data, digest_size=size,
                                                       key=key)


def b32(data):
    return base64.b32encode(data).decode().lower().rstrip("=")


def seq(start):
    return bytes(range(start, start + 32))


def parse_vectors(text):
    """Return {name: hex-or-text} from the indented blocks of section 7."""
    sec = text.split("## 7. Test vectors", 1)[1].split("\n## ", 1)[0]
    out, name = {}, None
    for line in sec.splitlines():
        m = re.match(r"^    (\w+)\s+=\s+(\S+)", line)
        if m:
            name = m.group(1)
            out[name] = m.group(2)
            continue
        m = re.match(r"^\s{8,}([0-9a-f]+)\s*$", line)
        if m and name:
            out[name] += m.group(1)
            continue
        name = None
    return out


def nonce(counter):
    return b"\0\0\0\0" + struct.pack(">Q", counter)


def seal(key, counter, pt):
    hdr = struct.pack(">I", len(pt) + 16)
    return hdr + b.crypto_aead_chacha20poly1305_ietf_encrypt(
        pt, hdr, nonce(counter), key)


def main():
    want = parse_vectors(open(sys.argv[1], encoding="utf-8").read())
    s_pk, s_sk = b.crypto_sign_seed_keypair(seq(0x00))
    c_pk, c_sk = b.crypto_sign_seed_keypair(seq(0x20))
    ec_sk, es_sk = seq(0x40), seq(0x60)
    e_c = b.crypto_scalarmult_base(ec_sk)
    e_s = b.crypto_scalarmult_base(es_sk)
    inc_c, inc_s = bytes(range(0xc0, 0xd0)), bytes(range(0xd0, 0xe0))
    s_tubid_raw = blake2b(b"tub/1 tubid" + s_pk)
    shared = b.crypto_scalarmult(ec_sk, e_s)
    assert shared == b.crypto_scalarmult(es_sk, e_c)
    h = blake2b(b"tub/1 transcript" + e_c + e_s)
    okm = blake2b(b"tub/1 keys" + e_c + e_s, 64, shared)
    k_c2s, k_s2c = okm[:32], okm[32:]
    sig_c = b.crypto_sign(b"tub/1 client auth" + h + s_tubid_raw, c_sk)[:64]
    sig_s = b.crypto_sign(b"tub/1 server auth" + h, s_sk)[:64]
    call = msgpack.packb([1, 1, 1, "add", [2, 3]], use_bin_type=True)
    got = {
        "server_pk": s_pk.hex(),
        "server_tubid": b32(s_tubid_raw),
        "client_pk": c_pk.hex(),
        "hello_c": (b"TUB1\x01" + e_c).hex(),
        "hello_s": (b"TUB1\x01" + e_s).hex(),
        "h": h.hex(),
        "k_c2s": k_c2s.hex(),
        "k_s2c": k_s2c.hex(),
        "auth_c": seal(k_c2s, 0, c_pk + inc_c + sig_c).hex(),
        "auth_s": seal(k_s2c, 0, s_pk + inc_s + sig_s).hex(),
        "call_pt": call.hex(),
        "call_frame": seal(k_c2s, 1, call).hex(),
    }
    bad = 0
    for name, value in got.items():
        if want.get(name) != value:
            print("MISMATCH %s:\n  doc  %s\n  here %s" %
                  (name, want.get(name), value))
            bad += 1
    print("check_vectors: %d of %d vectors match" % (len(got) - bad, len(got)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
