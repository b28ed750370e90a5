"""deploy/haproxy/rollcall.cfg in front of a real rollcall started with
--trusted-proxy 127.0.0.1 --proxy-protocol: the shipped file, with only what must
change for a test replaced (bind ports on loopback, the certificate file, the
server's port, the monitoring network, and Debian's paths for logs and the stats
socket). Clients speak TLS to it trusting only the test's own CA.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

from api_client import start_demo
from conftest import DEPLOY_DIR
from proxy_helpers import (MONITOR_NETWORK, Front, ProxyProcess, check_app_and_caching, check_body_limits,
                          check_roster_import,
                           check_live_flow, check_metrics_restricted, check_proxy_timeouts_exceed,
                           check_redirect, check_sign_in_limits, check_tls, h2_websocket_hello, https, make_certs,
                           render, scrape, seconds, sign_in, start_proxy)

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None,
                                reason="haproxy is not installed (tools/bootstrap installs it)")

SHIPPED = DEPLOY_DIR / "haproxy" / "rollcall.cfg"


def render_cfg(d, rollcall_port: int, http_port: int, https_port: int, certs) -> str:
    text = SHIPPED.read_text()
    if os.geteuid() != 0:  # chroot and dropping to the haproxy user need root
        text, n = re.subn(r"(?m)^\s*(chroot|user|group) [^\n]*\n", "", text)
        assert n == 3, n
    return render(text, [
        ("server rollcall 127.0.0.1:8080 ", f"server rollcall 127.0.0.1:{rollcall_port} "),
        ("bind :::80 v4v6", f"bind 127.0.0.1:{http_port}"),
        ("bind :::443 v4v6 ", f"bind 127.0.0.1:{https_port} "),
        ("/etc/haproxy/certs/rollcall.pem", str(certs.bundle)),
        ("src 192.0.2.0/24", f"src {MONITOR_NETWORK}"),
        # Debian's syslog socket and stats socket directory: the log goes to the
        # test's output file instead.
        ("log /dev/log local0\n", "log stdout format raw local0\n"),
        ("log /dev/log local1 notice\n", ""),
        ("stats socket /run/haproxy/admin.sock ", f"stats socket {d}/admin.sock "),
    ])


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def rollcall(module_server_factory):
    return start_demo(module_server_factory, "--trusted-proxy", "127.0.0.1", "--proxy-protocol")


def backend_ready(port: int, certs) -> bool:
    """HAProxy serves and its health check found rollcall ready."""
    try:
        return https(port, certs, "GET", "/readyz").status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def haproxy(rollcall, certs, tmp_path_factory):
    d = tmp_path_factory.mktemp("haproxy")

    def launch(http_port: int, https_port: int) -> ProxyProcess:
        (d / "haproxy.cfg").write_text(render_cfg(d, rollcall.port, http_port, https_port, certs))
        return ProxyProcess(["haproxy", "-db", "-f", str(d / "haproxy.cfg")], d / "haproxy.out")

    proc, http_port, https_port = start_proxy(launch, lambda proc, port: backend_ready(port, certs))
    try:
        yield Front(http_port, https_port)
    finally:
        proc.stop()
        assert not proc.alive()


def test_tls_is_modern_and_offers_h2(haproxy, certs):
    check_tls(haproxy.https_port, certs)


def test_the_app_comes_through_with_its_cache_headers(haproxy, certs):
    check_app_and_caching(haproxy.https_port, certs)


def test_plain_http_redirects_to_https(haproxy):
    check_redirect(haproxy.http_port)


def test_api_over_http2_and_live_feed_over_wss(haproxy, certs, rollcall):
    check_live_flow(haproxy.https_port, certs)
    # Every connection HAProxy opened started with a PROXY v2 header rollcall read.
    metrics = scrape(rollcall)
    assert metrics['rollcall_proxy_protocol_headers_total{version="2"}'] >= 5, metrics
    assert sum(v for k, v in metrics.items() if k.startswith("rollcall_proxy_protocol_errors")) == 0


def test_websocket_over_http2_reaches_the_live_feed(haproxy, certs):
    """HAProxy offers WebSockets over HTTP/2 (RFC 8441), so browsers on its h2
    connections open the live feed that way; it must arrive at rollcall as the
    HTTP/1.1 upgrade rollcall speaks."""
    token = sign_in(haproxy.https_port, certs, "teacher2")
    hello = h2_websocket_hello(haproxy.https_port, certs, f"/ws/attendance/4?token={token}")
    assert hello["type"] == "connection_established" and hello["class_id"] == 4, hello
    assert hello["data"]["role"] == "teacher", hello


def test_sign_in_limits_count_the_real_client_not_a_forged_one(haproxy, certs, rollcall):
    check_sign_in_limits(haproxy.https_port, certs, rollcall)


def test_metrics_only_for_the_monitoring_network(haproxy, certs):
    check_metrics_restricted(haproxy.https_port, certs)


def test_bodies_over_1_mib_refused_except_the_roster_import(haproxy, certs, rollcall):
    check_body_limits(haproxy.https_port, certs, rollcall)


def test_websocket_timeouts_exceed_the_servers():
    # HAProxy durations are in milliseconds unless a unit says otherwise.
    found = re.findall(r"(?m)^\s*timeout tunnel (\S+)", SHIPPED.read_text())
    assert len(found) == 1, found
    check_proxy_timeouts_exceed({"timeout tunnel": seconds(found[0], 0.001)})


def test_an_admin_imports_a_roster_zip_through_the_proxy(haproxy, certs):
    check_roster_import(haproxy.https_port, certs, "haproxy")
