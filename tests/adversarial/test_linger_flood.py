"""A peer the server is closing gracefully, that keeps sending as fast as it can.
The graceful close reads and discards what the peer still sends (so the answer is
not destroyed by a reset), but only up to the per-connection input bound: past it
the connection is reset at once, not drained at line rate for the whole linger time
(2 s of a core per flooder before) or, while the last answer is still owed to a
peer that reads nothing, until the send deadline (30 s). Counted in
`rollcall_net_linger_aborts_total`.
"""
from __future__ import annotations

import socket

import http_client
from api_client import District, start_demo
from ws_client import OP_TEXT, LiveSocket, build_frame

CHUNK = b"z" * 65536
# The server's input bound (2 MiB) plus what the kernel buffers on both sides of a
# loopback connection (a few MiB each, autotuned): far less than 2 s of line rate.
BOUND = 24 * 1024 * 1024


def flood_after_answer(port: int) -> tuple[int, int]:
    """Sends a request whose declared body is too large, reads the 413, then keeps
    sending body bytes until the server resets. Returns (status, bytes sent after
    the answer arrived)."""
    c = http_client.HttpConnection(port, timeout=10)
    c.send(b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 1000000000\r\n\r\n")
    r = c.read_response()
    sent = 0
    try:
        while sent < 64 * BOUND:  # the old server would take all of it (2 s of discarding)
            sent += c.sock.send(CHUNK)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        pass
    finally:
        c.close()
    return r.status, sent


def test_a_peer_flooding_a_closing_connection_is_reset_past_the_input_bound(server):
    srv = server(shards=1)
    aborts0 = srv.metrics().get("rollcall_net_linger_aborts_total", 0.0)
    status, sent = flood_after_answer(srv.port)
    assert status == 413
    assert sent < BOUND, f"the server took {sent} bytes after answering before it reset"
    assert srv.metrics()["rollcall_net_linger_aborts_total"] == aborts0 + 1
    assert srv.get("/healthz").status == 200


def test_a_subscriber_flooding_while_its_1013_close_is_still_owed_is_reset(server):
    # A budget (8 MiB) larger than what the kernel takes for a peer that reads nothing
    # (its send buffer, up to tcp_wmem's 4 MiB): the close frame waits behind the
    # pongs it is owed, and the server keeps reading meanwhile.
    srv = start_demo(server, "--ws-backlog-bytes-max", str(8 * 1024 * 1024))
    d = District(srv)
    m0 = srv.metrics()
    live = LiveSocket(srv.port, 1, d.token("teacher1"), rcvbuf=4096)
    burst = build_frame(OP_TEXT, b'{"type":"ping"}') * 3000
    sock = live.ws.sock
    sock.settimeout(10)
    sent = 0
    try:
        while sent < 64 * BOUND:
            sent += sock.send(burst)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        pass
    m = srv.metrics()
    assert m["rollcall_ws_slow_consumer_closes_total"] == m0.get("rollcall_ws_slow_consumer_closes_total", 0) + 1
    assert sent < BOUND, f"the server took {sent} bytes of pings before it reset"
    assert m["rollcall_net_linger_aborts_total"] == m0.get("rollcall_net_linger_aborts_total", 0) + 1
    live.ws.close()
