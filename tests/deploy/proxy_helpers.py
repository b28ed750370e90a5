"""What the reverse-proxy tests (test_nginx.py, test_haproxy.py) share: a throwaway
CA and server certificate (openssl CLI), free ports, the shipped config rendered
with only its placeholders replaced, the proxy as a child process stopped in every
case, clients that speak TLS from a chosen loopback address (HTTP/1.1 over raw
sockets, HTTP/2 through curl, WebSocket through python3-websockets), and the
checks both proxies must pass.

Loopback addresses play the roles (127.0.0.0/8 all reach the proxy):
- 127.0.0.1: the proxy itself, the only --trusted-proxy;
- 127.0.0.2: a client that floods sign-ins (and forges X-Forwarded-For);
- 127.0.0.3 and 127.0.0.20 .. 127.0.0.26: other clients, one sign-in each;
- 127.0.0.4: the monitoring network the rendered config lets scrape /metrics;
- 127.0.0.5: anyone else; 127.0.0.9: the test reading rollcall's metrics directly.
"""
from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import http_client
from api_client import PASSWORD
from integration_conftest import APP_JS, INDEX_HTML, run_rollcall

FLOODER = "127.0.0.2"
OTHERS = ["127.0.0.3"] + [f"127.0.0.{n}" for n in range(20, 27)]
MONITOR = "127.0.0.4"
STRANGER = "127.0.0.5"
SCRAPER = "127.0.0.9"
MONITOR_NETWORK = f"{MONITOR}/32"
ADDRESS_BUSY = "too many sign-ins from this address"
IMMUTABLE = "public, max-age=31536000, immutable"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


# -- certificates -------------------------------------------------------------------
@dataclass(frozen=True)
class Certs:
    ca: Path      # the test CA's certificate: the only one clients trust
    cert: Path    # the server certificate (SAN 127.0.0.1, ::1, localhost)
    key: Path
    bundle: Path  # cert + key in one file (HAProxy's crt)


def openssl(*args: str, cwd: Path) -> None:
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=30)
    assert p.returncode == 0, (args, p.stderr.decode(errors="replace"))


def make_certs(directory: Path) -> Certs:
    """A P-256 CA and a server certificate it signed, valid for two days."""
    d = directory
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key", cwd=d)
    openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=rollcall test CA", "-days", "2",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            "-out", "ca.pem", cwd=d)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key", cwd=d)
    openssl("req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr", cwd=d)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
                                  "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "server.ext", "-out", "server.pem", cwd=d)
    (d / "bundle.pem").write_bytes((d / "server.pem").read_bytes() + (d / "server.key").read_bytes())
    for key in ("ca.key", "server.key", "bundle.pem"):
        os.chmod(d / key, 0o600)
    return Certs(d / "ca.pem", d / "server.pem", d / "server.key", d / "bundle.pem")


# -- ports and rendering ----------------------------------------------------------
def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def probe_port() -> int:
    """A port free on 127.0.0.1 (and ::1) right now; the proxy may still lose it to
    someone else before it binds, so starting is retried (`start_proxy`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if ipv6_loopback():
        with socket.socket(socket.AF_INET6) as s6:
            s6.bind(("::1", port))  # EADDRINUSE: the caller's retry picks another
    return port


def render(text: str, replacements: list[tuple[str, str]]) -> str:
    """`text` with each (old, new) replaced; every `old` must be there, so a shipped
    file whose placeholder moved fails here rather than running untested."""
    for old, new in replacements:
        assert old in text, f"placeholder {old!r} not found in the shipped config"
        text = text.replace(old, new)
    return text


# -- the proxy process ------------------------------------------------------------
class ProxyProcess:
    """A proxy started by the test, in a process group of its own (its workers die
    with it), its output in `log`."""

    def __init__(self, argv: list[str], log: Path):
        self.argv, self.log = argv, log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
        try:  # anything left of its group (workers of a master that died)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=STOP_TIMEOUT_S)


@dataclass(frozen=True)
class Front:
    """A started proxy's ports: plain HTTP (redirects) and HTTPS."""
    http_port: int
    https_port: int


