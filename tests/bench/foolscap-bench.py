#!/usr/bin/python3
"""foolscap-bench.py -- the work of rpc-bench, done with Foolscap.

Debian's python3-foolscap (run with /usr/bin/python3).  "serve" exports one
Referenceable with remote_add(a, b) and remote_echo(data) and writes its
FURL to a file (mode 0600; the FURL is never printed); "client" measures

  seq      one add(1, 2) at a time,
  window   K add calls in flight, each completion sending the next,
  bulk     sequential echo of SIZE random bytes, checked,
  connect  a fresh Tub (RSA key made before the clock starts), getReference,
           one add, answer; then the Tub is stopped,

after 200 untimed warm-up calls, and prints one JSON line shaped like
rpc-bench's.  The method follows the reference notes, section 4.
"""

import argparse
import json
import os
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

try:
    from twisted.internet import defer, reactor
    from foolscap.api import Referenceable, Tub
except ImportError as e:  # run-bench.sh checks this before using us
    sys.stderr.write("foolscap-bench: cannot import foolscap: %s\n" % e)
    sys.exit(77)

WARMUP_CALLS = 200


class Calc(Referenceable):
    def remote_add(self, a, b):
        if not isinstance(a, int) or not isinstance(b, int):
            raise ValueError("add takes two integers")
        return a + b

    def remote_echo(self, data):
        if not isinstance(data, bytes):
            raise ValueError("echo takes bytes")
        return data


def write_secret(path, text):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, path)


def cmd_serve(args):
    tub = Tub()
    tub.startService()
    listener = tub.listenOn("tcp:0:interface=127.0.0.1")
    # The TCP endpoint listens synchronously once the Tub is running.
    port = listener._lp.getHost().port
    tub.setLocation("tcp:127.0.0.1:%d" % port)
    furl = tub.registerReference(Calc())
    write_secret(args.furl_file, furl)
    print("serving FURL-file=%s port=%d" % (args.furl_file, port),
          flush=True)

    # The reactor's own handlers stop it on SIGTERM and SIGINT.
    reactor.addSystemEventTrigger("before", "shutdown", tub.stopService)
    reactor.run()
    return 0


class Failed(Exception):
    pass


def percentile(sorted_v, p):
    """Nearest-rank percentile, as rpc-bench computes it."""
    if not sorted_v:
        return 0.0
    k = int(p * len(sorted_v))
    if k < p * len(sorted_v):
        k += 1
    return sorted_v[max(k, 1) - 1]


def check_add(r):
    if r != 3:
        raise Failed("add(1, 2) returned %r" % (r,))


@defer.inlineCallbacks
def warm_up(rref):
    for _ in range(WARMUP_CALLS):
        check_add((yield rref.callRemote("add", 1, 2)))


@defer.inlineCallbacks
def run_seq(rref, seconds, lat):
    start = time.perf_counter()
    end = start
    while end - start < seconds:
        t0 = time.perf_counter()
        check_add((yield rref.callRemote("add", 1, 2)))
        end = time.perf_counter()
        lat.append((end - t0) * 1e6)
    return start, end


@defer.inlineCallbacks
def run_bulk(rref, seconds, size, lat):
    payload = os.urandom(size)
    start = time.perf_counter()
    end = start
    while end - start < seconds:
        t0 = time.perf_counter()
        r = yield rref.callRemote("echo", payload)
        end = time.perf_counter()
        if r != payload:
            raise Failed("echo returned different bytes")
        lat.append((end - t0) * 1e6)
    return start, end


def run_window(rref, seconds, window, lat):
    done = defer.Deferred()
    st = {"outstanding": 0, "end": 0.0, "failed": False}
    start = time.perf_counter()

    def send():
        st["outstanding"] += 1
        t0 = time.perf_counter()
        d = rref.callRemote("add", 1, 2)
        d.addCallbacks(answered, failed, callbackArgs=(t0,))

    def answered(r, t0):
        st["outstanding"] -= 1
        if st["failed"]:
            return
        if r != 3:
            return failed(Failed("add(1, 2) returned %r" % (r,)))
        t = time.perf_counter()
        lat.append((t - t0) * 1e6)
        st["end"] = t
        if t - start < seconds:
            send()
        elif st["outstanding"] == 0:
            done.callback((start, st["end"]))

    def failed(f):
        if not st["failed"]:
            st["failed"] = True
            done.errback(f)

    for _ in range(window):
        send()
    return done


