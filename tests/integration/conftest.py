"""Fixtures for rollcall's integration tests: real server processes on free ports.

ROLLCALL_BIN names the binary (default <repo>/build-debug/rollcall);
ROLLCALL_SOURCE_ROOT the source tree (default: two levels above this file).
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/integration
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import selectors
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import http_client  # noqa: E402

SOURCE_ROOT = pathlib.Path(os.environ.get("ROLLCALL_SOURCE_ROOT")
                           or pathlib.Path(__file__).resolve().parents[2])
ROLLCALL_BIN = pathlib.Path(os.environ.get("ROLLCALL_BIN") or SOURCE_ROOT / "build-debug" / "rollcall")
TESTDATA = SOURCE_ROOT / "tests" / "data"

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 15.0  # > the server's default 10 s drain, so a stuck drain shows as rc, not hang

# The web app the `server` fixture serves; tests compare bodies against these.
INDEX_HTML = b"<!doctype html><html><head><title>rollcall test</title></head><body>index</body></html>\n"
APP_JS = b"console.log('rollcall app abc123');\n"
STYLE_CSS = b"body { color: #123456; }\n"
SECRET = b"TOP-SECRET-OUTSIDE-WEB-DIR-7f3a9c\n"
# 3 MiB of deterministic, non-repeating bytes: larger than one send and than the output backlog limit.
BIG_BIN = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(3 * 1024 * 1024 // 32))


def run_rollcall(*args: str, timeout: float = 20.0) -> subprocess.CompletedProcess:
    """Run the binary to completion (CLI tests)."""
    return subprocess.run([str(ROLLCALL_BIN), *args], capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class ServerProcess:
    """A running `rollcall serve`."""

    def __init__(self, args: list[str], data_dir: pathlib.Path, stderr_path: pathlib.Path):
        self.args = args
        self.data_dir = data_dir
        self.stderr_path = stderr_path
        self.port: int | None = None
        self.stdout_line = ""
        self.stopped = False
        with open(stderr_path, "wb") as stderr_file:  # the child keeps its own descriptor
            self.proc = subprocess.Popen([str(ROLLCALL_BIN), *args], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=stderr_file)

    # -- start-up --------------------------------------------------------
    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        data = b""
        prefix = b"rollcall listening on http://"
        try:
            # Lines before it (the demo district's logins) are allowed: wait for the
            # listening line itself.
            while not any(l.startswith(prefix) for l in data.split(b"\n")[:-1]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    pytest.fail(f"rollcall did not print its listening line within {timeout} s; "
                                f"stdout={data!r}\nstderr:\n{self.stderr_text()}")
                if not sel.select(remaining):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    rc = self.proc.wait(timeout=5)
                    self.stopped = True
                    pytest.fail(f"rollcall exited with {rc} before listening; stdout={data!r}\n"
                                f"stderr:\n{self.stderr_text()}")
                data += chunk
        finally:
            sel.close()
        line = next(l for l in data.split(b"\n") if l.startswith(prefix)).decode()
        self.stdout_line = line
        prefix = "rollcall listening on http://127.0.0.1:"
        assert line.startswith(prefix), f"unexpected listening line {line!r}"
        self.port = int(line[len(prefix):])
        assert 0 < self.port < 65536

    # -- helpers ---------------------------------------------------------
    def stderr_text(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def connect(self, timeout: float = http_client.DEFAULT_TIMEOUT) -> http_client.HttpConnection:
        return http_client.HttpConnection(self.port, timeout=timeout)

    def get(self, target: str, headers=None, method: str = "GET", body: bytes = b"") -> http_client.Response:
        return http_client.get(self.port, target, headers=headers, method=method, body=body)

    def metrics_text(self) -> str:
        r = self.get("/metrics")
        assert r.status == 200, r
        return r.body.decode()

    def metrics(self) -> dict[str, float]:
        return http_client.parse_metrics(self.metrics_text())

    def alive(self) -> bool:
        return self.proc.poll() is None

    # -- stopping --------------------------------------------------------
    def send_signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = STOP_TIMEOUT_S) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"rollcall did not exit within {timeout} s\nstderr:\n{self.stderr_text()}")
        self.stopped = True
        self._close_pipes()
        return rc

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> int:
        """Signal and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.send_signal(sig)
        return self.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.stopped = True
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()


