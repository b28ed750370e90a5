"""Clients behind a proxy that speaks the PROXY protocol (`--proxy-protocol`,
docs/api.md "Clients behind a reverse proxy"): a trusted proxy's connection starts
with a PROXY header (v1 text or v2 binary) naming the client, and every per-client
limit counts that client; anything else from the trusted proxy is closed and
counted; an untrusted peer cannot use the header at all.

The server trusts 127.0.0.1; tests play the proxy from there, and untrusted
clients from other loopback addresses (127.0.0.0/8 all work). Metrics are
scraped from an untrusted address (127.0.0.9): a plain request from the trusted
proxy would be refused for lacking a header.
"""
from __future__ import annotations

import ipaddress
import json
import pathlib
import shutil
import socket
import struct
import subprocess
import time

import pytest

from api_client import PASSWORD, start_demo
from conftest import run_rollcall
from http_client import ConnectionClosed, HttpConnection, parse_metrics

PROXY = "127.0.0.1"
SCRAPER = "127.0.0.9"
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(client: str, port: int = 51000) -> bytes:
    family = "TCP6" if ":" in client else "TCP4"
    server = "::1" if family == "TCP6" else "127.0.0.1"
    return f"PROXY {family} {client} {server} {port} 8080\r\n".encode()


def v2(client: str, port: int = 51000, tlvs: bytes = b"") -> bytes:
    """A v2 PROXY command over TCP, as haproxy's send-proxy-v2 sends it."""
    ip = ipaddress.ip_address(client)
    if ip.version == 4:
        block = ip.packed + ipaddress.ip_address("127.0.0.1").packed + struct.pack("!HH", port, 8080)
        fam = 0x11
    else:
        block = ip.packed + ipaddress.ip_address("::1").packed + struct.pack("!HH", port, 8080)
        fam = 0x21
    block += tlvs
    return V2_SIGNATURE + bytes([0x21, fam]) + struct.pack("!H", len(block)) + block


V2_LOCAL = V2_SIGNATURE + bytes([0x20, 0x00, 0x00, 0x00])


class Conn(HttpConnection):
    """An HttpConnection from a chosen loopback address, optionally starting with
    `preamble` (a PROXY header)."""

    def __init__(self, port: int, source: str = PROXY, preamble: bytes = b"", timeout: float = 10.0):
        self.host, self.port, self.timeout = "127.0.0.1", port, timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf, self.eof, self.reset = b"", False, False
        if preamble:
            self.sock.sendall(preamble)


def answers(c: Conn) -> bool:
    """Whether the connection serves /healthz (False: the server closed it)."""
    try:
        c.send(HEALTHZ)
        return c.read_response().status == 200
    except (ConnectionClosed, OSError):
        return False


def closed_unanswered(c: Conn, within: float) -> bool:
    """The server closes the connection within `within` s without sending a byte."""
    try:
        return c.read_until_eof(timeout=within) == b""
    except ConnectionResetError:
        return True


def scrape(srv) -> dict[str, float]:
    with Conn(srv.port, SCRAPER) as c:
        r = c.exchange("GET", "/metrics")
        assert r.status == 200, r
        return parse_metrics(r.body.decode())


def errors(srv, reason: str) -> float:
    return scrape(srv).get(f'rollcall_proxy_protocol_errors_total{{reason="{reason}"}}', 0.0)


def proxied_server(server, *extra: str, header_timeout_ms: int = 30000):
    return server("--trusted-proxy", PROXY, "--proxy-protocol",
                  "--header-timeout-ms", str(header_timeout_ms), *extra)