def start_proxy(launch, ready, attempts: int = 5):
    """Starts a proxy on two probed ports: `launch(http_port, https_port)` returns a
    ProxyProcess, `ready(proc, https_port)` says whether it serves yet. A start that
    lost a port to someone else (EADDRINUSE) is retried on new ports.
    Returns (proc, http_port, https_port)."""
    for _ in range(attempts):
        http_port, https_port = probe_port(), probe_port()
        proc = launch(http_port, https_port)
        deadline = time.monotonic() + START_TIMEOUT_S
        while proc.alive() and not ready(proc, https_port) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the condition, bounded by the deadline
        if proc.alive() and ready(proc, https_port):
            return proc, http_port, https_port
        proc.stop()
        text = proc.output()
        if "in use" not in text:  # EADDRINUSE is "Address already in use" in both
            raise AssertionError(f"{proc.argv[0]} did not start:\n{text}")
    raise AssertionError(f"no free ports for the proxy after {attempts} attempts")


# -- TLS clients ------------------------------------------------------------------
def tls_context(certs: Certs, alpn=("http/1.1",), max_version=None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(certs.ca))  # the test CA only
    ctx.set_alpn_protocols(list(alpn))
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


class SourcedConnection(http_client.HttpConnection):
    """Plain HTTP/1.1 to 127.0.0.1:`port` from the loopback address `source`."""

    def __init__(self, port: int, source: str, timeout: float = 10.0):
        self.host, self.port, self.timeout = "127.0.0.1", port, timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buf, self.eof, self.reset = b"", False, False


class TlsConnection(http_client.HttpConnection):
    """HTTP/1.1 over TLS to the proxy, from `source`, checking the certificate for
    `localhost` against the test CA."""

    def __init__(self, port: int, ctx: ssl.SSLContext, source: str = "127.0.0.1", timeout: float = 15.0):
        self.host, self.port, self.timeout = "localhost", port, timeout
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.settimeout(timeout)
        try:
            raw.bind((source, 0))
            raw.connect(("127.0.0.1", port))
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        except BaseException:
            raw.close()
            raise
        self.buf, self.eof, self.reset = b"", False, False


def serves_tls(port: int, certs: Certs) -> bool:
    try:
        with TlsConnection(port, tls_context(certs), timeout=2.0):
            return True
    except OSError:
        return False


def https(port: int, certs: Certs, method: str, target: str, headers=None, body: bytes = b"",
          source: str = "127.0.0.1") -> http_client.Response:
    """One HTTP/1.1 request on a fresh TLS connection."""
    with TlsConnection(port, tls_context(certs), source) as c:
        return c.exchange(method, target, headers, body)


@dataclass
class CurlAnswer:
    status: int
    http_version: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def curl_h2(port: int, certs: Certs, method: str, path: str, body=None, token: str | None = None) -> CurlAnswer:
    """One request over HTTP/2 through curl, trusting the test CA. --http2 falls back
    to HTTP/1.1 when ALPN does not pick h2: the caller checks `http_version`."""
    with tempfile.TemporaryDirectory() as tmp:
        head, payload = Path(tmp) / "head", Path(tmp) / "body"
        args = ["curl", "-sS", "--http2", "--cacert", str(certs.ca), "--resolve", f"localhost:{port}:127.0.0.1",
                "-X", method, "-D", str(head), "-o", str(payload), "-w", "%{http_version}", "--max-time", "20"]
        if token is not None:
            args += ["-H", f"Authorization: Bearer {token}"]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
        p = subprocess.run(args + [f"https://localhost:{port}{path}"], capture_output=True, timeout=30)
        assert p.returncode == 0, (args, p.stderr.decode(errors="replace"))
        lines = head.read_bytes().decode("latin-1").strip().split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        return CurlAnswer(int(lines[0].split()[1]), p.stdout.decode(), headers, payload.read_bytes())


