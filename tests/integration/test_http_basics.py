"""Ops routes, error bodies, HEAD, keep-alive, pipelining, HTTP/1.0, chunked bodies, 100-continue."""
from __future__ import annotations

import email.utils
import threading

import pytest

import http_client
from conftest import APP_JS, BIG_BIN, INDEX_HTML, STYLE_CSS

JSON_TYPE = "application/json"
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def assert_error(r: http_client.Response, status: int, code: str | None = None) -> dict:
    """`r` is an error answer: status, JSON content type, {"error":{"code","message"}} body."""
    assert r.status == status, r
    assert r.content_type == JSON_TYPE, r
    assert r.header("Content-Length") == str(len(r.body)), r
    doc = r.json()
    assert set(doc) == {"error"}, doc
    assert isinstance(doc["error"].get("code"), str) and doc["error"]["code"], doc
    assert isinstance(doc["error"].get("message"), str) and doc["error"]["message"], doc
    if code is not None:
        assert doc["error"]["code"] == code, doc
    return doc


def test_healthz(shared_server):
    r = shared_server.get("/healthz")
    assert r.status == 200, r
    assert r.content_type == JSON_TYPE
    assert r.json() == {"status": "ok"}
    assert r.header("Content-Length") == str(len(r.body))


def test_readyz_ready(shared_server):
    r = shared_server.get("/readyz")
    assert r.status == 200, r
    assert r.content_type == JSON_TYPE
    assert r.json() == {"status": "ready"}


def test_metrics_content_type_and_names(shared_server):
    r = shared_server.get("/metrics")
    assert r.status == 200, r
    assert r.content_type == METRICS_TYPE
    text = r.body.decode()
    samples = http_client.parse_metrics(text)
    assert samples, text
    assert all(k.startswith("rollcall_") for k in samples), [k for k in samples if not k.startswith("rollcall_")]
    for name in ("rollcall_connections_open", "rollcall_connections_accepted_total",
                 'rollcall_http_requests_total{code="2xx"}', "rollcall_shards"):
        assert name in samples, name


def test_date_and_server_headers(shared_server):
    r = shared_server.get("/healthz")
    assert r.header("Server"), r
    date = r.header("Date")
    assert date, r
    parsed = email.utils.parsedate_to_datetime(date)
    assert parsed.tzinfo is not None and date.endswith(" GMT"), date
    # Error answers carry them too.
    r = shared_server.get("/api/nope")
    assert r.header("Server") and r.header("Date"), r


@pytest.mark.parametrize("target", ["/api/anything", "/api", "/ws/x", "/metrics/extra", "/missing.png"])
def test_not_found_is_json(shared_server, target):
    assert_error(shared_server.get(target), 404)


@pytest.mark.parametrize("method,target", [("POST", "/healthz"), ("DELETE", "/readyz"),
                                           ("PUT", "/metrics"), ("POST", "/")])
def test_wrong_method_is_405_with_allow(shared_server, method, target):
    r = shared_server.get(target, method=method, body=b"{}" if method != "DELETE" else b"")
    assert_error(r, 405)
    allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
    assert {"GET", "HEAD"} <= allow, r
    assert method not in allow, r


@pytest.mark.parametrize("target", ["/healthz", "/metrics", "/", "/api/nope"])
def test_head_has_headers_without_body(shared_server, target):
    get = shared_server.get(target)
    with shared_server.connect() as c:
        c.request("HEAD", target)
        head = c.read_response(method="HEAD")
        assert head.status == get.status, head
        assert head.content_type == get.content_type
        # Content-Length is the length the GET body would have (metrics may differ by a few bytes).
        assert head.header("Content-Length") is not None, head
        if target != "/metrics":
            assert head.header("Content-Length") == str(len(get.body)), (head, get)
        else:
            assert int(head.header("Content-Length")) > 0
        # No body bytes follow: the next answer on this connection starts right away.
        c.request("GET", "/healthz")
        nxt = c.read_response()
        assert nxt.status == 200 and nxt.json() == {"status": "ok"}, nxt
        assert c.buf == b""


