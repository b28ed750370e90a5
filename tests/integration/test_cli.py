"""The command line: help, version, bad flags, and refusing to start."""
from __future__ import annotations

import os
import socket

import pytest

from conftest import run_rollcall

SERVE_FLAGS = ["--listen", "--data-dir", "--shards", "--web-dir", "--max-connections",
               "--header-timeout-ms", "--idle-timeout-ms", "--max-header-bytes", "--max-body-bytes",
               "--shutdown-timeout-ms", "--push-contact", "--push-ttl-s", "--push-batch-ms",
               "--push-ca-file", "--push-allow-private", "--push-queue-max",
               "--push-host-concurrency", "--push-timeout-ms"]


def one_error_line(stderr: bytes) -> str:
    """stderr holds exactly one line, `rollcall: ...`."""
    lines = stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("rollcall: "), lines
    assert len(lines[0]) > len("rollcall: ") + 5, lines
    return lines[0]


@pytest.fixture(autouse=True)
def _need_binary(rollcall_bin):
    pass


@pytest.mark.parametrize("args", [["--help"], ["-h"]])
def test_help(args):
    p = run_rollcall(*args)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    assert "serve" in out and "--help" in out and "--version" in out, out
    assert p.stderr == b""


def test_version():
    p = run_rollcall("--version")
    assert p.returncode == 0, p
    out = p.stdout.decode().strip()
    assert out.startswith("rollcall "), out
    assert out.split()[1][0].isdigit(), out
    assert p.stderr == b""


@pytest.mark.parametrize("args", [["serve", "--help"], ["serve", "-h"], ["--help", "serve"]])
def test_serve_help_lists_flags(args):
    p = run_rollcall(*args)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    for flag in SERVE_FLAGS:
        assert flag in out, (flag, out)
    assert p.stderr == b""


def test_serve_help_wins_over_other_flags(tmp_path):
    # --help must not start a server (it would never exit).
    p = run_rollcall("serve", "--data-dir", str(tmp_path / "d"), "--help", timeout=10)
    assert p.returncode == 0
    assert "--listen" in p.stdout.decode()
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("args", [
    ["serve", "--bogus"],
    ["serve", "--shards", "abc"],
    ["serve", "--shards", "0"],
    ["serve", "--shards", "-1"],
    ["serve", "--shards", "2x"],
    ["serve", "--shards", "99999999999999999999"],
    ["serve", "--max-connections", "many"],
    ["serve", "--header-timeout-ms", "1.5"],
    ["serve", "--max-body-bytes", ""],
    ["serve", "--listen"],
    ["serve", "--data-dir"],
    ["serve", "--shards"],
    ["serve", "--data-dir", ""],
    ["serve", "--shards=abc"],
    ["serve", "--log-level", "loud"],
    ["serve", "--push-contact", "admin@example.org"],
    ["serve", "--push-contact", "http://example.org"],
    ["serve", "--push-ca-file", "/nonexistent/ca.pem"],
    ["serve", "--push-ttl-s", "-1"],
    ["serve", "--push-batch-ms", "60001"],
    ["serve", "--push-host-concurrency", "0"],
    ["serve", "--push-queue-max", "0"],
    ["serve", "--push-timeout-ms", "50"],
    ["bogus-command"],
    [],
])
def test_bad_flags_exit_2_one_line(tmp_path, args):
    if args and args[0] == "serve" and "--data-dir" not in args:
        args = ["serve", "--data-dir", str(tmp_path / "d")] + args[1:]
    p = run_rollcall(*args, timeout=10)
    assert p.returncode == 2, (args, p)
    one_error_line(p.stderr)
    assert p.stdout == b""
    assert not (tmp_path / "d").exists(), "a refused command line must not touch the data dir"


def test_unknown_flag_is_named_in_the_message(tmp_path):
    p = run_rollcall("serve", "--data-dir", str(tmp_path / "d"), "--frobnicate", timeout=10)
    assert p.returncode == 2
    assert "--frobnicate" in one_error_line(p.stderr)