def test_the_connection_cap_counts_each_client_the_proxy_names(server):
    srv = proxied_server(server, "--max-connections-per-ip", "3")
    # 3 from 10.0.0.1, in both versions: all admitted (the proxy itself is not capped).
    held = [Conn(srv.port, preamble=h) for h in (v1("10.0.0.1"), v2("10.0.0.1"), v1("10.0.0.1"))]
    assert all(answers(c) for c in held)
    # The 4th from 10.0.0.1 is refused once its header names it...
    over = Conn(srv.port, preamble=v2("10.0.0.1") + HEALTHZ)
    assert closed_unanswered(over, within=5)
    # ...while other clients of the same proxy still get in, IPv6 ones too.
    others = [Conn(srv.port, preamble=h) for h in (v1("10.0.0.2"), v2("10.0.0.3"), v2("2001:db8::7"))]
    assert all(answers(c) for c in others)
    metrics = scrape(srv)
    assert metrics['rollcall_connections_refused_total{reason="per_address"}'] == 1
    assert metrics['rollcall_proxy_protocol_headers_total{version="1"}'] == 3
    assert metrics['rollcall_proxy_protocol_headers_total{version="2"}'] == 4
    # A place given back is usable again (released on whichever shard held it).
    held.pop().close()
    deadline = time.monotonic() + 10
    while True:
        again = Conn(srv.port, preamble=v1("10.0.0.1"))
        if answers(again):
            break
        again.close()
        assert time.monotonic() < deadline, "the closed connection's place never came back"
    # Health checks (UNKNOWN, LOCAL) keep the proxy's address, which is not capped.
    checks = [Conn(srv.port, preamble=h) for h in (b"PROXY UNKNOWN\r\n", V2_LOCAL) * 3]
    assert all(answers(c) for c in checks)
    for c in held + [over, again] + others + checks:
        c.close()


ADDRESS_BUSY = "too many sign-ins from this address"


