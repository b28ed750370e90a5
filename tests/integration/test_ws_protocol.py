"""WebSocket conformance (RFC 6455; API.md §5): the opening handshake and the frame codec.

Handshake, on `/ws/echo` (`serve --ws-echo`) and `/ws/attendance/{id}`: the
Sec-WebSocket-Accept answer, `Upgrade`/`Connection` as case-insensitive token
lists, version 13 (426 + `Sec-WebSocket-Version: 13` otherwise), the key (base64
of exactly 16 bytes), methods other than GET, HTTP/1.0, a body on the upgrade,
and for the feed: token (401), class access (403), unknown class (404) and a bad
`since`/`epoch` (400), each a JSON error answer with no upgrade, after which the
connection still speaks HTTP.

Frames, in the spirit of Autobahn|Testsuite cases 1-10 without compression, as
tables of exact wire bytes and the exact frames that must come back: framing and
length encodings (1.x), ping/pong (2.x), RSV bits (3.x), reserved opcodes (4.x),
fragmentation with interleaved control frames and empty fragments (5.x), UTF-8
validated incrementally and failing fast (6.x), the close handshake and its codes
(7.x), the 64 KiB message limit (9.x), and messages arriving in arbitrary pieces:
byte by byte, in chunks, many frames per write, frames in the handshake's write
(10.x). Every protocol error is checked on both endpoints: the server sends one
Close frame with the right code (1002, 1007, 1009) and then ends the TCP
connection.

Liveness: with a short `--ws-ping-interval-ms`/`--ws-silence-timeout-ms`, a silent
client is pinged and then closed with 1008; one that answers stays. SIGTERM closes
every WebSocket with 1001 before EOF, and the server exits 0.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import signal
import socket
import time

import pytest

import http_client
from api_client import District, b64url, start_demo, student_user, teacher_id
from test_http_basics import assert_error
from ws_client import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, LiveSocket, RawWs,
                       accept_for, build_frame, close_payload, live_path, new_key, upgrade_request)

LIMIT = 64 * 1024          # client message limit (API.md §5)
ECHO = "/ws/echo"
CLASS = 1
TEACHER = "teacher1"       # teaches classes 1..3
EPOCH_RE = re.compile(r"^[0-9a-f]{8}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def district(module_server_factory):
    """A --demo server that also serves /ws/echo (default ping/silence: no pings during a test)."""
    return District(start_demo(module_server_factory, "--ws-echo"))


@pytest.fixture(scope="module")
def port(district) -> int:
    return district.port


@pytest.fixture(scope="module")
def expired_token(district) -> str:
    """teacher1's token minted with --ttl-s 1, returned once the clock passed its exp (at most ~1 s)."""
    p = district.mint(TEACHER, ttl_s=1)
    assert p.returncode == 0, p.stderr
    token = p.stdout.decode().strip()
    exp = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"]
    while time.time() < exp + 0.05:  # waiting for wall-clock time itself, bounded by the 1 s ttl
        time.sleep(min(0.1, max(0.0, exp + 0.05 - time.time())))
    return token


# ---------------------------------------------------------------------------
# frame builders: client frames are masked unless told otherwise

def T(payload: bytes | str = b"", fin: bool = True, **kw) -> bytes:
    return build_frame(OP_TEXT, payload.encode() if isinstance(payload, str) else payload, fin=fin, **kw)


def B(payload: bytes = b"", fin: bool = True, **kw) -> bytes:
    return build_frame(OP_BINARY, payload, fin=fin, **kw)


def C(payload: bytes | str = b"", fin: bool = True, **kw) -> bytes:
    return build_frame(OP_CONT, payload.encode() if isinstance(payload, str) else payload, fin=fin, **kw)


def PING(payload: bytes = b"", **kw) -> bytes:
    return build_frame(OP_PING, payload, **kw)


def PONG(payload: bytes = b"", **kw) -> bytes:
    return build_frame(OP_PONG, payload, **kw)


def CLOSE(code: int | None = 1000, reason: bytes = b"", **kw) -> bytes:
    return build_frame(OP_CLOSE, close_payload(code, reason), **kw)


def pattern(n: int, seed: int = 0) -> bytes:
    """n deterministic, non-repeating-looking bytes."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])


def utf8_text(n: int) -> bytes:
    """Exactly n bytes of valid UTF-8 mixing 1-, 2-, 3- and 4-byte characters (ASCII padding at the end)."""
    unit = "aé€𝄞κόσμε ".encode()
    body = unit * (n // len(unit))
    return body + b"z" * (n - len(body))


def split(data: bytes, sizes) -> list[bytes]:
    """`data` cut into pieces of the given sizes (the last piece takes the rest)."""
    out, pos = [], 0
    for s in sizes:
        out.append(data[pos:pos + s])
        pos += s
    out.append(data[pos:])
    return out


def fragmented(opcode: int, parts: list[bytes]) -> bytes:
    """A message sent as the given fragments (first frame `opcode`, the rest continuations)."""
    frames = []
    for i, p in enumerate(parts):
        frames.append(build_frame(opcode if i == 0 else OP_CONT, p, fin=i == len(parts) - 1))
    return b"".join(frames)


# ---------------------------------------------------------------------------
# expectations: the exact sequence of frames the server must send

def msg(opcode: int, payload: bytes | str):
    return ("msg", opcode, payload.encode() if isinstance(payload, str) else payload)


def pong(payload: bytes = b""):
    return ("pong", payload)


def closed(code: int | None):
    return ("close", code)


def expect_frames(ws: RawWs, expected: list, timeout: float = 10.0, answer_pings: bool = False) -> None:
    """Reads exactly `expected` from the server, in order; a ("close", code) item must be last
    and is followed by TCP EOF with nothing else. Server frames: unmasked, RSV 0.
    `answer_pings`: the server's own pings may come in between; they are answered and skipped."""
    deadline = time.monotonic() + timeout

    def read_frame():
        while True:
            f = ws.read_frame(max(0.001, deadline - time.monotonic()))
            if not (answer_pings and f.opcode == OP_PING):
                return f
            try:
                ws.send_raw(PONG(f.payload))
            except OSError:
                pass  # the server may be closing already; what it sent is still read

    for i, item in enumerate(expected):
        kind = item[0]
        if kind == "msg":
            got_op, parts = None, []
            while True:
                f = read_frame()
                assert not f.masked and f.rsv == 0, f
                if got_op is None:
                    assert f.opcode == item[1], (f"frame {i}: expected a message opcode {item[1]:#x}, got {f!r}; "
                                                 f"expected sequence {expected!r}")
                    got_op = f.opcode
                else:
                    assert f.opcode == OP_CONT, f
                parts.append(f.payload)
                if f.fin:
                    break
            got = b"".join(parts)
            assert got == item[2], f"frame {i}: message of {len(got)} bytes differs from the {len(item[2])} sent"
        elif kind == "pong":
            f = read_frame()
            assert (f.opcode, f.fin, f.rsv, f.masked, f.payload) == (OP_PONG, True, 0, False, item[1]), \
                f"frame {i}: expected pong {item[1]!r}, got {f!r}"
        elif kind == "close":
            assert i == len(expected) - 1, expected
            f = read_frame()
            assert f.opcode == OP_CLOSE and f.fin and f.rsv == 0 and not f.masked, \
                f"frame {i}: expected Close {item[1]}, got {f!r}"
            assert len(f.payload) != 1 and len(f.payload) <= 125, f
            f.close_reason.decode("utf-8")
            if item[1] is None:
                assert f.close_code in (None, 1000), f
            else:
                assert f.close_code == item[1], f"expected close code {item[1]}, got {f.close_code} {f.close_reason!r}"
            rest = ws.wait_eof(max(0.001, deadline - time.monotonic()))
            assert rest == b"", f"bytes after the server's Close frame: {rest[:100]!r}"
        else:
            raise AssertionError(item)


