"""bench/reference/ws-server.js (issue 22, "Benchmarks"): the Node `ws` reference
server that bench/ runs next to rollcall must speak the wire-contract subset that
`rollcall-load --scenario overrides` uses well enough that the unmodified load
generator finds nothing wrong with it: every write acknowledged and delivered once,
in seq order, to every subscriber of its class. If the reference drifted (a wrong
seq, a dropped event, a field the load generator reads), its figures would not be
comparable with rollcall's, so this fails.

Skipped where Debian's node or node-ws is missing. rollcall-load is looked up next
to ROLLCALL_BIN.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/deploy/test_reference_server.py
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import time

import pytest

import http_client
from conftest import ROLLCALL_BIN, SOURCE_ROOT
from load_runner import run_load
from ws_client import HandshakeRefused, LiveSocket, RawWs

SERVER_JS = SOURCE_ROOT / "bench" / "reference" / "ws-server.js"
DEBIAN_WS = "/usr/share/nodejs/ws"
LOAD_BIN = ROLLCALL_BIN.parent / "rollcall-load"
CLASSES = 3
CLASS_SIZE = 5
SUBSCRIBERS = 30
PER_CLASS = SUBSCRIBERS // CLASSES
RATE = 50
START_TIMEOUT_S = 10.0

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir(DEBIAN_WS),
                                reason="needs node and Debian's node-ws (/usr/share/nodejs/ws)")


@pytest.fixture
def reference():
    """A fresh reference server (3 classes of 5): (port, pid)."""
    proc = subprocess.Popen(["node", str(SERVER_JS), "--port", "0", "--classes", str(CLASSES),
                             "--class-size", str(CLASS_SIZE)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NODE_PATH": "/usr/share/nodejs"})
    try:
        yield _wait_listening(proc), proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def _wait_listening(proc: subprocess.Popen) -> int:
    prefix = "reference listening on http://127.0.0.1:"
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            line = proc.stdout.readline().decode()
            if not line:
                pytest.fail(f"the reference server exited: {proc.stderr.read().decode()}")
            if line.startswith(prefix):
                return int(line[len(prefix):])
    pytest.fail("the reference server did not print its listening line")


def test_rollcall_load_finds_nothing_wrong(reference):
    if not LOAD_BIN.is_file():
        pytest.fail(f"{LOAD_BIN} not found: build it (ninja -C {ROLLCALL_BIN.parent} rollcall-load)")
    port, pid = reference
    r, _ = run_load(LOAD_BIN, [
        "--target", f"http://127.0.0.1:{port}", "--token", "any-string", "--classes", str(CLASSES),
        "--subscribers", str(SUBSCRIBERS), "--writes-per-s", str(RATE), "--duration-s", "1",
        "--server-pid", str(pid)], timeout=60)
    assert r["connections"] == SUBSCRIBERS, r
    for key in ("errors", "lost", "duplicated", "seq_gaps", "unmatched_events", "protocol_errors",
                "closed_by_server", "write_errors", "unanswered_writes", "epoch_changes"):
        assert r[key] == 0, (key, r)
    # One second at 50/s: the pacer releases floor(t x rate) + 1 writes by time t.
    assert r["writes"] == r["writes_sent"], r
    assert RATE - 2 <= r["writes"] <= RATE + 1, r
    # Every acknowledged write reached each of its class's subscribers exactly once...
    assert r["deliveries"] == r["writes"] * PER_CLASS, r
    # ...with its attendance_state_changed right after it, as rollcall sends them.
    assert r["frames"] == 2 * r["deliveries"], r
    assert r["server_rss_before_kb"] > 0 and r["server_rss_connected_kb"] > 0, r


def test_the_feed_and_handshake_follow_the_contract(reference):
    port, _ = reference
    auth = {"Authorization": "Bearer any-string"}

    def call(method, target, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        resp = http_client.get(port, target, headers=auth, method=method, body=data)
        return resp.status, resp.json()

    with LiveSocket(port, 2, "t") as live:
        assert live.hello["data"]["snapshot"] == {
            "session": None, "records": [],
            "counts": {"present": 0, "late": 0, "absent": 0, "excused": 0, "unmarked": 0, "total": 0}}
        seq0 = live.hello["seq"]
        status, session = call("POST", "/api/v1/classes/2/sessions", {"late_after_minutes": 600})
        assert status == 201 and session["status"] == "open", session
        assert call("POST", "/api/v1/classes/2/sessions")[0] == 409
        status, detail = call("GET", "/api/v1/classes/2")
        student = detail["students"][0]
        assert student == {"id": 2 + 1 + CLASS_SIZE, "name": "Student 006"}, detail  # rollcall's demo ids
        status, record = call("PUT", f"/api/v1/sessions/{session['id']}/attendance/{student['id']}",
                              {"status": "excused", "reason": "doctor"})
        assert status == 200 and record["is_manual_override"] is True, record
        opened, update, state = live.take(3)
        assert [e["seq"] for e in (opened, update, state)] == [seq0 + 1, seq0 + 2, seq0 + 3]
        assert opened["type"] == "session_opened" and opened["data"] == session
        assert update["type"] == "attendance_update" and update["data"] == {**record, "change": "created"}
        assert state["type"] == "attendance_state_changed"
        assert state["data"]["counts"] == {"present": 0, "late": 0, "absent": 0, "excused": 1,
                                           "unmarked": CLASS_SIZE - 1, "total": CLASS_SIZE}

    with LiveSocket(port, 2, "t") as late_joiner:  # the snapshot holds the open session
        snap = late_joiner.hello["data"]["snapshot"]
        assert late_joiner.hello["seq"] == seq0 + 3
        assert snap["session"] == session and snap["counts"] == state["data"]["counts"]
        assert snap["records"][0] == record and len(snap["records"]) == CLASS_SIZE

    for path, status in (("/ws/attendance/1", 401), (f"/ws/attendance/{CLASSES + 1}?token=t", 404)):
        with pytest.raises(HandshakeRefused) as refused:
            RawWs.connect(port, path)
        assert refused.value.response.status == status, path
        assert refused.value.response.json()["error"]["code"] in ("unauthorized", "class_not_found")
