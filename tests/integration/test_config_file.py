"""`rollcall serve --config FILE` and ROLLCALL_<FLAG> environment variables: a real
server started from a file, the environment and flags together shows the value
each source should win with; every refusal is one line and exit 2, before the data
directory is touched."""
from __future__ import annotations

import os
import pathlib
import selectors
import subprocess
import time

import pytest

import http_client
from conftest import ROLLCALL_BIN, START_TIMEOUT_S, ServerProcess
from test_cli import one_error_line

LISTEN_PREFIX = b"rollcall listening on http://"


class EnvServerProcess(ServerProcess):
    """A ServerProcess started with exactly `env` as its environment."""

    def __init__(self, args: list[str], env: dict[str, str], data_dir: pathlib.Path,
                 stderr_path: pathlib.Path):
        self.args = args
        self.data_dir = data_dir
        self.stderr_path = stderr_path
        self.port = None
        self.host = ""
        self.stdout_line = ""
        self.stdout_before = b""
        self.stopped = False
        with open(stderr_path, "wb") as stderr_file:
            self.proc = subprocess.Popen([str(ROLLCALL_BIN), *args], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=stderr_file, env=env)

    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> None:
        """Like ServerProcess's, for any loopback host (the test chooses 127.0.0.x)."""
        deadline = time.monotonic() + timeout
        data = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while not any(ln.startswith(LISTEN_PREFIX) for ln in data.split(b"\n")[:-1]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    pytest.fail(f"no listening line within {timeout} s; stdout={data!r}\n{self.stderr_text()}")
                if not sel.select(remaining):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    rc = self.proc.wait(timeout=5)
                    self.stopped = True
                    pytest.fail(f"rollcall exited with {rc} before listening; stdout={data!r}\n"
                                f"{self.stderr_text()}")
                data += chunk
        line = next(ln for ln in data.split(b"\n") if ln.startswith(LISTEN_PREFIX)).decode()
        self.stdout_line = line
        self.stdout_before = data[:data.index(LISTEN_PREFIX)]
        self.host, _, port = line[len(LISTEN_PREFIX):].rpartition(":")
        self.port = int(port)

    def get(self, target: str, headers=None, method: str = "GET", body: bytes = b""):
        with http_client.HttpConnection(self.port, host=self.host) as c:
            return c.exchange(method, target, headers, body)


def base_env(**extra: str) -> dict[str, str]:
    """The test runner's environment (ROLLCALL_BIN, ROLLCALL_SOURCE_ROOT, ... included:
    they are not serve flags and must be ignored) without serve-flag variables a
    developer's shell might hold, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLLCALL_") or
           k in ("ROLLCALL_BIN", "ROLLCALL_SOURCE_ROOT")}
    env.update(extra)
    return env


@pytest.fixture
def start(server, tmp_path, web_dir):
    """start(*flags, conf=TEXT or None, env={...}) -> a listening EnvServerProcess; the
    `server` fixture's teardown stops it (SIGTERM, exit 0)."""
    def _start(*flags: str, conf: str | None = None, env: dict[str, str] | None = None,
               wait: bool = True) -> EnvServerProcess:
        base = server.tmp_factory.mktemp("rollcall")
        data_dir = base / "data"
        args = ["serve", "--web-dir", str(web_dir)]
        if conf is not None:  # the data directory comes from the file too
            path = base / "rollcall.conf"
            path.write_text(f"data-dir = {data_dir}\n" + conf)
            args += ["--config", str(path)]
        else:
            args += ["--data-dir", str(data_dir)]
        s = EnvServerProcess([*args, *flags], base_env(**(env or {})), data_dir, base / "stderr.log")
        server.servers.append(s)
        if wait:
            s.wait_listening()
        return s
    return _start


def shards_of(s: EnvServerProcess) -> int:
    r = s.get("/metrics")
    assert r.status == 200, r
    return int(http_client.parse_metrics(r.body.decode())["rollcall_shards"])


def body_status(s: EnvServerProcess, size: int) -> int:
    """POST /healthz with `size` body bytes: 405 (read, wrong method) or 413 (too large)."""
    with http_client.HttpConnection(s.port, host=s.host) as c:
        c.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size + b"x" * size)
        return c.read_response().status