def still_open(ws: RawWs, echo: bool = True, answer_pings: bool = False) -> None:
    """The connection still works and nothing unexpected is queued: a round trip, then a clean close."""
    if echo:
        ws.send_raw(T("__end__"))
        expect_frames(ws, [msg(OP_TEXT, "__end__")], answer_pings=answer_pings)
    else:
        ws.send_raw(PING(b"__end__"))
        expect_frames(ws, [pong(b"__end__")], answer_pings=answer_pings)
    ws.send_raw(CLOSE(1000))
    expect_frames(ws, [closed(1000)], answer_pings=answer_pings)


def run_echo_case(port: int, wire: bytes, expected: list) -> None:
    with RawWs.connect(port, ECHO) as ws:
        ws.send_raw(wire)
        expect_frames(ws, expected)
        if not expected or expected[-1][0] != "close":
            still_open(ws)


# ---------------------------------------------------------------------------
# tokens

def forge_token(district: District, claims: dict) -> str:
    """An HS256 JWT signed like the server signs (key = HMAC-SHA256(jwt.secret, "jwt"), src/auth/secret.cpp),
    for claims `rollcall token` cannot produce. Tests using it first check a well-formed forged token is accepted."""
    master = (district.server.data_dir / "jwt.secret").read_bytes()
    secret = hmac.new(master, b"jwt", hashlib.sha256).digest()
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


# ---------------------------------------------------------------------------
# refusals

def refused(port: int, path: str, **kw) -> http_client.Response:
    """Sends an upgrade request that must be refused; checks no upgrade happened and the
    connection still speaks HTTP afterwards (unless the answer said close)."""
    with RawWs(port) as ws:
        key = kw.pop("key") if "key" in kw else new_key()  # key=None leaves the header out
        ws.send_raw(upgrade_request(path, key=key, **kw))
        r = ws.read_http_response(method=kw.get("method", "GET"))
        assert r.status != 101, r
        assert r.header("Sec-WebSocket-Accept") is None, r
        assert r.header("Upgrade") is None, r
        if "close" in r.connection_tokens():
            assert ws.wait_eof(5) == b""
        else:
            ws.send_raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            h = ws.read_http_response()
            assert h.status == 200 and h.json() == {"status": "ok"}, h
        return r


# ===========================================================================
# Opening handshake

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="             # RFC 6455 §1.3
RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
def test_handshake_101(district, endpoint):
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    with RawWs(district.port) as ws:
        r = ws.handshake(path, key=RFC_KEY, extra=[("Sec-WebSocket-Protocol", "chat, superchat"),
                                                  ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
                                                  ("Origin", "http://example.com")])
        assert r.status == 101, r
        assert r.version == "HTTP/1.1", r
        assert r.header("Sec-WebSocket-Accept") == RFC_ACCEPT, r
        assert (r.header("Upgrade") or "").lower() == "websocket", r
        assert "upgrade" in r.connection_tokens(), r
        # No subprotocol and no extension was agreed: neither header may come back.
        assert r.header("Sec-WebSocket-Protocol") is None, r
        assert r.header("Sec-WebSocket-Extensions") is None, r
        assert r.header("Content-Length") in (None, "0") and r.header("Transfer-Encoding") is None, r
        assert r.body == b""
        if endpoint == "echo":
            ws.send_raw(T("after upgrade"))
            expect_frames(ws, [msg(OP_TEXT, "after upgrade")])
        else:
            op, payload = ws.read_message()
            assert op == OP_TEXT and json.loads(payload)["type"] == "connection_established", payload


@pytest.mark.parametrize("upgrade,connection", [
    ("websocket", "Upgrade"),
    ("WebSocket", "upgrade"),
    ("WEBSOCKET", "UPGRADE"),
    ("websocket", "keep-alive, Upgrade"),
    ("websocket", "Upgrade, keep-alive"),
    ("websocket", "keep-alive,upgrade"),
    ("websocket", "  keep-alive ,\tUpgrade  "),
    ("h2c, websocket", "Upgrade"),
    ("websocket, h2c", "HTTP2-Settings, Upgrade"),
], ids=lambda v: v.replace(" ", "_").replace("\t", "TAB"))
def test_handshake_token_lists(district, upgrade, connection):
    for path in (ECHO, live_path(CLASS, district.token(TEACHER))):
        with RawWs.connect(district.port, path, upgrade=upgrade, connection=connection) as ws:
            if path == ECHO:
                ws.send_raw(T("ok"))
                expect_frames(ws, [msg(OP_TEXT, "ok")])
            else:
                assert json.loads(ws.read_message()[1])["type"] == "connection_established"


KEY_15 = base64.b64encode(b"x" * 15).decode()   # 20 chars
KEY_17 = base64.b64encode(b"x" * 17).decode()   # 24 chars, one '='
KEY_URLSAFE = base64.urlsafe_b64encode(bytes([0xfb, 0xff] * 8)).decode()  # '-' and '_'

