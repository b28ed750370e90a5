"""deploy/nginx/rollcall.conf in front of a real rollcall: the shipped site file,
with only what must change for a test replaced (listen ports on loopback, the
certificate paths, the upstream port, the monitoring network), included from a
test-local main file shaped like Debian's /etc/nginx/nginx.conf (its paths under
the test's directory). Clients speak TLS to it trusting only the test's own CA.
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
                           check_redirect, check_sign_in_limits, check_tls, ipv6_loopback, make_certs,
                           render, seconds, serve_default, serves_tls, start_proxy)

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None,
                                reason="nginx is not installed (tools/bootstrap installs it)")

SHIPPED = DEPLOY_DIR / "nginx" / "rollcall.conf"

# Debian 12's /etc/nginx/nginx.conf, its paths moved under the test's directory
# (one worker: the machine is shared).
MAIN_CONF = """{user}
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{
    worker_connections 768;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {d}/access.log;
    gzip on;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/rollcall.conf;
}}
"""


def render_site(rollcall_port: int, http_port: int, https_port: int, certs) -> str:
    text = SHIPPED.read_text()
    replacements = [
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{rollcall_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ", f"listen 127.0.0.1:{https_port} "),
        ("/etc/ssl/rollcall/fullchain.pem", str(certs.cert)),
        ("/etc/ssl/rollcall/privkey.pem", str(certs.key)),
        ("allow 192.0.2.0/24;", f"allow {MONITOR_NETWORK};"),
    ]
    if ipv6_loopback():
        replacements += [("listen [::]:80;", f"listen [::1]:{http_port};"),
                         ("listen [::]:443 ", f"listen [::1]:{https_port} ")]
    else:  # a machine without ::1: the IPv6 listens could not bind
        text, n = re.subn(r"(?m)^\s*listen \[::\]:\d+[^\n]*\n", "", text)
        assert n == 2, n
    return render(text, replacements)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def rollcall(module_server_factory):
    return start_demo(module_server_factory, "--trusted-proxy", "127.0.0.1")


@pytest.fixture(scope="module")
def nginx(rollcall, certs, tmp_path_factory):
    d = tmp_path_factory.mktemp("nginx")

    def launch(http_port: int, https_port: int) -> ProxyProcess:
        (d / "rollcall.conf").write_text(render_site(rollcall.port, http_port, https_port, certs))
        # Workers as root: they write temp files under the test's directory (0700).
        user = "user root;" if os.geteuid() == 0 else ""
        (d / "nginx.conf").write_text(MAIN_CONF.format(user=user, d=d))
        return ProxyProcess(["nginx", "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log"),
                             "-g", "daemon off;"], d / "nginx.out")

    proc, http_port, https_port = start_proxy(launch, lambda proc, port: serves_tls(port, certs))
    try:
        yield Front(http_port, https_port)
    finally:
        proc.stop()
        assert not proc.alive()


def block(text: str, header: str) -> str:
    """The body of the nginx block that starts with `header` (e.g. "location /ws/")."""
    start = text.index(header + " {") + len(header) + 2
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def directive(body: str, name: str) -> str:
    m = re.search(rf"(?m)^\s*{name}\s+([^;]+);", body)
    assert m, f"{name} not set"
    return m.group(1).strip()


def test_tls_is_modern_and_offers_h2(nginx, certs):
    check_tls(nginx.https_port, certs)


def test_the_app_comes_through_with_its_cache_headers(nginx, certs):
    check_app_and_caching(nginx.https_port, certs)


def test_plain_http_redirects_to_https(nginx):
    check_redirect(nginx.http_port)


def test_api_over_http2_and_live_feed_over_wss(nginx, certs):
    check_live_flow(nginx.https_port, certs)


def test_sign_in_limits_count_the_real_client_not_a_forged_one(nginx, certs, rollcall):
    check_sign_in_limits(nginx.https_port, certs, rollcall)


def test_metrics_only_for_the_monitoring_network(nginx, certs):
    check_metrics_restricted(nginx.https_port, certs)


def test_bodies_over_1_mib_refused_except_the_roster_import(nginx, certs, rollcall):
    check_body_limits(nginx.https_port, certs, rollcall)


def test_websocket_timeouts_exceed_the_servers():
    ws = block(SHIPPED.read_text(), "location /ws/")
    check_proxy_timeouts_exceed({name: seconds(directive(ws, name), 1)
                                 for name in ("proxy_read_timeout", "proxy_send_timeout")})


def test_idle_upstream_connections_close_before_rollcall_closes_them():
    upstream = block(SHIPPED.read_text(), "upstream rollcall")
    idle_s = serve_default("--idle-timeout-ms") / 1000
    assert seconds(directive(upstream, "keepalive_timeout"), 1) < idle_s


def test_an_admin_imports_a_roster_zip_through_the_proxy(nginx, certs):
    check_roster_import(nginx.https_port, certs, "nginx")