# -- what the server says about itself -------------------------------------------
def serve_default(flag: str) -> int:
    """The default of an integer `rollcall serve` flag, from its --help."""
    text = run_rollcall("serve", "--help").stdout.decode()
    m = re.search(re.escape(flag) + r"\b.*?\(default (\d+)\)", text, re.S)
    assert m, f"{flag} default not in rollcall serve --help"
    return int(m.group(1))


def seconds(value: str, unit_s: float) -> float:
    """A proxy duration ("300s", "5m", "1h", "90000ms", or a bare number in `unit_s`)."""
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value)
    assert m, f"not a duration: {value!r}"
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}.get(m.group(2), unit_s)
    return int(m.group(1)) * scale


def scrape(rollcall) -> dict[str, float]:
    """rollcall's metrics, read directly from an untrusted address (a trusted peer
    must start with a PROXY header when --proxy-protocol is on)."""
    with SourcedConnection(rollcall.port, SCRAPER) as c:
        r = c.exchange("GET", "/metrics")
    assert r.status == 200, r
    return http_client.parse_metrics(r.body.decode())


def answered_4xx(rollcall) -> float:
    return scrape(rollcall)['rollcall_http_requests_total{code="4xx"}']


# -- checks both proxies pass ---------------------------------------------------
def check_tls(port: int, certs: Certs) -> None:
    """TLS 1.3 by default, 1.2 still accepted; ALPN offers h2."""
    with TlsConnection(port, tls_context(certs, alpn=("h2", "http/1.1"))) as c:
        assert c.sock.version() == "TLSv1.3", c.sock.version()
        assert c.sock.selected_alpn_protocol() == "h2", c.sock.selected_alpn_protocol()
    with TlsConnection(port, tls_context(certs, max_version=ssl.TLSVersion.TLSv1_2)) as c:
        assert c.sock.version() == "TLSv1.2", c.sock.version()


def check_app_and_caching(port: int, certs: Certs) -> None:
    page = https(port, certs, "GET", "/")
    assert page.status == 200 and page.body == INDEX_HTML, page
    assert page.header_all("Cache-Control") == ["no-cache"], page
    asset = https(port, certs, "GET", "/assets/app-abc123.js")
    assert asset.status == 200 and asset.body == APP_JS, asset
    # Exactly rollcall's header: a proxy that added or replaced one would show here.
    assert asset.header_all("Cache-Control") == [IMMUTABLE], asset
    for r in (page, asset):
        assert r.header("Strict-Transport-Security") == "max-age=63072000", r
    etag = asset.header("ETag")
    again = https(port, certs, "GET", "/assets/app-abc123.js", {"If-None-Match": etag})
    assert again.status == 304, again
    packed = https(port, certs, "GET", "/assets/app-abc123.js", {"Accept-Encoding": "gzip"})
    assert packed.header("Content-Encoding") == "gzip", packed
    assert "accept-encoding" in (packed.header("Vary") or "").lower(), packed
    assert gzip.decompress(packed.body) == APP_JS


def check_redirect(http_port: int) -> None:
    with http_client.HttpConnection(http_port) as c:
        r = c.exchange("GET", "/classes/1?tab=live", {"Host": "rollcall.example.org"}, host=None)
    assert r.status == 301, r
    assert r.header("Location") == "https://rollcall.example.org/classes/1?tab=live", r


def check_metrics_restricted(port: int, certs: Certs) -> None:
    refused = https(port, certs, "GET", "/metrics", source=STRANGER)
    assert refused.status == 403, refused
    assert refused.header("Strict-Transport-Security") == "max-age=63072000", refused
    assert b"rollcall_" not in refused.body, refused
    allowed = https(port, certs, "GET", "/metrics", source=MONITOR)
    assert allowed.status == 200 and b"rollcall_build_info" in allowed.body, allowed