BAD_UPGRADES = [
    ("no_upgrade_header", dict(upgrade=None)),
    ("upgrade_h2c", dict(upgrade="h2c")),
    ("upgrade_websockets_typo", dict(upgrade="websockets")),
    ("no_connection_header", dict(connection=None)),
    ("connection_keep_alive_only", dict(connection="keep-alive")),
    ("connection_upgraded_typo", dict(connection="Upgraded")),
    ("no_key", dict(key="")),
    ("key_not_base64", dict(key="!!!!!!!!!!!!!!!!!!!!!!==")),
    ("key_15_bytes", dict(key=KEY_15)),
    ("key_17_bytes", dict(key=KEY_17)),
    ("key_short", dict(key="abc")),
    ("key_urlsafe_alphabet", dict(key=KEY_URLSAFE)),
    ("key_unpadded", dict(key=base64.b64encode(b"y" * 16).decode().rstrip("="))),
]


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
@pytest.mark.parametrize("case", BAD_UPGRADES, ids=[c[0] for c in BAD_UPGRADES])
def test_handshake_bad_upgrade_400(district, endpoint, case):
    kw = dict(case[1])
    if kw.get("key") == "":
        kw["key"] = None  # header left out
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    r = refused(district.port, path, **kw)
    assert_error(r, 400, "bad_websocket_handshake")


def test_handshake_key_is_checked_not_just_present(district):
    # The same key answers the same accept; a different key a different one.
    for key in (RFC_KEY, new_key(), new_key()):
        with RawWs(district.port) as ws:
            r = ws.handshake(ECHO, key=key)
            assert r.status == 101 and r.header("Sec-WebSocket-Accept") == accept_for(key), r


@pytest.mark.parametrize("version", ["8", "12", "14", "7", "abc"])
@pytest.mark.parametrize("endpoint", [
    "attendance",
    "echo",
])
def test_handshake_unsupported_version_426(district, endpoint, version):
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    r = refused(district.port, path, version=version)
    assert_error(r, 426)
    assert r.header_all("Sec-WebSocket-Version") == ["13"], r


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
def test_handshake_missing_version(district, endpoint):
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    r = refused(district.port, path, version=None)
    assert r.status in (400, 426), r
    assert_error(r, r.status)
    if r.status == 426:
        assert r.header("Sec-WebSocket-Version") == "13", r


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_handshake_other_methods_405(district, endpoint, method):
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    r = refused(district.port, path, method=method)
    assert_error(r, 405, "method_not_allowed")
    allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
    assert "GET" in allow and method not in allow, r


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
def test_handshake_head_is_not_upgraded(district, endpoint):
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    r = refused(district.port, path, method="HEAD")
    assert r.status == 400 and r.body == b"", r
    assert r.content_type == "application/json", r


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
def test_handshake_http10_refused(district, endpoint):
    path = ECHO if endpoint == "echo" else live_path(CLASS, district.token(TEACHER))
    with RawWs(district.port) as ws:
        ws.send_raw(upgrade_request(path, key=new_key()).replace(b" HTTP/1.1\r\n", b" HTTP/1.0\r\n", 1))
        r = ws.read_http_response()
        assert r.status != 101 and r.header("Sec-WebSocket-Accept") is None, r
        assert 400 <= r.status < 500, r
        assert_error(r, r.status)


def test_handshake_duplicate_key_refused(district):
    r = refused(district.port, ECHO, extra=[("Sec-WebSocket-Key", new_key())])
    assert_error(r, 400)


def test_handshake_duplicate_version_refused(district):
    r = refused(district.port, ECHO, extra=[("Sec-WebSocket-Version", "8")])
    assert r.status in (400, 426), r


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_handshake_body_is_never_taken_for_frames(district, framing):
    """A body on the upgrade request is either refused (400) or consumed as HTTP; it must
    never be read as WebSocket frames (that would let an HTTP body smuggle frames)."""
    smuggled = T("SMUGGLED")
    key = new_key()
    head = upgrade_request(ECHO, key=key)[:-2]
    if framing == "content-length":
        req = head + b"Content-Length: %d\r\n\r\n" % len(smuggled) + smuggled
    else:
        req = head + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(smuggled) + smuggled + b"\r\n0\r\n\r\n"
    with RawWs(district.port) as ws:
        ws.send_raw(req)
        r = ws.read_http_response()
        if r.status == 101:
            assert r.header("Sec-WebSocket-Accept") == accept_for(key), r
            ws.send_raw(T("real"))
            expect_frames(ws, [msg(OP_TEXT, "real")])
        else:
            assert_error(r, 400)


def test_upgrade_headers_on_plain_routes_are_ignored(district):
    # Only the WebSocket routes switch protocols; elsewhere the request is plain HTTP.
    for path in ("/healthz", "/api/v1/classes"):
        with RawWs(district.port) as ws:
            ws.send_raw(upgrade_request(path, key=new_key(),
                                        extra=[("Authorization", f"Bearer {district.token(TEACHER)}")]))
            r = ws.read_http_response()
            assert r.status == 200 and r.header("Sec-WebSocket-Accept") is None, r
            assert r.content_type == "application/json", r
    r = refused(district.port, "/ws/nope")
    assert_error(r, 404, "not_found")


# -- the feed's checks before upgrading -----------------------------------------

def _claims(user_id: int, role: str, exp_offset: int) -> dict:
    now = int(time.time())
    return {"sub": str(user_id), "role": role, "iat": now - 60, "exp": now + exp_offset}


@pytest.mark.parametrize("case", [
    "missing", "empty", "garbage", "bad_signature", "expired", "expired_forged", "unknown_user", "wrong_role",
    "alg_none"])
def test_attendance_bad_token_401(district, expired_token, case):
    good = district.token(TEACHER)
    # The forged-token machinery itself works: a fresh, well-formed claim set is accepted.
    with RawWs.connect(district.port, live_path(CLASS, forge_token(district, _claims(teacher_id(1), "teacher", 600)))):
        pass
    token = {
        "missing": None,
        "empty": "",
        "garbage": "not-a-jwt",
        "bad_signature": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "expired": expired_token,
        "expired_forged": forge_token(district, _claims(teacher_id(1), "teacher", -3600)),
        "unknown_user": forge_token(district, _claims(999999, "teacher", 600)),
        "wrong_role": forge_token(district, _claims(teacher_id(1), "admin", 600)),
        "alg_none": b64url(b'{"alg":"none","typ":"JWT"}') + "." + good.split(".")[1] + ".",
    }[case]
    path = live_path(CLASS, None) if token is None else f"/ws/attendance/{CLASS}?token={token}"
    r = refused(district.port, path)
    assert_error(r, 401, "unauthorized")


@pytest.mark.parametrize("user,class_id", [
    (student_user(31), 1),     # enrolled in class 2
    (student_user(1), 2),      # enrolled in class 1
    ("teacher2", 1),           # teaches 4..6
    ("teacher1", 4),
])
def test_attendance_not_a_member_403(district, user, class_id):
    r = refused(district.port, live_path(class_id, district.token(user)))
    assert_error(r, 403, "forbidden")


@pytest.mark.parametrize("class_id", ["13", "99999", "0", str(1 << 40)])
def test_attendance_unknown_class_404(district, class_id):
    r = refused(district.port, f"/ws/attendance/{class_id}?token={district.token('admin')}")
    assert_error(r, 404)


