"""Helpers for the service and package tests (test_systemd.py, test_example_config.py,
test_package.py): reading the unit and the example config, the serve flags as
`rollcall serve --help` lists them, and a server started from any command line
(another binary, another user, another environment) that is waited for by its
listening line and stopped by the test."""
from __future__ import annotations

import json
import os
import pathlib
import re
import selectors
import shlex
import signal
import subprocess
import time
from typing import NamedTuple

import pytest

from integration_conftest import START_TIMEOUT_S, STOP_TIMEOUT_S, ServerProcess

SOURCE_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY_DIR = SOURCE_ROOT / "deploy"  # as conftest.py says
UNIT = DEPLOY_DIR / "systemd" / "rollcall.service"
EXAMPLE_CONF = DEPLOY_DIR / "rollcall.conf"
INSTALLED_BIN = "/usr/bin/rollcall"
INSTALLED_CONF = "/etc/rollcall/rollcall.conf"
LISTEN_PREFIX = b"rollcall listening on http://"


# -- the unit ------------------------------------------------------------------------
def unit_directives(path: pathlib.Path = UNIT) -> dict[str, dict[str, list[str]]]:
    """{section: {key: [values in order]}} of a unit file (comments and blanks skipped)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1], {})
            continue
        assert section is not None, f"{path}: directive outside a section: {raw!r}"
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not a directive: {raw!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return out


def exec_start_argv(path: pathlib.Path = UNIT) -> list[str]:
    """The unit's one ExecStart= as an argv (no prefixes such as '-' or '@')."""
    values = unit_directives(path)["Service"]["ExecStart"]
    assert len(values) == 1, values
    argv = shlex.split(values[0])
    assert argv[0].startswith("/"), argv
    return argv


# -- the serve flags ---------------------------------------------------------------------
class Flag(NamedTuple):
    value_name: str | None  # "N", "HOST:PORT", ...; None for a switch
    default: str | None     # as --help shows it: a value, or prose for a computed one


def serve_flags(binary) -> dict[str, Flag]:
    """{flag name without '--': Flag} as `rollcall serve --help` lists them."""
    p = subprocess.run([str(binary), "serve", "--help"], capture_output=True, timeout=10,
                       stdin=subprocess.DEVNULL, check=True)
    text = p.stdout.decode()
    options = text[text.index("\nOptions:\n"):]
    flags: dict[str, Flag] = {}
    # Each option starts a line with two spaces and "--"; its help runs to the next.
    for block in re.split(r"\n(?=  --)", options)[1:]:
        words = block.split()
        name = words[0][2:]
        if name == "help":
            continue
        value_name = words[1] if re.fullmatch(r"[A-Z][A-Z:]*", words[1]) else None
        m = re.search(r"\(default (.+?)\)$", " ".join(words).split(" -h, --help")[0])
        flags[name] = Flag(value_name, m.group(1) if m else None)
    return flags


def literal_default(flag: Flag) -> str | None:
    """The value a config line would carry for the default: "false" for a switch,
    the shown default unless it is prose (a computed default such as the number of
    cores), else None."""
    if flag.value_name is None:
        return "false"
    if flag.default is None or " " in flag.default or flag.default == "none":
        return None
    return flag.default


def config_keys(path: pathlib.Path = EXAMPLE_CONF) -> list[tuple[str, str, bool, int]]:
    """The example config's settings, commented out or not: (key, value, active, line)."""
    out = []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        m = re.match(r"^(#?)([a-z][a-z0-9-]*) = (.*)$", raw)
        if m:
            out.append((m.group(2), m.group(3), m.group(1) == "", n))
    return out


# -- processes -----------------------------------------------------------------------
def base_env(**extra: str) -> dict[str, str]:
    """This environment without ROLLCALL_<FLAG> variables a developer's shell might
    hold (ROLLCALL_BIN and ROLLCALL_SOURCE_ROOT stay: serve ignores them), plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ROLLCALL_") or k in ("ROLLCALL_BIN", "ROLLCALL_SOURCE_ROOT")}
    env.update(extra)
    return env


class CommandServer(ServerProcess):
    """`argv` (a whole serve command line) run with `env` in `cwd`, optionally as
    another user through setpriv; waited for by its listening line."""

    def __init__(self, argv: list[str], stderr_path: pathlib.Path, env: dict[str, str],
                 cwd: pathlib.Path | str, data_dir: pathlib.Path | None = None,
                 user: str | None = None):
        if user is not None:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", *argv]
        self.args = argv
        self.data_dir = data_dir
        self.stderr_path = stderr_path
        self.port = None
        self.stdout_line = ""
        self.stopped = False
        with open(stderr_path, "wb") as stderr_file:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=stderr_file, env=env, cwd=cwd)

    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> None:
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
                    self._close_pipes()
                    pytest.fail(f"{self.args} exited with {rc} before listening; stdout={data!r}\n"
                                f"{self.stderr_text()}")
                data += chunk
        line = next(ln for ln in data.split(b"\n") if ln.startswith(LISTEN_PREFIX)).decode()
        self.stdout_line = line
        assert line.startswith("rollcall listening on http://127.0.0.1:"), line
        self.port = int(line.rpartition(":")[2])

    def log_events(self, name: str) -> list[dict]:
        out = []
        for line in self.stderr_text().splitlines():
            if line.startswith("{"):
                ev = json.loads(line)
                if ev.get("event") == name:
                    out.append(ev)
        return out

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Polls /readyz until 200 (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.get("/readyz")
            if r.status == 200:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"/readyz still {r.status} after {timeout} s")
            time.sleep(0.05)

    def ensure_stopped(self) -> None:
        """For finally blocks: SIGTERM, then SIGKILL if it lingers; never raises."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.stopped = True
        self._close_pipes()
