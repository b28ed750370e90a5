"""Size limits, malformed requests, timeouts and the connection cap."""
from __future__ import annotations

import time

import pytest

import http_client
from test_http_basics import assert_error

EOF_TIMEOUT_S = 5.0


def expect_error_then_eof(c: http_client.HttpConnection, status: int, code: str | None = None) -> dict:
    r = c.read_response()
    doc = assert_error(r, status, code)
    assert "close" in r.connection_tokens(), r
    assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b"", "connection not closed after the error"
    return doc


def test_431_header_block_too_large(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        expect_error_then_eof(c, 431, "head_too_large")


def test_431_sent_before_head_ends(shared_server):
    # An endless header line: the server must not wait for its end.
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 17000)
        expect_error_then_eof(c, 431, "head_too_large")


def test_431_many_small_headers(shared_server):
    headers = b"".join(b"X-H-%d: v\r\n" % i for i in range(200))
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        expect_error_then_eof(c, 431, "too_many_headers")


def test_max_header_bytes_flag(server):
    s = server("--max-header-bytes", "2048")
    with s.connect() as c:
        assert c.exchange("GET", "/healthz", {"X-Pad": "a" * 1500}).status == 200
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 2100 + b"\r\n\r\n")
        expect_error_then_eof(c, 431)


