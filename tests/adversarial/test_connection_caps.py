"""Issue 19, item 6: one client could hold every connection slot. A client address
may hold at most --max-connections-per-ip connections (trusted proxies exempt);
more are closed at once and counted."""
from __future__ import annotations

import socket
import time

import http_client

CAP = 5


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def answers(s: socket.socket) -> bool:
    """Whether the connection serves a request (False: the server closed it)."""
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        return s.recv(4096).startswith(b"HTTP/1.1 200")
    except (ConnectionResetError, BrokenPipeError):
        return False


def refused(srv) -> float:
    """The refusal counter, scraped from an address of its own (127.0.0.1 is full)."""
    s = connect(srv.port, "127.0.0.9")
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    body = data.split(b"\r\n\r\n", 1)[1].decode()
    return http_client.parse_metrics(body).get('rollcall_connections_refused_total{reason="per_address"}', 0.0)


def test_one_address_cannot_hold_more_than_its_share(server):
    srv = server("--max-connections-per-ip", str(CAP))
    held = [connect(srv.port) for _ in range(CAP)]
    assert all(answers(s) for s in held)
    over = connect(srv.port)
    assert not answers(over)  # closed at once
    assert refused(srv) >= 1
    # Another address is not affected.
    other = connect(srv.port, "127.0.0.2")
    assert answers(other)
    # A slot given back is usable again (the count follows closes on any shard).
    held.pop().close()
    deadline = time.monotonic() + 10
    while True:
        again = connect(srv.port)
        if answers(again):
            break
        again.close()
        assert time.monotonic() < deadline, "the closed connection's place never came back"
    for s in held + [over, other, again]:
        s.close()


def test_a_trusted_proxy_is_not_capped(server):
    srv = server("--max-connections-per-ip", str(CAP), "--trusted-proxy", "127.0.0.1")
    held = [connect(srv.port) for _ in range(CAP * 3)]
    assert all(answers(s) for s in held)
    assert refused(srv) == 0
    for s in held:
        s.close()
