"""Start-up, logs, graceful shutdown (SIGTERM/SIGINT) and shard spread."""
from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import socket
import time

import pytest

import http_client
from test_http_basics import assert_error

# The exact bytes of a metrics scrape; received-byte accounting below relies on them.
SCRAPE = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def scrape(s) -> dict[str, float]:
    with s.connect() as c:
        c.send(SCRAPE)
        r = c.read_response()
    assert r.status == 200, r
    return http_client.parse_metrics(r.body.decode())


def wait_until_received(s, baseline: dict[str, float], nbytes: int, timeout: float = 10.0) -> None:
    """Wait until the server has read `nbytes` more bytes than at `baseline` (a scrape).

    Each later scrape adds its own request bytes, which are subtracted; received bytes
    are counted before a request is parsed, so this is an exact, event-based wait.
    """
    deadline = time.monotonic() + timeout
    k = 0
    while True:
        k += 1
        m = scrape(s)
        got = m["rollcall_net_received_bytes_total"] - baseline["rollcall_net_received_bytes_total"] - k * len(SCRAPE)
        if got >= nbytes:
            return
        assert time.monotonic() < deadline, f"server read only {got} of {nbytes} bytes within {timeout} s"


def log_lines(s) -> list[dict]:
    out = []
    for line in s.stderr_text().splitlines():
        doc = json.loads(line)  # every line is JSON
        assert isinstance(doc, dict) and isinstance(doc.get("event"), str), line
        out.append(doc)
    return out


def test_sigterm_exits_0_and_logs_json(server):
    s = server()
    assert s.get("/healthz").status == 200
    assert s.stop(signal.SIGTERM) == 0
    docs = log_lines(s)
    events = [d["event"] for d in docs]
    assert "shutdown_requested" in events, events
    assert events[-1] == "stopped", events
    for d in docs:
        assert d.get("level") in ("debug", "info", "warn", "error"), d


def test_sigint_exits_0(server):
    s = server()
    assert s.get("/healthz").status == 200
    assert s.stop(signal.SIGINT) == 0
    log_lines(s)


def test_stdout_is_only_the_listening_line(server):
    s = server()
    assert s.stop() == 0
    assert s.stdout_line == f"rollcall listening on http://127.0.0.1:{s.port}"


def test_listener_closed_after_sigterm(server):
    s = server()
    port = s.port
    assert s.stop() == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_idle_keep_alive_gets_eof_promptly_after_sigterm(server):
    s = server("--shutdown-timeout-ms", "10000")
    conns = [s.connect() for _ in range(6)]
    for c in conns:
        assert c.exchange("GET", "/healthz").status == 200
    t0 = time.monotonic()
    s.send_signal(signal.SIGTERM)
    for c in conns:
        assert c.read_until_eof(timeout=5) == b""
        c.close()
    # Well before the 10 s drain limit: idle connections are not waited for.
    assert time.monotonic() - t0 < 5
    assert s.wait() == 0


@pytest.mark.parametrize("shards", [1, 2])
def test_readyz_503_during_shutdown(server, shards):
    s = server(shards=shards)
    # Idle keep-alive connections: their EOF shows that shutdown has begun on their
    # shard (with 16 of them, every shard almost surely holds one: 1 - 2**-15 for 2).
    watchers = [s.connect() for _ in range(16)]
    for w in watchers:
        assert w.exchange("GET", "/healthz").status == 200
    partial = b"GET /readyz HTTP/1.1\r\nHost: x\r\n"
    with s.connect() as c:
        base = scrape(s)
        c.send(partial)
        wait_until_received(s, base, len(partial))  # the request is now in progress
        s.send_signal(signal.SIGTERM)
        for w in watchers:
            assert w.read_until_eof(timeout=5) == b""
            w.close()
        c.send(b"\r\n")
        r = c.read_response()
        assert_error(r, 503, "shutting_down")
        assert "close" in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b""
    assert s.wait() == 0


