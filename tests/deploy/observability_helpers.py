"""Debian's Prometheus, started by a test on loopback with a scrape configuration
made from deploy/prometheus/prometheus.yml, and its HTTP API
(tests/deploy/test_observability.py).

Prometheus needs its listening port in its flags, so the port is picked with a
bind-to-0 probe; a start that loses the port to someone else (EADDRINUSE) is
retried on another one. Everything waits by polling with a deadline.
"""
from __future__ import annotations

import json
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

from crash_harness import wait_until as harness_wait_until

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
START_ATTEMPTS = 5


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout: float, what: str, interval: float = 0.1):
    """crash_harness.wait_until, polling Prometheus less often."""
    return harness_wait_until(pred, timeout, what, interval)


def scrape_config_for_test(example: pathlib.Path, rules: pathlib.Path, target: str, interval_s: int = 1) -> dict:
    """deploy/prometheus/prometheus.yml, made to scrape only `target` as job rollcall,
    every `interval_s`, with `rules` (absolute) and no Alertmanager. The other jobs
    (node_exporter, the blackbox probe) are dropped: nothing runs them here."""
    config = yaml.safe_load(example.read_text())
    config["global"]["scrape_interval"] = f"{interval_s}s"
    config["global"]["evaluation_interval"] = f"{interval_s}s"
    config["rule_files"] = [str(rules)]
    config.pop("alerting", None)
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "rollcall"]
    job["static_configs"] = [{"targets": [target]}]
    config["scrape_configs"] = [job]
    return config


class Prometheus:
    """A running `prometheus` on 127.0.0.1 with a temporary data directory."""

    def __init__(self, workdir: pathlib.Path, config: dict):
        self.workdir = workdir
        self.config_path = workdir / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.proc: subprocess.Popen | None = None
        self.port = 0
        for attempt in range(START_ATTEMPTS):
            if self._start(attempt):
                return
        raise AssertionError(f"prometheus did not start in {START_ATTEMPTS} attempts:\n{self.log_text()}")

    def _start(self, attempt: int) -> bool:
        """One start on a probed port; False if the port was taken meanwhile."""
        self.port = free_loopback_port()
        self.log_path = self.workdir / f"prometheus-{attempt}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.config_path}", f"--storage.tsdb.path={self.workdir / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=info"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "address already in use" in self.log_text():
                    return False
                raise AssertionError(f"prometheus exited with {self.proc.returncode}:\n{self.log_text()}")
            if self._ready():
                return True
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"prometheus not ready within {START_TIMEOUT_S} s:\n{self.log_text()}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log_text(self) -> str:
        path = getattr(self, "log_path", None)
        return path.read_text(errors="replace") if path and path.exists() else ""

    def api(self, path: str, **params) -> dict:
        """GET /api/v1/<path>; the decoded answer, errors (4xx/5xx) included."""
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def query(self, expr: str, at: float | None = None) -> dict:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.api("query", **params)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)
