"""A raw-socket RFC 6455 client for rollcall's WebSocket tests, and a live-feed helper.

- `build_frame` encodes any frame, valid or not (RSV bits, unmasked, reserved
  opcodes, lying lengths), so protocol tests can send exactly the bytes they mean.
- `RawWs`: one TCP connection; `RawWs.connect` performs the opening handshake
  and raises `HandshakeRefused` (carrying the HTTP answer) when the server does
  not switch protocols. Frames are read one at a time with bounded timeouts;
  `expect_close` reads up to the server's Close frame and then its EOF.
- `LiveSocket`: a subscriber of `/ws/attendance/{class_id}`: the
  `connection_established` frame, then events as JSON, answering the server's
  pings; `barrier()` sends `{"type":"ping"}` and returns every event that arrives
  before the `pong`, which is how a test knows nothing more is on its way.
- `student_view`: the frame a student must receive for an event a teacher got
  (API.md §5), or None; the oracle for the privacy and fan-out tests.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import http_client

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = 10.0

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeRefused(Exception):
    def __init__(self, response: http_client.Response):
        super().__init__(f"handshake refused: {response!r}")
        self.response = response


class Closed(Exception):
    """The connection ended (EOF or reset) while a frame was expected."""

    def __init__(self, message: str, reset: bool = False):
        super().__init__(message)
        self.reset = reset


@dataclass
class Frame:
    fin: bool
    rsv: int
    opcode: int
    payload: bytes
    masked: bool = False

    @property
    def close_code(self) -> int | None:
        if self.opcode != OP_CLOSE or len(self.payload) < 2:
            return None
        return struct.unpack("!H", self.payload[:2])[0]

    @property
    def close_reason(self) -> bytes:
        return self.payload[2:]

    def __repr__(self) -> str:
        p = self.payload if len(self.payload) <= 80 else self.payload[:80] + b"..."
        return f"<Frame fin={self.fin} rsv={self.rsv} op={self.opcode:#x} len={len(self.payload)} {p!r}>"


def build_frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0, mask: bool = True,
                mask_key: bytes | None = None, length: int | None = None) -> bytes:
    """One frame. `rsv` is the 3 RSV bits (0..7); `length` overrides the declared length."""
    n = len(payload) if length is None else length
    out = bytearray([(0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 0xF)])
    mbit = 0x80 if mask else 0
    if n < 126:
        out.append(mbit | n)
    elif n <= 0xFFFF:
        out.append(mbit | 126)
        out += struct.pack("!H", n)
    else:
        out.append(mbit | 127)
        out += struct.pack("!Q", n)
    if mask:
        key = mask_key if mask_key is not None else os.urandom(4)
        out += key
        out += bytes(b ^ key[i & 3] for i, b in enumerate(payload)) if len(payload) < 4096 else _mask_fast(payload, key)
    else:
        out += payload
    return bytes(out)


def _mask_fast(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def close_payload(code: int | None, reason: bytes = b"") -> bytes:
    return b"" if code is None else struct.pack("!H", code) + reason


def accept_for(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def new_key() -> str:
    return base64.b64encode(os.urandom(16)).decode()


def upgrade_request(path: str, *, key: str | None = None, version: str | None = "13", host: str = "localhost",
                    method: str = "GET", upgrade: str | None = "websocket", connection: str | None = "Upgrade",
                    extra: list[tuple[str, str]] | None = None) -> bytes:
    """The bytes of an opening handshake; a None header is left out."""
    items = [("Host", host)]
    if upgrade is not None:
        items.append(("Upgrade", upgrade))
    if connection is not None:
        items.append(("Connection", connection))
    if key is not None:
        items.append(("Sec-WebSocket-Key", key))
    if version is not None:
        items.append(("Sec-WebSocket-Version", version))
    items += extra or []
    return (f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in items) + "\r\n").encode("latin-1")


class RawWs:
    """One TCP connection speaking WebSocket as a client, byte by byte if need be."""

    def __init__(self, port: int, timeout: float = TIMEOUT, rcvbuf: int | None = None):
        self.port = port
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connect, so the advertised window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False
        self.response: http_client.Response | None = None

    # -- opening handshake -------------------------------------------------
    @classmethod
    def connect(cls, port: int, path: str, timeout: float = TIMEOUT, rcvbuf: int | None = None,
                **request_kw) -> "RawWs":
        """Connects and upgrades; raises HandshakeRefused unless the answer is a correct 101."""
        ws = cls(port, timeout=timeout, rcvbuf=rcvbuf)
        try:
            key = request_kw.pop("key", None) or new_key()
            resp = ws.handshake(path, key=key, **request_kw)
            if resp.status != 101:
                raise HandshakeRefused(resp)
            assert resp.header("Sec-WebSocket-Accept") == accept_for(key), resp
            assert (resp.header("Upgrade") or "").lower() == "websocket", resp
            assert "upgrade" in resp.connection_tokens(), resp
            assert resp.header("Sec-WebSocket-Extensions") is None, resp  # no compression offered or agreed
        except BaseException:
            ws.close()
            raise
        return ws

    def handshake(self, path: str, **kw) -> http_client.Response:
        """Sends an upgrade request and reads the HTTP answer (101 or an error with its body)."""
        self.send_raw(upgrade_request(path, **kw))
        conn = http_client.HttpConnection.__new__(http_client.HttpConnection)  # reuse its parser on our socket
        conn.sock, conn.buf, conn.eof, conn.reset, conn.timeout = self.sock, self.buf, self.eof, self.reset, self.timeout
        resp = conn.read_response()
        self.buf, self.eof, self.reset = conn.buf, conn.eof, conn.reset
        self.response = resp
        return resp

    # -- sending -------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_frame(self, opcode: int, payload: bytes = b"", **kw) -> None:
        self.send_raw(build_frame(opcode, payload, **kw))

    def send_text(self, text: str | bytes, **kw) -> None:
        self.send_frame(OP_TEXT, text.encode() if isinstance(text, str) else text, **kw)

    def send_binary(self, data: bytes, **kw) -> None:
        self.send_frame(OP_BINARY, data, **kw)

    def send_close(self, code: int | None = 1000, reason: bytes = b"") -> None:
        self.send_frame(OP_CLOSE, close_payload(code, reason))

    # -- receiving -----------------------------------------------------------
    def _fill(self, deadline: float) -> bool:
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for the server")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            self.eof = self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _need(self, n: int, deadline: float) -> None:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise Closed(f"connection closed with {len(self.buf)} of {n} bytes of a frame buffered", self.reset)

    def read_frame(self, timeout: float | None = None) -> Frame:
        """The next frame from the server, whatever it is (server frames must be unmasked)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            self._need(4, deadline)
            n = struct.unpack("!H", self.buf[2:4])[0]
            pos = 4
        elif n == 127:
            self._need(10, deadline)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            pos = 10
        masked = bool(b1 & 0x80)
        if masked:
            pos += 4
        self._need(pos + n, deadline)
        payload = self.buf[pos:pos + n]
        if masked:
            key = self.buf[pos - 4:pos]
            payload = _mask_fast(payload, key) if n else b""
        self.buf = self.buf[pos + n:]
        return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF, payload, masked)

    def read_message(self, timeout: float | None = None, answer_pings: bool = True) -> tuple[int, bytes]:
        """The next data message (fragments assembled); answers pings; a Close raises AssertionError."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        opcode, parts = None, []
        while True:
            f = self.read_frame(max(0.001, deadline - time.monotonic()))
            assert not f.masked and f.rsv == 0, f
            if f.opcode == OP_PING:
                if answer_pings:
                    self.send_frame(OP_PONG, f.payload)
                continue
            if f.opcode == OP_PONG:
                continue
            if f.opcode == OP_CLOSE:
                raise AssertionError(f"server closed instead of sending a message: code {f.close_code} "
                                     f"reason {f.close_reason!r}")
            if opcode is None:
                assert f.opcode in (OP_TEXT, OP_BINARY), f
                opcode = f.opcode
            else:
                assert f.opcode == OP_CONT, f
            parts.append(f.payload)
            if f.fin:
                return opcode, b"".join(parts)

    def expect_close(self, timeout: float | None = None, allow_data: bool = False) -> tuple[int | None, bytes]:
        """Reads up to the server's Close frame (data frames only if `allow_data`), then its EOF.

        Returns (code, reason). Raises Closed if the server hung up without a Close frame.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            f = self.read_frame(max(0.001, deadline - time.monotonic()))
            assert not f.masked and f.rsv == 0 and f.fin, f
            if f.opcode == OP_CLOSE:
                break
            if f.opcode in (OP_PING, OP_PONG):
                continue
            assert allow_data, f"expected a Close frame, got {f!r}"
        assert len(f.payload) != 1 and len(f.payload) <= 125, f
        if len(f.payload) >= 2:
            f.close_reason.decode("utf-8")  # the reason must be UTF-8
        self.wait_eof(max(0.001, deadline - time.monotonic()))
        return f.close_code, f.close_reason

    def read_exact(self, n: int, timeout: float | None = None) -> bytes:
        """Exactly the next `n` bytes from the server, unparsed (to check the server's own encoding)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self._need(n, deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_http_response(self, method: str = "GET", timeout: float | None = None) -> http_client.Response:
        """One HTTP response from this socket (after a raw request sent with send_raw); HEAD-aware."""
        conn = http_client.HttpConnection.__new__(http_client.HttpConnection)
        conn.sock, conn.buf, conn.eof, conn.reset = self.sock, self.buf, self.eof, self.reset
        conn.timeout = self.timeout if timeout is None else timeout
        resp = conn.read_response(method=method)
        self.buf, self.eof, self.reset = conn.buf, conn.eof, conn.reset
        self.response = resp
        return resp

    def wait_eof(self, timeout: float | None = None) -> bytes:
        """Reads until the server closes the TCP connection; returns what arrived meanwhile."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while self._fill(deadline):
            pass
        out, self.buf = self.buf, b""
        return out

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawWs":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------
# The live feed (API.md §5)