def assert_not_accepting(port: int, timeout: float = 5.0) -> None:
    """New connections are refused soon; none that gets through the handshake is served.

    The listening socket is closed at once, but io_uring's pending accept holds it
    until its cancellation completes, so a connect right after may still complete
    the handshake; such a connection must then be reset or closed without an answer.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            c = http_client.HttpConnection(port, timeout=5)
        except ConnectionRefusedError:
            return
        except ConnectionResetError:
            # The listener closed while this handshake was in the kernel's queue: reset
            # before connect() returned, so not served either.
            assert time.monotonic() < deadline, "connections still reaching the listener after SIGTERM"
            continue
        with c:
            try:
                c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert c.read_until_eof(timeout=5) == b"", "a connection made during shutdown was served"
            except (ConnectionResetError, BrokenPipeError):
                pass
        assert time.monotonic() < deadline, "still accepting connections after SIGTERM"


def idle_watcher(s) -> http_client.HttpConnection:
    """An idle keep-alive connection: its EOF shows that shutdown has begun (one shard)."""
    w = s.connect()
    assert w.exchange("GET", "/healthz").status == 200
    return w


def test_request_in_progress_is_finished(server):
    s = server(shards=1)
    body = b"x" * 10
    watcher = idle_watcher(s)
    with s.connect() as c:
        base = scrape(s)
        head = b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nxxxxx"
        c.send(head)
        wait_until_received(s, base, len(head))
        s.send_signal(signal.SIGTERM)
        assert watcher.read_until_eof(timeout=5) == b""
        watcher.close()
        assert_not_accepting(s.port)
        time_limit = time.monotonic() + 5
        # Shutdown has begun; this request still gets its answer.
        c.send(body[5:])
        r = c.read_response()
        assert_error(r, 405)
        assert "close" in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b""
        assert time.monotonic() < time_limit
    assert s.wait() == 0


def test_shutdown_timeout_force_closes_stuck_request(server):
    s = server("--shutdown-timeout-ms", "300", "--header-timeout-ms", "60000", shards=1)
    with s.connect() as c:
        base = scrape(s)
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        c.send(head)
        wait_until_received(s, base, len(head))
        t0 = time.monotonic()
        s.send_signal(signal.SIGTERM)
        rc = s.wait(timeout=10)
        try:
            rest = c.read_until_eof(timeout=5)
        except OSError:
            rest = b""
        assert not rest.startswith(b"HTTP/1.1 200"), rest
    assert rc == 0
    assert time.monotonic() - t0 < 8


def test_second_signal_forces_exit(server):
    s = server("--shutdown-timeout-ms", "60000", "--header-timeout-ms", "60000", shards=1)
    with s.connect() as c:
        base = scrape(s)
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        c.send(head)
        wait_until_received(s, base, len(head))
        s.send_signal(signal.SIGTERM)
        # Wait for the first signal to be handled (it is logged), then send another.
        deadline = time.monotonic() + 5
        while "shutdown_requested" not in s.stderr_text():
            assert time.monotonic() < deadline, s.stderr_text()
            time.sleep(0.02)
        s.send_signal(signal.SIGTERM)
        assert s.wait(timeout=10) == 0


def test_connections_spread_and_counted(server):
    s = server(shards=2)
    n = 64
    conns = [s.connect() for _ in range(n)]
    try:
        for c in conns:
            assert c.exchange("GET", "/healthz").status == 200
        m = scrape(s)  # one more connection: the scrape's
        assert m["rollcall_shards"] == 2, m
        assert m["rollcall_connections_accepted_total"] == n + 1, m
        per_shard = [m[f'rollcall_shard_connections_open{{shard="{i}"}}'] for i in range(2)]
        assert sum(per_shard) == m["rollcall_connections_open"], m
        # All n are open, plus the scrape's own connection while it is answered.
        assert m["rollcall_connections_open"] == n + 1, m
        assert all(v > 0 for v in per_shard), per_shard  # SO_REUSEPORT spreads 65 connections
    finally:
        for c in conns:
            c.close()
    # Closing is seen by the server: open drops back to just the scrape's connection.
    deadline = time.monotonic() + 10
    while True:
        m = scrape(s)
        if m["rollcall_connections_open"] == 1:
            break
        assert time.monotonic() < deadline, m
    assert m["rollcall_connections_accepted_total"] >= n + 2


def test_sigterm_with_unread_output_exits_after_shutdown_timeout(server):
    # A client that asked for lots of data and never reads it cannot hold the process
    # past --shutdown-timeout-ms.
    s = server("--shutdown-timeout-ms", "500", shards=1)
    requests = b"GET /assets/big-0001.bin HTTP/1.1\r\nHost: x\r\n\r\n" * 8
    with s.connect() as c:
        base = scrape(s)
        c.send(requests)
        wait_until_received(s, base, len(requests))  # answers are queued, unread by the client
        t0 = time.monotonic()
        s.send_signal(signal.SIGTERM)
        assert s.wait(timeout=10) == 0
        assert time.monotonic() - t0 < 8


def test_lock_released_when_killed(server):
    first = server()
    data_dir = first.data_dir
    first.kill()  # SIGKILL: no cleanup; the lock file stays, the flock goes with the process
    assert (data_dir / "rollcall.lock").exists()
    second = server(data_dir=data_dir)
    assert second.get("/healthz").status == 200
    assert (data_dir / "rollcall.lock").read_text().strip() == str(second.proc.pid)


def test_client_resets_mid_response_do_not_hurt(server):
    # Clients that vanish (RST) while a large answer is being sent: the server drops
    # them, keeps serving others, and its open-connection gauge returns to normal.
    import struct
    s = server(shards=2)
    for _ in range(20):
        c = s.connect()
        c.send(b"GET /assets/big-0001.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        c.sock.recv(1024)  # the answer has started
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()  # RST
    assert s.get("/healthz").status == 200
    deadline = time.monotonic() + 10
    while True:
        m = scrape(s)
        if m["rollcall_connections_open"] == 1:  # the scrape's own
            break
        assert time.monotonic() < deadline, m
    assert m["rollcall_connections_closed_total"] >= 20
    assert s.alive()


def cores_allowed(pid: int) -> dict[str, str]:
    """Each thread's name and id -> its Cpus_allowed_list."""
    out = {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        status = (task / "status").read_text()
        name = re.search(r"(?m)^Name:\s*(.*)$", status).group(1)
        out[f"{name}/{task.name}"] = re.search(r"(?m)^Cpus_allowed_list:\s*(.*)$", status).group(1)
    return out


def start_on_one_core(server, *flags: str):
    """A server whose process may run on one core only (the last of ours): the mask
    taskset or systemd's CPUAffinity= would give it."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        pytest.skip("needs two cores to tell them apart")
    os.sched_setaffinity(0, {allowed[-1]})  # the server inherits this mask
    try:
        s = server(*flags, shards=len(allowed))
    finally:
        os.sched_setaffinity(0, set(allowed))
    assert s.get("/healthz").status == 200
    return s, allowed[-1]


def test_pinned_shards_stay_on_the_cores_the_process_may_use(server):
    # An operator who gives rollcall one core keeps every shard on it: shard i takes
    # the i-th allowed core, not core i of the machine.
    s, core = start_on_one_core(server, "--pin-shards")
    threads = cores_allowed(s.proc.pid)
    assert len(threads) > 2, threads  # the shards are among them
    assert all(cpus == str(core) for cpus in threads.values()), threads


def test_shards_are_not_pinned_by_default(server):
    # Without --pin-shards every thread keeps the process's whole mask: the OS places
    # the shards, so a busy proxy on the same cores does not sit on one shard's core.
    s = server(shards=2)
    assert s.get("/healthz").status == 200
    mine = (pathlib.Path("/proc/self/status").read_text().split("Cpus_allowed_list:")[1].split()[0])
    threads = cores_allowed(s.proc.pid)
    assert all(cpus == mine for cpus in threads.values()), (mine, threads)