def make_web_dir(root: pathlib.Path) -> pathlib.Path:
    """index.html, assets/app-abc123.js, style.css, plus symlinks that point outside."""
    outside = root / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_bytes(SECRET)
    web = root / "web"
    (web / "assets").mkdir(parents=True, exist_ok=True)
    (web / "index.html").write_bytes(INDEX_HTML)
    (web / "assets" / "app-abc123.js").write_bytes(APP_JS)
    (web / "style.css").write_bytes(STYLE_CSS)
    (web / "assets" / "big-0001.bin").write_bytes(BIG_BIN)
    (web / "secret-link.txt").symlink_to(outside / "secret.txt")
    (web / "linked-dir").symlink_to(outside, target_is_directory=True)
    return web


@pytest.fixture(scope="session")
def rollcall_bin() -> pathlib.Path:
    if not ROLLCALL_BIN.is_file() or not os.access(ROLLCALL_BIN, os.X_OK):
        pytest.fail(f"rollcall binary not found at {ROLLCALL_BIN}: build it (ninja -C build-debug rollcall) "
                    "or set ROLLCALL_BIN")
    return ROLLCALL_BIN


@pytest.fixture(scope="session")
def web_root(tmp_path_factory) -> pathlib.Path:
    """Directory holding `web/` (served) and `outside/secret.txt` (must never be served)."""
    root = tmp_path_factory.mktemp("webroot")
    make_web_dir(root)
    return root


@pytest.fixture(scope="session")
def web_dir(web_root) -> pathlib.Path:
    return web_root / "web"


class ServerFactory:
    def __init__(self, tmp_factory, web_dir: pathlib.Path):
        self.tmp_factory = tmp_factory
        self.web_dir = web_dir
        self.servers: list[ServerProcess] = []

    def __call__(self, *extra: str, shards: int = 2, data_dir: pathlib.Path | None = None,
                 web_dir: pathlib.Path | None = None, wait: bool = True) -> ServerProcess:
        base = self.tmp_factory.mktemp("rollcall")
        data_dir = data_dir or base / "data"
        args = ["serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--shards", str(shards),
                "--web-dir", str(web_dir or self.web_dir), *extra]
        s = ServerProcess(args, data_dir, base / "stderr.log")
        self.servers.append(s)
        if wait:
            s.wait_listening()
        return s

    def teardown(self) -> None:
        failures = []
        for s in self.servers:
            if s.stopped:
                continue
            if s.proc.poll() is not None:
                failures.append(f"rollcall exited on its own with {s.proc.returncode}\n{s.stderr_text()}")
                s.stopped = True
                s._close_pipes()
                continue
            s.send_signal(signal.SIGTERM)
            try:
                rc = s.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                s.kill()
                failures.append(f"rollcall did not exit within {STOP_TIMEOUT_S} s of SIGTERM\n{s.stderr_text()}")
                continue
            s.stopped = True
            if rc != 0:
                failures.append(f"rollcall exited with {rc} after SIGTERM\n{s.stderr_text()}")
            s._close_pipes()
        if failures:
            pytest.fail("\n\n".join(failures))


@pytest.fixture
def server(tmp_path_factory, web_dir, rollcall_bin):
    """Factory: server(*extra_flags, shards=2) → a started ServerProcess; SIGTERM + exit 0 checked at teardown."""
    f = ServerFactory(tmp_path_factory, web_dir)
    yield f
    f.teardown()


@pytest.fixture(scope="module")
def module_server_factory(tmp_path_factory, web_dir, rollcall_bin):
    """Like `server`, for servers shared by a whole module."""
    f = ServerFactory(tmp_path_factory, web_dir)
    yield f
    f.teardown()


@pytest.fixture(scope="module")
def shared_server(module_server_factory):
    """One default server per module, for tests that need no special flags or counters."""
    return module_server_factory()