@pytest.mark.parametrize("user", [student_user(1), "teacher2"])
def test_attendance_unknown_class_is_404_for_anyone(district, user):
    # docs/api.md: the class is looked up before membership, so a non-member learns nothing more than 404.
    r = refused(district.port, live_path(99, district.token(user)))
    assert_error(r, 404, "class_not_found")


def test_attendance_non_numeric_class_404(district):
    r = refused(district.port, f"/ws/attendance/abc?token={district.token('admin')}")
    assert_error(r, 404)


@pytest.mark.parametrize("query", [
    "since=abc&epoch=00000000",
    "since=-1&epoch=00000000",
    "since=1.5&epoch=00000000",
    "since=&epoch=00000000",
    "since=18446744073709551616&epoch=00000000",  # 2^64
])
def test_attendance_bad_resume_query_400(district, query):
    r = refused(district.port, f"/ws/attendance/{CLASS}?token={district.token(TEACHER)}&{query}")
    assert_error(r, 400, "bad_resume")


@pytest.mark.parametrize("query", [
    "since=5",                              # no epoch
    "since=1&epoch=zz",
    "since=1&epoch=0000000g",
    "since=1&epoch=1234567",
    "since=1&epoch=123456789",
    "since=1&epoch=",
])
def test_attendance_epoch_of_another_form_gets_a_fresh_snapshot(district, query):
    # API.md §5: an epoch that differs, whatever its form, is recovered: false.
    path = f"/ws/attendance/{CLASS}?token={district.token(TEACHER)}&{query}"
    ws = RawWs.connect(district.port, path)
    try:
        hello = json.loads(ws.read_message()[1])
        assert hello["type"] == "connection_established", hello
        assert hello["data"]["recovered"] is False, hello
    finally:
        ws.close()


def test_attendance_good_resume_query_upgrades(district):
    with LiveSocket(district.port, CLASS, district.token(TEACHER)) as first:
        epoch, seq = first.epoch, first.hello["seq"]
    with LiveSocket(district.port, CLASS, district.token(TEACHER), since=seq, epoch=epoch) as again:
        assert again.hello["data"]["recovered"] is True, again.hello
        assert (again.hello["epoch"], again.hello["seq"]) == (epoch, seq), again.hello


@pytest.mark.parametrize("user,role", [(TEACHER, "teacher"), ("admin", "admin"), (student_user(7), "student")])
def test_attendance_hello_fields(district, user, role):
    with LiveSocket(district.port, CLASS, district.token(user)) as s:
        h = s.hello
        assert h["type"] == "connection_established" and h["class_id"] == CLASS, h
        assert isinstance(h["seq"], int) and h["seq"] >= 0, h
        assert EPOCH_RE.match(h["epoch"]) and TIME_RE.match(h["timestamp"]), h
        d = h["data"]
        assert set(d) == {"role", "user_id", "recovered", "snapshot"}, d
        assert d["role"] == role and d["recovered"] is False, d
        assert isinstance(d["user_id"], int) and d["user_id"] > 0, d
        if user == TEACHER:
            assert d["user_id"] == teacher_id(1)
        assert set(d["snapshot"]) == {"session", "records", "counts"}, d
        # It really is the first frame: a ping now is answered after it, by a pong in the same epoch.
        assert s.barrier() == []


def test_attendance_hello_is_first_even_if_client_pings_at_once(district):
    with RawWs(district.port) as ws:
        key = new_key()
        ws.send_raw(upgrade_request(live_path(CLASS, district.token(TEACHER)), key=key)
                    + T(json.dumps({"type": "ping"})))
        r = ws.read_http_response()
        assert r.status == 101 and r.header("Sec-WebSocket-Accept") == accept_for(key), r
        first = json.loads(ws.read_message()[1])
        assert first["type"] == "connection_established", first
        second = json.loads(ws.read_message()[1])
        assert second["type"] == "pong" and second["epoch"] == first["epoch"], (first, second)


# ===========================================================================
# Frames: echo tables

SIZES = [0, 1, 125, 126, 127, 1000, 65535, 65536]


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY], ids=["text", "binary"])
@pytest.mark.parametrize("size", SIZES)
def test_echo_sizes_exact_encoding(port, opcode, size):
    """1.1.x / 1.2.x: the echo is one unmasked frame with the minimal length encoding."""
    payload = utf8_text(size) if opcode == OP_TEXT else pattern(size, size)
    with RawWs.connect(port, ECHO) as ws:
        ws.send_frame(opcode, payload)
        want = build_frame(opcode, payload, mask=False)
        got = ws.read_exact(len(want))
        assert got[:10] == want[:10], (got[:10], want[:10])
        assert got == want
        still_open(ws)


V = {  # valid UTF-8 (6.2 - 6.23 spirit)
    "greek": "κόσμε".encode(),
    "nul": b"a\x00b",
    "u+007f": b"\x7f",
    "u+0080": b"\xc2\x80",
    "u+07ff": b"\xdf\xbf",
    "u+0800": b"\xe0\xa0\x80",
    "u+d7ff": b"\xed\x9f\xbf",
    "u+e000": b"\xee\x80\x80",
    "u+fffd": b"\xef\xbf\xbd",
    "u+ffff": b"\xef\xbf\xbf",
    "u+10000": b"\xf0\x90\x80\x80",
    "u+10ffff": b"\xf4\x8f\xbf\xbf",
    "emoji": "👋🏽 héllo wörld 𝄞".encode(),
    "bom": b"\xef\xbb\xbfabc",
}

INVALID_UTF8 = {  # 6.x invalid sequences
    "lone_continuation": b"\x80",
    "continuations": b"\x80\xbf\x80",
    "overlong_slash_2": b"\xc0\xaf",
    "overlong_slash_3": b"\xe0\x80\xaf",
    "overlong_slash_4": b"\xf0\x80\x80\xaf",
    "overlong_nul_2": b"\xc0\x80",
    "overlong_max_2": b"\xc1\xbf",
    "overlong_max_3": b"\xe0\x9f\xbf",
    "overlong_max_4": b"\xf0\x8f\xbf\xbf",
    "surrogate_d800": b"\xed\xa0\x80",
    "surrogate_dbff": b"\xed\xaf\xbf",
    "surrogate_dc00": b"\xed\xb0\x80",
    "surrogate_dfff": b"\xed\xbf\xbf",
    "surrogate_pair": b"\xed\xa0\x80\xed\xb0\x80",
    "above_10ffff": b"\xf4\x90\x80\x80",
    "f5": b"\xf5\x80\x80\x80",
    "f8_5byte": b"\xf8\x88\x80\x80\x80",
    "fc_6byte": b"\xfc\x84\x80\x80\x80\x80",
    "fe": b"\xfe",
    "ff": b"\xff",
    "truncated_2": b"ab\xce",
    "truncated_3": b"ab\xe2\x82",
    "truncated_4": b"ab\xf0\x9d\x84",
    "bad_second_byte": b"\xce\x41",
    "greek_then_invalid": "κόσμε".encode() + b"\xed\xa0\x80edited",
}