def test_keep_alive_three_requests_one_socket(shared_server):
    with shared_server.connect() as c:
        for target, status in (("/healthz", 200), ("/nope-x.txt", 404), ("/readyz", 200)):
            r = c.exchange("GET", target)
            assert r.status == status, r
            assert "close" not in r.connection_tokens(), r
        # Still open: a fourth request on the same socket works.
        assert c.exchange("GET", "/healthz").status == 200


def test_pipelining_twenty_requests_in_order(shared_server):
    targets = []
    for i in range(20):
        targets.append("/healthz" if i % 3 == 0 else f"/nope-{i}.txt" if i % 3 == 1 else "/readyz")
    raw = b"".join(f"GET {t} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode() for t in targets)
    with shared_server.connect() as c:
        c.send(raw)
        for t in targets:
            r = c.read_response()
            if t == "/healthz":
                assert (r.status, r.json()) == (200, {"status": "ok"}), (t, r)
            elif t == "/readyz":
                assert (r.status, r.json()) == (200, {"status": "ready"}), (t, r)
            else:
                assert_error(r, 404)
        assert c.exchange("GET", "/healthz").status == 200


def test_pipelined_answers_match_paths(shared_server):
    # Distinct static files: each body identifies the request it answers.
    targets = ["/style.css", "/assets/app-abc123.js", "/", "/style.css", "/nope.txt", "/"] * 3
    raw = b"".join(f"GET {t} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode() for t in targets)
    expected = {"/style.css": STYLE_CSS, "/assets/app-abc123.js": APP_JS, "/": INDEX_HTML}
    with shared_server.connect() as c:
        c.send(raw)
        for t in targets:
            r = c.read_response()
            if t in expected:
                assert r.status == 200 and r.body == expected[t], (t, r)
            else:
                assert r.status == 404, (t, r)


def test_connection_close_answers_then_eof(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert "close" in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b""


def test_connection_close_ignores_pipelined_followers(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
               b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response().status == 200
        assert c.read_until_eof(timeout=5) == b""


def test_http10_closes_by_default(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert r.json() == {"status": "ok"}
        assert "keep-alive" not in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b""


def test_http10_keep_alive(shared_server):
    with shared_server.connect() as c:
        for _ in range(2):
            c.send(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.read_response()
            assert r.status == 200, r
            assert "keep-alive" in r.connection_tokens(), r
        c.send(b"GET /readyz HTTP/1.0\r\n\r\n")
        assert c.read_response().status == 200
        assert c.read_until_eof(timeout=5) == b""


def test_http11_without_host_is_400_and_close(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\n\r\n")
        r = c.read_response()
        assert_error(r, 400, "missing_host")
        assert c.read_until_eof(timeout=5) == b""


def test_chunked_post_then_pipelined_get(shared_server):
    body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body +
               b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert_error(r, 405)
        assert r.header("Allow") == "GET, HEAD", r
        r2 = c.read_response()
        assert r2.status == 200 and r2.json() == {"status": "ok"}, r2


def test_content_length_body_then_pipelined_get(shared_server):
    # The body bytes look like a request: they must be skipped as body, not parsed.
    smuggled = b"GET /nope-smuggled.txt HTTP/1.1\r\nHost: x\r\n\r\n"
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled +
               b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert_error(c.read_response(), 405)
        r2 = c.read_response()
        assert r2.status == 200 and r2.json() == {"status": "ready"}, r2


def test_expect_100_continue(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        interim = c.read_response(timeout=5)
        assert interim.status == 100, interim
        assert interim.version == "HTTP/1.1"
        assert c.buf == b""  # nothing but the interim answer so far
        c.send(b"hello")
        final = c.read_response()
        assert_error(final, 405)
        # The connection is still in sync.
        assert c.exchange("GET", "/healthz").status == 200


def test_large_pipelined_burst_is_fully_answered(shared_server):
    # Many requests in one write, more than one receive buffer: every answer arrives, in order.
    n = 300
    raw = b"".join(b"GET /nope-%d.txt HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n))
    with shared_server.connect() as c:
        c.send(raw)
        for i in range(n):
            r = c.read_response()
            assert r.status == 404, (i, r)
        assert c.exchange("GET", "/healthz").status == 200


def test_half_close_after_pipelined_requests(shared_server):
    # A client that sends its requests and then shuts down its sending side still gets
    # every answer, then EOF.
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        c.shutdown_write()
        for _ in range(3):
            assert c.read_response().status == 200
        assert c.read_until_eof(timeout=5) == b""


@pytest.mark.parametrize("value", ["CLOSE", "Close", "keep-alive, close", "close, te"])
def test_connection_close_tokens(shared_server, value):
    with shared_server.connect() as c:
        c.send(f"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: {value}\r\n\r\n".encode())
        r = c.read_response()
        assert r.status == 200, r
        assert "close" in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b""


def test_absolute_form_target_routed_by_path(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET http://localhost/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.json() == {"status": "ok"}, r


def test_query_string_does_not_change_route(shared_server):
    r = shared_server.get("/healthz?verbose=1&x=%20")
    assert r.status == 200 and r.json() == {"status": "ok"}, r


def test_expect_continue_not_sent_when_body_too_large(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n\r\n")
        r = c.read_response()
        assert_error(r, 413)
        assert c.read_until_eof(timeout=5) == b""


def test_expect_continue_not_sent_when_body_already_there(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
        r = c.read_response()
        assert_error(r, 405)


def test_expect_continue_http10_gets_no_interim(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        assert c.read_available(0.3) == b""  # HTTP/1.0 clients do not understand 1xx
        c.send(b"hello")
        assert_error(c.read_response(), 405)


def test_pipelined_large_answers_with_backpressure(shared_server):
    # 8 x 3 MiB answers to requests sent in one go: the server must stop reading while
    # its output backs up, and still answer every request, in order, intact.
    n = 8
    raw = b"".join(b"GET /assets/big-0001.bin HTTP/1.1\r\nHost: x\r\n\r\n" + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                   for _ in range(n))
    with shared_server.connect(timeout=30) as c:
        errors = []
        sender = threading.Thread(target=lambda: _send_catching(c, raw, errors))
        sender.start()
        try:
            for i in range(n):
                r = c.read_response()
                assert r.status == 200 and len(r.body) == len(BIG_BIN), (i, r)
                assert r.body == BIG_BIN, i
                r = c.read_response()
                assert r.status == 200 and r.json() == {"status": "ok"}, (i, r)
        finally:
            sender.join(timeout=30)
        assert not errors, errors


def _send_catching(c, data, errors):
    try:
        c.send(data)
    except OSError as e:  # pragma: no cover - reported by the test
        errors.append(e)


@pytest.mark.parametrize("host", [b"a b", b"x, y", b"x/y", b"<x>", b"x:8o"], ids=["space", "list", "slash", "angle", "port"])
def test_invalid_host_value_is_400(shared_server, host):
    # RFC 9112 §3.2: a server MUST answer 400 to a Host field value that is not uri-host [":" port].
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        r = c.read_response()
        assert_error(r, 400)
        assert "close" in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b""


@pytest.mark.parametrize("host", [b"", b"localhost", b"localhost:8080", b"127.0.0.1:1", b"[::1]:80", b"ex-ample.org"])
def test_valid_host_values_accepted(shared_server, host):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r


def test_asterisk_form_only_for_options(shared_server):
    # RFC 9112 §3.2.4: the asterisk-form is only for OPTIONS; with another method the
    # request line is invalid (§3: SHOULD answer 400).
    with shared_server.connect() as c:
        c.send(b"GET * HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert_error(r, 400)


@pytest.mark.parametrize("target", [b"healthz", b"style.css", b"example.com:80"])
def test_target_not_origin_or_absolute_form_is_400(shared_server, target):
    with shared_server.connect() as c:
        c.send(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert_error(r, 400, "bad_request_line")
        assert c.read_until_eof(timeout=5) == b""