def login_burst(port: int, tag: str, preamble, forwarded=lambda n: None, count: int = 16) -> int:
    """`count` unknown-user logins on their own connections, all arriving within a few
    ms (every request but its last byte first): before the first password check
    (~70 ms) ends, so the sign-in gate holds them all at once. Returns how many were
    refused for their client address (other answers: 401, or a 503 of a loaded
    machine's own, which says nothing about addresses)."""
    conns, lasts = [], []
    for n in range(count):
        c = Conn(port, preamble=preamble(n))
        body = json.dumps({"username": f"ghost-{tag}-{n}", "password": "guess"}).encode()
        xff = f"X-Forwarded-For: {forwarded(n)}\r\n" if forwarded(n) else ""
        head = (f"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"{xff}Content-Length: {len(body)}\r\n\r\n").encode()
        c.send(head + body[:-1])
        conns.append(c)
        lasts.append(body[-1:])
    for c, last in zip(conns, lasts):
        c.send(last)
    answers = [c.read_response("POST", timeout=60) for c in conns]
    for c in conns:
        c.close()
    assert {r.status for r in answers} <= {401, 503}, answers
    return sum(1 for r in answers if r.status == 503 and ADDRESS_BUSY in r.json()["error"]["message"])


def test_sign_in_fairness_counts_the_client_the_proxy_names(server):
    srv = start_demo(server, "--trusted-proxy", PROXY, "--proxy-protocol")
    # Each login from its own client behind the proxy: none refused for its address.
    assert login_burst(srv.port, "spread", lambda n: v1(f"10.1.0.{n + 1}")) == 0
    # All from one client: over 2 shards x 4 per address, some must be refused.
    one = login_burst(srv.port, "one", lambda n: v2("10.2.0.1"))
    assert one >= 4, one
    # X-Forwarded-For is not believed on a PROXY connection: one client still.
    forged = login_burst(srv.port, "forged", lambda n: v1("10.3.0.1"),
                         forwarded=lambda n: f"10.4.0.{n + 1}")
    assert forged >= 4, forged
    # Nor after a header that names no one: the proxy's own address it is.
    unnamed = login_burst(srv.port, "unnamed", lambda n: b"PROXY UNKNOWN\r\n",
                          forwarded=lambda n: f"10.6.0.{n + 1}")
    assert unnamed >= 4, unnamed
    rejected = scrape(srv)['rollcall_login_rejected_total{reason="address_busy"}']
    assert rejected == one + forged + unnamed
    # A real user behind the proxy signs in.
    with Conn(srv.port, preamble=v2("10.5.0.1")) as c:
        body = json.dumps({"username": "teacher1", "password": PASSWORD}).encode()
        r = c.exchange("POST", "/api/v1/auth/login", {"Content-Type": "application/json"}, body)
        assert r.status == 200, r


MALFORMED = [
    ("not_proxy", HEALTHZ),
    ("not_proxy", b"\x16\x03\x01\x00\xa5\x01"),  # TLS to a plain-text port
    ("malformed", b"PROXY \x00\x01\x02"),
    ("malformed", b"PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n" + HEALTHZ),  # LF without CR
    ("malformed", b"PROXY TCP4  10.0.0.1 10.0.0.2 1 2\r\n"),
    ("bad_address", b"PROXY TCP4 2001:db8::1 10.0.0.2 1 2\r\n" + HEALTHZ),  # IPv6 in TCP4
    ("bad_address", b"PROXY TCP6 10.0.0.1 ::1 1 2\r\n"),  # IPv4 in TCP6
    ("bad_address", b"PROXY TCP4 010.0.0.1 10.0.0.2 1 2\r\n"),
    ("bad_port", b"PROXY TCP4 10.0.0.1 10.0.0.2 65536 80\r\n"),
    ("bad_port", b"PROXY TCP4 10.0.0.1 10.0.0.2 080 80\r\n"),
    ("too_long", b"PROXY UNKNOWN " + b"a" * 200),
    # 65535 announced: refused from the 16 fixed bytes, nothing waited for.
    ("too_long", V2_SIGNATURE + bytes([0x21, 0x11, 0xFF, 0xFF])),
    ("unsupported", V2_SIGNATURE + bytes([0x31, 0x11, 0x00, 0x0C]) + bytes(12)),
    ("unsupported", V2_SIGNATURE + bytes([0x23, 0x11, 0x00, 0x0C]) + bytes(12)),
]


def test_a_missing_or_malformed_header_closes_at_once_and_is_counted(server):
    # A 30 s header timeout: a close within 5 s is the refusal, not the timeout.
    srv = proxied_server(server)
    for reason, sent in MALFORMED:
        with Conn(srv.port, preamble=sent) as c:
            assert closed_unanswered(c, within=5), (reason, sent)
    metrics = scrape(srv)
    for reason in {r for r, _ in MALFORMED}:
        want = sum(1 for r, _ in MALFORMED if r == reason)
        assert metrics[f'rollcall_proxy_protocol_errors_total{{reason="{reason}"}}'] == want, reason
    assert metrics['rollcall_proxy_protocol_headers_total{version="1"}'] == 0
    assert "proxy_header_refused" in srv.stderr_text()
    # Cut short by the peer: truncated. Closed before a byte: nothing wrong.
    with Conn(srv.port, preamble=b"PROXY TCP4 10.0.0.1") as c:
        c.shutdown_write()
        assert closed_unanswered(c, within=5)
    with Conn(srv.port) as c:
        c.shutdown_write()
        assert closed_unanswered(c, within=5)
    assert errors(srv, "truncated") == 1


def drip(c: Conn, data: bytes, pause_s: float) -> bool:
    """Sends `data` one byte per segment; False once the server has closed."""
    for i in range(len(data)):
        try:
            c.sock.sendall(data[i:i + 1])
        except OSError:
            return False
        time.sleep(pause_s)  # pacing, so that bytes arrive as separate reads
    return True


def test_a_header_dripped_byte_by_byte_within_the_timeout_is_read(server):
    srv = proxied_server(server, "--max-connections-per-ip", "1", header_timeout_ms=5000)
    with Conn(srv.port) as c:
        assert drip(c, v1("10.0.0.5"), 0.005)
        assert answers(c)
        with Conn(srv.port) as d:
            assert drip(d, v2("10.0.0.6", tlvs=b"\x04\x00\x03\x00\x00\x00"), 0.005)
            assert answers(d)
            # Read, and so counted: the cap of 1 now refuses both clients a second place.
            for client in ("10.0.0.5", "10.0.0.6"):
                with Conn(srv.port, preamble=v1(client) + HEALTHZ) as again:
                    assert closed_unanswered(again, within=5), client
    metrics = scrape(srv)
    assert metrics['rollcall_proxy_protocol_headers_total{version="1"}'] == 3
    assert metrics['rollcall_proxy_protocol_headers_total{version="2"}'] == 1
    assert metrics['rollcall_connections_refused_total{reason="per_address"}'] == 2


def test_a_header_not_whole_within_the_timeout_is_closed(server):
    srv = proxied_server(server, header_timeout_ms=500)
    # Stalled part-way.
    with Conn(srv.port, preamble=b"PROXY TCP4 10.0") as c:
        started = time.monotonic()
        assert closed_unanswered(c, within=10)
        assert time.monotonic() - started >= 0.4
    # Still sending, but too slowly: the timeout is for the whole header, however
    # many bytes keep arriving.
    with Conn(srv.port) as c:
        assert not drip(c, v1("10.0.0.7") + HEALTHZ, 0.1)
    assert errors(srv, "timeout") == 2


def test_an_untrusted_peer_is_never_read_for_a_header(server):
    srv = proxied_server(server, "--max-connections-per-ip", "2")
    # Its bytes are HTTP: `PROXY` is no HTTP method (RFC 9110: 501), and the
    # connection closes (the framing of what follows is unknown).
    with Conn(srv.port, source="127.0.0.3", preamble=v1("10.0.0.1") + HEALTHZ) as c:
        r = c.read_response()
        assert r.status == 501 and r.json()["error"]["code"] == "unknown_method", r
        assert "close" in r.connection_tokens(), r
        assert closed_unanswered(c, within=5)
    # And it names no one: two connections from 127.0.0.2 fill its cap, whatever
    # addresses their headers name.
    held = [Conn(srv.port, source="127.0.0.2") for _ in range(2)]
    assert all(answers(c) for c in held)
    with Conn(srv.port, source="127.0.0.2", preamble=v1("10.9.9.9") + HEALTHZ) as c:
        assert closed_unanswered(c, within=5)
    metrics = scrape(srv)
    assert metrics['rollcall_connections_refused_total{reason="per_address"}'] == 1
    assert sum(v for k, v in metrics.items() if k.startswith("rollcall_proxy_protocol_")) == 0
    for c in held:
        c.close()


def test_proxy_protocol_needs_trusted_proxies_and_is_in_help(tmp_path):
    bad = run_rollcall("serve", "--proxy-protocol", "--data-dir", str(tmp_path / "d"))
    assert bad.returncode == 2, bad
    lines = bad.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "--trusted-proxy" in lines[0], lines
    bad = run_rollcall("serve", "--trusted-proxy", "10.0.0.1,nonsense", "--data-dir", str(tmp_path / "d"))
    assert bad.returncode == 2 and b"'nonsense'" in bad.stderr, bad
    out = run_rollcall("serve", "--help").stdout.decode()
    assert "--proxy-protocol" in out, out


HAPROXY_CFG = """
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend public
    bind 127.0.0.1:{front}
    default_backend rollcall
backend rollcall
    server r1 127.0.0.1:{port} send-proxy-v2 check inter 200ms
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_haproxy_send_proxy_v2_is_understood(server, tmp_path):
    """Issue 21 puts haproxy in front with send-proxy-v2: its headers (PROXY for
    clients, LOCAL for its health checks) must be accepted, and its clients capped
    one by one."""
    srv = proxied_server(server, "--max-connections-per-ip", "1")
    front = free_port()
    cfg = pathlib.Path(tmp_path / "haproxy.cfg")
    cfg.write_text(HAPROXY_CFG.format(front=front, port=srv.port))
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:  # until haproxy listens and its check found the server up
            try:
                with Conn(front, source="127.0.0.4") as probe:
                    if answers(probe):
                        break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "haproxy never forwarded a request"
            time.sleep(0.1)
        held = Conn(front, source="127.0.0.5")
        assert answers(held)
        # A second connection of the same client through haproxy: over the cap of 1.
        with Conn(front, source="127.0.0.5") as second:
            assert not answers(second)
        # Another client through the same haproxy gets in.
        with Conn(front, source="127.0.0.6") as other:
            assert answers(other)
        held.close()
        metrics = scrape(srv)
        assert metrics['rollcall_proxy_protocol_headers_total{version="2"}'] >= 4
        assert metrics['rollcall_connections_refused_total{reason="per_address"}'] >= 1
        assert sum(v for k, v in metrics.items() if k.startswith("rollcall_proxy_protocol_errors")) == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