def post_raw(port: int, certs: Certs, path: str, size: int, content_type: str) -> http_client.Response:
    """A POST of `size` bytes the way curl sends a large body: `Expect: 100-continue`,
    the body only after `100 Continue` (a proxy that refuses it answers at once and
    closes, and a body sent regardless would meet a closed connection)."""
    with TlsConnection(port, tls_context(certs)) as c:
        c.request("POST", path, {"Content-Type": content_type, "Content-Length": str(size),
                                 "Expect": "100-continue"})
        first = c.read_response("POST")
        if first.status != 100:
            return first
        c.send(b"x" * size)
        return c.read_response("POST")


def check_body_limits(port: int, certs: Certs, rollcall) -> None:
    """Over 1 MiB is refused by the proxy (rollcall never sees it), exactly 1 MiB is
    passed on, and the roster import route takes more."""
    mib = 1 << 20
    before = answered_4xx(rollcall)
    over = post_raw(port, certs, "/api/v1/sync", mib + 1, "application/json")
    assert over.status == 413, over
    assert over.json()["error"]["code"] == "body_too_large", over
    assert over.content_type == "application/json", over
    assert over.header("Strict-Transport-Security") == "max-age=63072000", over
    assert answered_4xx(rollcall) == before, "the proxy passed on a body over 1 MiB"
    at_limit = post_raw(port, certs, "/api/v1/sync", mib, "application/json")
    assert at_limit.status == 401, at_limit  # rollcall's answer: no token
    assert answered_4xx(rollcall) == before + 1
    # Whatever rollcall answers a 2 MiB import without a token, it is rollcall's.
    post_raw(port, certs, "/api/v1/admin/oneroster", 2 * mib, "application/zip")
    assert answered_4xx(rollcall) == before + 2, "the proxy refused a 2 MiB roster import"


def check_proxy_timeouts_exceed(timeouts_s: dict[str, float]) -> None:
    """Each of the proxy's WebSocket timeouts is beyond rollcall's ping interval and
    silence timeout, so a quiet, healthy socket is never cut by the proxy."""
    ping_s = serve_default("--ws-ping-interval-ms") / 1000
    silence_s = serve_default("--ws-silence-timeout-ms") / 1000
    assert ping_s < silence_s
    assert timeouts_s, "no WebSocket timeouts found in the config"
    for name, value in timeouts_s.items():
        assert value > silence_s, f"{name} {value} s is not beyond rollcall's silence timeout {silence_s} s"


