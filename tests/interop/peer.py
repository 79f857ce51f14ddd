#!/usr/bin/python3
"""An independent Python implementation of the tub/1 wire protocol.

Written from doc/protocol.md alone (no code shared with, or read from, the C
implementation in rpc/), with PyNaCl for the crypto and msgpack for the
messages.  It serves, or calls, the "calc" object that tests/interop uses to
check that the document is enough to interoperate:

    peer.py serve --furl-file PATH    listen on 127.0.0.1, write calc's FURL
    peer.py client --furl-file PATH   call the calc named in PATH, print checks

Implemented: identity and FURLs (§1, §2), HELLO/AUTH handshake (§3), frames
(§4), all messages (§5) with my-ref / your-ref, export counts and DECREF,
PING/PONG, the duplicate-connection rule (§3.4) and the limits of §8 that
matter for a peer.  Gifts (their-ref) are acknowledged with DECGIFT and then
refused with ERROR "gift-failed"; there is no reconnector (§9).
"""
import argparse
import asyncio
import base64
import gc
import hmac
import inspect
import os
import re
import signal
import struct
import sys
import weakref

import msgpack
from nacl import bindings as nb
from nacl import exceptions as nacl_exc

CALL, ANSWER, ERROR, LOOKUP, DECREF, DECGIFT, PING, PONG, ABORT = \
    1, 2, 3, 4, 5, 6, 8, 9, 10
MY_REF, YOUR_REF, THEIR_REF = 1, 2, 3
PRE_AUTH_LIMIT = 256            # plaintext bytes per frame before AUTH
FRAME_LIMIT = 4 << 20           # plaintext bytes per frame
MAX_DEPTH, MAX_ELEMENTS, MAX_EXTS = 16, 65536, 256
MAX_EXPORTS, MAX_IMPORTS = 10000, 10000
HANDSHAKE_DEADLINE = 30.0
STEP = 10.0                     # client: seconds per check
U32 = 2 ** 32 - 1


# ---------------------------------------------------------------- helpers

def blake2b(data, size=32, key=b""):
    return nb.crypto_generichash_blake2b_salt_personal(data, digest_size=size,
                                                       key=key)


def b32(data):
    return base64.b32encode(data).decode("ascii").lower().rstrip("=")


def tubid_raw_of(public_key):
    return blake2b(b"tub/1 tubid" + public_key)


def decode_tubid(text):
    """52 lower-case base32 characters -> 32 bytes, or ValueError."""
    if not re.fullmatch(r"[a-z2-7]{52}", text):
        raise ValueError("bad tubid")
    raw = base64.b32decode(text.upper() + "====")
    if b32(raw) != text:                  # unused bits must be zero
        raise ValueError("bad tubid")
    return raw


def sign(secret_key, message):
    return nb.crypto_sign(message, secret_key)[:64]


def verify(public_key, signature, message):
    try:
        nb.crypto_sign_open(signature + message, public_key)
        return True
    except nacl_exc.BadSignatureError:
        return False


class FrameError(Exception):
    """The connection must be closed (no ABORT: frames are unusable)."""


class ProtocolError(Exception):
    """The peer broke the protocol: ABORT naming the reason, then close."""


class RemoteError(Exception):
    """A call failed with ERROR [3, qid, type, message]."""

    def __init__(self, type_, message):
        super().__init__("%s: %s" % (type_, message))
        self.type, self.message = type_, message


class Disconnected(Exception):
    pass


# ------------------------------------------------------------------ FURLs

DNS_LABEL = re.compile(r"[A-Za-z0-9-]{1,63}")
IPV4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")


def _parse_hint(hint):
    legacy = not hint.startswith("tcp:")
    rest = hint if legacy else hint[4:]
    if rest.startswith("[") and not legacy:
        host, sep, port = rest[1:].partition("]:")
        if not sep or not re.fullmatch(r"[0-9A-Fa-f:.]+", host) \
                or ":" not in host:
            raise ValueError("bad IPv6 hint")
    else:
        host, sep, port = rest.rpartition(":")
        if not sep or ":" in host:
            raise ValueError("unsupported hint")
        m = IPV4.fullmatch(host)
        if m and any(int(x) > 255 for x in m.groups()):
            raise ValueError("bad IPv4 address")
        if not m and (len(host) > 253 or not all(
                DNS_LABEL.fullmatch(label) for label in host.split("."))):
            raise ValueError("bad host name")
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
        raise ValueError("bad port")
    return host, int(port)