ECHO_CASES = [
    # 2.x pings
    ("ping_empty", PING(), [pong()]),
    ("ping_125", PING(pattern(125)), [pong(pattern(125))]),
    ("ping_binary_payload", PING(bytes(range(125))), [pong(bytes(range(125)))]),
    ("ping_x10", b"".join(PING(b"%d" % i) for i in range(10)), [pong(b"%d" % i) for i in range(10)]),
    ("unsolicited_pong", PONG(b"unsolicited"), []),
    ("unsolicited_pong_125", PONG(pattern(125)), []),
    ("ping_then_text", PING(b"p") + T("t"), [pong(b"p"), msg(OP_TEXT, "t")]),
    # 1.x framing odds and ends
    ("text_mask_zero", T("zero key", mask_key=b"\0\0\0\0"), [msg(OP_TEXT, "zero key")]),
    ("text_then_binary", T("a") + B(b"\x00\xff") + T(""), [msg(OP_TEXT, "a"), msg(OP_BINARY, b"\x00\xff"),
                                                          msg(OP_TEXT, b"")]),
    ("binary_invalid_utf8_unchecked", B(b"\xff\xfe\xed\xa0\x80\xc0\xaf"), [msg(OP_BINARY, b"\xff\xfe\xed\xa0\x80\xc0\xaf")]),
    # 5.x fragmentation
    ("text_2_fragments", T("frag", fin=False) + C("ment"), [msg(OP_TEXT, "fragment")]),
    ("binary_3_fragments", B(b"\x01", fin=False) + C(b"\x02", fin=False) + C(b"\x03"),
     [msg(OP_BINARY, b"\x01\x02\x03")]),
    ("empty_fragments", T(b"", fin=False) + C(b"", fin=False) + C("abc", fin=False) + C(b"", fin=False) + C(b""),
     [msg(OP_TEXT, "abc")]),
    ("all_fragments_empty", T(b"", fin=False) + C(b"", fin=False) + C(b""), [msg(OP_TEXT, b"")]),
    ("binary_all_fragments_empty", B(b"", fin=False) + C(b""), [msg(OP_BINARY, b"")]),
    ("text_100_fragments", fragmented(OP_TEXT, [bytes([0x61 + i % 26]) for i in range(100)]),
     [msg(OP_TEXT, bytes(0x61 + i % 26 for i in range(100)))]),
    ("ping_between_fragments", T("Hello, ", fin=False) + PING(b"in the middle") + C("World!"),
     [pong(b"in the middle"), msg(OP_TEXT, "Hello, World!")]),
    ("pong_between_fragments", T("Hello, ", fin=False) + PONG(b"ignored") + C("World!"),
     [msg(OP_TEXT, "Hello, World!")]),
    ("pings_around_every_fragment",
     PING(b"0") + T("a", fin=False) + PING(b"1") + C("b", fin=False) + PONG(b"x") + PING(b"2") + C("c") + PING(b"3"),
     [pong(b"0"), pong(b"1"), pong(b"2"), msg(OP_TEXT, "abc"), pong(b"3")]),
    ("binary_fragments_with_ping", B(pattern(300), fin=False) + PING(b"p") + C(pattern(300, 1)),
     [pong(b"p"), msg(OP_BINARY, pattern(300) + pattern(300, 1))]),
    ("fragments_of_every_length_encoding",
     T(utf8_text(125), fin=False) + C(b"x" * 126, fin=False) + C(b"y" * 60000),
     [msg(OP_TEXT, utf8_text(125) + b"x" * 126 + b"y" * 60000)]),
    # 6.x valid UTF-8, single frames
    *[(f"utf8_valid_{k}", T(v), [msg(OP_TEXT, v)]) for k, v in V.items()],
    # valid multi-byte characters split across fragments at every position
    *[(f"utf8_4byte_split_at_{i}", T(b"x" + "𝄞".encode()[:i], fin=False) + C("𝄞".encode()[i:] + b"y"),
       [msg(OP_TEXT, b"x" + "𝄞".encode() + b"y")]) for i in (1, 2, 3)],
    *[(f"utf8_3byte_split_at_{i}", T("€".encode()[:i], fin=False) + C("€".encode()[i:]), [msg(OP_TEXT, "€")])
      for i in (1, 2)],
    ("utf8_split_byte_per_fragment", fragmented(OP_TEXT, [bytes([b]) for b in V["emoji"]]), [msg(OP_TEXT, V["emoji"])]),
    # 7.x close handshake
    ("close_1000", CLOSE(1000), [closed(1000)]),
    ("close_no_payload", CLOSE(None), [closed(1000)]),  # docs/api.md: 1000 if the client sent no code
    ("close_with_reason", CLOSE(1000, "bye ✓".encode()), [closed(1000)]),
    ("close_reason_123_bytes", CLOSE(1000, b"r" * 123), [closed(1000)]),
    ("text_then_close", T("last") + CLOSE(1000), [msg(OP_TEXT, "last"), closed(1000)]),
    ("close_then_text_ignored", CLOSE(1000) + T("after close"), [closed(1000)]),
    ("close_then_ping_ignored", CLOSE(1000) + PING(b"after close"), [closed(1000)]),
    ("close_inside_fragmented_message", T("half", fin=False) + CLOSE(1000), [closed(1000)]),
    # errors after a good message: the good one is echoed first, nothing after the error
    ("text_then_rsv_then_ping", T("ok") + T("bad", rsv=2) + PING(b"no"), [msg(OP_TEXT, "ok"), closed(1002)]),
    ("text_then_opcode5_then_ping", T("ok") + build_frame(5, b"") + PING(b"no"), [msg(OP_TEXT, "ok"), closed(1002)]),
    ("message_then_stray_continuation",
     T("frag1", fin=False) + C("frag2") + C("frag3", fin=False) + T("frag4"), [msg(OP_TEXT, "frag1frag2"), closed(1002)]),
    ("ping_then_invalid_utf8", PING(b"p") + T(b"\xff"), [pong(b"p"), closed(1007)]),
    ("text_then_oversized", T("ok") + B(b"\0" * (LIMIT + 1)), [msg(OP_TEXT, "ok"), closed(1009)]),
]


