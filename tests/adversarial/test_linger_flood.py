"""A peer the server has answered and is closing gracefully, that keeps sending as
fast as it can. The graceful close reads and discards what the peer still sends
(so the answer is not destroyed by a reset), but only up to the per-connection
input bound: past it the connection is reset at once, not drained at line rate for
the whole linger time (2 s of a core per flooder before). Counted in
`rollcall_net_linger_aborts_total`.
"""
from __future__ import annotations

import socket

import http_client

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
