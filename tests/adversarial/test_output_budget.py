"""Issue 19, items 1 and 3: a client that sends but never reads.

One per-connection output budget (`--ws-backlog-bytes-max`) covers every output
path: HTTP answers, pipelined answers, WebSocket events, pongs, control frames.
Past it the server stops reading the connection (its requests wait in the kernel),
and a live subscriber is closed with 1013; nothing grows. A peer that takes none of
what it is owed for `--send-timeout-ms` is disconnected, graceful closes included.
"""
from __future__ import annotations

import json
import select
import socket
import time

from api_client import District, start_demo
from ws_client import OP_PING, OP_TEXT, RawWs, LiveSocket, build_frame

BUDGET = 64 * 1024
CLASS = 1


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def push_until_stalled(sock: socket.socket, frame: bytes, total: int, stall_s: float = 2.0) -> int:
    """Sends `frame` repeatedly without reading until `total` bytes went out, the
    server stopped taking them for `stall_s`, or the connection broke. Returns the
    bytes sent."""
    sock.setblocking(False)
    burst = frame * max(1, 65536 // len(frame))
    sent, stalled_since = 0, None
    while sent < total:
        try:
            n = sock.send(burst)
        except BlockingIOError:
            now = time.monotonic()
            stalled_since = stalled_since or now
            if now - stalled_since >= stall_s:
                break
            select.select([], [sock], [], 0.05)  # room, or the stall's end
            continue
        except (ConnectionResetError, BrokenPipeError):
            break
        stalled_since = None
        sent += n
    sock.setblocking(True)
    return sent


def wait_metric(srv, name: str, above: float, timeout: float = 15.0) -> float:
    """Polls /metrics until `name` exceeds `above` (an event, bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    value = srv.metrics().get(name, 0.0)
    while value <= above and time.monotonic() < deadline:
        time.sleep(0.05)
        value = srv.metrics().get(name, 0.0)
    return value


def test_ping_messages_without_reading_close_the_subscriber_1013(server):
    srv = start_demo(server, "--ws-backlog-bytes-max", str(BUDGET))
    d = District(srv)
    closes0 = srv.metrics().get("rollcall_ws_slow_consumer_closes_total", 0.0)
    aborts0 = srv.metrics().get("rollcall_net_linger_aborts_total", 0.0)
    rss0 = rss_bytes(srv.proc.pid)
    live = LiveSocket(srv.port, CLASS, d.token("teacher1"), rcvbuf=4096)
    ping = build_frame(OP_TEXT, json.dumps({"type": "ping"}).encode())
    sent = push_until_stalled(live.ws.sock, ping, 21 * 1024 * 1024)
    closes = wait_metric(srv, "rollcall_ws_slow_consumer_closes_total", closes0)
    assert closes == closes0 + 1, (closes0, closes, sent)
    grown = rss_bytes(srv.proc.pid) - rss0
    assert grown < 16 * 1024 * 1024, f"RSS grew {grown} bytes after {sent} bytes of pings"
    # It kept flooding the closing connection: reset past the input bound (2 MiB),
    # not drained at line rate.
    assert wait_metric(srv, "rollcall_net_linger_aborts_total", aborts0) == aborts0 + 1, sent
    live.ws.close()


def test_a_subscriber_closed_1013_reads_what_it_was_owed_then_the_close(server):
    srv = start_demo(server, "--ws-backlog-bytes-max", str(BUDGET))
    d = District(srv)
    closes0 = srv.metrics().get("rollcall_ws_slow_consumer_closes_total", 0.0)
    live = LiveSocket(srv.port, CLASS, d.token("teacher1"), rcvbuf=4096)
    ping = build_frame(OP_TEXT, json.dumps({"type": "ping"}).encode())
    # 1 MiB of pings (~7 MiB of pongs, far past the budget and the socket buffers);
    # what follows the close stays under the bound a closing connection may discard.
    push_until_stalled(live.ws.sock, ping, 1024 * 1024)
    assert wait_metric(srv, "rollcall_ws_slow_consumer_closes_total", closes0) == closes0 + 1
    # What was owed arrives, then the 1013 close: the subscriber knows to resume.
    pongs, code = 0, None
    while code is None:
        f = live.ws.read_frame(timeout=10)
        if f.opcode == OP_TEXT:
            assert json.loads(f.payload)["type"] == "pong"
            pongs += 1
        elif f.opcode == 0x8:
            code = f.close_code
    assert code == 1013
    assert pongs * 100 < BUDGET * 2, pongs  # bounded by the budget, not by what was sent
    live.ws.close()


def test_websocket_pings_without_reading_close_the_subscriber_1013(server):
    srv = start_demo(server, "--ws-backlog-bytes-max", str(BUDGET))
    d = District(srv)
    closes0 = srv.metrics().get("rollcall_ws_slow_consumer_closes_total", 0.0)
    rss0 = rss_bytes(srv.proc.pid)
    live = LiveSocket(srv.port, CLASS, d.token("teacher1"), rcvbuf=4096)
    sent = push_until_stalled(live.ws.sock, build_frame(OP_PING, b"x" * 100), 21 * 1024 * 1024)
    assert wait_metric(srv, "rollcall_ws_slow_consumer_closes_total", closes0) == closes0 + 1, sent
    assert rss_bytes(srv.proc.pid) - rss0 < 16 * 1024 * 1024
    live.ws.close()


def test_echo_without_reading_stops_being_read_and_loses_nothing(server):
    srv = server("--ws-echo", "--ws-backlog-bytes-max", str(BUDGET))
    paused0 = srv.metrics().get("rollcall_net_output_paused_total", 0.0)
    ws = RawWs.connect(srv.port, "/ws/echo", rcvbuf=4096)
    payloads = [(b"%08d" % i) * 128 for i in range(20000)]  # 20k messages of 1 KiB: 20 MiB
    stream = b"".join(build_frame(0x2, p) for p in payloads)
    ws.sock.setblocking(False)
    sent = 0
    stalled_since = None
    while sent < len(stream):
        try:
            sent += ws.sock.send(stream[sent:sent + 65536])
            stalled_since = None
        except BlockingIOError:
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > 2.0:
                break
            select.select([], [ws.sock], [], 0.05)
    assert sent < len(stream), "the server read 20 MiB from a client that read nothing"
    assert srv.metrics().get("rollcall_net_output_paused_total", 0.0) > paused0
    # Reading again resumes the echo: every message comes back, in order.
    ws.sock.setblocking(True)
    got = 0
    while got < len(payloads):
        while sent < len(stream):
            try:
                ws.sock.setblocking(False)
                sent += ws.sock.send(stream[sent:sent + 65536])
            except BlockingIOError:
                break
            finally:
                ws.sock.setblocking(True)
        f = ws.read_frame(timeout=10)
        assert f.opcode == 0x2 and f.payload == payloads[got], (got, f)
        got += 1
    ws.close()


def test_pipelined_requests_without_reading_are_disconnected(server):
    srv = server("--idle-timeout-ms", "2000", "--send-timeout-ms", "1000")
    timeouts0 = srv.metrics().get("rollcall_net_send_timeouts_total", 0.0)
    open0 = srv.metrics()["rollcall_connections_open"]
    socks = []
    for _ in range(4):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", srv.port))
        push_until_stalled(s, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 8 * 1024 * 1024, stall_s=0.5)
        socks.append(s)
    timeouts = wait_metric(srv, "rollcall_net_send_timeouts_total", timeouts0 + 3, timeout=20)
    assert timeouts >= timeouts0 + 4, timeouts
    # The slots are free again (the scrape itself is one open connection).
    assert srv.metrics()["rollcall_connections_open"] <= open0
    for s in socks:
        s.close()


def test_a_1013_close_to_a_peer_that_reads_nothing_is_dropped(server):
    # A budget larger than the kernel's socket buffers (tcp_wmem's 4 MiB), so that
    # the close frame is still owed when the subscriber is closed. The send deadline
    # must outlast filling that budget once the kernel stops taking bytes (~56k pongs;
    # seconds under a sanitizer on a busy machine), or it, not the budget, ends the
    # connection first.
    big = 8 * 1024 * 1024
    srv = start_demo(server, "--ws-backlog-bytes-max", str(big), "--send-timeout-ms", "8000")
    d = District(srv)
    timeouts0 = srv.metrics().get("rollcall_net_send_timeouts_total", 0.0)
    live = LiveSocket(srv.port, CLASS, d.token("teacher1"), rcvbuf=4096)
    closes0 = srv.metrics().get("rollcall_ws_slow_consumer_closes_total", 0.0)
    aborts0 = srv.metrics().get("rollcall_net_linger_aborts_total", 0.0)
    # Pongs are ~7 times their pings: 2.5 MiB of pings pass the 8 MiB budget (plus what
    # the kernel holds), and what follows the close stays under the 2 MiB a closing
    # connection may discard before it is reset (that reset is test_linger_flood's).
    push_until_stalled(live.ws.sock, build_frame(OP_TEXT, b'{"type":"ping"}'), 5 * 512 * 1024)
    assert wait_metric(srv, "rollcall_ws_slow_consumer_closes_total", closes0) > closes0
    assert wait_metric(srv, "rollcall_net_send_timeouts_total", timeouts0, timeout=30) > timeouts0
    assert srv.metrics().get("rollcall_net_linger_aborts_total", 0.0) == aborts0
    live.ws.close()
