"""Issue 19, item 2 (and parts of 6): sign-in must survive a flood of logins for
unknown users. Every Argon2id check runs on one auxiliary thread; before admission
control its queue took tens of thousands of jobs, ran jobs of clients that had hung
up, and served them in arrival order, so ~7 requests/s from anyone kept every real
login waiting past the 30 s deferred timeout.

What must hold (docs/api.md, "Sign-in admission"):
- a real user's login from another client address answers 200 within 1 s while one
  address floods;
- the flood gets fast `503 overloaded` with `Retry-After`, counted in
  `rollcall_login_rejected_total`;
- jobs of clients that hung up are dropped before they cost Argon2id;
- `X-Forwarded-For` counts only from a `--trusted-proxy`;
- a disabled user's wrong password costs the same Argon2id as anyone's;
- join codes cannot be guessed without limit.

Each check waits for events (answers, metrics), never for time to pass.
"""
from __future__ import annotations

import json
import socket
import threading
import time

from api_client import PASSWORD, District, assert_error, start_demo, student_user
from http_client import ConnectionClosed, HttpConnection, parse_metrics
from test_import import USERS, do_import, user, write_export

REAL_LOGIN_S_MAX = 1.0  # generous on a quiet machine: Argon2id is ~70-140 ms there
FAST_REFUSAL_S_MAX = 1.0


class SourcedConnection(HttpConnection):
    """An HttpConnection from a chosen loopback address (127.0.0.0/8 all work)."""

    def __init__(self, port: int, source: str = "127.0.0.1", timeout: float = 30.0):
        self.host = "127.0.0.1"
        self.port = port
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False


def login_request(conn: HttpConnection, username: str, password: str, forwarded_for: str | None = None):
    body = json.dumps({"username": username, "password": password}).encode()
    headers = {"Content-Type": "application/json"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    conn.request("POST", "/api/v1/auth/login", headers, body)


def timed_login(port: int, username: str, password: str, source: str = "127.0.0.1",
                forwarded_for: str | None = None):
    """(response, seconds) of one login on a fresh connection."""
    with SourcedConnection(port, source) as c:
        start = time.monotonic()
        login_request(c, username, password, forwarded_for)
        r = c.read_response("POST")
        return r, time.monotonic() - start


def real_login_bound(port: int) -> float:
    """What "a real login answers promptly" means on this machine now: 1 s, or five
    password checks when one check alone takes longer (a loaded CI box). The fair
    queue promises about 3 (the one running, one of the flood's, ours); before
    admission control a flood made it hundreds."""
    single = sorted(timed_login(port, f"baseline-{n}", "x", source="127.0.0.9")[1] for n in range(3))[1]
    return max(REAL_LOGIN_S_MAX, 5 * single)


def metric(srv, key: str) -> float:
    return parse_metrics(srv.metrics_text()).get(key, 0.0)


def rejected(srv, reason: str) -> float:
    return metric(srv, f'rollcall_login_rejected_total{{reason="{reason}"}}')


def wait_for(predicate, what: str, timeout: float = 20.0):
    """Polls `predicate` (an event: a counter reaching a value) until true."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def assert_overloaded(r, seconds: float) -> None:
    assert_error_raw(r, 503, "overloaded")
    assert r.header("Retry-After") is not None, r
    assert int(r.header("Retry-After")) >= 1, r
    assert seconds < FAST_REFUSAL_S_MAX, (seconds, r)


def assert_error_raw(r, status: int, code: str) -> None:
    assert r.status == status, (status, code, r)
    assert json.loads(r.body)["error"]["code"] == code, r


class Flood:
    """Unknown-user logins from one address, `workers` (> 2 shards x 4 admitted) connections in a loop, until
    stopped. Records every answer's status and latency."""

    def __init__(self, port: int, source: str = "127.0.0.1", workers: int = 12,
                 forwarded_for: str | None = None):
        self.port, self.source, self.forwarded_for = port, source, forwarded_for
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: list[tuple[int, float, object]] = []
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(workers)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def _run(self, i: int) -> None:
        n = 0
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None or conn.eof:
                    conn = SourcedConnection(self.port, self.source)
                n += 1
                start = time.monotonic()
                login_request(conn, f"ghost-{i}-{n}", "guess", self.forwarded_for)
                r = conn.read_response("POST")
                with self.lock:
                    self.answers.append((r.status, time.monotonic() - start, r))
                # Paced (~50/s per connection, ~600/s in all) so that the flood's own
                # client does not take the CPU the server's password checks need.
                self.stop.wait(0.02)
                if (r.header("Connection") or "").lower() == "close":
                    conn.close()
                    conn = None
            except (ConnectionClosed, OSError) as e:
                with self.lock:
                    self.errors.append(repr(e))
                conn = None
        if conn is not None:
            conn.close()

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for s, _, _ in self.answers if s == status)