def parse_furl(furl):
    """-> (tubid_raw, [(host, port), ...], swissnum), or ValueError."""
    if len(furl.encode()) > 2048:
        raise ValueError("FURL too long")
    m = re.fullmatch(r"pb://([^@/]*)@([^/]*)/(.*)", furl, re.S)
    if not m:
        raise ValueError("not a FURL")
    tubid_raw = decode_tubid(m.group(1))
    hints = m.group(2).split(",") if m.group(2) else []
    if len(hints) > 16 or any(h == "" for h in hints):
        raise ValueError("bad hint list")
    swiss = m.group(3)
    if not 1 <= len(swiss) <= 256 or any(
            not 0x21 <= ord(c) <= 0x7e or c in "/?&#%" for c in swiss):
        raise ValueError("bad swissnum")
    return tubid_raw, [_parse_hint(h) for h in hints], swiss


def make_furl(tubid, hints, swiss):
    def hint(host, port):
        return "tcp:%s:%d" % ("[%s]" % host if ":" in host else host, port)
    return "pb://%s@%s/%s" % (tubid, ",".join(hint(*h) for h in hints), swiss)


# ------------------------------------------------------------- references

class Referenceable:
    """A local object that peers may call.  Subclasses list their methods
    in `schemas` (name -> tuple of argument kinds: "int", "ref", "any") and
    implement them as remote_NAME (plain or async)."""
    schemas = {}
    _exports = 0            # connections exporting this object
    _released = False

    def _export_change(self, delta):
        self._exports += delta
        if self._exports == 0 and not self._released:
            self._released = True
            self.released()

    def released(self):
        """Called once, when no connection exports the object any more."""

    async def dispatch(self, method, args):
        schema = self.schemas.get(method)
        if schema is None:
            raise RemoteError("no-such-method", "%s has no method %s"
                              % (type(self).__name__, method))
        if len(args) != len(schema):
            raise RemoteError("violation", "%s: takes %d arguments, got %d"
                              % (method, len(schema), len(args)))
        for i, (kind, arg) in enumerate(zip(schema, args), 1):
            if kind == "int" and type(arg) is not int or \
                    kind == "ref" and not isinstance(
                        arg, (Referenceable, RemoteRef, Gift)):
                raise RemoteError("violation", "%s: %s expected (argument %d)"
                                  % (method, kind, i))
        result = getattr(self, "remote_" + method)(*args)
        if inspect.isawaitable(result):
            result = await result
        return result


class RemoteRef:
    """An object that the peer at the other end of `conn` exports as `id`."""

    def __init__(self, conn, id_, furl=None):
        self.conn, self.id, self.furl = conn, id_, furl

    async def call(self, method, *args):
        return await self.conn.call(self.id, method, list(args))

    def __repr__(self):
        return "<RemoteRef %d>" % self.id


class Gift:
    """A their-ref that arrived; never redeemed here."""

    def __init__(self, gift_id, furl):
        self.gift_id, self.furl = gift_id, furl


class RawRef:
    """An ext value straight from msgpack, resolved once the message is
    known to be well formed."""

    def __init__(self, code, data):
        self.code, self.data = code, data


async def call_ref(ref, method, *args):
    if isinstance(ref, Referenceable):
        return await ref.dispatch(method, list(args))
    return await ref.call(method, *args)


# ------------------------------------------------------------ the frames

class Codec:
    """ChaCha20-Poly1305 frames, one key and one counter per direction."""

    def __init__(self, send_key, recv_key):
        self.send_key, self.recv_key = send_key, recv_key
        self.tx = self.rx = 0

    @staticmethod
    def nonce(counter):
        return b"\0\0\0\0" + struct.pack(">Q", counter)

    def seal(self, plaintext):
        hdr = struct.pack(">I", len(plaintext) + 16)
        ct = nb.crypto_aead_chacha20poly1305_ietf_encrypt(
            plaintext, hdr, self.nonce(self.tx), self.send_key)
        self.tx += 1
        return hdr + ct

    async def read(self, reader, limit):
        hdr = await reader.readexactly(4)
        length = struct.unpack(">I", hdr)[0]
        if length < 16 or length - 16 > limit:
            raise FrameError("bad frame length %d" % length)
        ct = await reader.readexactly(length)
        try:
            pt = nb.crypto_aead_chacha20poly1305_ietf_decrypt(
                ct, hdr, self.nonce(self.rx), self.recv_key)
        except nacl_exc.CryptoError:
            raise FrameError("frame failed its tag") from None
        self.rx += 1
        return pt


