"""A warm WebSocket upgrade allocates nothing (issue 22): accepting the connection,
parsing the request, checking the token, the route, the trip to the class's owner,
the 101 and the shared snapshot written into the subscriber's output. Counted in the
real server over real sockets: every malloc, calloc and realloc of the process,
through an LD_PRELOAD library (malloc_count.cpp, built next to the binary; absent,
and the test skipped, in the sanitizer build).

A reconnect storm, as a school's Wi-Fi coming back makes one: 1,150 subscribers over
every class connect and 1,000 of them leave, so that the server's pools, slots and
per-class state have seen the storm once; then 1,000 subscribers connect again,
each reading its connection_established, and the allocations during those 1,000 are
counted. The allowance is what the server's own clock does meanwhile
(ticks, metrics), measured on a quiet server: before this test, an upgrade cost
three allocations (OpenSSL's one-shot SHA1() fetching its implementation).
"""
from __future__ import annotations

import os
import pathlib
import struct
import time

import pytest

from api_client import District, start_demo
from ws_client import RawWs

LIB = os.environ.get("ROLLCALL_MALLOC_COUNT_LIB", "")
CLASSES = 12  # the demo district's
HELD, COUNTED = 150, 1000


def allocations(counts: pathlib.Path) -> int:
    return struct.unpack("<Q", counts.read_bytes()[:8])[0]


def subscribe(port: int, token: str, cls: int) -> RawWs:
    ws = RawWs.connect(port, f"/ws/attendance/{cls}?token={token}")
    op, payload = ws.read_message()
    assert b'"connection_established"' in payload, payload[:200]
    return ws


@pytest.mark.skipif(not LIB or not pathlib.Path(LIB).exists(), reason="no allocation counter in this build")
def test_a_warm_upgrade_allocates_nothing(server, monkeypatch, tmp_path):
    counts = tmp_path / "allocations"
    monkeypatch.setenv("LD_PRELOAD", LIB)
    monkeypatch.setenv("MALLOC_COUNT_FILE", str(counts))
    s = start_demo(server, "--max-subscriptions-per-user", "10000", "--max-connections-per-ip", "10000")
    monkeypatch.delenv("LD_PRELOAD")  # only the server counts
    token = District(s).tokens(["admin"])[0]
    held = [subscribe(s.port, token, 1 + i % CLASSES) for i in range(HELD + COUNTED)]
    for ws in held[HELD:]:
        ws.close()
    del held[HELD:]

    quiet_from, t0 = allocations(counts), time.monotonic()
    time.sleep(1.0)  # a window to count the server's own background allocations in
    per_second = (allocations(counts) - quiet_from) / (time.monotonic() - t0)

    start, t0 = allocations(counts), time.monotonic()
    more = [subscribe(s.port, token, 1 + i % CLASSES) for i in range(COUNTED)]
    counted, elapsed = allocations(counts) - start, time.monotonic() - t0
    for ws in held + more:
        ws.close()
    allowance = per_second * elapsed + 10
    assert counted <= allowance, (f"{counted} allocations for {COUNTED} upgrades in {elapsed:.2f} s "
                                  f"({counted / COUNTED:.2f} each; the quiet server makes {per_second:.0f}/s)")