EVENT_KEYS = {"type", "class_id", "seq", "epoch", "timestamp", "data"}


def live_path(class_id, token: str | None, since: int | None = None, epoch: str | None = None) -> str:
    q = {}
    if token is not None:
        q["token"] = token
    if since is not None:
        q["since"] = str(since)
    if epoch is not None:
        q["epoch"] = epoch
    return f"/ws/attendance/{class_id}" + (f"?{urlencode(q)}" if q else "")


class LiveSocket:
    """A subscriber of one class's feed: events as parsed JSON, with their raw text."""

    def __init__(self, port: int, class_id: int, token: str, since: int | None = None, epoch: str | None = None,
                 timeout: float = TIMEOUT, rcvbuf: int | None = None, read_hello: bool = True):
        self.class_id = class_id
        self.ws = RawWs.connect(port, live_path(class_id, token, since, epoch), timeout=timeout, rcvbuf=rcvbuf)
        self.events: list[dict] = []   # every event received after the hello, pongs excluded
        self.raw: list[bytes] = []     # the text of every frame received, hello and pongs included
        self.hello: dict | None = None
        if read_hello:
            self.hello = self._read_json(timeout)
            assert self.hello["type"] == "connection_established", self.hello

    @property
    def epoch(self) -> str:
        return self.hello["epoch"]

    @property
    def last_seq(self) -> int:
        """The last seq this subscriber saw (hello included): what it resumes from."""
        return self.events[-1]["seq"] if self.events else self.hello["seq"]

    def _read_json(self, timeout: float | None = None) -> dict:
        opcode, payload = self.ws.read_message(timeout)
        assert opcode == OP_TEXT, (opcode, payload)
        self.raw.append(payload)
        ev = json.loads(payload.decode("utf-8"))
        assert set(ev) == EVENT_KEYS, ev
        assert ev["class_id"] == self.class_id, ev
        return ev

    def next_event(self, timeout: float | None = None) -> dict:
        """The next non-pong event."""
        while True:
            ev = self._read_json(timeout)
            if ev["type"] == "pong":
                raise AssertionError(f"unexpected pong {ev!r}")
            self.events.append(ev)
            return ev

    def wait_for(self, pred, timeout: float = TIMEOUT) -> list[dict]:
        """Reads events until one satisfies `pred`; returns the events read (that one last)."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            ev = self.next_event(max(0.001, deadline - time.monotonic()))
            got.append(ev)
            if pred(ev):
                return got

    def wait_seq(self, seq: int, timeout: float = TIMEOUT) -> list[dict]:
        """Reads events up to the one with `seq` (a student may skip seqs: up to the first >= seq)."""
        if self.events and self.events[-1]["seq"] >= seq:
            return []
        return self.wait_for(lambda e: e["seq"] >= seq, timeout)

    def take(self, n: int, timeout: float = TIMEOUT) -> list[dict]:
        deadline = time.monotonic() + timeout
        return [self.next_event(max(0.001, deadline - time.monotonic())) for _ in range(n)]

    def barrier(self, timeout: float = TIMEOUT) -> list[dict]:
        """Sends {"type":"ping"}; returns the events that arrive before the pong."""
        self.ws.send_text(json.dumps({"type": "ping"}))
        deadline = time.monotonic() + timeout
        got = []
        while True:
            ev = self._read_json(max(0.001, deadline - time.monotonic()))
            if ev["type"] == "pong":
                assert ev["data"] == {}, ev
                assert ev["epoch"] == self.epoch, ev
                self.last_pong = ev
                return got
            self.events.append(ev)
            got.append(ev)

    def close(self, code: int = 1000) -> None:
        try:
            self.ws.send_close(code)
        except OSError:
            pass
        self.ws.close()

    def __enter__(self) -> "LiveSocket":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def student_view(ev: dict, student_id: int) -> dict | None:
    """The event a student's socket must get for the event `ev` a teacher's socket got, or None."""
    t, data = ev["type"], ev["data"]
    out = dict(ev)
    if t in ("session_opened", "session_closed"):
        out["data"] = {k: v for k, v in data.items() if k != "verification_code"}
        return out
    if t == "attendance_state_changed":
        return out
    if t in ("student_joined", "attendance_update") and data.get("operation") != "bulk":
        return out if data["student_id"] == student_id else None
    if t == "attendance_update":  # bulk
        mine = [r for r in data["records"] if r["student_id"] == student_id]
        if not mine:
            return None
        out["data"] = {"operation": "bulk", "records": mine, "updated": 1}
        return out
    if t == "student_joined_class":
        return None
    raise AssertionError(f"unknown event type {t!r}")