def check_limits(msg):
    """The §8 walk: depth, element and ext counts; no floats or odd types."""
    elements = exts = 0
    stack = [(msg, 1)]
    while stack:
        value, depth = stack.pop()
        elements += 1
        if elements > MAX_ELEMENTS:
            raise ProtocolError("too many elements")
        if isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                raise ProtocolError("nesting too deep")
            items = value if isinstance(value, list) else \
                [x for kv in value.items() for x in kv]
            stack.extend((x, depth + 1) for x in items)
        elif isinstance(value, RawRef):
            exts += 1
            if exts > MAX_EXTS:
                raise ProtocolError("too many ext values")
        elif not (value is None or isinstance(value, (bool, int, str, bytes))):
            raise ProtocolError("refused msgpack type %s"
                                % type(value).__name__)


# ------------------------------------------------------------ connection

class Connection:
    def __init__(self, tub, reader, writer, codec, peer_pk, peer_inc,
                 dialled):
        self.tub, self.reader, self.writer, self.codec = \
            tub, reader, writer, codec
        self.peer_tubid_raw = tubid_raw_of(peer_pk)
        self.peer_inc, self.dialled = peer_inc, dialled
        self.loop = asyncio.get_running_loop()
        self.closed = False
        self.exports = {}           # id -> [object, count]
        self.export_ids = {}        # id(object) -> export id
        self.next_export = 1
        self.imports = {}           # id -> [weakref to RemoteRef, receipts]
        self.decref_pending = {}    # id -> receipts, sent at end of pass
        self.flush_scheduled = False
        self.pending = {}           # qid -> future (None: caller gave up)
        self.next_qid = 1
        self.tasks = set()          # calls being handled

    # -- sending
    def _send(self, msg, sends=()):
        """Seal and write one message; then count the exports in it."""
        if self.closed:
            raise Disconnected("connection closed")
        if msg[0] != DECREF:
            self._flush_decrefs()        # DECREFs go before later messages
        self.writer.write(self.codec.seal(msgpack.packb(msg,
                                                        use_bin_type=True)))
        for eid, obj in sends:           # counts change once really sent
            entry = self.exports.get(eid)
            if entry is None:
                entry = self.exports[eid] = [obj, 0]
                self.export_ids[id(obj)] = eid
                obj._export_change(+1)
            entry[1] += 1

    def _send_error(self, qid, type_, message):
        type_ = type_.encode()[:128].decode("utf-8", "ignore")
        message = message.encode()[:4096].decode("utf-8", "ignore")
        self._send([ERROR, qid, type_, message])

    def _flush_decrefs(self):
        self.flush_scheduled = False
        pending, self.decref_pending = self.decref_pending, {}
        pairs = [[eid, n] for eid, n in pending.items()]
        for i in range(0, len(pairs), 4096):
            if not self.closed:
                self._send([DECREF, pairs[i:i + 4096]])

    def _dropped(self, eid, wref):
        """weakref.finalize callback: the last local RemoteRef for eid died."""
        entry = self.imports.get(eid)
        if entry is None or entry[0] is not wref:
            return
        del self.imports[eid]
        if self.closed:
            return
        self.decref_pending[eid] = self.decref_pending.get(eid, 0) + entry[1]
        if not self.flush_scheduled:
            self.flush_scheduled = True
            try:
                self.loop.call_soon(self._flush_decrefs)
            except RuntimeError:         # loop already closed at exit
                pass

    def _new_export_id(self, taken):
        while self.next_export in self.exports or self.next_export in taken:
            self.next_export = self.next_export % U32 + 1
        eid = self.next_export
        self.next_export = self.next_export % U32 + 1
        return eid

    def encode(self, value, with_furl=True):
        """Replace references by ext values.  Returns (value, sends): the
        exports to count once the message has been packed and sent."""
        sends, new = [], {}

        def conv(v):
            if isinstance(v, Referenceable):
                eid = self.export_ids.get(id(v)) or new.get(id(v))
                if eid is None:
                    if len(self.exports) + len(new) >= MAX_EXPORTS:
                        raise RemoteError("overloaded", "too many exports")
                    eid = new[id(v)] = self._new_export_id(new.values())
                sends.append((eid, v))
                data = struct.pack(">I", eid)
                if with_furl:
                    data += self.tub.furl_for(v).encode("ascii")
                return msgpack.ExtType(MY_REF, data)
            if isinstance(v, RemoteRef):
                if v.conn is not self:
                    raise RemoteError("violation", "cannot pass a reference "
                                      "to a third tub (gifts unsupported)")
                return msgpack.ExtType(YOUR_REF, struct.pack(">I", v.id))
            if isinstance(v, (list, tuple)):
                return [conv(x) for x in v]
            if isinstance(v, dict):
                return {conv(k): conv(x) for k, x in v.items()}
            if v is None or isinstance(v, (bool, str, bytes)) or \
                    isinstance(v, int) and -2 ** 63 <= v < 2 ** 64:
                return v
            raise RemoteError("violation", "cannot send %s" % (
                "this integer" if isinstance(v, int) else type(v).__name__))
        return conv(value), sends

    # -- calling
    async def _ask(self, build):
        qid = self.next_qid
        while qid in self.pending:
            qid = qid % U32 + 1
        self.next_qid = qid % U32 + 1
        msg, sends = build(qid)
        fut = self.loop.create_future()
        self.pending[qid] = fut
        try:
            self._send(msg, sends)
            return await fut
        finally:
            if fut.done():
                self.pending.pop(qid, None)
            elif qid in self.pending:
                self.pending[qid] = None     # a late answer is ignored

    async def call(self, target, method, args):
        def build(qid):
            value, sends = self.encode(args)
            return [CALL, qid, target, method, value], sends
        return await self._ask(build)

    async def lookup(self, swissnum):
        ref = await self._ask(lambda qid: ([LOOKUP, qid, swissnum], ()))
        if not isinstance(ref, RemoteRef):
            raise ProtocolError("LOOKUP answered by something else")
        return ref

    # -- receiving
    async def run(self):
        """Read messages until the connection ends."""
        try:
            while not self.closed:
                self._handle(await self.codec.read(self.reader, FRAME_LIMIT))
        except ProtocolError as e:
            self.abort(str(e))
        except FrameError as e:
            self.close(str(e))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            self.close("connection lost")
        finally:
            self.close("connection lost")

    def _unpack(self, pt):
        try:
            msg = msgpack.unpackb(
                pt, raw=False, strict_map_key=False, use_list=True,
                ext_hook=RawRef, timestamp=0,
                max_str_len=len(pt), max_bin_len=len(pt),
                max_array_len=len(pt), max_map_len=len(pt) // 2,
                max_ext_len=len(pt))
        except Exception as e:
            raise ProtocolError("bad msgpack (%s)" % type(e).__name__)
        check_limits(msg)
        return msg

    def _resolve(self, value, gifts):
        if isinstance(value, RawRef):
            return self._ref_in(value, gifts)
        if isinstance(value, list):
            return [self._resolve(x, gifts) for x in value]
        if isinstance(value, dict):
            return {self._resolve(k, gifts): self._resolve(x, gifts)
                    for k, x in value.items()}
        return value

    def _ref_in(self, raw, gifts):
        code, data = raw.code, raw.data
        if code not in (MY_REF, YOUR_REF, THEIR_REF) or len(data) < 4:
            raise ProtocolError("refused ext type %d" % code)
        eid = struct.unpack(">I", data[:4])[0]
        furl = None
        if len(data) > 4:
            try:
                furl = data[4:].decode("ascii")
                furl_tubid = parse_furl(furl)[0]
            except ValueError:
                raise ProtocolError("bad FURL in reference") from None
        if code == YOUR_REF:
            if len(data) != 4 or eid not in self.exports:
                raise ProtocolError("your-ref to id %d not exported" % eid)
            return self.exports[eid][0]
        if eid == 0:
            raise ProtocolError("reference id 0")
        if code == THEIR_REF:
            if furl is None:
                raise ProtocolError("their-ref without FURL")
            gifts.append(eid)
            return Gift(eid, furl)
        if furl is not None and furl_tubid != self.peer_tubid_raw:
            raise ProtocolError("my-ref FURL names another tub")
        entry = self.imports.get(eid)
        if entry is not None:
            entry[1] += 1
            ref = entry[0]()
            ref.furl = ref.furl or furl
            return ref
        if len(self.imports) >= MAX_IMPORTS:
            raise ProtocolError("too many imports")
        ref = RemoteRef(self, eid, furl)
        wref = weakref.ref(ref)
        self.imports[eid] = [wref, 1]
        weakref.finalize(ref, self._dropped, eid, wref).atexit = False
        return ref

    def _handle(self, pt):
        msg = self._unpack(pt)
        if not isinstance(msg, list) or not msg or type(msg[0]) is not int:
            raise ProtocolError("message is not an array with a type")
        kind, n = msg[0], len(msg)

        def qid_ok(q, zero=False):
            return type(q) is int and (0 if zero else 1) <= q <= U32

        if kind == CALL and n == 5 and qid_ok(msg[1], True) and \
                qid_ok(msg[2], True) and isinstance(msg[3], str) and \
                1 <= len(msg[3].encode()) <= 64 and \
                isinstance(msg[4], list) and len(msg[4]) <= 256:
            gifts = []
            args = self._resolve(msg[4], gifts)
            self._on_call(msg[1], msg[2], msg[3], args, gifts)
        elif kind in (ANSWER, ERROR) and n == (3 if kind == ANSWER else 4) \
                and qid_ok(msg[1]):
            if msg[1] not in self.pending:
                raise ProtocolError("answer to unknown qid %d" % msg[1])
            if kind == ERROR and not (
                    isinstance(msg[2], str) and len(msg[2].encode()) <= 128
                    and isinstance(msg[3], str)
                    and len(msg[3].encode()) <= 4096):
                raise ProtocolError("malformed ERROR")
            fut = self.pending.pop(msg[1])
            gifts = []
            value = self._resolve(msg[2], gifts) if kind == ANSWER else None
            for gift_id in gifts:
                self._send([DECGIFT, gift_id, 1])
            if fut is None or fut.done():
                return
            if kind == ERROR:
                fut.set_exception(RemoteError(msg[2], msg[3]))
            elif gifts:
                fut.set_exception(RemoteError("gift-failed",
                                              "gifts are not accepted"))
            else:
                fut.set_result(value)
        elif kind == LOOKUP and n == 3 and qid_ok(msg[1]) and \
                isinstance(msg[2], str):
            obj = self.tub.lookup_local(msg[2])
            if obj is None:
                self._send_error(msg[1], "not-found", "no object named "
                                 "%s..." % msg[2][:2])
            else:
                try:
                    value, sends = self.encode(obj, with_furl=False)
                    self._send([ANSWER, msg[1], value], sends)
                except RemoteError as e:
                    self._send_error(msg[1], e.type, e.message)
        elif kind == DECREF and n == 2 and isinstance(msg[1], list) and \
                1 <= len(msg[1]) <= 4096:
            for pair in msg[1]:
                if not (isinstance(pair, list) and len(pair) == 2 and
                        type(pair[0]) is int and type(pair[1]) is int):
                    raise ProtocolError("malformed DECREF")
                entry = self.exports.get(pair[0])
                if entry is None or not 1 <= pair[1] <= entry[1]:
                    raise ProtocolError("bad DECREF of id %d" % pair[0])
                entry[1] -= pair[1]
                if entry[1] == 0:
                    self._unexport(pair[0])
        elif kind == DECGIFT and n == 3:
            raise ProtocolError("DECGIFT of a gift never given")
        elif kind in (PING, PONG) and n == 2 and type(msg[1]) is int and \
                0 <= msg[1] < 2 ** 64:
            if kind == PING:
                self._send([PONG, msg[1]])
        elif kind == ABORT and n == 2 and isinstance(msg[1], str):
            self.close("peer aborted: %s" % msg[1])
        else:
            raise ProtocolError("malformed message of type %d" % kind)

    def _unexport(self, eid):
        obj = self.exports.pop(eid)[0]
        del self.export_ids[id(obj)]
        obj._export_change(-1)

    def _on_call(self, qid, target, method, args, gifts):
        for gift_id in gifts:
            self._send([DECGIFT, gift_id, 1])
        if gifts:
            if qid:
                self._send_error(qid, "gift-failed", "gifts are not accepted")
            return
        entry = self.exports.get(target)
        if entry is None:
            if qid:
                self._send_error(qid, "no-such-object",
                                 "no object with id %d" % target)
            return
        task = self.loop.create_task(self._run_call(qid, entry[0], method,
                                                    args))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run_call(self, qid, obj, method, args):
        err = None
        try:
            result = await obj.dispatch(method, args)
        except RemoteError as e:
            err = (e.type, e.message)
        except Disconnected:
            return
        except Exception as e:
            err = ("exception", "%s failed: %s" % (method, type(e).__name__))
        finally:
            del args                     # let imported references go
        if qid == 0 or self.closed:
            return
        if err is None:
            try:
                value, sends = self.encode(result)
                self._send([ANSWER, qid, value], sends)
                return
            except RemoteError as e:
                err = (e.type, "%s: result: %s" % (method, e.message))
        self._send_error(qid, *err)

    # -- closing
    def abort(self, reason):
        log("ABORT: %s" % reason)
        if not self.closed:
            try:
                self._send([ABORT, reason.encode()[:256].decode(
                    "utf-8", "ignore")])
            except Exception:
                pass
        self.close(reason)

    def close(self, why="closed"):
        if self.closed:
            return
        self.closed = True
        self.writer.close()
        self.tub.forget(self)
        for fut in self.pending.values():
            if fut is not None and not fut.done():
                fut.set_exception(Disconnected(why))
        self.pending.clear()
        for eid in list(self.exports):
            self._unexport(eid)
        self.imports.clear()


