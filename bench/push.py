#!/usr/bin/python3
"""Web Push delivery benchmark (issue 20): how long from an event to the push
service's 201, with SUBSCRIPTIONS subscriptions and a session opened in each of
CLASSES classes of CLASS_SIZE students.

Starts its own HTTPS push service (tests/integration/push_service.py, its checks off
except on every 100th request, so that it costs little next to the server) and its
own `rollcall serve --demo`, subscribes every student once (and the first ones a
second time, up to SUBSCRIPTIONS), opens one session per class as fast as the
teachers can, and waits for every notification. Prints one JSON line: the latency
from each session's `starts_at` to the 201 its students' push requests got
(p50/p90/p99/max), how many arrived, the push metrics, and the checks' verdict.

Usage: bench/push.py [ROLLCALL_BIN]
Environment: CLASSES (300), CLASS_SIZE (30), SUBSCRIPTIONS (10000), SHARDS (2),
BATCH_MS (2000: the server's --push-batch-ms), SERVER_CPUS / DRIVER_CPUS (taskset
lists, e.g. 0 and 1; default: unpinned).
"""
from __future__ import annotations

import http.client
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from push_service import PushService  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "release" / "rollcall")
CLASSES = int(os.environ.get("CLASSES", "300"))
CLASS_SIZE = int(os.environ.get("CLASS_SIZE", "30"))
SUBSCRIPTIONS = int(os.environ.get("SUBSCRIPTIONS", "10000"))
SHARDS = os.environ.get("SHARDS", "2")
BATCH_MS = os.environ.get("BATCH_MS", "2000")
STUDENTS = CLASSES * CLASS_SIZE
TEACHERS = (CLASSES + 2) // 3


class BenchPushService(PushService):
    """Records and answers 201; runs the full checks on every 100th request only."""

    def _check(self, req, now):
        if req.seq % 100 == 0:
            super()._check(req, now)


def pinned(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus else []


def serve(data: pathlib.Path, service: PushService) -> tuple[subprocess.Popen, int]:
    args = pinned(os.environ.get("SERVER_CPUS")) + [
        BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data), "--shards", SHARDS,
        "--demo", "--demo-classes", str(CLASSES), "--demo-class-size", str(CLASS_SIZE),
        "--push-ca-file", str(service.ca_file), "--push-allow-private", "--push-batch-ms", BATCH_MS,
        "--max-connections-per-ip", "100000", "--log-level", "warn"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(data.parent / "serve.err", "ab"),
                            stdin=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    while "listening on" not in line:
        if not line:
            raise SystemExit(f"rollcall did not start: see {data.parent / 'serve.err'}")
        line = proc.stdout.readline().decode()
    return proc, int(re.search(r":(\d+)\s*$", line).group(1))


def tokens(data: pathlib.Path, users: list[str]) -> list[str]:
    args = [BIN, "token", "--data-dir", str(data)]
    for u in users:
        args += ["--user", u]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
    assert len(out) == len(users), (len(out), len(users))
    return out


def call(conn, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "Bearer " + token}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else {})


def in_threads(n: int, items: list, work) -> None:
    def run(part):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        for item in part:
            work(conn, item)
        conn.close()
    threads = [threading.Thread(target=run, args=(items[i::n],)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def subscribe_all(service: PushService, student_tokens: list[str]) -> None:
    owners = [i % STUDENTS for i in range(SUBSCRIPTIONS)]

    def one(conn, i):
        sub = service.new_subscription(label=f"s{owners[i]}")
        status, _ = call(conn, "POST", "/api/v1/push/subscriptions", student_tokens[owners[i]], sub.json())
        assert status == 201, status
    in_threads(8, list(range(SUBSCRIPTIONS)), one)


def open_sessions(teacher_tokens: list[str]) -> dict[int, int]:
    starts: dict[int, int] = {}  # session id -> starts_at ms

    def one(conn, cls):
        status, s = call(conn, "POST", f"/api/v1/classes/{cls}/sessions", teacher_tokens[(cls - 1) // 3],
                         {"late_after_minutes": 60})
        assert status == 201, (status, s)
        starts[s["id"]] = datetime.fromisoformat(s["starts_at"].replace("Z", "+00:00")).timestamp() * 1000
    in_threads(4, list(range(1, CLASSES + 1)), one)
    return starts


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


def main() -> None:
    global PORT
    work = pathlib.Path(tempfile.mkdtemp(prefix="rollcall-push-bench-"))
    service = BenchPushService(work, expected_ttl=3600).start()
    proc, PORT = serve(work / "data", service)
    proc.send_signal(signal.SIGTERM)  # seeded: now the tokens, then the real run
    proc.wait(30)
    students = tokens(work / "data", [f"student{k:03d}" for k in range(1, STUDENTS + 1)])
    teachers = tokens(work / "data", [f"teacher{t}" for t in range(1, TEACHERS + 1)])
    proc, PORT = serve(work / "data", service)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        _, key = call(conn, "GET", "/api/v1/push/vapid-public-key", students[0])
        service.vapid_public_key = key["public_key"]
        t0 = time.monotonic()
        subscribe_all(service, students)
        subscribed_s = time.monotonic() - t0
        t0 = time.monotonic()
        starts = open_sessions(teachers)
        opened_s = time.monotonic() - t0
        deadline = time.monotonic() + 120
        while len(service.requests()) < SUBSCRIPTIONS and time.monotonic() < deadline:
            time.sleep(0.2)
        cpu = thread_cpu_s(proc.pid)
        conn.request("GET", "/metrics")
        metrics = [l for l in conn.getresponse().read().decode().splitlines()
                   if l.startswith("rollcall_push_") and not l.startswith("rollcall_push_latency_seconds_bucket")]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        service.stop()
    report(service, starts, subscribed_s, opened_s, metrics, cpu)


def thread_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) each of the server's threads used, by thread name."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        name = (task / "comm").read_text().strip()
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        out[name] = round(out.get(name, 0) + (int(fields[11]) + int(fields[12])) / tick, 2)
    return out


def report(service, starts, subscribed_s, opened_s, metrics, cpu) -> None:
    # Each request belongs to the session its Topic names.
    per = []
    for r in service.requests():
        topic = r.header("Topic") or ""
        if r.answered_mono is None or not topic.startswith("session_opened-"):
            continue
        start = starts.get(int(topic.split("-", 1)[1]))
        if start is None:
            continue
        per.append((r.received_at + (r.answered_mono - r.received_mono)) * 1000 - start)
    checked = [r for r in service.requests() if r.seq % 100 == 0]
    print(json.dumps({
        "classes": CLASSES, "class_size": CLASS_SIZE, "subscriptions": SUBSCRIPTIONS,
        "shards": int(SHARDS), "batch_ms": int(BATCH_MS),
        "subscribe_s": round(subscribed_s, 2), "open_sessions_s": round(opened_s, 2),
        "delivered": len(per),
        "latency_ms": {"p50": round(percentile(per, 50)), "p90": round(percentile(per, 90)),
                       "p99": round(percentile(per, 99)), "max": round(max(per)) if per else None},
        "server_cpu_s": cpu, "checked_requests": len(checked), "invalid_checked": sum(1 for r in checked if not r.valid),
        "metrics": metrics}))


if __name__ == "__main__":
    main()