@defer.inlineCallbacks
def run_connect(furl, seconds, lat):
    start = time.perf_counter()
    end = start
    while end - start < seconds:
        tub = Tub()  # RSA key generation: before the clock starts
        t0 = time.perf_counter()
        tub.startService()
        rref = yield tub.getReference(furl)
        check_add((yield rref.callRemote("add", 1, 2)))
        t1 = time.perf_counter()
        lat.append((t1 - t0) * 1e6)
        yield tub.stopService()
        end = time.perf_counter()
    return start, end


@defer.inlineCallbacks
def client_main(args, furl, out):
    tub = Tub()
    tub.startService()
    rref = yield tub.getReference(furl)
    yield warm_up(rref)
    lat = []
    if args.mode == "seq":
        start, end = yield run_seq(rref, args.seconds, lat)
    elif args.mode == "window":
        start, end = yield run_window(rref, args.seconds, args.window, lat)
    elif args.mode == "bulk":
        start, end = yield run_bulk(rref, args.seconds, args.size, lat)
    else:
        start, end = yield run_connect(furl, args.seconds, lat)
    yield tub.stopService()
    secs = end - start
    lat.sort()
    res = {"mode": args.mode, "ops": len(lat), "seconds": round(secs, 3),
           "ops_per_s": round(len(lat) / secs, 1) if secs > 0 else 0}
    if args.mode == "bulk":
        res["mb_per_s"] = round(len(lat) * args.size / 1e6 / secs, 2)
    res["p50_us"] = round(percentile(lat, 0.50), 1)
    res["p99_us"] = round(percentile(lat, 0.99), 1)
    if args.mode == "window":
        res["window"] = args.window
    if args.mode == "bulk":
        res["size"] = args.size
    out.append(res)


def cmd_client(args):
    if (args.furl is None) == (args.furl_file is None):
        usage_error("give exactly one of --furl and --furl-file")
    if args.furl is not None:
        furl = args.furl
    else:
        try:
            with open(args.furl_file) as f:
                furl = f.read().strip()
        except OSError as e:
            sys.stderr.write("foolscap-bench: %s\n" % e)
            return 1
    out = []
    errors = []

    def finished(_):
        reactor.stop()

    def failed(f):
        errors.append(f.getErrorMessage() or f.type.__name__)
        reactor.stop()

    d = defer.maybeDeferred(client_main, args, furl, out)
    d.addCallbacks(finished, failed)
    reactor.run()
    if errors or not out:
        sys.stderr.write("foolscap-bench: %s\n" %
                         (errors[0] if errors else "no result"))
        return 1
    print(json.dumps(out[0], separators=(",", ":")), flush=True)
    return 0


class Parser(argparse.ArgumentParser):
    def error(self, message):
        usage_error(message)


def usage_error(message):
    sys.stderr.write("foolscap-bench: %s\n" % message)
    sys.stderr.write(
        "usage: foolscap-bench.py serve --furl-file PATH\n"
        "       foolscap-bench.py client (--furl FURL | --furl-file PATH)"
        " --mode seq|window|bulk|connect [--seconds S] [--window K]"
        " [--size B]\n")
    sys.exit(2)


def positive_float(s):
    v = float(s)
    if not 0 < v <= 3600:
        raise argparse.ArgumentTypeError("expected a number in (0, 3600]")
    return v


def positive_int(s):
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError("expected a positive integer")
    return v


def main():
    p = Parser(prog="foolscap-bench.py", add_help=False)
    sub = p.add_subparsers(dest="cmd", parser_class=Parser)
    s = sub.add_parser("serve", add_help=False)
    s.add_argument("--furl-file", required=True)
    c = sub.add_parser("client", add_help=False)
    c.add_argument("--furl")
    c.add_argument("--furl-file")
    c.add_argument("--mode", required=True,
                   choices=["seq", "window", "bulk", "connect"])
    c.add_argument("--seconds", type=positive_float, default=3.0)
    c.add_argument("--window", type=positive_int, default=64)
    c.add_argument("--size", type=positive_int, default=1048576)
    args = p.parse_args()
    if args.cmd == "serve":
        return cmd_serve(args)
    if args.cmd == "client":
        return cmd_client(args)
    usage_error("missing command")


if __name__ == "__main__":
    sys.exit(main())