# -------------------------------------------------------------------- tub

class Tub:
    def __init__(self):
        self.pk, self.sk = nb.crypto_sign_keypair()
        self.tubid_raw = tubid_raw_of(self.pk)
        self.tubid = b32(self.tubid_raw)
        self.incarnation = os.urandom(16)
        self.hints = []
        self.names = {}                              # swissnum -> object
        self.minted = weakref.WeakKeyDictionary()    # object -> swissnum
        self.by_swiss = weakref.WeakValueDictionary()
        self.conns = {}                              # peer tubid_raw -> conn

    def register(self, obj):
        swiss = b32(os.urandom(20))
        self.names[swiss] = obj
        self.minted[obj] = swiss
        return make_furl(self.tubid, self.hints, swiss)

    def furl_for(self, obj):
        swiss = self.minted.get(obj)
        if swiss is None:
            swiss = self.minted[obj] = b32(os.urandom(20))
            self.by_swiss[swiss] = obj
        return make_furl(self.tubid, self.hints, swiss)

    def lookup_local(self, swiss):
        found, key = None, swiss.encode()
        for table in (self.names, self.by_swiss):
            for name, obj in list(table.items()):
                if hmac.compare_digest(name.encode(), key) and found is None:
                    found = obj
        return found

    def forget(self, conn):
        if self.conns.get(conn.peer_tubid_raw) is conn:
            del self.conns[conn.peer_tubid_raw]

    def _opened(self, new):
        """§3.4: keep one connection per peer tub."""
        old = self.conns.get(new.peer_tubid_raw)
        keep_new = True
        if old is not None and not old.closed:
            if old.peer_inc == new.peer_inc and old.dialled != new.dialled:
                by_me = self.tubid_raw > new.peer_tubid_raw
                keep_new = new.dialled == by_me
            loser = old if keep_new else new
            loser.abort("duplicate connection")
        if keep_new:
            self.conns[new.peer_tubid_raw] = new
        return keep_new

    async def _handshake(self, reader, writer, target=None):
        """HELLO, keys and AUTH.  target is the tubid_raw we dial (client)
        or None (we were dialled).  Returns an open Connection."""
        client = target is not None
        esk = os.urandom(32)
        epk = nb.crypto_scalarmult_base(esk)
        writer.write(b"TUB1\x01" + epk)
        if await reader.readexactly(4) != b"TUB1":
            raise FrameError("peer is not a tub/1 peer")
        hello = await reader.readexactly(33)
        if hello[0] != 1:
            raise FrameError("unsupported protocol version %d" % hello[0])
        peer_epk = hello[1:]
        try:
            shared = nb.crypto_scalarmult(esk, peer_epk)
        except Exception:
            shared = bytes(32)
        if shared == bytes(32):
            raise FrameError("peer ephemeral key of small order")
        e_c, e_s = (epk, peer_epk) if client else (peer_epk, epk)
        h = blake2b(b"tub/1 transcript" + e_c + e_s)
        okm = blake2b(b"tub/1 keys" + e_c + e_s, 64, key=shared)
        codec = Codec(okm[:32], okm[32:]) if client else \
            Codec(okm[32:], okm[:32])
        mine = self.pk + self.incarnation
        if client:
            writer.write(codec.seal(mine + sign(
                self.sk, b"tub/1 client auth" + h + target)))
        auth = await codec.read(reader, PRE_AUTH_LIMIT)
        if len(auth) != 112:
            raise FrameError("AUTH of %d bytes" % len(auth))
        peer_pk, peer_inc, sig = auth[:32], auth[32:48], auth[48:]
        if client:
            if not verify(peer_pk, sig, b"tub/1 server auth" + h):
                raise FrameError("bad server signature")
            if tubid_raw_of(peer_pk) != target:
                raise FrameError("tubid mismatch")
        else:
            good = verify(peer_pk, sig, b"tub/1 client auth" + h +
                          self.tubid_raw)
            writer.write(codec.seal(mine + sign(self.sk,
                                                b"tub/1 server auth" + h)))
            if not good:
                await writer.drain()
                raise FrameError("bad client signature")
        return Connection(self, reader, writer, codec, peer_pk, peer_inc,
                          dialled=client)

    async def listen(self, host="127.0.0.1"):
        server = await asyncio.start_server(self._accept, host, 0)
        self.hints = [(host, server.sockets[0].getsockname()[1])]
        return server

    async def _accept(self, reader, writer):
        try:
            conn = await asyncio.wait_for(self._handshake(reader, writer),
                                          HANDSHAKE_DEADLINE)
        except (Exception, asyncio.TimeoutError) as e:
            log("handshake failed: %s" % (e or type(e).__name__))
            writer.close()
            return
        if self._opened(conn):
            await conn.run()

    async def connect(self, furl):
        """FURL -> reference (RemoteRef, or our own object)."""
        tubid_raw, hints, swiss = parse_furl(furl)
        if tubid_raw == self.tubid_raw:
            return self.lookup_local(swiss)
        conn = self.conns.get(tubid_raw)
        if conn is None or conn.closed:
            if not hints:
                raise ConnectionError("FURL has no hints to dial")
            error = None
            for host, port in hints:
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                    break
                except OSError as e:
                    error = e
            else:
                raise error
            try:
                conn = await asyncio.wait_for(
                    self._handshake(reader, writer, tubid_raw),
                    HANDSHAKE_DEADLINE)
            except BaseException:
                writer.close()
                raise
            self._opened(conn)
            asyncio.get_running_loop().create_task(conn.run())
        return await conn.lookup(swiss)