@pytest.mark.parametrize("wire,expected", [c[1:] for c in ECHO_CASES], ids=[c[0] for c in ECHO_CASES])
def test_echo_cases(port, wire, expected):
    run_echo_case(port, wire, expected)


VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
@pytest.mark.parametrize("code", VALID_CLOSE_CODES)
def test_close_valid_code_is_echoed(district, endpoint, code):
    """7.7.x: the server answers a Close with the same status code, then ends TCP."""
    with open_endpoint(district, endpoint) as ws:
        ws.send_raw(CLOSE(code, b"reason"))
        expect_frames(ws, [closed(code)])


# ---------------------------------------------------------------------------
# protocol errors: one Close with the code, then EOF; checked on both endpoints

ERRORS = [
    # masking
    ("unmasked_text", T("hi", mask=False), 1002),
    ("unmasked_binary", B(b"hi", mask=False), 1002),
    ("unmasked_empty_text", T(b"", mask=False), 1002),
    ("unmasked_ping", PING(b"hi", mask=False), 1002),
    ("unmasked_close", CLOSE(1000, mask=False), 1002),
    ("unmasked_continuation", T("a", fin=False) + C("b", mask=False), 1002),
    # 3.x RSV bits
    *[(f"rsv{r}_text", T("rsv", rsv=r), 1002) for r in range(1, 8)],
    ("rsv_binary", B(b"x", rsv=4), 1002),
    ("rsv_ping", PING(b"x", rsv=1), 1002),
    ("rsv_close", CLOSE(1000, rsv=2), 1002),
    ("rsv_continuation", T("a", fin=False) + C("b", rsv=1), 1002),
    # 4.x reserved opcodes
    *[(f"opcode_{op:#x}", build_frame(op, b"x"), 1002) for op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF)],
    *[(f"opcode_{op:#x}_empty_nofin", build_frame(op, b"", fin=False), 1002) for op in (3, 0xB)],
    # 5.x fragmentation errors
    ("continuation_without_start", C("x"), 1002),
    ("continuation_without_start_nofin", C("x", fin=False), 1002),
    ("continuation_after_complete_message", T("ok") + C("x"), 1002),
    ("text_inside_fragmented_text", T("a", fin=False) + T("b"), 1002),
    ("binary_inside_fragmented_text", T("a", fin=False) + B(b"b"), 1002),
    ("text_inside_fragmented_binary", B(b"a", fin=False) + T("b", fin=False), 1002),
    ("fragmented_ping", PING(b"a", fin=False) + C(b"b"), 1002),
    ("fragmented_pong", PONG(b"a", fin=False) + C(b"b"), 1002),
    ("fragmented_close", CLOSE(1000, fin=False) + C(b""), 1002),
    # control frame payload limit
    ("ping_126", PING(b"p" * 126), 1002),
    ("pong_126", PONG(b"p" * 126), 1002),
    ("close_126", CLOSE(1000, b"r" * 124), 1002),
    ("ping_16bit_len_over_125", PING(b"p" * 200), 1002),
    # lengths
    ("len64_msb_set", T(b"", length=1 << 63), 1002),
    ("len64_all_ones", B(b"", length=(1 << 64) - 1), 1002),
    # 7.x close payloads
    ("close_1_byte", build_frame(OP_CLOSE, b"\x03"), 1002),
    *[(f"close_code_{c}", CLOSE(c), 1002) for c in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535)],
    ("close_reason_invalid_utf8", CLOSE(1000, b"\xff\xfe"), 1007),
    ("close_reason_surrogate", CLOSE(1000, b"ok\xed\xa0\x80"), 1007),
    ("close_reason_truncated", CLOSE(1000, "é".encode()[:1]), 1007),
    # 6.x invalid UTF-8, whole frames
    *[(f"utf8_{k}", T(v), 1007) for k, v in INVALID_UTF8.items()],
    # ... split over fragments
    ("utf8_invalid_across_fragment_boundary", T(b"ab\xce", fin=False) + C(b"\x41cd"), 1007),
    ("utf8_surrogate_across_fragments", T(b"\xed", fin=False) + C(b"\xa0", fin=False) + C(b"\x80"), 1007),
    ("utf8_overlong_across_fragments", T(b"\xe0", fin=False) + C(b"\x80\xaf"), 1007),
    ("utf8_truncated_at_message_end", T(b"ab", fin=False) + C(b"\xf0\x9d"), 1007),
    ("utf8_truncated_empty_last_fragment", T(b"ok\xe2\x82", fin=False) + C(b""), 1007),
    ("utf8_invalid_with_ping_between", T("κό".encode(), fin=False) + PING(b"") + C(b"\xc0\xaf"), 1007),
    # 6.4.x fail fast: the rest of the message is never sent, the Close must come anyway
    ("utf8_fail_fast_unfinished_message", T("κόσμε".encode() + b"\xf4\x90\x80\x80", fin=False), 1007),
    ("utf8_fail_fast_partial_frame", T("κόσμε".encode() + b"\xed\xa0\x80" + b"x" * 1000)[:-900], 1007),
    # 9.x limits (64 KiB per message)
    ("text_65537", T(b"t" * (LIMIT + 1)), 1009),
    ("binary_65537", B(pattern(LIMIT + 1)), 1009),
    ("oversize_header_only", B(b"", length=LIMIT + 1), 1009),
    ("oversize_16bit_ok_64bit_2_32", B(b"", length=1 << 32), 1009),
    ("oversize_in_two_fragments", B(b"\0" * 32768, fin=False) + C(b"\0" * 32769), 1009),
    ("oversize_in_17_fragments", b"".join(build_frame(OP_BINARY if i == 0 else OP_CONT, b"\1" * 4096, fin=False)
                                          for i in range(16)) + C(b"x"), 1009),
    ("oversize_fragment_header_only", T(b"a" * 40000, fin=False) + C(b"", length=LIMIT), 1009),
]

ERROR_IDS = [e[0] for e in ERRORS]
# What comes before the Close in some cases (the feed echoes nothing).
ERRORS_PRE = {
    ("continuation_after_complete_message", "echo"): [msg(OP_TEXT, "ok")],
    ("utf8_invalid_with_ping_between", "echo"): [pong()],
    ("utf8_invalid_with_ping_between", "attendance"): [pong()],
}


def open_endpoint(district: District, endpoint: str) -> RawWs:
    if endpoint == "echo":
        return RawWs.connect(district.port, ECHO)
    ws = RawWs.connect(district.port, live_path(CLASS, district.token(TEACHER)))
    op, payload = ws.read_message()
    assert op == OP_TEXT and json.loads(payload)["type"] == "connection_established", payload
    return ws