def test_server_runs_from_a_config_file_alone(start, tmp_path):
    s = start(conf="\n".join([
        "# a district's file",
        "",
        "  listen =  127.0.0.2:0  ",
        "shards = 1",
        "max-connections = 1000",
        "max-body-bytes = 100",
        "",
    ]))
    assert s.host == "127.0.0.2", s.stdout_line  # the file's listen address
    assert shards_of(s) == 1
    assert body_status(s, 100) == 405
    assert body_status(s, 101) == 413


def test_environment_beats_the_file(start):
    s = start(conf="listen = 127.0.0.2:0\nshards = 1\nmax-connections = 1000\nmax-body-bytes = 100\n",
              env={"ROLLCALL_LISTEN": "127.0.0.3:0", "ROLLCALL_MAX_BODY_BYTES": "200",
                   "ROLLCALL_SHARDS": "2"})
    assert s.host == "127.0.0.3", s.stdout_line
    assert shards_of(s) == 2
    assert body_status(s, 200) == 405
    assert body_status(s, 201) == 413


def test_command_line_beats_the_environment_and_the_file(start):
    s = start("--listen", "127.0.0.1:0", "--max-body-bytes=50",
              conf="listen = 127.0.0.2:0\nmax-connections = 1000\nmax-body-bytes = 100\n",
              env={"ROLLCALL_LISTEN": "127.0.0.3:0", "ROLLCALL_MAX_BODY_BYTES": "200",
                   "ROLLCALL_SHARDS": "1"})
    assert s.host == "127.0.0.1", s.stdout_line
    assert shards_of(s) == 1  # only the environment set it
    assert body_status(s, 50) == 405
    assert body_status(s, 51) == 413


def test_switch_from_the_file_turned_off_by_the_environment(start):
    demo = "listen = 127.0.0.1:0\nmax-connections = 1000\ndemo = true\ndemo-classes = 1\ndemo-class-size = 1\n"
    on = start(conf=demo)
    assert b"demo district seeded" in on.stdout_before, on.stdout_before
    off = start(conf=demo, env={"ROLLCALL_DEMO": "false"})
    assert b"demo district seeded" not in off.stdout_before, off.stdout_before


def test_config_file_named_by_the_environment(start, tmp_path):
    conf = tmp_path / "env.conf"
    conf.write_text("listen = 127.0.0.4:0\nmax-connections = 1000\n")
    s = start(env={"ROLLCALL_CONFIG": str(conf)})
    assert s.host == "127.0.0.4", s.stdout_line


def test_other_rollcall_variables_are_ignored(start):
    s = start("--listen", "127.0.0.1:0", "--max-connections", "1000",
              env={"ROLLCALL_MAX_CONECTIONS": "not-a-number", "ROLLCALL_SOMETHING_ELSE": "x",
                   "rollcall_shards": "abc"})
    assert s.get("/healthz").status == 200


def run_refused(tmp_path: pathlib.Path, *flags: str, conf: str | bytes | None = None,
                env: dict[str, str] | None = None) -> tuple[str, pathlib.Path]:
    """Runs a serve that must refuse: exit 2, one stderr line, nothing on stdout, no
    data directory. Returns the line and the config file's path."""
    path = tmp_path / "rollcall.conf"
    if conf is not None:
        path.write_bytes(conf if isinstance(conf, bytes) else conf.encode())
    data_dir = tmp_path / "data"
    args = [str(ROLLCALL_BIN), "serve", "--data-dir", str(data_dir), "--listen", "127.0.0.1:0",
            *(["--config", str(path)] if conf is not None else []), *flags]
    p = subprocess.run(args, capture_output=True, timeout=10, stdin=subprocess.DEVNULL,
                       env=base_env(**(env or {})))
    assert p.returncode == 2, (args, p)
    assert p.stdout == b"", p
    assert not data_dir.exists(), "a refused configuration must not touch the data directory"
    return one_error_line(p.stderr), path


