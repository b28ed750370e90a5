"""A tiny raw-socket HTTP/1.1 client for framing-sensitive tests.

It sends exactly the bytes it is given and reads exactly one response at a time
(status line, headers, then a Content-Length or chunked body; no body for HEAD,
1xx, 204 and 304), so pipelined answers can be read one by one from one socket.
It never hides a close: `read_response` raises `ConnectionClosed` when the peer
closes before a response starts, and `read_until_eof` returns what arrived
before EOF.
"""
from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = 10.0


class ConnectionClosed(Exception):
    """The server closed (FIN or reset) before a complete response arrived."""

    def __init__(self, message: str, partial: bytes = b"", reset: bool = False):
        super().__init__(message)
        self.partial = partial
        self.reset = reset


class ProtocolError(Exception):
    """The bytes from the server are not a well-formed HTTP/1.1 response."""


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw_head: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    def connection_tokens(self) -> set[str]:
        out: set[str] = set()
        for v in self.header_all("Connection"):
            out |= {t.strip().lower() for t in v.split(",") if t.strip()}
        return out

    def __repr__(self) -> str:
        body = self.body if len(self.body) <= 200 else self.body[:200] + b"..."
        return f"<Response {self.status} {self.reason!r} headers={self.headers!r} body={body!r}>"


class HttpConnection:
    """One TCP connection to the server."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False

    # -- context manager -------------------------------------------------
    def __enter__(self) -> "HttpConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def shutdown_write(self) -> None:
        """Half-close: the server sees EOF after what was sent."""
        self.sock.shutdown(socket.SHUT_WR)

    # -- sending ---------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, target: str, headers: dict | list | None = None,
                body: bytes = b"", version: str = "HTTP/1.1", host: str | None = "localhost") -> None:
        """Send one request, adding Host (unless host is None) and Content-Length for a body."""
        items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        names = {k.lower() for k, _ in items}
        if host is not None and "host" not in names:
            items.insert(0, ("Host", host))
        if body and "content-length" not in names and "transfer-encoding" not in names:
            items.append(("Content-Length", str(len(body))))
        head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in items) + "\r\n"
        self.send(head.encode("latin-1") + body)

    def exchange(self, method: str, target: str, headers=None, body: bytes = b"",
                 timeout: float | None = None, **kw) -> Response:
        """Send one request and read its answer."""
        self.request(method, target, headers, body, **kw)
        return self.read_response(method=method, timeout=timeout)

    # -- receiving -------------------------------------------------------
    def _fill(self, deadline: float) -> bool:
        """Read more bytes into the buffer; False on EOF/reset."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for the server")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            self.eof = True
            self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _read_line(self, deadline: float, what: str) -> bytes:
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[: i + 1], self.buf[i + 1:]
                return line
            if len(self.buf) > 1 << 20:
                raise ProtocolError(f"{what} longer than 1 MiB")
            if not self._fill(deadline):
                raise ConnectionClosed(f"connection closed while reading {what}", self.buf, self.reset)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ConnectionClosed(f"connection closed with {len(self.buf)} of {n} body bytes",
                                       self.buf, self.reset)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, method: str = "GET", timeout: float | None = None) -> Response:
        """Read exactly one response (1xx included: the caller reads the next one)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if not self.buf and self.eof:
            raise ConnectionClosed("connection already closed", b"", self.reset)
        start = self._read_line(deadline, "status line")
        raw = start
        try:
            version, rest = start.decode("latin-1").rstrip("\r\n").split(" ", 1)
            code_text, _, reason = rest.partition(" ")
            status = int(code_text)
        except ValueError as e:
            raise ProtocolError(f"bad status line {start!r}") from e
        if not version.startswith("HTTP/1.") or not 100 <= status <= 599:
            raise ProtocolError(f"bad status line {start!r}")
        if not start.endswith(b"\r\n"):
            raise ProtocolError(f"status line not ended by CRLF: {start!r}")
        headers: list[tuple[str, str]] = []
        while True:
            line = self._read_line(deadline, "headers")
            raw += line
            if line == b"\r\n":
                break
            if not line.endswith(b"\r\n") or b":" not in line:
                raise ProtocolError(f"bad header line {line!r}")
            name, _, value = line[:-2].decode("latin-1").partition(":")
            if name != name.strip() or not name:
                raise ProtocolError(f"bad header name in {line!r}")
            headers.append((name, value.strip(" \t")))
        resp = Response(version=version, status=status, reason=reason, headers=headers, raw_head=raw)
        if method.upper() == "HEAD" or status < 200 or status in (204, 304):
            return resp
        try:
            self._read_body(resp, deadline)
        except ConnectionClosed as e:
            raise ConnectionClosed(f"{e} (after the head of {status} {reason})", raw + e.partial, e.reset) from e
        return resp

    def _read_body(self, resp: Response, deadline: float) -> None:
        te = resp.header("Transfer-Encoding")
        cl = resp.header_all("Content-Length")
        if te is not None:
            if te.strip().lower() != "chunked":
                raise ProtocolError(f"unexpected Transfer-Encoding {te!r}")
            resp.body = self._read_chunked(deadline)
        elif cl:
            if len(set(cl)) != 1 or not cl[0].isdigit():
                raise ProtocolError(f"bad Content-Length {cl!r}")
            resp.body = self._read_exact(int(cl[0]), deadline)
        else:
            # No framing: the body runs to EOF.
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""

    def _read_chunked(self, deadline: float) -> bytes:
        body = b""
        while True:
            line = self._read_line(deadline, "chunk size")
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while self._read_line(deadline, "trailer") != b"\r\n":
                    pass
                return body
            body += self._read_exact(size, deadline)
            if self._read_exact(2, deadline) != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")

    def read_until_eof(self, timeout: float | None = None) -> bytes:
        """Everything the server sends until it closes (FIN or reset).

        Raises socket.timeout if the connection is still open after `timeout`.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while self._fill(deadline):
            pass
        out, self.buf = self.buf, b""
        return out

    def read_available(self, wait: float) -> bytes:
        """Bytes that arrive within `wait` seconds (EOF ends the wait early)."""
        deadline = time.monotonic() + wait
        try:
            while self._fill(deadline):
                pass
        except socket.timeout:
            pass
        out, self.buf = self.buf, b""
        return out


def connect(port: int, timeout: float = DEFAULT_TIMEOUT) -> HttpConnection:
    return HttpConnection(port, timeout=timeout)


def get(port: int, target: str, headers=None, method: str = "GET", body: bytes = b"",
        timeout: float = DEFAULT_TIMEOUT) -> Response:
    """One request on a fresh connection (closed afterwards)."""
    with HttpConnection(port, timeout=timeout) as c:
        return c.exchange(method, target, headers, body)


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text → {'name{labels}': value}; label sets exactly as the server prints them."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        out[key] = float(value)
    return out