@pytest.mark.parametrize("endpoint", ["echo", "attendance"])
@pytest.mark.parametrize("case", ERRORS, ids=ERROR_IDS)
def test_protocol_error_closes(district, endpoint, case):
    name, wire, code = case
    with open_endpoint(district, endpoint) as ws:
        ws.send_raw(wire)
        expected = ERRORS_PRE.get((name, endpoint), []) + [closed(code)]
        expect_frames(ws, expected)


# ---------------------------------------------------------------------------
# 9.x / 10.x: the limit exactly, and messages arriving in arbitrary pieces

@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY], ids=["text", "binary"])
@pytest.mark.parametrize("fragment", [1000, 4096, 32768, 65535])
def test_64k_message_from_fragments_echoed(port, opcode, fragment):
    payload = utf8_text(LIMIT) if opcode == OP_TEXT else pattern(LIMIT, fragment)
    parts = [payload[i:i + fragment] for i in range(0, LIMIT, fragment)]
    with RawWs.connect(port, ECHO) as ws:
        ws.send_raw(fragmented(opcode, parts))
        expect_frames(ws, [msg(opcode, payload)])
        still_open(ws)


@pytest.mark.parametrize("chunk", [7, 1000, 4095, 65536])
def test_wire_in_chunks(port, chunk):
    """The same conversation, the client's bytes written `chunk` at a time (TCP_NODELAY)."""
    big = pattern(LIMIT, 7)
    text = utf8_text(50000)
    wire = (T("κόσμε") + B(big) + T(text[:30001], fin=False) + PING(b"mid") + C(text[30001:])
            + PING(pattern(125)) + CLOSE(1000))
    with RawWs.connect(port, ECHO) as ws:
        for i in range(0, len(wire), chunk):
            ws.send_raw(wire[i:i + chunk])
        expect_frames(ws, [msg(OP_TEXT, "κόσμε"), msg(OP_BINARY, big), pong(b"mid"), msg(OP_TEXT, text),
                           pong(pattern(125)), closed(1000)])


def test_byte_by_byte_handshake_and_frames(port):
    key = new_key()
    wire = (T("héllo") + T("€".encode()[:1], fin=False) + PING(b"p") + C("€".encode()[1:] + b"!")
            + B(pattern(300)) + CLOSE(1000))
    with RawWs(port) as ws:
        for b in upgrade_request(ECHO, key=key):
            ws.send_raw(bytes([b]))
        r = ws.read_http_response()
        assert r.status == 101 and r.header("Sec-WebSocket-Accept") == accept_for(key), r
        for b in wire:
            ws.send_raw(bytes([b]))
        expect_frames(ws, [msg(OP_TEXT, "héllo"), pong(b"p"), msg(OP_TEXT, "€!"), msg(OP_BINARY, pattern(300)),
                           closed(1000)])


def test_many_frames_in_one_write(port):
    wire, expected = [], []
    for i in range(300):
        k = i % 3
        if k == 0:
            wire.append(T(f"text {i} ✓"))
            expected.append(msg(OP_TEXT, f"text {i} ✓"))
        elif k == 1:
            wire.append(B(pattern(i, i)))
            expected.append(msg(OP_BINARY, pattern(i, i)))
        else:
            wire.append(PING(b"%d" % i))
            expected.append(pong(b"%d" % i))
    with RawWs.connect(port, ECHO) as ws:
        ws.send_raw(b"".join(wire) + CLOSE(1000))
        expect_frames(ws, expected + [closed(1000)], timeout=20)


def test_frames_in_the_handshake_write(port):
    """Bytes after the upgrade request, in the same TCP write, belong to the WebSocket."""
    key = new_key()
    with RawWs(port) as ws:
        ws.send_raw(upgrade_request(ECHO, key=key) + T("first") + PING(b"p") + B(b"\x00\x01") + T("x", fin=False))
        r = ws.read_http_response()
        assert r.status == 101 and r.header("Sec-WebSocket-Accept") == accept_for(key), r
        ws.send_raw(C("yz"))
        expect_frames(ws, [msg(OP_TEXT, "first"), pong(b"p"), msg(OP_BINARY, b"\x00\x01"), msg(OP_TEXT, "xyz")])
        still_open(ws)


def test_frames_in_the_handshake_write_feed(district):
    key = new_key()
    with RawWs(district.port) as ws:
        ws.send_raw(upgrade_request(live_path(CLASS, district.token(TEACHER)), key=key) + PING(b"early"))
        r = ws.read_http_response()
        assert r.status == 101, r
        frames = [ws.read_frame(), ws.read_frame()]
        ops = sorted(f.opcode for f in frames)
        assert ops == [OP_TEXT, OP_PONG], frames
        assert next(f for f in frames if f.opcode == OP_PONG).payload == b"early"
        assert json.loads(next(f for f in frames if f.opcode == OP_TEXT).payload)["type"] == "connection_established"
        still_open(ws, echo=False)


# ---------------------------------------------------------------------------
# the feed's own messages through the codec

def test_feed_json_ping_fragmented_with_control_ping(district):
    with LiveSocket(district.port, CLASS, district.token(TEACHER)) as s:
        ws = s.ws
        ws.send_raw(T('{"type":', fin=False) + PING(b"ctl") + C(b"", fin=False) + C('"ping"}'))
        f = ws.read_frame()
        assert (f.opcode, f.payload) == (OP_PONG, b"ctl"), f
        op, payload = ws.read_message()
        ev = json.loads(payload)
        assert op == OP_TEXT and ev["type"] == "pong" and ev["data"] == {} and ev["epoch"] == s.epoch, ev
        assert ev["seq"] == s.hello["seq"], ev


def test_feed_ignores_other_client_messages(district):
    with LiveSocket(district.port, CLASS, district.token(TEACHER)) as s:
        s.ws.send_raw(T("hello") + T('{"type":"subscribe"}') + B(b"\x00") + T("{") + T(b""))
        assert s.barrier() == []  # no answer to any of them, and still open
        s.ws.send_raw(CLOSE(1000))
        expect_frames(s.ws, [closed(1000)])


def test_feed_message_limit(district):
    """The feed reads client messages up to 64 KiB; one byte more is closed with 1009."""
    with LiveSocket(district.port, CLASS, district.token(TEACHER)) as s:
        head, tail = b'{"type":"noop","pad":"', b'"}'
        exact = head + b"p" * (LIMIT - len(head) - len(tail)) + tail
        assert len(exact) == LIMIT
        s.ws.send_raw(T(exact))
        assert s.barrier() == []
        s.ws.send_raw(T(exact + b" "))
        expect_frames(s.ws, [closed(1009)])


# ===========================================================================
# Liveness: server pings, silence timeout