@pytest.mark.parametrize("conf, expect", [
    ("shards = 1\n# c\nmax-conections = 20000\n", ":3: unknown key 'max-conections'"),
    ("--shards = 2\n", ":1: unknown key '--shards' (keys are flag names without the leading --)"),
    ("shards = two\n", ":1: invalid value 'two' for --shards: expected an integer from 1 to 256"),
    ("shards = 4 # four\n", ":1: invalid value '4 # four' for --shards"),
    ("demo = yes\n", ":1: invalid value 'yes' for --demo: expected true or false"),
    ("listen 127.0.0.1:8080\n", ":1: expected 'key = value', got 'listen 127.0.0.1:8080'"),
    (" = 5\n", ":1: missing key before '='"),
    ("config = /etc/other.conf\n", ":1: 'config' cannot be set in a config file"),
    ("shards = 1\nshards = 2\n", ":2: 'shards' is set again (first on line 1); only repeatable flags repeat"),
    ("trusted-proxy = 10.0.0.0/33\n", ":1: invalid value for --trusted-proxy"),
    ("public-url = \"https://a.example\"\n", ":1: invalid value '\"https://a.example\"' for --public-url"),
    ("# fine\n" + "public-url = https://" + "a" * 5000 + "\n", ":2: line longer than 4096 bytes"),
    (b"shards = 1\x00\n", ":1: NUL byte in config file"),
    ("\n" * (64 * 1024 + 1), ": config file larger than 65536 bytes"),
], ids=["unknown_key", "dashes", "bad_number", "inline_comment", "bad_bool", "no_equals", "no_key",
        "config_in_file", "duplicate", "bad_proxy", "quoted", "long_line", "nul", "too_big"])
def test_config_file_errors(tmp_path, rollcall_bin, conf, expect):
    line, path = run_refused(tmp_path, conf=conf)
    assert line.startswith(f"rollcall: {path}{expect}"), line


@pytest.mark.parametrize("env, expect", [
    ({"ROLLCALL_SHARDS": "abc"}, "ROLLCALL_SHARDS: invalid value 'abc' for --shards"),
    ({"ROLLCALL_DEMO": "1"}, "ROLLCALL_DEMO: invalid value '1' for --demo: expected true or false"),
    ({"ROLLCALL_PUBLIC_URL": ""}, "ROLLCALL_PUBLIC_URL: invalid value '' for --public-url"),
    ({"ROLLCALL_CONFIG": "/nonexistent/rollcall.conf"},
     "/nonexistent/rollcall.conf: cannot open config file: No such file or directory"),
], ids=["bad_number", "bad_bool", "empty", "missing_config"])
def test_environment_errors(tmp_path, rollcall_bin, env, expect):
    line, _ = run_refused(tmp_path, env=env)
    assert line == f"rollcall: {expect}" or line.startswith(f"rollcall: {expect}:"), line


def test_a_bad_file_value_is_refused_even_when_the_command_line_overrides_it(tmp_path, rollcall_bin):
    line, path = run_refused(tmp_path, "--shards", "1", conf="shards = many\n")
    assert line.startswith(f"rollcall: {path}:1: invalid value 'many' for --shards"), line


def test_checks_across_sources(tmp_path, rollcall_bin):
    line, _ = run_refused(tmp_path, conf="shards = 4\n", env={"ROLLCALL_MAX_CONNECTIONS": "2"})
    assert "--max-connections (2) must be at least --shards (4)" in line, line


@pytest.mark.parametrize("which", ["missing", "directory"])
def test_config_file_that_cannot_be_read(tmp_path, rollcall_bin, which):
    path = tmp_path / "rollcall.conf"
    if which == "directory":
        path.mkdir()
    p = subprocess.run([str(ROLLCALL_BIN), "serve", "--data-dir", str(tmp_path / "data"), "--config", str(path)],
                       capture_output=True, timeout=10, stdin=subprocess.DEVNULL, env=base_env())
    assert p.returncode == 2, p
    line = one_error_line(p.stderr)
    expect = ("cannot open config file: No such file or directory" if which == "missing"
              else "config file is not a regular file")
    assert line == f"rollcall: {path}: {expect}", line
    assert not (tmp_path / "data").exists()


def test_help_explains_the_sources(rollcall_bin, tmp_path):
    # Shown even when the named file is missing and a variable is bad.
    p = subprocess.run([str(ROLLCALL_BIN), "serve", "--config", str(tmp_path / "nope.conf"), "--help"],
                       capture_output=True, timeout=10, stdin=subprocess.DEVNULL,
                       env=base_env(ROLLCALL_SHARDS="abc"))
    assert p.returncode == 0, p
    out = " ".join(p.stdout.decode().split())  # words as read, whatever the wrapping
    for text in ["--config FILE", "ROLLCALL_MAX_CONNECTIONS=20000", "ROLLCALL_CONFIG=FILE",
                 "Precedence: command line, then ROLLCALL_<FLAG>, then the file, then the default.",
                 "other ROLLCALL_ variables are ignored", "takes true or false"]:
        assert text in out, (text, out)
