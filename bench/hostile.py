#!/usr/bin/python3
"""Hostile clients for bench/run --soak (issue 19): for DURATION seconds, against
one server, run at once
  - a subscriber that sends {"type":"ping"} and never reads (reconnects when closed),
  - a connection pipelining GET /metrics and never reading (reconnects when closed),
  - unknown-user logins from two threads as fast as they go, on connections closed
    right after sending, while a real user signs in every 2 s from 127.0.0.2,
  - one student's offline sync stepping client_time back 1 ms per op.
and print one JSON line: what each attacker sent and what the server answered.
Usage: hostile.py PORT STUDENT_TOKEN STAFF_TOKEN CLASS_ID DURATION_S
Environment: HOSTILE=logins runs only the unknown-user logins and the real sign-ins
(bench/run --login-flood); LOGINS_PER_S paces the unknown-user logins (default: as
fast as they go); REAL_LOGIN_EVERY_S (default 2) spaces the real sign-ins.
"""
from __future__ import annotations

import base64
import json
import os
import socket
import sys
import threading
import time

PORT, STUDENT, STAFF, CLASS, DURATION = (int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                        float(sys.argv[5]))
END = time.monotonic() + DURATION
ONLY_LOGINS = os.environ.get("HOSTILE") == "logins"
LOGINS_PER_S = float(os.environ.get("LOGINS_PER_S", "0"))  # 0: unpaced
REAL_LOGIN_EVERY_S = float(os.environ.get("REAL_LOGIN_EVERY_S", "2"))
stats = {"ping_bytes": 0, "ping_reconnects": 0, "pipeline_bytes": 0, "pipeline_reconnects": 0,
         "logins_sent": 0, "sync_requests": 0, "sync_outcomes": {}, "real_logins": []}


def connect() -> socket.socket:
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return s


def masked_text(payload: bytes) -> bytes:
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + key + body


def push(s: socket.socket, data: bytes, counter: str) -> bool:
    """Sends until the server stops taking bytes for 1 s or drops us; False when dropped."""
    s.settimeout(1.0)
    while time.monotonic() < END:
        try:
            stats[counter] += s.send(data)
        except socket.timeout:
            continue  # not read: keep trying, the server must not grow
        except OSError:
            return False
    return True


def ping_flooder() -> None:
    burst = masked_text(b'{"type":"ping"}') * 3000
    while time.monotonic() < END:
        try:
            s = connect()
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall((f"GET /ws/attendance/{CLASS}?token={STAFF} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
            push(s, burst, "ping_bytes")
            s.close()
        except OSError:
            pass
        stats["ping_reconnects"] += 1


def pipeliner() -> None:
    burst = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 1000
    while time.monotonic() < END:
        try:
            s = connect()
            push(s, burst, "pipeline_bytes")
            s.close()
        except OSError:
            pass
        stats["pipeline_reconnects"] += 1


def login_flooder(first: int = 0, per_s: float = 0) -> None:
    i = first
    start = time.monotonic()
    while time.monotonic() < END:
        if per_s > 0:  # paced: the i-th login of this thread not before start + i/per_s
            ahead = start + (i - first) / per_s - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        body = json.dumps({"username": f"nobody{i}", "password": "x"}).encode()
        try:
            s = connect()
            s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            s.close()  # hung up at once: the server must drop the job
            stats["logins_sent"] += 1
        except OSError:
            pass
        i += 1


def real_logins() -> None:
    """A real user signing in every REAL_LOGIN_EVERY_S from another address (127.0.0.2): how
    long it takes."""
    body = json.dumps({"username": "teacher1", "password": "rollcall-demo"}).encode()
    while time.monotonic() < END:
        t = time.monotonic()
        try:
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.settimeout(30)
            s.connect(("127.0.0.1", PORT))
            s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            status = s.recv(64).split(b" ")[1].decode()
            s.close()
        except (OSError, IndexError):
            status = "error"
        stats["real_logins"].append([status, round(time.monotonic() - t, 3)])
        time.sleep(REAL_LOGIN_EVERY_S)


def current_code() -> str:
    """The open session's verification code (rollcall-load opens it), or a wrong one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            s = connect()
            s.settimeout(5)
            s.sendall(f"GET /api/v1/classes/{CLASS}/sessions/current HTTP/1.1\r\nHost: x\r\n"
                      f"Connection: close\r\nAuthorization: Bearer {STAFF}\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            s.close()
            if data.startswith(b"HTTP/1.1 200"):
                return json.loads(data.split(b"\r\n\r\n", 1)[1])["verification_code"]
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    return "000000"


def sync_flooder() -> None:
    n = 0
    code = current_code()
    t0 = int(time.time() * 1000)
    while time.monotonic() < END:
        ops = []
        for _ in range(500):
            n += 1
            at = t0 - n
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at / 1000)) + ".%03dZ" % (at % 1000)
            ops.append({"op_id": f"soak-{n}", "kind": "check_in", "method": "verification_code",
                        "class_id": CLASS, "code": code, "client_time": stamp})
        body = json.dumps({"client_id": "soak", "ops": ops}).encode()
        try:
            s = connect()
            s.settimeout(10)
            s.sendall(b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                      b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s" % (STUDENT.encode(), len(body), body))
            data = b""
            while chunk := s.recv(1 << 20):
                data += chunk
            s.close()
            head, _, body = data.partition(b"\r\n\r\n")
            if head.startswith(b"HTTP/1.1 200"):
                for r in json.loads(body)["results"]:
                    key = r["outcome"] + ("/" + r["error"]["code"] if "error" in r else "")
                    stats["sync_outcomes"][key] = stats["sync_outcomes"].get(key, 0) + 1
            else:
                status = head.split(b" ")[1].decode()
                stats["sync_outcomes"][status] = stats["sync_outcomes"].get(status, 0) + 1
        except (OSError, IndexError, ValueError):
            pass
        stats["sync_requests"] += 1
        time.sleep(0.5)


others = (real_logins,) if ONLY_LOGINS else (ping_flooder, pipeliner, sync_flooder, real_logins)
threads = [threading.Thread(target=f, daemon=True) for f in others]
threads += [threading.Thread(target=login_flooder, args=(k * 10**9, LOGINS_PER_S / 2), daemon=True)
            for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join(DURATION + 30)
stats["logins_per_s"] = round(stats["logins_sent"] / DURATION)
real = sorted(t for status, t in stats["real_logins"] if status == "200")
if real:
    stats["real_login_s"] = {"n": len(real), "ok": len(real) == len(stats["real_logins"]), "min": real[0],
                             "median": real[len(real) // 2], "p99": real[min(len(real) - 1, len(real) * 99 // 100)],
                             "max": real[-1]}
print(json.dumps(stats))
