"""Smoke test of the load generator `rollcall-load` (tools/load.cpp) against a real server.

For each scenario (overrides, checkins, reconnect-storm): a --demo server with 6
classes of 30 students, 60 subscribers (10 per class), about 100 writes/s for 2 s.
The load generator's JSON line must show every acknowledged write delivered once
to every subscriber of its class (lost == duplicated == errors == 0, deliveries ==
writes x 10), and the server's own frame counter must account for at least as many
frames as were delivered.

The binary is looked up next to ROLLCALL_BIN (build/<tree>/rollcall-load).
"""
from __future__ import annotations

import subprocess

import pytest

from api_client import start_demo
from conftest import ROLLCALL_BIN, run_rollcall
from load_runner import run_load

LOAD_BIN = ROLLCALL_BIN.parent / "rollcall-load"
CLASSES = 6
CLASS_SIZE = 30
SUBSCRIBERS = 60
PER_CLASS = SUBSCRIBERS // CLASSES


@pytest.fixture(scope="module")
def load_bin():
    if not LOAD_BIN.is_file():
        pytest.fail(f"{LOAD_BIN} not found: build it (ninja -C {ROLLCALL_BIN.parent} rollcall-load)")
    return LOAD_BIN


@pytest.mark.parametrize("scenario,rate", [
    ("overrides", 100),
    ("checkins", 80),        # 180 students in all: each checks in once
    ("reconnect-storm", 100),
])
def test_load_scenario(server, load_bin, scenario, rate):
    # Every simulated subscriber uses the admin token: lift the per-user cap.
    srv = start_demo(server, "--demo-classes", str(CLASSES), "--demo-class-size", str(CLASS_SIZE),
                     "--max-subscriptions-per-user", "1000000")
    tok = run_rollcall("token", "--data-dir", str(srv.data_dir), "--user", "admin")
    assert tok.returncode == 0, tok.stderr
    token = tok.stdout.decode().strip()
    frames_before = srv.metrics().get("rollcall_ws_frames_sent_total", 0.0)

    r, stderr = run_load(load_bin, [
        "--target", f"http://127.0.0.1:{srv.port}", "--token", token, "--data-dir", str(srv.data_dir),
        "--classes", str(CLASSES), "--subscribers", str(SUBSCRIBERS), "--writes-per-s", str(rate),
        "--duration-s", "2", "--source-ips", "2", "--scenario", scenario,
        "--server-pid", str(srv.proc.pid), "--storm-after-s", "0.7"])

    assert r["scenario"] == scenario
    assert r["connections"] == SUBSCRIBERS
    assert r["errors"] == 0 and r["lost"] == 0 and r["duplicated"] == 0 and r["seq_gaps"] == 0, r
    assert r["writes"] > 0 and r["writes"] == r["writes_sent"], r
    assert r["deliveries"] == r["writes"] * PER_CLASS, r
    assert 0 < r["latency_ms"]["p50"] <= r["latency_ms"]["p99"] <= r["latency_ms"]["max"], r
    assert r["server_rss_kb"] > 0 and r["load_cpu_s"] > 0, r
    # RSS after the subscribers left: read once the server counted none of them.
    assert r["server_rss_after_kb"] > 0, r
    assert srv.metrics()["rollcall_ws_subscribers_open"] == 0
    for key in ("connect_s", "writes_per_s", "deliveries_per_s", "rss_per_conn_bytes"):
        assert key in r, key
    if scenario == "reconnect-storm":
        assert r["reconnected"] == SUBSCRIBERS and r["recovered"] == SUBSCRIBERS, r
        assert r["not_recovered"] == 0 and r["reconnect_s"] >= 0, r
    assert "rollcall-load:" in stderr  # progress lines

    frames_sent = srv.metrics()["rollcall_ws_frames_sent_total"] - frames_before
    assert frames_sent >= r["deliveries"], (frames_sent, r)


def test_load_refuses_what_does_not_fit(load_bin):
    """More subscribers than RLIMIT_NOFILE allows: a clear refusal before any connection."""
    proc = subprocess.run(
        ["/bin/sh", "-c", f"ulimit -n 256; exec {load_bin} --target http://127.0.0.1:9 --token x "
                          "--subscribers 1000"],
        capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert b"RLIMIT_NOFILE" in proc.stderr and proc.stdout == b""


def test_load_help(load_bin):
    proc = subprocess.run([str(load_bin), "--help"], capture_output=True, timeout=10)
    assert proc.returncode == 0
    for flag in (b"--target", b"--token", b"--classes", b"--subscribers", b"--writes-per-s", b"--duration-s",
                 b"--source-ips", b"--scenario", b"--data-dir", b"--server-pid"):
        assert flag in proc.stdout, flag