@pytest.mark.parametrize("listen", ["127.0.0.1", "127.0.0.1:99999", "127.0.0.1:abc", ":8080", "127.0.0.1:-1"])
def test_malformed_listen_address_is_a_bad_flag(tmp_path, listen):
    p = run_rollcall("serve", "--listen", listen, "--data-dir", str(tmp_path / "d"), "--web-dir",
                     str(tmp_path), "--max-connections", "1000", timeout=10)
    one_error_line(p.stderr)
    assert not (tmp_path / "d").exists()
    assert p.returncode == 2, p


@pytest.mark.parametrize("listen", ["127.0.0.1", "127.0.0.1:99999", "nosuchhost.invalid:80", "256.1.1.1:80"])
def test_unusable_listen_address_refused(tmp_path, listen):
    p = run_rollcall("serve", "--listen", listen, "--data-dir", str(tmp_path / "d"), "--web-dir",
                     str(tmp_path), "--max-connections", "1000", timeout=10)
    assert p.returncode in (1, 2), p
    assert "listen" in one_error_line(p.stderr)
    assert p.stdout == b""


def _serve_args(tmp_path, port: int, data_dir=None) -> list[str]:
    # --max-connections keeps the open-files warning (a JSON log line) out of the way.
    return ["serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir or tmp_path / "d2"),
            "--shards", "1", "--web-dir", str(tmp_path / "noweb"), "--max-connections", "1000"]


def test_busy_port_another_server(server, tmp_path):
    first = server()
    p = run_rollcall(*_serve_args(tmp_path, first.port), timeout=10)
    assert p.returncode == 1, p
    line = one_error_line(p.stderr)
    assert "in use" in line, line
    assert str(first.port) in line, line
    assert first.get("/healthz").status == 200  # the first server is unharmed


@pytest.mark.parametrize("listening", [True, False])
def test_busy_port_plain_socket(tmp_path, listening):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        if listening:
            s.listen(1)
        port = s.getsockname()[1]
        p = run_rollcall(*_serve_args(tmp_path, port), timeout=10)
        assert p.returncode == 1, p
        line = one_error_line(p.stderr)
        assert "in use" in line, line
    finally:
        s.close()


def test_data_dir_held_by_running_server(server, tmp_path):
    first = server()
    p = run_rollcall(*_serve_args(tmp_path, 0, data_dir=first.data_dir), timeout=10)
    assert p.returncode == 1, p
    line = one_error_line(p.stderr)
    assert "in use" in line, line
    assert str(first.proc.pid) in line, line
    assert first.get("/healthz").status == 200
    assert (first.data_dir / "rollcall.lock").read_text().strip() == str(first.proc.pid)


def test_data_dir_free_again_after_stop(server):
    first = server()
    data_dir = first.data_dir
    assert first.stop() == 0
    second = server(data_dir=data_dir)
    assert second.get("/healthz").status == 200
    assert (data_dir / "rollcall.lock").read_text().strip() == str(second.proc.pid)


def test_data_dir_is_a_regular_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("not a dir")
    p = run_rollcall(*_serve_args(tmp_path, 0, data_dir=f), timeout=10)
    assert p.returncode == 1, p
    one_error_line(p.stderr)
    assert f.read_text() == "not a dir"


def test_data_dir_under_a_regular_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    p = run_rollcall(*_serve_args(tmp_path, 0, data_dir=f / "sub"), timeout=10)
    assert p.returncode == 1, p
    one_error_line(p.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_data_dir_not_writable(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        p = run_rollcall(*_serve_args(tmp_path, 0, data_dir=d), timeout=10)
    finally:
        d.chmod(0o700)
    assert p.returncode == 1, p
    one_error_line(p.stderr)


def test_data_dir_created_when_missing(server, tmp_path):
    d = tmp_path / "a" / "b" / "data"
    s = server(data_dir=d)
    assert d.is_dir()
    lock = d / "rollcall.lock"
    assert lock.is_file()
    assert lock.read_text().strip() == str(s.proc.pid)


def test_web_dir_is_a_regular_file(tmp_path):
    f = tmp_path / "webfile"
    f.write_text("x")
    args = _serve_args(tmp_path, 0)
    args[args.index("--web-dir") + 1] = str(f)
    p = run_rollcall(*args, timeout=10)
    assert p.returncode == 1, p
    one_error_line(p.stderr)