# ----------------------------------------------------------- calc objects

class Counter(Referenceable):
    schemas = {"incr": ()}

    def __init__(self, calc):
        self.calc, self.n = calc, 0

    def remote_incr(self):
        self.n += 1
        return self.n

    def released(self):                  # the importer's DECREF got here
        self.calc.live -= 1


class Calc(Referenceable):
    """The object both sides of tests/interop serve."""
    schemas = {"add": ("int", "int"), "echo": ("any",),
               "callback": ("ref", "int"), "make": (),
               "give_back": ("ref",), "is_mine": ("ref",),
               "live_counters": (), "fail": ()}
    live = 0                             # counters made and not released

    def remote_add(self, a, b): return a + b
    def remote_echo(self, x): return x
    def remote_give_back(self, r): return r
    def remote_is_mine(self, r): return isinstance(r, Referenceable)
    def remote_live_counters(self): return self.live

    async def remote_callback(self, r, a):
        return await call_ref(r, "add", a, 1)

    def remote_make(self):
        self.live += 1
        return Counter(self)

    def remote_fail(self):
        raise RemoteError("test.Failure", "failure on request")


def log(text):
    print("peer.py: %s" % text, file=sys.stderr, flush=True)


# --------------------------------------------------------------- commands

async def serve(furl_file):
    tub = Tub()
    server = await tub.listen()
    furl = tub.register(Calc())
    tmp = "%s.tmp%d" % (furl_file, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(furl + "\n")
    os.rename(tmp, furl_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    for conn in list(tub.conns.values()):
        conn.close("shutting down")
    return 0


async def run_client(furl_file):
    failed = 0

    def report(what, ok, detail=""):
        nonlocal failed
        print("ok: %s" % what if ok else "FAIL: %s (%s)" % (what, detail),
              flush=True)
        failed += not ok

    async def step(what, coro, want=None, error=None):
        """Run one call; check its value (want: predicate) or its error
        type.  Returns the value, or None after a failure."""
        try:
            value = await asyncio.wait_for(coro, STEP)
        except RemoteError as e:
            report(what, e.type == error, "error %s: %s" % (e.type,
                                                            e.message))
            return None
        except asyncio.TimeoutError:
            report(what, False, "timed out")
            return None
        except Exception as e:
            report(what, False, "%s: %s" % (type(e).__name__, e))
            return None
        if error is not None:
            report(what, False, "returned %r, expected error %s"
                   % (value, error))
            return None
        report(what, want(value), "got %r" % (value,))
        return value

    async def connect():
        with open(furl_file) as f:
            return await Tub().connect(f.read().strip())
    calc = await step("connect+lookup", connect(),
                      lambda v: isinstance(v, RemoteRef))
    if calc is None:
        print("1 failed")
        return 1
    mine = Calc()
    await step("add(2,3)==5", calc.call("add", 2, 3),
               lambda v: type(v) is int and v == 5)
    await step("add(-7,2)==-5", calc.call("add", -7, 2),
               lambda v: type(v) is int and v == -5)
    await step("echo(bin) returns bin", calc.call("echo", b"\x00\xff"),
               lambda v: type(v) is bytes and v == b"\x00\xff")
    await step("echo(str) returns str", calc.call("echo", "h\u00e9llo"),
               lambda v: type(v) is str and v == "h\u00e9llo")
    await step("callback(my calc, 41)==42", calc.call("callback", mine, 41),
               lambda v: type(v) is int and v == 42)
    counter = await step("make() returns a reference", calc.call("make"),
                         lambda v: isinstance(v, RemoteRef))
    if counter is not None:
        await step("counter.incr()==1", counter.call("incr"),
                   lambda v: v == 1)
        await step("counter.incr()==2", counter.call("incr"),
                   lambda v: v == 2)
        await step("is_mine(counter)==true", calc.call("is_mine", counter),
                   lambda v: v is True)
    await step("give_back(my object) is my object",
               calc.call("give_back", mine), lambda v: v is mine)
    await step("fail() gives test.Failure", calc.call("fail"),
               error="test.Failure")
    await step("nonesuch() gives no-such-method", calc.call("nonesuch"),
               error="no-such-method")
    await step("add(\"x\",1) gives violation", calc.call("add", "x", 1),
               error="violation")
    n = await step("live_counters()", calc.call("live_counters"),
                   lambda v: type(v) is int and v >= 1)
    if n is not None and counter is not None:
        cid = counter.id
        del counter                      # our last reference: DECREF
        gc.collect()
        if cid in calc.conn.imports:
            report("DECREF of the counter", False, "reference still held")
        await step("live_counters() after DECREF == n-1",
                   calc.call("live_counters"), lambda v: v == n - 1)
    else:
        report("live_counters() after DECREF == n-1", False, "skipped")
    calc.conn.close("done")
    print("%d failed" % failed)
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("serve", "client"))
    parser.add_argument("--furl-file", required=True)
    opts = parser.parse_args()
    run = serve if opts.mode == "serve" else run_client
    return asyncio.run(run(opts.furl_file))


if __name__ == "__main__":
    sys.exit(main())