PING_FLAGS = ("--ws-ping-interval-ms", "300", "--ws-silence-timeout-ms", "900")


@pytest.fixture(scope="module")
def pinging(module_server_factory):
    return District(start_demo(module_server_factory, "--ws-echo", *PING_FLAGS))


def poll_frames(socks: dict[str, RawWs], until, deadline: float, on_frame, done=()) -> None:
    """Reads whatever frames arrive on any of `socks` (except those named in `done`, which
    received their Close) until `until()` or the deadline."""
    while not until():
        assert time.monotonic() < deadline, "deadline passed"
        for name, ws in socks.items():
            if name in done:
                continue
            try:
                f = ws.read_frame(timeout=0.02)
            except TimeoutError:
                continue
            on_frame(name, f, time.monotonic())


def test_silent_client_is_pinged_then_closed_1008(pinging):
    t0 = time.monotonic()  # before the handshakes: the server's silence clock starts later than this
    socks = {"echo": RawWs.connect(pinging.port, ECHO),
             "attendance": RawWs.connect(pinging.port, live_path(CLASS, pinging.token(TEACHER)))}
    pings = {n: 0 for n in socks}
    closes: dict[str, tuple[int, float]] = {}
    texts = {n: [] for n in socks}

    def on_frame(name, f, now):
        assert name not in closes, f"{name}: frame after the Close: {f!r}"
        assert not f.masked and f.rsv == 0 and f.fin, f
        if f.opcode == OP_PING:
            assert f.payload == b"" or len(f.payload) <= 125, f
            pings[name] += 1
        elif f.opcode == OP_CLOSE:
            closes[name] = (f.close_code, now)
        else:
            assert f.opcode == OP_TEXT, f
            texts[name].append(json.loads(f.payload)["type"])

    try:
        poll_frames(socks, lambda: len(closes) == len(socks), time.monotonic() + 10, on_frame, done=closes)
        for name, ws in socks.items():
            code, at = closes[name]
            assert code == 1008, (name, code)
            elapsed = at - t0
            # Closed after 0.9 s of silence, not before (50 ms for the server's cached clock), and not much later.
            assert 0.85 <= elapsed <= 0.9 + 4.0, (name, elapsed)
            assert pings[name] >= 2, (name, pings)  # at ~0.3 s and ~0.6 s
            assert ws.wait_eof(5) == b""
        assert texts == {"echo": [], "attendance": ["connection_established"]}, texts
    finally:
        for ws in socks.values():
            ws.close()


def test_client_answering_pings_stays_open(pinging):
    socks = {"echo": RawWs.connect(pinging.port, ECHO),
             "attendance": RawWs.connect(pinging.port, live_path(CLASS, pinging.token(TEACHER)))}
    pings = {n: 0 for n in socks}

    def on_frame(name, f, now):
        assert f.opcode != OP_CLOSE, f"{name} closed although it answered every ping: {f!r}"
        if f.opcode == OP_PING:
            pings[name] += 1
            socks[name].send_raw(PONG(f.payload))
        else:
            assert name == "attendance" and f.opcode == OP_TEXT, f

    try:
        # 2.4 s: eight ping intervals, more than twice the silence timeout.
        end = time.monotonic() + 2.4
        poll_frames(socks, lambda: time.monotonic() >= end, end + 5, on_frame)
        assert min(pings.values()) >= 4, pings
        still_open(socks["echo"], answer_pings=True)
        still_open(socks["attendance"], echo=False, answer_pings=True)
    finally:
        for ws in socks.values():
            ws.close()


# ===========================================================================
# SIGTERM

def test_sigterm_closes_websockets_with_1001(server):
    s = start_demo(server, "--ws-echo")
    d = District(s)
    echo = RawWs.connect(s.port, ECHO)
    echo_mid = RawWs.connect(s.port, ECHO)
    echo_mid.send_raw(T("half a message", fin=False))
    teacher = LiveSocket(s.port, CLASS, d.token(TEACHER))
    student = LiveSocket(s.port, CLASS, d.token(student_user(1)))
    admin = LiveSocket(s.port, 7, d.token("admin"))
    try:
        # Everything is set up (the feed answers; the echo round trip completes) before the signal.
        echo.send_raw(T("ready"))
        expect_frames(echo, [msg(OP_TEXT, "ready")])
        for live in (teacher, student, admin):
            assert live.barrier() == []
        s.send_signal(signal.SIGTERM)
        for ws in (echo, echo_mid, teacher.ws, student.ws, admin.ws):
            expect_frames(ws, [closed(1001)], timeout=10)
    finally:
        for ws in (echo, echo_mid, teacher.ws, student.ws, admin.ws):
            ws.close()
    assert s.wait() == 0, s.stderr_text()


# ===========================================================================
# Closing before the subscription is set up, and nothing left behind

@pytest.mark.parametrize("tail", ["close_1000", "unmasked", "invalid_utf8", "tcp_fin"])
def test_feed_closed_in_the_handshake_write(district, tail):
    """The client's Close (or a protocol error, or its FIN) arrives with the upgrade request,
    before the feed has subscribed: the server answers the Close or error and forgets the socket."""
    key = new_key()
    wire = {"close_1000": CLOSE(1000), "unmasked": T("x", mask=False), "invalid_utf8": T(b"\xff"),
            "tcp_fin": b""}[tail]
    with RawWs(district.port) as ws:
        ws.send_raw(upgrade_request(live_path(CLASS, district.token(TEACHER)), key=key) + wire)
        if tail == "tcp_fin":
            ws.sock.shutdown(socket.SHUT_WR)
        r = ws.read_http_response()
        assert r.status == 101 and r.header("Sec-WebSocket-Accept") == accept_for(key), r
        if tail == "tcp_fin":
            # Either nothing more, or the hello before EOF: never an error.
            rest = ws.wait_eof(10)
            assert rest == b"" or rest.startswith(b"\x81"), rest[:50]
        else:
            expect_frames(ws, [closed({"close_1000": 1000, "unmasked": 1002, "invalid_utf8": 1007}[tail])])


def test_no_subscribers_left_open(district):
    """After every feed socket of this module closed (cleanly, by error, or half-way), the
    subscriber gauge returns to zero: no subscription outlives its connection."""
    with LiveSocket(district.port, CLASS, district.token(TEACHER)) as s:
        s.ws.send_raw(T(b"\xc0\xaf"))
        expect_frames(s.ws, [closed(1007)])
    deadline = time.monotonic() + 10
    while True:
        open_now = district.server.metrics().get("rollcall_ws_subscribers_open")
        if open_now == 0:
            break
        assert time.monotonic() < deadline, f"rollcall_ws_subscribers_open stays at {open_now}"
        time.sleep(0.05)  # polling a gauge with a deadline
