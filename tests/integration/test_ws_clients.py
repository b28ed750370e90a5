"""Real WebSocket client libraries against rollcall (API.md §5).

- python3-websockets (asyncio): the echo endpoint with messages of every length
  encoding up to the 64 KiB limit, text and binary, one after another and from
  many clients at once; ping/pong; a clean close 1000; a 65537-byte message closed
  with 1009; the live feed's connection_established, JSON ping/pong and close.
  The client offers permessage-deflate: the server must decline it.
- Node's `ws` (Debian's node-ws, run from tests/integration/node/ws_client.js):
  the same against the echo endpoint, the live feed, and the limit.
  Skipped only when /usr/bin/node or the ws module is missing.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import pathlib
import re
import subprocess

import pytest

from api_client import District, start_demo, student_user, teacher_id
from test_ws_protocol import LIMIT, pattern, utf8_text

websockets = pytest.importorskip("websockets")

NODE = pathlib.Path("/usr/bin/node")
NODE_PATH = "/usr/share/nodejs"
NODE_SCRIPT = pathlib.Path(__file__).resolve().parent / "node" / "ws_client.js"
EPOCH_RE = re.compile(r"^[0-9a-f]{8}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

SPEC = [("text", 0), ("text", 1), ("binary", 1), ("text", 125), ("binary", 126), ("text", 127),
        ("binary", 1000), ("text", 4096), ("binary", 65535), ("text", 65535), ("binary", LIMIT), ("text", LIMIT)]


def payload(kind: str, size: int):
    return utf8_text(size).decode() if kind == "text" else pattern(size, size)


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory, "--ws-echo"))


def run(coro, timeout: float = 30.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def check_hello(hello: dict, role: str, user_id: int | None = None) -> None:
    assert set(hello) == {"type", "class_id", "seq", "epoch", "timestamp", "data"}, hello
    assert hello["type"] == "connection_established" and hello["class_id"] == 1, hello
    assert isinstance(hello["seq"], int) and hello["seq"] >= 0, hello
    assert EPOCH_RE.match(hello["epoch"]) and TIME_RE.match(hello["timestamp"]), hello
    d = hello["data"]
    assert set(d) == {"role", "user_id", "recovered", "snapshot"}, d
    assert d["role"] == role and d["recovered"] is False, d
    if user_id is not None:
        assert d["user_id"] == user_id, d
    assert set(d["snapshot"]) == {"session", "records", "counts"}, d


# ---------------------------------------------------------------------------
# python3-websockets

def test_websockets_echo(district):
    async def main():
        async with websockets.connect(f"ws://127.0.0.1:{district.port}/ws/echo", max_size=4 * LIMIT,
                                      open_timeout=10, close_timeout=10) as ws:
            assert ws.extensions == [], ws.extensions  # permessage-deflate was offered and declined
            assert ws.subprotocol is None
            for kind, size in SPEC:
                sent = payload(kind, size)
                await ws.send(sent)
                got = await asyncio.wait_for(ws.recv(), 10)
                assert type(got) is type(sent) and got == sent, (kind, size)
            # Pipelined: everything first, then the answers in order.
            for kind, size in SPEC:
                await ws.send(payload(kind, size))
            for kind, size in SPEC:
                assert await asyncio.wait_for(ws.recv(), 10) == payload(kind, size), (kind, size)
            pong = await ws.ping(b"py-ping")
            await asyncio.wait_for(pong, 10)
            await ws.close(1000, "done")
            assert ws.close_code == 1000, ws.close_code
    run(main())


def test_websockets_many_clients(district):
    async def client(i: int):
        async with websockets.connect(f"ws://127.0.0.1:{district.port}/ws/echo", open_timeout=10,
                                      close_timeout=10) as ws:
            for j in range(30):
                m = f"client {i} message {j} ✓" if j % 2 else pattern(50 + j * 37, i)
                await ws.send(m)
                assert await asyncio.wait_for(ws.recv(), 10) == m
            await ws.close(1000)
            return ws.close_code

    async def main():
        return await asyncio.gather(*(client(i) for i in range(20)))
    assert run(main()) == [1000] * 20


def test_websockets_too_big_1009(district):
    async def main():
        async with websockets.connect(f"ws://127.0.0.1:{district.port}/ws/echo", max_size=4 * LIMIT,
                                      open_timeout=10, close_timeout=10) as ws:
            await ws.send(pattern(LIMIT + 1, 3))
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code
    assert run(main()) == 1009


@pytest.mark.parametrize("user,role", [("teacher1", "teacher"), (student_user(3), "student")])
def test_websockets_live_feed(district, user, role):
    async def main():
        url = f"ws://127.0.0.1:{district.port}/ws/attendance/1?token={district.token(user)}"
        async with websockets.connect(url, open_timeout=10, close_timeout=10) as ws:
            assert ws.extensions == []
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
            check_hello(hello, role, teacher_id(1) if user == "teacher1" else None)
            await ws.send(json.dumps({"type": "ping"}))
            pong = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert pong["type"] == "pong" and pong["data"] == {} and pong["epoch"] == hello["epoch"], pong
            assert pong["seq"] == hello["seq"], pong
            await asyncio.wait_for(await ws.ping(b"x"), 10)
            await ws.close(1000)
            return ws.close_code
    assert run(main()) == 1000


def test_websockets_refused_handshake_status(district):
    async def main(path):
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            async with websockets.connect(f"ws://127.0.0.1:{district.port}{path}", open_timeout=10):
                pass
        return e.value.status_code
    assert run(main("/ws/attendance/1")) == 401
    assert run(main(f"/ws/attendance/1?token={district.token('teacher2')}")) == 403
    assert run(main(f"/ws/attendance/999?token={district.token('admin')}")) == 404


# ---------------------------------------------------------------------------
# Node ws

def node(mode: str, url: str, *args: str) -> dict:
    if not NODE.is_file() or not (pathlib.Path(NODE_PATH) / "ws").is_dir():
        pytest.skip("needs /usr/bin/node and Debian's node-ws (/usr/share/nodejs/ws)")
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    p = subprocess.run([str(NODE), str(NODE_SCRIPT), mode, url, *args], capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL, env=env)
    assert p.returncode == 0, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def test_node_ws_echo(district):
    spec = [{"kind": k, "size": n} for k, n in SPEC]
    out = node("echo", f"ws://127.0.0.1:{district.port}/ws/echo", json.dumps(spec))
    assert out["extensions"] == "" and out["protocol"] == "", out
    want = []
    for k, n in SPEC:
        data = payload(k, n)
        raw = data.encode() if isinstance(data, str) else data
        want.append({"binary": k == "binary", "len": len(raw), "sha256": hashlib.sha256(raw).hexdigest()})
    assert out["echoes"] == want
    assert out["pong"] == "node-ping"
    assert out["close"]["code"] == 1000, out


def test_node_ws_live_feed(district):
    out = node("live", f"ws://127.0.0.1:{district.port}/ws/attendance/1?token={district.token('teacher1')}")
    assert out["extensions"] == "", out
    hello, pong = out["messages"][0], out["messages"][-1]
    check_hello(hello, "teacher", teacher_id(1))
    assert [m["type"] for m in out["messages"]] == ["connection_established", "pong"], out
    assert pong["epoch"] == hello["epoch"] and pong["data"] == {}, pong
    assert out["close"]["code"] == 1000, out


def test_node_ws_too_big_1009(district):
    out = node("toobig", f"ws://127.0.0.1:{district.port}/ws/echo", str(LIMIT + 1))
    assert out["close"]["code"] == 1009, out