# -- sign-in limits ----------------------------------------------------------------
def login_burst(port: int, certs: Certs, plan: list[tuple[str, str | None]], tag: str) -> list[tuple[str, object]]:
    """One unknown-user sign-in per (source address, forged X-Forwarded-For or None),
    each on its own TLS connection, all arriving within a few ms: every request but
    its last byte first, then the last bytes together, before the first password
    check (~70 ms) ends. Returns (source, response) pairs."""
    ctx = tls_context(certs)
    conns, lasts = [], []
    try:
        for n, (source, forged) in enumerate(plan):
            c = TlsConnection(port, ctx, source, timeout=60)
            conns.append(c)
            body = json.dumps({"username": f"ghost-{tag}-{n}", "password": "guess"}).encode()
            xff = f"X-Forwarded-For: {forged}\r\n" if forged else ""
            head = (f"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    f"{xff}Content-Length: {len(body)}\r\n\r\n").encode()
            c.send(head + body[:-1])
            lasts.append(body[-1:])
        for c, last in zip(conns, lasts):
            c.send(last)
        return [(source, c.read_response("POST", timeout=60)) for (source, _), c in zip(plan, conns)]
    finally:
        for c in conns:
            c.close()


def refused_for_address(r) -> bool:
    return r.status == 503 and ADDRESS_BUSY in r.json()["error"]["message"]


def check_sign_in_limits(port: int, certs: Certs, rollcall) -> None:
    """Through the proxy, rollcall's sign-in limit per client address (4 waiting
    logins per address per shard, 503 overloaded beyond) counts the real client:
    16 logins from one address, each forging a different X-Forwarded-For, are
    limited, while 8 other clients in the same burst, one login each, are not."""
    plan = [(FLOODER, f"203.0.113.{n + 1}") for n in range(16)] + [(a, None) for a in OTHERS]
    key = 'rollcall_login_rejected_total{reason="address_busy"}'
    before = scrape(rollcall)[key]
    answers = login_burst(port, certs, plan, "proxied")
    flooder = [r for s, r in answers if s == FLOODER]
    others = [r for s, r in answers if s != FLOODER]
    assert {r.status for _, r in answers} <= {401, 503}, answers
    # 2 shards x 4 admitted at most, plus a few whose place freed up meanwhile.
    assert sum(refused_for_address(r) for r in flooder) >= 4, [r.status for r in flooder]
    assert [r.status for r in others] == [401] * len(OTHERS), [(r.status, r.body) for r in others]
    assert scrape(rollcall)[key] - before == sum(refused_for_address(r) for r in flooder)


# -- the API over HTTP/2 and the live feed over WSS --------------------------------
def sign_in(port: int, certs: Certs, username: str) -> str:
    r = curl_h2(port, certs, "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD})
    assert r.http_version == "2", r
    assert r.status == 200, r
    assert r.headers.get("strict-transport-security") == "max-age=63072000", r.headers
    return r.json()["access_token"]


async def next_event(ws, kind: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        frame = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
        event = json.loads(frame)
        if event["type"] == kind:
            return event


async def live_check_in(port: int, certs: Certs) -> None:
    import websockets  # python3-websockets (Debian)

    teacher = await asyncio.to_thread(sign_in, port, certs, "teacher1")
    uri = f"wss://localhost:{port}/ws/attendance/1?token={teacher}"
    async with websockets.connect(uri, ssl=tls_context(certs), host="127.0.0.1",
                                  server_hostname="localhost", open_timeout=10,
                                  close_timeout=5) as ws:
        hello = await next_event(ws, "connection_established")
        assert hello["data"]["role"] == "teacher" and "snapshot" in hello["data"], hello
        opened = await asyncio.to_thread(curl_h2, port, certs, "POST", "/api/v1/classes/1/sessions", {}, teacher)
        assert (opened.status, opened.http_version) == (201, "2"), opened
        session = opened.json()
        assert (await next_event(ws, "session_opened"))["data"]["id"] == session["id"]
        student = await asyncio.to_thread(sign_in, port, certs, "student001")
        body = {"method": "verification_code", "class_id": 1, "code": session["verification_code"]}
        checked = await asyncio.to_thread(curl_h2, port, certs, "POST", "/api/v1/attendance/check-in", body,
                                          student)
        assert (checked.status, checked.http_version) == (201, "2"), checked
        joined = await next_event(ws, "student_joined")
        assert joined["data"]["student_id"] == 6 and joined["data"]["attendance_status"] == "present", joined
        assert joined["seq"] > hello["seq"]


def check_live_flow(port: int, certs: Certs) -> None:
    """A teacher signs in and opens a session over HTTP/2, watches the class over
    WSS, and sees a student's check-in (also over HTTP/2) arrive live."""
    asyncio.run(asyncio.wait_for(live_check_in(port, certs), 60))


# -- WebSocket over HTTP/2 (RFC 8441) ---------------------------------------------
def ws_text(buf: bytes) -> bytes | None:
    """The payload of the server's first frame in `buf` (unmasked, one text frame),
    or None while it is incomplete."""
    if len(buf) < 2:
        return None
    assert buf[0] == 0x81 and buf[1] & 0x80 == 0, buf[:2]  # FIN + text, unmasked
    n, at = buf[1] & 0x7F, 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, at = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, at = struct.unpack("!Q", buf[2:10])[0], 10
    return buf[at:at + n] if len(buf) >= at + n else None


def h2_websocket_hello(port: int, certs: Certs, path: str, timeout_s: float = 10.0) -> dict:
    """Opens `path` as a WebSocket over HTTP/2 (extended CONNECT, what Chrome and
    Firefox do when the server offers it) and returns the first message, parsed."""
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    deadline = time.monotonic() + timeout_s
    with TlsConnection(port, tls_context(certs, alpn=("h2",))) as c:
        assert c.sock.selected_alpn_protocol() == "h2"
        conn.initiate_connection()
        c.send(conn.data_to_send())
        sent, status, data = False, None, b""
        while True:
            c.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = c.sock.recv(65536)
            assert chunk, f"connection closed (status {status}, {len(data)} bytes)"
            for ev in conn.receive_data(chunk):
                if isinstance(ev, h2.events.RemoteSettingsChanged) and not sent:
                    assert conn.remote_settings.enable_connect_protocol == 1, "no WebSockets over HTTP/2"
                    conn.send_headers(1, [(":method", "CONNECT"), (":protocol", "websocket"),
                                          (":scheme", "https"), (":path", path), (":authority", "localhost"),
                                          ("sec-websocket-version", "13")])
                    sent = True
                elif isinstance(ev, h2.events.ResponseReceived):
                    status = dict(ev.headers)[b":status"]
                    assert status == b"200", ev.headers
                elif isinstance(ev, h2.events.DataReceived):
                    data += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                    raise AssertionError(f"stream ended: {ev!r}")
            c.send(conn.data_to_send())
            payload = ws_text(data)
            if payload is not None:
                return json.loads(payload)


# -- the roster import through the proxy -------------------------------------------
def roster_zip(path: Path, tag: str) -> None:
    """A OneRoster export: one teacher with a password, one class, and 3 MiB of other
    files (ignored by the import) so the upload is over the general 1 MiB limit."""
    users = ("sourcedId,role,username,givenName,familyName,password\r\n"
             f"{tag}-t,teacher,{tag}-teacher,Pat,Proxy,Proxy-Pass-1\r\n")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("export/users.csv", users, zipfile.ZIP_DEFLATED)
        z.writestr("export/classes.csv", f"sourcedId,title\n{tag}-c,Proxy class\n", zipfile.ZIP_DEFLATED)
        z.writestr("export/enrollments.csv", f"classSourcedId,userSourcedId,role\n{tag}-c,{tag}-t,teacher\n",
                   zipfile.ZIP_DEFLATED)
        z.writestr("export/demographics.csv", os.urandom(3 << 20), zipfile.ZIP_STORED)


def check_roster_import(port: int, certs: Certs, tag: str) -> None:
    """An admin uploads the export over HTTPS as docs/operations.md shows (curl), the
    proxy passes the 3 MiB zip on, and the imported teacher signs in through it."""
    token = sign_in(port, certs, "admin")
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.zip"
        roster_zip(export, tag)
        p = subprocess.run(["curl", "-sS", "--http2", "--cacert", str(certs.ca), "--resolve",
                            f"localhost:{port}:127.0.0.1", "--max-time", "60", "-w", "\n%{http_code}",
                            "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/zip",
                            "--data-binary", f"@{export}", f"https://localhost:{port}/api/v1/admin/oneroster"],
                           capture_output=True, timeout=90)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    body, _, status = p.stdout.decode().rpartition("\n")
    assert status == "200", (status, body)
    answer = json.loads(body)
    assert (answer["users_added"], answer["classes_added"], answer["enrollments_added"]) == (1, 1, 1), answer
    r = curl_h2(port, certs, "POST", "/api/v1/auth/login", {"username": f"{tag}-teacher", "password": "Proxy-Pass-1"})
    assert r.status == 200, r
