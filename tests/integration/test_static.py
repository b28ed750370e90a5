"""The web app's static files: types, caching, SPA fallback, 404s, and no escape from --web-dir."""
from __future__ import annotations

import socket
import time

import pytest

from conftest import APP_JS, BIG_BIN, INDEX_HTML, SECRET, STYLE_CSS
from test_http_basics import assert_error

IMMUTABLE = "public, max-age=31536000, immutable"


def test_index_at_root(shared_server):
    r = shared_server.get("/")
    assert r.status == 200, r
    assert r.body == INDEX_HTML
    assert r.content_type.startswith("text/html"), r
    assert r.header("Cache-Control") == "no-cache", r
    assert r.header("ETag"), r


def test_index_html_by_name(shared_server):
    r = shared_server.get("/index.html")
    assert r.status == 200 and r.body == INDEX_HTML, r
    assert r.header("ETag") == shared_server.get("/").header("ETag")


@pytest.mark.parametrize("target,body,ctype", [
    ("/assets/app-abc123.js", APP_JS, "text/javascript"),
    ("/style.css", STYLE_CSS, "text/css"),
    ("/index.html", INDEX_HTML, "text/html"),
])
def test_content_types(shared_server, target, body, ctype):
    r = shared_server.get(target)
    assert r.status == 200, r
    assert r.body == body
    assert r.content_type.split(";")[0].strip() == ctype, r
    assert r.header("Content-Length") == str(len(body))


def test_assets_are_immutable(shared_server):
    r = shared_server.get("/assets/app-abc123.js")
    assert r.header("Cache-Control") == IMMUTABLE, r


def test_non_assets_are_no_cache(shared_server):
    for target in ("/", "/index.html", "/style.css", "/teacher/class/1"):
        r = shared_server.get(target)
        assert r.status == 200, (target, r)
        assert r.header("Cache-Control") == "no-cache", (target, r)


@pytest.mark.parametrize("target", ["/", "/assets/app-abc123.js", "/style.css"])
def test_etag_if_none_match_304(shared_server, target):
    first = shared_server.get(target)
    etag = first.header("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"'), first
    with shared_server.connect() as c:
        r = c.exchange("GET", target, {"If-None-Match": etag})
        assert r.status == 304, r
        assert r.body == b""
        assert r.header("ETag") == etag
        assert r.header("Cache-Control") == first.header("Cache-Control")
        # No body bytes on the wire: the next answer follows directly.
        r2 = c.exchange("GET", "/healthz")
        assert r2.status == 200 and r2.json() == {"status": "ok"}, r2
        # Weak comparison and lists are honoured; another tag gets the full file.
        assert c.exchange("GET", target, {"If-None-Match": f'"other", W/{etag}'}).status == 304
        assert c.exchange("GET", target, {"If-None-Match": "*"}).status == 304
        r3 = c.exchange("GET", target, {"If-None-Match": '"not-the-etag"'})
        assert r3.status == 200 and r3.body == first.body, r3


def test_etags_differ_between_files(shared_server):
    tags = {shared_server.get(t).header("ETag") for t in ("/", "/style.css", "/assets/app-abc123.js")}
    assert len(tags) == 3, tags


def test_head_on_static_file(shared_server):
    with shared_server.connect() as c:
        r = c.exchange("HEAD", "/style.css")
        assert r.status == 200, r
        assert r.header("Content-Length") == str(len(STYLE_CSS))
        assert r.content_type.startswith("text/css")
        assert c.exchange("GET", "/healthz").status == 200


@pytest.mark.parametrize("target", ["/teacher/class/1", "/login", "/teacher/class/1?tab=roster", "/a/b/c/d"])
def test_spa_fallback_serves_index(shared_server, target):
    r = shared_server.get(target)
    assert r.status == 200, r
    assert r.body == INDEX_HTML
    assert r.content_type.startswith("text/html")


@pytest.mark.parametrize("target", ["/missing.png", "/assets/app-zzz.js", "/teacher/x.json", "/favicon.ico"])
def test_missing_file_with_extension_is_404_json(shared_server, target):
    assert_error(shared_server.get(target), 404)


@pytest.mark.parametrize("target", ["/api/anything", "/api/v1/no-such-route", "/ws/live", "/metrics/x", "/api"])
def test_reserved_prefixes_are_404_json(shared_server, target):
    assert_error(shared_server.get(target), 404)


def test_post_root_is_405(shared_server):
    r = shared_server.get("/", method="POST", body=b"x=1")
    assert_error(r, 405)
    assert r.header("Allow") == "GET, HEAD", r


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_on_static_paths_are_405(shared_server, method):
    r = shared_server.get("/style.css", method=method)
    assert_error(r, 405)
    assert r.header("Allow") == "GET, HEAD", r


TRAVERSALS = [
    "/../etc/passwd",
    "/../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/assets/../../etc/passwd",
    "/assets/%2e%2e/%2e%2e/etc/passwd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/..\\..\\etc\\passwd",
    "/../outside/secret.txt",
    "/%2e%2e/outside/secret.txt",
    "/..%2foutside%2fsecret.txt",
    "/assets/../../outside/secret.txt",
    "/secret-link.txt",
    "/linked-dir/secret.txt",
    "/linked-dir/../outside/secret.txt",
    "/./secret-link.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_file_outside_web_dir(shared_server, target):
    with shared_server.connect() as c:
        c.send(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        r = c.read_response()
    assert SECRET not in r.body, r
    assert b"root:" not in r.body, r
    if r.status == 200:
        # Only the web app itself (the SPA fallback) may come back.
        assert r.body == INDEX_HTML, r
    else:
        assert 400 <= r.status < 500, r
        assert_error(r, r.status)


def test_big_file_served_intact(shared_server):
    r = shared_server.get("/assets/big-0001.bin")
    assert r.status == 200, r
    assert r.header("Content-Length") == str(len(BIG_BIN))
    assert r.body == BIG_BIN
    assert r.content_type == "application/octet-stream", r


@pytest.mark.parametrize("target", ["/", "/style.css", "/assets/app-abc123.js"])
def test_nosniff_on_files(shared_server, target):
    assert shared_server.get(target).header("X-Content-Type-Options") == "nosniff"


def test_slow_reader_gets_whole_file(shared_server):
    # A small receive window and paced reads: the server must keep the rest queued
    # and resume as the window opens, then still serve the next request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: sets the window
    sock.settimeout(30)
    sock.connect(("127.0.0.1", shared_server.port))
    with sock:
        sock.sendall(b"GET /assets/big-0001.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        reads = 0
        while not got.endswith(BIG_BIN):
            chunk = sock.recv(4096)
            assert chunk, f"EOF after {len(got)} bytes"
            got += chunk
            reads += 1
            if reads % 64 == 0:
                time.sleep(0.002)  # pacing, not synchronisation
        head, _, body = got.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), head
        assert body == BIG_BIN
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        tail = b""
        while not tail.endswith(b'{"status":"ok"}'):
            chunk = sock.recv(4096)
            assert chunk, tail
            tail += chunk
        assert tail.startswith(b"HTTP/1.1 200 "), tail