def test_414_target_too_long(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        expect_error_then_eof(c, 414, "target_too_long")


def test_long_target_under_limit_is_served(shared_server):
    r = shared_server.get("/api/" + "a" * 7000)
    assert_error(r, 404)


def test_413_before_body(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
        # No body byte sent: the answer must come anyway, then the close.
        expect_error_then_eof(c, 413, "body_too_large")


def test_413_max_body_bytes_flag(server):
    s = server("--max-body-bytes", "100")
    with s.connect() as c:
        r = c.exchange("POST", "/healthz", body=b"x" * 100)
        assert_error(r, 405)  # at the limit: read and routed
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n")
        expect_error_then_eof(c, 413)


def test_413_chunked_body_too_large(server):
    s = server("--max-body-bytes", "100")
    with s.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"65\r\n" + b"x" * 101 + b"\r\n0\r\n\r\n")
        expect_error_then_eof(c, 413)


@pytest.mark.parametrize("line", [
    b"GET  /healthz HTTP/1.1\r\n",        # two spaces
    b"GET /healthz HTTP/1.1 extra\r\n",   # trailing junk
    b"GET /heal thz HTTP/1.1\r\n",        # space in target
    b"GET /healthz HTTP/1.x\r\n",         # malformed version
    b"/healthz HTTP/1.1\r\n",             # no method
    b"GET /healthz http/1.1\r\n",         # lower-case protocol name
    b"G(T /healthz HTTP/1.1\r\n",         # non-token method
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n",  # TLS ClientHello-ish bytes
])
def test_400_malformed_request_line(shared_server, line):
    with shared_server.connect() as c:
        c.send(line + b"Host: x\r\n\r\n")
        r = c.read_response()
        doc = assert_error(r, 400)
        assert doc["error"]["code"] in ("bad_request_line", "bad_version"), doc
        assert "close" in r.connection_tokens(), r
        assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b""


def test_request_line_without_version(shared_server):
    # An HTTP/0.9-style line: refused either as malformed (400) or as an unsupported version (505).
    with shared_server.connect() as c:
        c.send(b"GET /healthz\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert r.status in (400, 505), r
        assert_error(r, r.status)
        assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b""


@pytest.mark.parametrize("header,code", [
    (b"Bad Name: v", "bad_header"),           # space in field name
    (b"NoColon", "bad_header"),               # missing colon
    (b"X-Ctl: a\x01b", "bad_header"),         # control byte in value
    (b"X-A: 1\r\n Folded: v", "bad_header"),  # obs-fold
    (b"X-Bare: a\rb", "bad_header"),          # bare CR
    (b"Host: y", "bad_header"),               # duplicate Host
    (b"Content-Length: abc", "bad_content_length"),
    (b"Content-Length: 5\r\nContent-Length: 6", "bad_content_length"),
    (b"Content-Length: 5, 5", "bad_content_length"),
    (b"Content-Length: -1", "bad_content_length"),
    (b"Transfer-Encoding: gzip", "bad_transfer_encoding"),
    (b"Transfer-Encoding: chunked, chunked", "bad_transfer_encoding"),
])
def test_400_malformed_header(shared_server, header, code):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n")
        expect_error_then_eof(c, 400, code)


def test_501_unknown_method(shared_server):
    with shared_server.connect() as c:
        c.send(b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        expect_error_then_eof(c, 501, "unknown_method")


def test_501_connect(shared_server):
    with shared_server.connect() as c:
        c.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        expect_error_then_eof(c, 501, "not_implemented")


def test_505_http2_request_line(shared_server):
    with shared_server.connect() as c:
        c.send(b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n")
        expect_error_then_eof(c, 505, "unsupported_version")


@pytest.mark.parametrize("version", [b"HTTP/1.2", b"HTTP/3.0", b"HTTP/0.9"])
def test_505_other_versions(shared_server, version):
    with shared_server.connect() as c:
        c.send(b"GET /healthz " + version + b"\r\nHost: x\r\n\r\n")
        expect_error_then_eof(c, 505, "unsupported_version")


def test_content_length_with_transfer_encoding_is_400_and_close(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        expect_error_then_eof(c, 400, "content_length_with_transfer_encoding")


def test_bad_chunk_size_is_400_and_close(shared_server):
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
        expect_error_then_eof(c, 400, "bad_chunk")


def test_408_slow_headers(server):
    s = server("--header-timeout-ms", "300")
    with s.connect() as c:
        t0 = time.monotonic()
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        r = c.read_response(timeout=5)
        elapsed = time.monotonic() - t0
        assert_error(r, 408, "request_timeout")
        assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b""
    assert 0.25 <= elapsed <= 5, elapsed
    m = s.metrics()
    assert m['rollcall_http_timeouts_total{kind="header"}'] == 1, m


def test_408_slow_body(server):
    # The header timeout also bounds silence inside a body.
    s = server("--header-timeout-ms", "300")
    with s.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        r = c.read_response(timeout=5)
        assert_error(r, 408, "request_timeout")
        assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b""


def test_header_timeout_is_not_reset_by_trickling(server):
    # A client sending one byte at a time never completes its head: the deadline is for
    # the whole head, not per byte.
    s = server("--header-timeout-ms", "500")
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    with s.connect() as c:
        t0 = time.monotonic()
        got = b""
        for i in range(len(head)):
            try:
                c.send(head[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            got += c.read_available(0.02)
            if got:
                break
        got += c.read_until_eof(timeout=EOF_TIMEOUT_S)
        elapsed = time.monotonic() - t0
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert elapsed < 4, elapsed


def test_idle_timeout_closes_keep_alive_silently(server):
    s = server("--idle-timeout-ms", "300")
    with s.connect() as c:
        assert c.exchange("GET", "/healthz").status == 200
        t0 = time.monotonic()
        assert c.read_until_eof(timeout=5) == b""
        elapsed = time.monotonic() - t0
    assert 0.25 <= elapsed <= 5, elapsed
    m = s.metrics()
    assert m['rollcall_http_timeouts_total{kind="idle"}'] == 1, m


def test_idle_timeout_restarts_after_each_request(server):
    s = server("--idle-timeout-ms", "1000")
    with s.connect() as c:
        t0 = time.monotonic()
        # Requests every ~0.3 s for ~1.5 s keep the connection open past one idle period.
        while time.monotonic() - t0 < 1.5:
            assert c.exchange("GET", "/healthz").status == 200
            assert c.read_available(0.3) == b""
        assert c.read_until_eof(timeout=5) == b""


def test_silent_fresh_connection_closed_after_header_timeout(server):
    s = server("--header-timeout-ms", "300")
    with s.connect() as c:
        t0 = time.monotonic()
        assert c.read_until_eof(timeout=5) == b"", "a silent connection must be closed without an answer"
        elapsed = time.monotonic() - t0
    assert 0.25 <= elapsed <= 5, elapsed


def _refused_without_answer(c: http_client.HttpConnection) -> bool:
    """True if the server closed `c` without sending a byte."""
    try:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return True
    return c.read_until_eof(timeout=EOF_TIMEOUT_S) == b""


def test_max_connections_cap(server):
    s = server("--max-connections", "3", shards=1)
    held = [s.connect() for _ in range(3)]
    try:
        for c in held:
            assert c.exchange("GET", "/healthz").status == 200
        extra = s.connect()
        with extra:
            assert _refused_without_answer(extra)
        # The held connections still work.
        for c in held:
            assert c.exchange("GET", "/readyz").status == 200
        held.pop().close()
        # The slot is freed asynchronously: retry, bounded.
        deadline = time.monotonic() + 10
        while True:
            try:
                with s.connect() as c:
                    c.request("GET", "/metrics")
                    r = c.read_response(timeout=EOF_TIMEOUT_S)
                    break
            except (http_client.ConnectionClosed, ConnectionResetError, BrokenPipeError):
                assert time.monotonic() < deadline, "no slot freed within 10 s of closing a connection"
        assert r.status == 200, r
        m = http_client.parse_metrics(r.body.decode())
        assert m['rollcall_connections_refused_total{reason="capacity"}'] >= 1, m
        assert m["rollcall_connections_open"] == 3, m
    finally:
        for c in held:
            c.close()


def test_max_connections_split_over_shards(server):
    # 4 per process over 2 shards = 2 per shard: at most 4 connections are ever served.
    s = server("--max-connections", "4", shards=2)
    conns = []
    served = 0
    try:
        for _ in range(12):
            c = s.connect()
            conns.append(c)
            try:
                if c.exchange("GET", "/healthz", timeout=EOF_TIMEOUT_S).status == 200:
                    served += 1
            except (http_client.ConnectionClosed, ConnectionResetError, BrokenPipeError):
                pass
        # One shard got at least 6 of the 12, so served >= 2; the cap is 2 per shard.
        assert 2 <= served <= 4, served
    finally:
        for c in conns:
            c.close()


@pytest.mark.parametrize("request_bytes,status", [
    (b"HEAD /healthz HTTP/1.1\r\n\r\n", 400),                                          # missing_host
    (b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413),  # body_too_large
    (b"HEAD /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400),                             # bad host
], ids=["missing_host", "body_too_large", "bad_host"])
def test_error_answer_to_head_has_no_body(shared_server, request_bytes, status):
    # RFC 9110 §9.3.2 / RFC 9112 §6.3: an answer to HEAD has no content, even an error;
    # a client would read body bytes as the start of the next response.
    with shared_server.connect() as c:
        c.send(request_bytes)
        r = c.read_response(method="HEAD")
        assert r.status == status, r
        assert int(r.header("Content-Length")) > 0, r  # the length the GET answer would have
        assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b"", "content after the head of a HEAD answer"


def test_413_answer_survives_client_still_sending_body(shared_server):
    # The client does not wait: it keeps sending the body it announced. The server must
    # not turn its close into a reset that destroys the 413 before the client reads it.
    with shared_server.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(16):  # 1 MiB, more than the socket buffers hold
                c.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = c.read_response()
        assert_error(r, 413, "body_too_large")


def test_header_timeout_applies_to_second_request(server):
    # After a keep-alive answer, a started-but-unfinished head gets the header timeout
    # (a 408), not the much longer idle timeout.
    s = server("--header-timeout-ms", "300", "--idle-timeout-ms", "60000")
    with s.connect() as c:
        assert c.exchange("GET", "/healthz").status == 200
        c.send(b"GET /healthz HTTP/1.1\r\n")
        t0 = time.monotonic()
        r = c.read_response(timeout=5)
        assert_error(r, 408, "request_timeout")
        assert time.monotonic() - t0 < 5
        assert c.read_until_eof(timeout=EOF_TIMEOUT_S) == b""


def test_slow_but_steady_body_is_not_timed_out(server):
    # Inside a body the header timeout bounds each silence, not the whole transfer.
    s = server("--header-timeout-ms", "400")
    with s.connect() as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
        t0 = time.monotonic()
        for _ in range(8):
            assert c.read_available(0.15) == b""  # paces the body; nothing may arrive yet
            c.send(b"x")
        assert time.monotonic() - t0 > 0.8  # longer than one header timeout in total
        r = c.read_response()
        assert_error(r, 405)


def test_exact_body_limit_accepted(server):
    s = server("--max-body-bytes", str(256 * 1024))
    with s.connect() as c:
        r = c.exchange("POST", "/healthz", body=b"b" * (256 * 1024))
        assert_error(r, 405)
        assert c.exchange("GET", "/healthz").status == 200


@pytest.mark.parametrize("size,status", [(2047, 200), (2048, 200), (2049, 431)])
def test_header_limit_boundary(server, size, status):
    s = server("--max-header-bytes", "2048")
    base = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
    head = base + b"a" * (size - len(base) - 4) + b"\r\n\r\n"
    assert len(head) == size
    with s.connect() as c:
        c.send(head)
        assert c.read_response().status == status


def test_pipelined_heads_under_limit_sum_over_it(server):
    # The limit is per request head, not per read buffer.
    s = server("--max-header-bytes", "2048")
    base = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
    head = base + b"a" * (2000 - len(base) - 4) + b"\r\n\r\n"
    with s.connect() as c:
        c.send(head * 3)
        for _ in range(3):
            assert c.read_response().status == 200


def test_receive_buffer_exhaustion_waits_instead_of_failing(server):
    # Two 4 KiB receive buffers for 32 clients that each send 16 pipelined requests
    # of ~4 KiB at once: one send (64 KiB, delivered whole on loopback) needs more
    # buffers than there are, however fast the server runs, so the kernel runs out
    # (-ENOBUFS); the server re-arms reading once buffers come back, and every
    # request is still answered, in order.
    s = server("--recv-buffers", "2", shards=1)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 4000 + b"\r\n\r\n"
    conns = [s.connect() for _ in range(32)]
    try:
        for c in conns:
            c.send(request * 16)
        for c in conns:
            for _ in range(16):
                r = c.read_response()
                assert r.status == 200, r
                assert r.body == b'{"status":"ok"}'
    finally:
        for c in conns:
            c.close()
    m = s.metrics()
    assert m["rollcall_io_recv_buffers_exhausted_total"] >= 1, m
    assert m['rollcall_http_requests_total{code="2xx"}'] >= 32 * 16
