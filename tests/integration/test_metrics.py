"""/metrics: valid Prometheus text, and counters that move by exactly what was done.

Accounting rules the exact checks rely on (each server here is fresh and private):
- a response is counted in rollcall_http_requests_total after it is rendered, so a
  scrape does not see itself but the next scrape does;
- request bytes are counted in rollcall_net_received_bytes_total when read, before the
  request is handled, so a scrape sees its own request bytes.
"""
from __future__ import annotations

import os
import subprocess

import pytest

import http_client

PROMTOOL = "/usr/bin/promtool"
SCRAPE = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"]


def req(code: str) -> str:
    return f'rollcall_http_requests_total{{code="{code}"}}'


class Scraper:
    """Scrapes over one keep-alive connection (one shard), counting its own bytes."""

    def __init__(self, s):
        self.conn = s.connect()

    def __call__(self) -> tuple[dict[str, float], bytes]:
        self.conn.send(SCRAPE)
        r = self.conn.read_response()
        assert r.status == 200, r
        return http_client.parse_metrics(r.body.decode()), r.raw_head + r.body

    def close(self):
        self.conn.close()


@pytest.mark.skipif(not os.path.exists(PROMTOOL), reason="promtool not installed")
def test_promtool_check_metrics(server):
    s = server()
    # Move a few counters first so histograms and labelled series are non-trivial.
    assert s.get("/healthz").status == 200
    assert s.get("/nope.txt").status == 404
    text = s.metrics_text()
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
    assert p.returncode == 0, (p.stdout.decode(), p.stderr.decode(), text)


def test_exposition_format_basics(shared_server):
    r = shared_server.get("/metrics")
    text = r.body.decode()
    assert text.endswith("\n")
    typed = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert name not in typed, f"duplicate TYPE for {name}"
            typed[name] = kind
    for name in ("rollcall_connections_open", "rollcall_shard_connections_open", "rollcall_connections_accepted_total",
                 "rollcall_connections_refused_total", "rollcall_connections_closed_total",
                 "rollcall_http_requests_total", "rollcall_http_timeouts_total", "rollcall_loop_turns_total",
                 "rollcall_io_sqes_submitted_total", "rollcall_io_cqes_reaped_total",
                 "rollcall_net_received_bytes_total", "rollcall_net_sent_bytes_total",
                 "rollcall_shard_messages_sent_total", "rollcall_process_resident_memory_bytes"):
        assert name in typed, name
    assert typed["rollcall_http_request_duration_seconds"] == "histogram"
    m = http_client.parse_metrics(text)
    for code in CLASSES:
        assert req(code) in m
    assert 'rollcall_connections_refused_total{reason="capacity"}' in m
    assert 'rollcall_http_timeouts_total{kind="header"}' in m
    assert 'rollcall_http_timeouts_total{kind="idle"}' in m
    assert m["rollcall_process_resident_memory_bytes"] > 1 << 20


def test_request_counters_move_exactly(server):
    s = server()
    scrape = Scraper(s)
    try:
        before, _ = scrape()
        with s.connect() as c:
            for _ in range(7):
                assert c.exchange("GET", "/healthz").status == 200
            for _ in range(3):
                assert c.exchange("GET", "/", {"If-None-Match": '"nope"'}).status == 200
            for _ in range(4):
                assert c.exchange("GET", "/missing.png").status == 404
            assert c.exchange("POST", "/healthz", body=b"{}").status == 405
            etag = c.exchange("GET", "/style.css").header("ETag")  # 2xx
            assert c.exchange("GET", "/style.css", {"If-None-Match": etag}).status == 304
        with s.connect() as c:
            c.send(b"GET / HTTP/1.1\r\n\r\n")  # no Host: 400 from the parser stage
            assert c.read_response().status == 400
        after, _ = scrape()
    finally:
        scrape.close()
    delta = {code: after[req(code)] - before[req(code)] for code in CLASSES}
    # +1 2xx: the first scrape is counted after it was rendered.
    assert delta == {"1xx": 0, "2xx": 7 + 3 + 1 + 1, "3xx": 1, "4xx": 4 + 1 + 1, "5xx": 0}, delta


def test_connection_counters(server):
    s = server()
    before = s.metrics()  # fresh connection: accepted +1 each scrape
    for _ in range(5):
        assert s.get("/healthz").status == 200
    after = s.metrics()
    assert after["rollcall_connections_accepted_total"] - before["rollcall_connections_accepted_total"] == 6
    assert after["rollcall_connections_open"] >= 1
    assert after["rollcall_connections_closed_total"] <= after["rollcall_connections_accepted_total"]


def test_byte_counters(server):
    s = server(shards=1)
    scrape = Scraper(s)
    try:
        before, before_resp = scrape()
        sent_requests = []
        responses = [before_resp]
        with s.connect() as c:
            for target in ("/healthz", "/", "/assets/app-abc123.js", "/nope.png"):
                raw = f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
                c.send(raw)
                r = c.read_response()
                sent_requests.append(raw)
                responses.append(r.raw_head + r.body)
        after, _ = scrape()
    finally:
        scrape.close()
    received = after["rollcall_net_received_bytes_total"] - before["rollcall_net_received_bytes_total"]
    # The second scrape's request bytes are counted before it renders.
    assert received == sum(map(len, sent_requests)) + len(SCRAPE), received
    sent = after["rollcall_net_sent_bytes_total"] - before["rollcall_net_sent_bytes_total"]
    # Everything answered before the second scrape: the first scrape and the 4 answers
    # (the last send's completion may still be in flight, so allow it to be missing).
    assert sum(map(len, responses[:-1])) <= sent <= sum(map(len, responses)), (sent, list(map(len, responses)))


def test_histogram_consistent_with_classes(server):
    s = server()
    for target in ("/healthz", "/readyz", "/", "/nope.js", "/api/x"):
        assert s.get(target).status in (200, 404)
    assert s.get("/healthz", method="DELETE").status == 405
    m = s.metrics()
    count = m["rollcall_http_request_duration_seconds_count"]
    classes = sum(m[req(c)] for c in CLASSES)
    assert count == classes == 6, (count, classes)
    assert m['rollcall_http_request_duration_seconds_bucket{le="+Inf"}'] == count
    buckets = [(k, v) for k, v in m.items() if k.startswith("rollcall_http_request_duration_seconds_bucket")]
    values = [v for _, v in buckets]
    assert values == sorted(values), buckets  # cumulative
    assert m["rollcall_http_request_duration_seconds_sum"] > 0


def test_timeout_and_refusal_counters(server):
    s = server("--header-timeout-ms", "300", "--idle-timeout-ms", "300", shards=1)
    with s.connect() as c:
        c.send(b"GET / HTTP/1.1\r\n")
        assert c.read_response().status == 408
    with s.connect() as c:
        assert c.exchange("GET", "/healthz").status == 200
        assert c.read_until_eof(timeout=5) == b""
    m = s.metrics()
    assert m['rollcall_http_timeouts_total{kind="header"}'] == 1, m
    assert m['rollcall_http_timeouts_total{kind="idle"}'] == 1, m
    assert m['rollcall_connections_refused_total{reason="capacity"}'] == 0, m


def test_io_counters_move(server):
    s = server()
    a = s.metrics()
    for _ in range(3):
        s.get("/healthz")
    b = s.metrics()
    for name in ("rollcall_loop_turns_total", "rollcall_io_sqes_submitted_total", "rollcall_io_cqes_reaped_total"):
        assert b[name] > a[name], name