def hang_up_flood(port: int, count: int, source: str = "127.0.0.1") -> None:
    """`count` unknown-user logins, each on its own connection, all sent before any
    is closed, then every connection closed without reading an answer."""
    conns = []
    for n in range(count):
        c = SourcedConnection(port, source)
        login_request(c, f"gone-{n}", "guess")
        conns.append(c)
    for c in conns:
        c.close()


def test_unknown_user_flood_does_not_delay_a_real_login(server):
    srv = start_demo(server)
    bound = real_login_bound(srv.port)
    # 150 logins on connections closed at once: before admission control these
    # queued ~15 s of Argon2id, all of it for nobody.
    hang_up_flood(srv.port, 150)
    with Flood(srv.port) as flood:
        wait_for(lambda: flood.count(503) >= 20, "the flood to be refused")
        for _ in range(3):
            r, seconds = timed_login(srv.port, "teacher1", PASSWORD, source="127.0.0.2")
            assert r.status == 200, r
            assert seconds < bound, f"a real login took {seconds:.3f} s under the flood (bound {bound:.3f})"
    statuses = {s for s, _, _ in flood.answers}
    assert statuses <= {401, 503}, statuses
    for status, seconds, r in flood.answers:
        if status == 503:
            assert_overloaded(r, seconds)
    # Refusals are counted, and jobs of clients that hung up cost no Argon2id.
    assert rejected(srv, "address_busy") >= flood.count(503) > 0
    wait_for(lambda: rejected(srv, "client_gone") >= 1, "a hung-up client's job to be dropped")
    # Every admitted job was either verified (Argon2id) or dropped unrun
    assert not flood.errors, flood.errors[:5]
    sent = 3 + 150 + len(flood.answers) + 3
    refused = sum(rejected(srv, r) for r in ("address_busy", "username_busy", "queue_full"))
    # (At most: a request whose client reset the connection before it was read is
    # neither.)
    wait_for(lambda: metric(srv, "rollcall_login_queue_depth") == 0, "the auth queue to drain")
    verified = metric(srv, "rollcall_login_verifications_total")
    assert 0 < verified + rejected(srv, "client_gone") <= sent - refused


