#!/usr/bin/python3
"""Independent interop test for tahoe's grid-manager formats.

Written only from the Tahoe-LAFS format description (Ed25519 keys as
"pub-v0-"/"priv-v0-" + unpadded lower-case base32; config.json; signed
certificates whose inner string is compact sorted JSON), using
python3-cryptography.  It drives the C `tahoe` binary and checks, both
ways, that the two implementations agree.

usage: gm_interop.py TAHOE TMPDIR
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)

UTC = datetime.timezone.utc
RAW = serialization.Encoding.Raw
RAWPUB = serialization.PublicFormat.Raw
RAWPRIV = serialization.PrivateFormat.Raw
NOENC = serialization.NoEncryption()

TAHOE = None
TMP = None
PASSED = 0
FAILED = 0


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print("ok: %s" % name)
    else:
        FAILED += 1
        print("FAIL: %s%s" % (name, (" -- " + detail) if detail else ""))
    sys.stdout.flush()
    return cond


# ---------------------------------------------------------------- encodings

def b32e(data):
    return base64.b32encode(data).decode("ascii").lower().rstrip("=")


def b32d(text):
    if not isinstance(text, str) or text != text.lower() or "=" in text:
        raise ValueError("not lower-case unpadded base32: %r" % (text,))
    pad = "=" * (-len(text) % 8)
    return base64.b32decode(text.upper() + pad)


def new_key():
    return Ed25519PrivateKey.generate()


def pub_bytes(priv):
    return priv.public_key().public_bytes(RAW, RAWPUB)


def pub_text(priv):
    return "pub-v0-" + b32e(pub_bytes(priv))


def priv_text(priv):
    return "priv-v0-" + b32e(priv.private_bytes(RAW, RAWPRIV, NOENC))


def parse_pub(text):
    if not text.startswith("pub-v0-"):
        raise ValueError("no pub-v0- prefix: %r" % (text,))
    enc = text[len("pub-v0-"):]
    if len(enc) != 52:
        raise ValueError("pub key body is %d chars, not 52" % len(enc))
    raw = b32d(enc)
    if len(raw) != 32:
        raise ValueError("pub key is %d bytes" % len(raw))
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_priv(text):
    if not text.startswith("priv-v0-"):
        raise ValueError("no priv-v0- prefix: %r" % (text,))
    enc = text[len("priv-v0-"):]
    if len(enc) != 52:
        raise ValueError("priv key body is %d chars, not 52" % len(enc))
    raw = b32d(enc)
    if len(raw) != 32:
        raise ValueError("priv key is %d bytes" % len(raw))
    return Ed25519PrivateKey.from_private_bytes(raw)


# ------------------------------------------------------------ config + certs

def config_text(gm_priv, servers):
    cfg = {"grid_manager_config_version": 0, "private_key": priv_text(gm_priv)}
    if servers:
        cfg["storage_servers"] = {
            name: {"public_key": pk} for name, pk in servers.items()}
    return json.dumps(cfg, indent=4) + "\n"


def expires_text(dt):
    return dt.astimezone(UTC).isoformat()


def cert_string(server_pub, expires, version=1):
    d = {"expires": expires, "public_key": server_pub, "version": version}
    return json.dumps(d, separators=(",", ":"), sort_keys=True)


def cert_file(gm_priv, string, signature=None, extra=None, drop=None):
    if signature is None:
        signature = b32e(gm_priv.sign(string.encode("utf-8")))
    d = {"certificate": string, "signature": signature}
    if extra:
        d.update(extra)
    if drop:
        del d[drop]
    return json.dumps(d, indent=4)


def parse_expires(v):
    if isinstance(v, bool):
        raise ValueError("bad expires %r" % (v,))
    if isinstance(v, int):
        return datetime.datetime.fromtimestamp(v, UTC)
    if isinstance(v, str):
        dt = datetime.datetime.fromisoformat(v)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt
    raise ValueError("bad expires %r" % (v,))


def py_verify(text, gm_pub, server_pub):
    """Verify a certificate file (text) the way the description says.
    Returns (problems, inner dict or None, certificate string or None)."""
    problems = []
    try:
        outer = json.loads(text)
    except ValueError as e:
        return ["certificate file is not JSON: %s" % e], None, None
    if not isinstance(outer, dict):
        return ["certificate file is not a JSON object"], None, None
    if sorted(outer) != ["certificate", "signature"]:
        problems.append("outer keys are %r" % sorted(outer))
    string = outer.get("certificate")
    sig = outer.get("signature")
    if not isinstance(string, str) or not isinstance(sig, str):
        return problems + ["certificate/signature not strings"], None, None
    try:
        raw = b32d(sig)
        gm_pub.verify(raw, string.encode("utf-8"))
    except (ValueError, InvalidSignature) as e:
        problems.append("signature does not verify: %r" % (e,))
    try:
        inner = json.loads(string)
    except ValueError as e:
        return problems + ["certificate string not JSON: %s" % e], None, string
    if inner.get("public_key") != server_pub:
        problems.append("public_key %r != %r" % (inner.get("public_key"),
                                                  server_pub))
    if inner.get("version") != 1 or isinstance(inner.get("version"), bool):
        problems.append("version is %r" % (inner.get("version"),))
    try:
        exp = parse_expires(inner.get("expires"))
        if not exp > datetime.datetime.now(UTC):
            problems.append("expired: %s" % exp)
    except (ValueError, TypeError) as e:
        problems.append("bad expires: %r" % (e,))
    return problems, inner, string


# ------------------------------------------------------------------ running

def run(args, stdin=None, cwd=None):
    try:
        p = subprocess.run([TAHOE] + args, input=stdin, cwd=cwd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def desc(rc, out, err):
    return "exit %d, stdout=%r, stderr=%r" % (rc, out[-600:], err[-600:])


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    with open(path) as f:
        return f.read()


def check_config_format(label, text):
    """The description: json.dumps(cfg, indent=4) + "\\n", keys
    grid_manager_config_version, private_key, storage_servers (omitted when
    empty).  Returns the parsed config or None."""
    try:
        cfg = json.loads(text)
    except ValueError as e:
        check(label + ": config.json is JSON", False, "%s: %r" % (e, text))
        return None
    check(label + ": config.json is json.dumps(indent=4)+newline",
          text == json.dumps(cfg, indent=4) + "\n", repr(text))
    keys = list(cfg)
    want = ["grid_manager_config_version", "private_key"]
    if cfg.get("storage_servers"):
        want.append("storage_servers")
    check(label + ": config.json keys", keys == want,
          "keys %r, expected %r" % (keys, want))
    check(label + ": grid_manager_config_version is 0",
          cfg.get("grid_manager_config_version") == 0
          and not isinstance(cfg.get("grid_manager_config_version"), bool),
          repr(cfg.get("grid_manager_config_version")))
    return cfg


def certs_cmd(server_pub, gms, files, now=None):
    args = ["debug", "check-grid-manager-certs", "--server-key", server_pub]
    for g in gms:
        args += ["--grid-manager", g]
    if now is not None:
        args += ["--now", now]
    return run(args + list(files))


def verdict(label, server_pub, gms, files, want, now=None, alt=None):
    """Run check-grid-manager-certs; want is the expected exit code; alt is
    a set of other acceptable codes."""
    rc, out, err = certs_cmd(server_pub, gms, files, now)
    okcodes = {want} | (alt or set())
    good = rc in okcodes
    if good and rc in (0, 3):
        lines = [l for l in out.splitlines() if l.strip()]
        last = lines[-1].strip() if lines else ""
        exp = "upload permitted: yes" if rc == 0 else "upload permitted: no"
        if last != exp:
            good = False
        elif len(lines) != len(files) + 1:
            good = False
    check(label, good, "expected exit %s; %s" % (
        "/".join(str(c) for c in sorted(okcodes)), desc(rc, out, err)))
    return rc


def snapshot(d):
    snap = {}
    for root, dirs, files in os.walk(d):
        for name in dirs:
            snap[os.path.relpath(os.path.join(root, name), d) + "/"] = None
        for name in files:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                snap[os.path.relpath(p, d)] = f.read()
    return snap


# -------------------------------------------------------------------- tests

def near(dt, target, slack):
    return abs((dt - target).total_seconds()) <= slack


def check_c_cert(label, text, gm_pub, server_pub, days):
    problems, inner, string = py_verify(text, gm_pub, server_pub)
    check(label + ": Python verifies C certificate", not problems,
          "; ".join(problems) + " in %r" % (text,))
    if inner is None:
        return
    try:
        outer = json.loads(text)
        check(label + ": certificate file is json.dumps(indent=4)",
              text.rstrip("\n") == json.dumps(outer, indent=4)
              and list(outer) == ["certificate", "signature"], repr(text))
    except ValueError:
        pass
    check(label + ": certificate string is compact sorted JSON",
          string == json.dumps(inner, separators=(",", ":"), sort_keys=True)
          and sorted(inner) == ["expires", "public_key", "version"],
          repr(string))
    exp = inner.get("expires")
    try:
        dt = parse_expires(exp)
    except (ValueError, TypeError):
        check(label + ": expires parses", False, repr(exp))
        return
    check(label + ": expires is datetime.isoformat() of a UTC time",
          isinstance(exp, str) and dt.utcoffset() == datetime.timedelta(0)
          and exp == dt.astimezone(UTC).isoformat(), repr(exp))
    target = datetime.datetime.now(UTC) + datetime.timedelta(days=days)
    check(label + ": expires ~%d days ahead" % days, near(dt, target, 3600),
          "expires %s, expected about %s" % (dt, target))
    check(label + ": signature is unpadded lower-case base32 of 64 bytes",
          len(b32d(json.loads(text)["signature"])) == 64,
          repr(json.loads(text)["signature"]))


def test_python_config(gm, s1, s2):
    print("# 1. Python-made config.json driven by the C program")
    d = os.path.join(TMP, "pygm")
    os.mkdir(d)
    servers = {"alice": pub_text(s1), "bob": pub_text(s2)}
    write(os.path.join(d, "config.json"), config_text(gm, servers))

    rc, out, err = run(["grid-manager", "--config", d, "public-identity"])
    check("public-identity of Python-made manager",
          rc == 0 and out.strip() == pub_text(gm),
          "expected %r; %s" % (pub_text(gm), desc(rc, out, err)))

    rc, out, err = run(["grid-manager", "--config", d, "list"])
    check("list shows both servers and their keys",
          rc == 0 and all(n in out and k in out for n, k in servers.items()),
          desc(rc, out, err))

    rc, out, err = run(["grid-manager", "--config", d, "sign", "alice"])
    check("sign alice exits 0", rc == 0, desc(rc, out, err))
    if rc == 0:
        check_c_cert("sign alice", out, gm.public_key(), servers["alice"], 365)
        path = write(os.path.join(TMP, "c-signed-alice.cert"), out)
        verdict("C check accepts C-signed cert (Python manager)",
                servers["alice"], [pub_text(gm)], [path], 0)
        verdict("C check refuses C-signed alice cert for bob",
                servers["bob"], [pub_text(gm)], [path], 3)

    rc, out, err = run(["grid-manager", "--config", d, "sign", "bob", "30"])
    check("sign bob 30 exits 0", rc == 0, desc(rc, out, err))
    if rc == 0:
        check_c_cert("sign bob 30", out, gm.public_key(), servers["bob"], 30)

    rc, out, err = run(["grid-manager", "--config", d, "sign", "nobody"])
    check("sign of an unknown server fails", rc != 0 and not out.strip(),
          desc(rc, out, err))

    # add / remove on the Python-made directory; the file keeps the format.
    s3 = new_key()
    rc, out, err = run(["grid-manager", "--config", d, "add", "carol",
                        pub_text(s3)])
    check("add carol exits 0", rc == 0, desc(rc, out, err))
    cfg = check_config_format("after add", read(os.path.join(d, "config.json")))
    if cfg is not None:
        ss = cfg.get("storage_servers", {})
        check("after add: private key unchanged, three servers",
              cfg.get("private_key") == priv_text(gm)
              and ss == {"alice": {"public_key": servers["alice"]},
                         "bob": {"public_key": servers["bob"]},
                         "carol": {"public_key": pub_text(s3)}},
              repr(cfg))

    rc, out, err = run(["grid-manager", "--config", d, "add", "alice",
                        pub_text(s3)])
    check("add of an existing name fails", rc != 0, desc(rc, out, err))
    rc, out, err = run(["grid-manager", "--config", d, "add", "dave",
                        "pub-v0-notakey"])
    check("add with a malformed public key fails", rc != 0,
          desc(rc, out, err))

    for name in ("alice", "bob", "carol"):
        rc, out, err = run(["grid-manager", "--config", d, "remove", name])
        check("remove %s exits 0" % name, rc == 0, desc(rc, out, err))
    text = read(os.path.join(d, "config.json"))
    cfg = check_config_format("after removing all", text)
    if cfg is not None:
        check("after removing all: storage_servers left out",
              "storage_servers" not in cfg
              and cfg.get("private_key") == priv_text(gm), repr(text))
    rc, out, err = run(["grid-manager", "--config", d, "remove", "alice"])
    check("remove of an unknown name fails", rc != 0, desc(rc, out, err))


def test_python_certs(gm, s1, s2):
    print("# 2. Python-made certificates judged by the C program")
    gmp = pub_text(gm)
    sp = pub_text(s1)
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    future = (now + datetime.timedelta(days=100)).replace(
        hour=0, minute=0, second=0)
    n = [0]

    def cf(text):
        n[0] += 1
        return write(os.path.join(TMP, "py%02d.cert" % n[0]), text)

    good_s = cert_string(sp, expires_text(future))
    good = cf(cert_file(gm, good_s))
    problems, _, _ = py_verify(read(good), gm.public_key(), sp)
    check("self-check: Python verifies its own certificate", not problems,
          "; ".join(problems))
    verdict("valid certificate", sp, [gmp], [good], 0)

    other_gm = new_key()
    verdict("valid certificate, second of two --grid-manager keys", sp,
            [pub_text(other_gm), gmp], [good], 0)

    micro = future.replace(microsecond=123456)
    s = cert_string(sp, expires_text(micro))
    check("self-check: microsecond expires text",
          ".123456+00:00" in s, s)
    verdict("expires with microseconds", sp, [gmp], [cf(cert_file(gm, s))], 0)

    epoch = int(time.time()) + 10 * 86400
    verdict("expires as integer epoch seconds (future)", sp, [gmp],
            [cf(cert_file(gm, cert_string(sp, epoch)))], 0)
    verdict("expires as integer epoch seconds (past)", sp, [gmp],
            [cf(cert_file(gm, cert_string(sp, int(time.time()) - 86400)))], 3)

    i = good_s.index("T00:")
    tampered = good_s[:i + 2] + "1" + good_s[i + 3:]
    check("self-check: tampered string differs in one character",
          len(tampered) == len(good_s)
          and sum(a != b for a, b in zip(tampered, good_s)) == 1)
    sig = b32e(gm.sign(good_s.encode()))
    verdict("tampered certificate string", sp, [gmp],
            [cf(cert_file(gm, tampered, signature=sig))], 3)

    raw = bytearray(gm.sign(good_s.encode()))
    raw[0] ^= 1
    verdict("tampered signature", sp, [gmp],
            [cf(cert_file(gm, good_s, signature=b32e(bytes(raw))))], 3)

    verdict("signed by another manager", sp, [gmp],
            [cf(cert_file(other_gm, good_s))], 3)

    verdict("names another server", sp, [gmp],
            [cf(cert_file(gm, cert_string(pub_text(s2),
                                          expires_text(future))))], 3)

    verdict("expired (--now after expiry)", sp, [gmp], [good], 3,
            now=expires_text(future + datetime.timedelta(days=1)))
    verdict("not yet expired (--now before expiry)", sp, [gmp], [good], 0,
            now=expires_text(future - datetime.timedelta(days=1)))

    verdict("version 2", sp, [gmp],
            [cf(cert_file(gm, cert_string(sp, expires_text(future), 2)))], 3)

    at = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    at_path = cf(cert_file(gm, cert_string(sp, expires_text(at))))
    verdict("--now exactly at expiry", sp, [gmp], [at_path], 3,
            now=expires_text(at))
    before = expires_text(at - datetime.timedelta(microseconds=1))
    check("self-check: one microsecond before",
          before == "2029-12-31T23:59:59.999999+00:00", before)
    verdict("--now one microsecond before expiry", sp, [gmp], [at_path], 0,
            now=before)

    # Verification is over the exact bytes: a correctly signed but
    # non-canonical string must still be accepted.
    noncanon = '{"version": 1, "public_key": "%s", "expires": "%s"}' % (
        sp, expires_text(future))
    verdict("non-canonical but correctly signed string (no re-serialising)",
            sp, [gmp], [cf(cert_file(gm, noncanon))], 0)

    # Malformed files: not permitted (3) or reported invalid (1).
    bad = {1, 3}
    verdict("malformed: missing signature", sp, [gmp],
            [cf(cert_file(gm, good_s, drop="signature"))], 3, alt=bad)
    verdict("malformed: missing certificate", sp, [gmp],
            [cf(cert_file(gm, good_s, drop="certificate"))], 3, alt=bad)
    verdict("malformed: extra key", sp, [gmp],
            [cf(cert_file(gm, good_s, extra={"extra": 1}))], 3, alt=bad)
    verdict("malformed: signature not base32", sp, [gmp],
            [cf(cert_file(gm, good_s, signature="not base32!!"))], 3, alt=bad)
    verdict("malformed: signature upper-case base32", sp, [gmp],
            [cf(cert_file(gm, good_s, signature=sig.upper()))], 3, alt=bad)
    verdict("malformed: certificate string not JSON", sp, [gmp],
            [cf(cert_file(gm, "not json {"))], 3, alt=bad)
    verdict("malformed: version missing", sp, [gmp],
            [cf(cert_file(gm, json.dumps(
                {"expires": expires_text(future), "public_key": sp},
                separators=(",", ":"), sort_keys=True)))], 3, alt=bad)
    verdict("malformed: file not JSON", sp, [gmp],
            [cf("this is not json\n")], 3, alt=bad)
    verdict("unreadable (missing) file", sp, [gmp],
            [os.path.join(TMP, "does-not-exist.cert")], 1)
    rc, out, err = run(["debug", "check-grid-manager-certs", good])
    check("usage error (no --server-key) exits 2", rc == 2,
          desc(rc, out, err))


def test_c_manager(s1):
    print("# 3. C-made manager, C-signed certificate verified by Python")
    d = os.path.join(TMP, "cgm")
    rc, out, err = run(["grid-manager", "--config", d, "create"])
    check("create exits 0", rc == 0, desc(rc, out, err))
    if rc != 0:
        return
    rc, out, err = run(["grid-manager", "--config", d, "public-identity"])
    check("public-identity of C-made manager exits 0", rc == 0,
          desc(rc, out, err))
    gm_pub_text = out.strip()
    try:
        gm_pub = parse_pub(gm_pub_text)
        check("public-identity is a pub-v0- key", True)
    except ValueError as e:
        check("public-identity is a pub-v0- key", False, str(e))
        return
    text = read(os.path.join(d, "config.json"))
    cfg = check_config_format("C create", text)
    if cfg is not None:
        check("C create: no storage_servers yet",
              "storage_servers" not in cfg, repr(text))
        try:
            priv = parse_priv(cfg.get("private_key", ""))
            check("C create: private key derives the public identity",
                  pub_text(priv) == gm_pub_text,
                  "%s vs %s" % (pub_text(priv), gm_pub_text))
        except ValueError as e:
            check("C create: private key is priv-v0-", False, str(e))

    sp = pub_text(s1)
    rc, out, err = run(["grid-manager", "--config", d, "add", "srv", sp])
    check("add srv to C-made manager", rc == 0, desc(rc, out, err))
    cfg = check_config_format("C add", read(os.path.join(d, "config.json")))
    if cfg is not None:
        check("C add: storage_servers entry",
              cfg.get("storage_servers") == {"srv": {"public_key": sp}},
              repr(cfg))
    rc, out, err = run(["grid-manager", "--config", d, "sign", "srv"])
    check("sign srv with C-made manager", rc == 0, desc(rc, out, err))
    if rc == 0:
        check_c_cert("C manager sign srv", out, gm_pub, sp, 365)
        path = write(os.path.join(TMP, "c-signed-srv.cert"), out)
        verdict("C check accepts C-signed cert (C manager)", sp,
                [gm_pub_text], [path], 0)

    rc, out, err = run(["grid-manager", "--config", d, "create"])
    check("create over an existing manager fails", rc != 0,
          desc(rc, out, err))


def test_admin(gm, s1, s2):
    print("# 4. admin add-grid-manager-cert")
    sp = pub_text(s1)
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    future = now + datetime.timedelta(days=50)
    past = now - datetime.timedelta(days=1)
    valid = cert_file(gm, cert_string(sp, expires_text(future)))
    expired = cert_file(gm, cert_string(sp, expires_text(past)))
    other = cert_file(gm, cert_string(pub_text(s2), expires_text(future)))

    def nodedir(name):
        d = os.path.join(TMP, name)
        os.mkdir(d)
        write(os.path.join(d, "tahoe.cfg"), "[node]\nnickname = n\n")
        write(os.path.join(d, "node.pubkey"), sp + "\n")
        return d

    d = nodedir("node1")
    before = snapshot(d)
    p = write(os.path.join(TMP, "admin-expired.cert"), expired)
    rc, out, err = run(["-d", d, "admin", "add-grid-manager-cert",
                        "--filename", p, "--name", "gm1"])
    check("refuses expired certificate (exit 1)", rc == 1, desc(rc, out, err))
    check("expired: node directory unchanged", snapshot(d) == before)

    rc, out, err = run(["-d", d, "admin", "add-grid-manager-cert",
                        "--filename", "-", "--name", "gm1"],
                       stdin=other.encode())
    check("refuses certificate for another key (stdin, exit 1)", rc == 1,
          desc(rc, out, err))
    check("other key: node directory unchanged", snapshot(d) == before)

    p = write(os.path.join(TMP, "admin-other.cert"), other)
    rc, out, err = run(["-d", d, "admin", "add-grid-manager-cert",
                        "--filename", p, "--name", "gm1"])
    check("refuses certificate for another key (file, exit 1)", rc == 1,
          desc(rc, out, err))
    check("other key (file): node directory unchanged", snapshot(d) == before)

    p = write(os.path.join(TMP, "admin-valid.cert"), valid)
    rc, out, err = run(["-d", d, "admin", "add-grid-manager-cert",
                        "--filename", p, "--name", "gm1"])
    check("accepts valid certificate (file)", rc == 0, desc(rc, out, err))
    after = snapshot(d)
    check("valid: node directory changed", after != before)
    stored = json.loads(valid)
    found = False
    for k, v in after.items():
        if v is None or before.get(k) == v:
            continue
        try:
            if json.loads(v.decode()) == stored:
                found = True
        except ValueError:
            pass
    check("valid: the certificate is stored in the node directory", found,
          "changed files: %r" % sorted(k for k in after
                                       if after[k] != before.get(k)))

    d2 = nodedir("node2")
    rc, out, err = run(["-d", d2, "admin", "add-grid-manager-cert",
                        "--filename", "-", "--name", "gm1"],
                       stdin=valid.encode())
    check("accepts valid certificate (stdin)", rc == 0, desc(rc, out, err))


def test_stdin_config(gm, s1, s2):
    print("# 5. --config - (stdin/stdout)")
    servers = {"alice": pub_text(s1)}
    text = config_text(gm, servers)
    s3 = pub_text(new_key())
    rc, out, err = run(["grid-manager", "--config", "-", "add", "zed", s3],
                       stdin=text.encode())
    check("--config - add exits 0", rc == 0, desc(rc, out, err))
    try:
        cfg = json.loads(out)
    except ValueError as e:
        check("--config - add prints JSON", False, "%s: %r" % (e, out))
        return
    check("--config - add prints JSON", True)
    check("--config - add keeps private key",
          cfg.get("private_key") == priv_text(gm), repr(cfg))
    check("--config - add has both servers",
          cfg.get("storage_servers") == {"alice": {"public_key": servers["alice"]},
                                         "zed": {"public_key": s3}},
          repr(cfg))
    check("--config - add version 0",
          cfg.get("grid_manager_config_version") == 0, repr(cfg))
    check_config_format("--config - add output", out)

    rc, out, err = run(["grid-manager", "--config", "-", "public-identity"],
                       stdin=text.encode())
    check("--config - public-identity", rc == 0 and out.strip() == pub_text(gm),
          desc(rc, out, err))

    rc, out, err = run(["grid-manager", "--config", "-", "sign", "alice"],
                       stdin=text.encode())
    check("--config - sign exits 0", rc == 0, desc(rc, out, err))
    if rc == 0:
        problems, _, _ = py_verify(out, gm.public_key(), servers["alice"])
        check("--config - sign: Python verifies", not problems,
              "; ".join(problems))


def main():
    global TAHOE, TMP
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gm_interop.py TAHOE TMPDIR\n")
        return 2
    TAHOE, TMP = sys.argv[1], sys.argv[2]
    gm, s1, s2 = new_key(), new_key(), new_key()
    for t in (lambda: test_python_config(gm, s1, s2),
              lambda: test_python_certs(gm, s1, s2),
              lambda: test_c_manager(s1),
              lambda: test_admin(gm, s1, s2),
              lambda: test_stdin_config(gm, s1, s2)):
        try:
            t()
        except Exception as e:  # keep going; count as a failure
            import traceback
            traceback.print_exc()
            check("no exception", False, repr(e))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