def test_forwarded_for_counts_only_from_a_trusted_proxy(server):
    srv = start_demo(server, "--trusted-proxy", "127.0.0.1,10.9.0.0/16")
    bound = real_login_bound(srv.port)
    ghosts = 16  # > 2 shards x 4 per address: some must be refused if one address sends them all

    def burst(source: str, forwarded) -> list:
        # Every request but its last byte first, then the last bytes together: all
        # arrive within a few ms, before the first password check (~70 ms) ends.
        conns, lasts = [], []
        for n in range(ghosts):
            c = SourcedConnection(srv.port, source)
            body = json.dumps({"username": f"xff-{source}-{n}", "password": "guess"}).encode()
            head = (f"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
                    f"Content-Type: application/json\r\nX-Forwarded-For: {forwarded(n)}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            c.send(head + body[:-1])
            conns.append(c)
            lasts.append(body[-1:])
        for c, last in zip(conns, lasts):
            c.send(last)
        answers = []
        for c in conns:
            answers.append(c.read_response("POST").status)
            c.close()
        return answers

    # From an untrusted peer the header is ignored: all 16 come from 127.0.0.3.
    untrusted = burst("127.0.0.3", lambda n: f"10.1.0.{n + 1}")
    # At most 2 shards x 4 admitted, plus a few whose place freed up meanwhile.
    assert untrusted.count(503) >= 4, untrusted
    # From the trusted proxy each request is its own client (the right-most address
    # that is not itself a trusted proxy), so none is refused for its address.
    trusted = burst("127.0.0.1", lambda n: f"203.0.113.7, 10.1.0.{n + 1}, 10.9.3.4")
    assert trusted.count(503) == 0, trusted
    # Fairness per real client behind the proxy: one client floods, another signs in.
    with Flood(srv.port, "127.0.0.1", forwarded_for="10.2.0.1") as flood:
        wait_for(lambda: flood.count(503) >= 10, "the proxied flood to be refused")
        r, seconds = timed_login(srv.port, "teacher2", PASSWORD, forwarded_for="10.2.0.2")
        assert r.status == 200, r
        assert seconds < bound, f"a real login behind the proxy took {seconds:.3f} s (bound {bound:.3f})"


def test_disabled_user_wrong_password_costs_argon2id(server, tmp_path):
    data_dir = tmp_path / "data"
    assert do_import(data_dir, write_export(tmp_path / "export")).returncode == 0
    disabled = [user("s-2", "student", "bkhan", "Bilal", "Khan", "student-pass-2", enabled="false")]
    p = do_import(data_dir, write_export(tmp_path / "export2", users=USERS[:2] + disabled + USERS[3:]))
    assert p.returncode == 0, p
    assert "1 disabled" in p.stdout.decode(), p.stdout
    srv = server(data_dir=data_dir)
    timings = {}
    for who in ("bkhan", "nobody-at-all"):
        seconds = []
        for _ in range(3):  # below the 5-failure limit
            r, s = timed_login(srv.port, who, "wrong-password")
            assert_error_raw(r, 401, "invalid_credentials")
            seconds.append(s)
        timings[who] = sorted(seconds)[1]
    r, _ = timed_login(srv.port, "bkhan", "student-pass-2")
    assert_error_raw(r, 401, "invalid_credentials")  # disabled: cannot sign in at all
    # Argon2id is ~70-140 ms here; the old shortcut answered in under 1 ms.
    assert timings["bkhan"] >= 0.03, timings
    assert timings["bkhan"] >= timings["nobody-at-all"] / 3, timings


def test_join_code_guessing_is_limited(server):
    srv = start_demo(server)
    district = District(srv)
    teacher = district.client("teacher1")
    code = teacher.get("classes/2").json["join_code"]
    guesser = district.student(1)  # enrolled in class 1
    for n in range(5):
        assert_error(guesser.post("classes/join", {"join_code": f"WRONG{n}"}), 422, "invalid_join_code")
    assert_error(guesser.post("classes/join", {"join_code": "WRONG9"}), 429, "too_many_attempts")
    # Blocked means blocked: even the right code waits for the window.
    assert_error(guesser.post("classes/join", {"join_code": code}), 429, "too_many_attempts")
    # Per student: another student is not affected.
    r = district.student(2).post("classes/join", {"join_code": code})
    assert r.status == 201, r
    assert metric(srv, 'rollcall_join_rejected_total{reason="invalid_join_code"}') == 5
    assert metric(srv, 'rollcall_join_rejected_total{reason="too_many_attempts"}') == 2


def test_login_refusals_are_in_help_and_metrics_stay_valid(server):
    srv = start_demo(server)
    text = srv.metrics_text()
    for reason in ("queue_full", "address_busy", "username_busy", "client_gone"):
        assert f'rollcall_login_rejected_total{{reason="{reason}"}}' in text, reason
    assert "rollcall_login_queue_depth" in text
    from conftest import run_rollcall
    out = run_rollcall("serve", "--help").stdout.decode()
    assert "--trusted-proxy" in out, out
    bad = run_rollcall("serve", "--trusted-proxy", "not-an-address", "--data-dir", "/nonexistent-x")
    assert bad.returncode != 0 and b"--trusted-proxy" in bad.stderr, bad
