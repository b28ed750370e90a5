"""Helpers for the REST API tests (API.md §1–4, docs/api.md).

- `Api`: a keep-alive JSON client for one user (one TCP connection, reopened only
  when the server closed it before a request was sent).
- `District`: a `--demo` server plus cached bearer tokens minted with
  `rollcall token` (instant; logins cost tens of ms of Argon2id each).
- Shape checkers for Session, AttendanceRecord, Counts and error bodies.
- The demo district's arithmetic (API.md §2): student k has id 5+k and sits in
  class ceil(k/30); teacher t (id 1+t) teaches 3t-2..3t.
"""
from __future__ import annotations

import base64
import json
import os
import pathlib
import re
import selectors
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import http_client

API = "/api/v1"
PASSWORD = "rollcall-demo"
ROLLCALL_BIN = pathlib.Path(os.environ.get("ROLLCALL_BIN")
                            or pathlib.Path(__file__).resolve().parents[2] / "build-debug" / "rollcall")
TIMEOUT = 30.0

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SESSION_KEYS = {"id", "class_id", "class_name", "status", "starts_at", "closed_at", "late_after_minutes"}
RECORD_KEYS = {"student_id", "student_name", "class_id", "class_session_id", "class_name", "attendance_status",
               "check_in_time", "is_late", "late_minutes", "verification_method", "is_manual_override",
               "override_reason", "offline", "synced_at", "timestamp"}
COUNTS_KEYS = {"present", "late", "absent", "excused", "unmarked", "total"}
STATUSES = {"present", "late", "absent", "excused", "unmarked"}
METHODS = {"qr_code", "verification_code", "teacher_override", "bulk", "session_close", None}
CSV_HEADER = ("date,session_id,class_id,class_name,student_id,student_sourced_id,student_name,status,"
              "check_in_time,late_minutes,verification_method,is_manual_override,override_reason")


# -- the demo district ------------------------------------------------------
def student_user(k: int) -> str:
    return f"student{k:03d}"


def student_id(k: int) -> int:
    return 5 + k


def teacher_user(t: int) -> str:
    return f"teacher{t}"


def teacher_id(t: int) -> int:
    return 1 + t


def teacher_of(class_id: int) -> str:
    return teacher_user((class_id + 2) // 3)


def class_of_student(k: int) -> int:
    return (k + 29) // 30


def students_of(class_id: int) -> list[int]:
    """Student numbers k (not ids) enrolled in class `class_id` by the demo seed."""
    return list(range(30 * class_id - 29, 30 * class_id + 1))


def session_id(class_id: int, n: int) -> int:
    """docs/api.md: session_id = class_id * 2^20 + n."""
    return class_id * (1 << 20) + n


# -- HTTP -------------------------------------------------------------------
class ApiResponse:
    def __init__(self, raw: http_client.Response):
        self.raw = raw
        self.status = raw.status
        self.body = raw.body
        self._json = None

    def header(self, name: str) -> str | None:
        return self.raw.header(name)

    @property
    def content_type(self) -> str | None:
        return self.raw.header("Content-Type")

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    def __repr__(self) -> str:
        return repr(self.raw)


_DEFAULT = object()


class Api:
    """JSON requests as one user over one keep-alive connection."""

    def __init__(self, port: int, token: str | None = None, host: str = "localhost", timeout: float = TIMEOUT):
        self.port = port
        self.token = token
        self.host = host
        self.timeout = timeout
        self.conn: http_client.HttpConnection | None = None

    def connect(self) -> "Api":
        """Open the connection now (so it exists before a concurrent burst)."""
        if self.conn is None or self.conn.eof:
            if self.conn is not None:
                self.conn.close()
            self.conn = http_client.HttpConnection(self.port, timeout=self.timeout)
        return self

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> "Api":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, body=_DEFAULT, *, raw: bytes | None = None, token=_DEFAULT,
                headers: dict | None = None, host: str | None = None) -> ApiResponse:
        """`path` is relative to /api/v1 unless it starts with '/'. `body` is JSON-encoded; `raw` is sent as is."""
        target = path if path.startswith("/") else f"{API}/{path}"
        hdrs: dict[str, str] = {}
        tok = self.token if token is _DEFAULT else token
        if tok is not None:
            hdrs["Authorization"] = f"Bearer {tok}"
        data = b""
        if raw is not None:
            data = raw
            hdrs["Content-Type"] = "application/json"
        elif body is not _DEFAULT:
            data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if data or method in ("POST", "PUT"):
            hdrs["Content-Length"] = str(len(data))
        hdrs.update(headers or {})
        self.connect()
        resp = self.conn.exchange(method, target, hdrs, data, host=host or self.host)
        if "close" in resp.connection_tokens():
            self.close()
        return ApiResponse(resp)

    def get(self, path: str, **kw) -> ApiResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=_DEFAULT, **kw) -> ApiResponse:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body=_DEFAULT, **kw) -> ApiResponse:
        return self.request("PUT", path, body, **kw)

    # -- the calls of API.md §4 ------------------------------------------
    def open_session(self, class_id: int, late_after_minutes: int | None = None) -> ApiResponse:
        if late_after_minutes is None:
            return self.post(f"classes/{class_id}/sessions")
        return self.post(f"classes/{class_id}/sessions", {"late_after_minutes": late_after_minutes})

    def check_in_code(self, class_id: int, code: str) -> ApiResponse:
        return self.post("attendance/check-in", {"method": "verification_code", "class_id": class_id, "code": code})

    def check_in_qr(self, qr_token: str) -> ApiResponse:
        return self.post("attendance/check-in", {"method": "qr_code", "qr_token": qr_token})

    def attendance(self, sid: int) -> ApiResponse:
        return self.get(f"sessions/{sid}/attendance")

    def override(self, sid: int, student: int, status: str, reason=None) -> ApiResponse:
        return self.put(f"sessions/{sid}/attendance/{student}", {"status": status, "reason": reason})

    def close_session(self, sid: int) -> ApiResponse:
        return self.post(f"sessions/{sid}/close")


def start_demo(factory, *extra: str, shards: int = 2, timeout: float = 15.0):
    """Starts `rollcall serve --demo` through a conftest server factory.

    With --demo the server prints the demo logins on stdout before its listening
    line, so this reads stdout line by line up to that line (conftest's own wait
    expects the listening line first). Teardown stays with the factory.
    """
    s = factory("--demo", *extra, shards=shards, wait=False)
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(s.proc.stdout, selectors.EVENT_READ)
    data = b""
    prefix = b"rollcall listening on http://127.0.0.1:"
    try:
        while True:
            lines = data.split(b"\n")
            done = [ln for ln in lines[:-1] if ln.startswith(prefix)]
            if done:
                s.stdout_line = done[0].decode()
                s.port = int(done[0][len(prefix):])
                s.demo_output = data.decode(errors="replace")
                return s
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                s.kill()
                raise AssertionError(f"no listening line within {timeout} s; stdout={data!r}\n{s.stderr_text()}")
            if not sel.select(remaining):
                continue
            chunk = os.read(s.proc.stdout.fileno(), 4096)
            if not chunk:
                rc = s.proc.wait(timeout=5)
                s.stopped = True
                raise AssertionError(f"rollcall exited with {rc} before listening; stdout={data!r}\n"
                                     f"{s.stderr_text()}")
            data += chunk
    finally:
        sel.close()


class District:
    """A `--demo` server and the users' tokens."""

    def __init__(self, server):
        self.server = server
        self.port = server.port
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def mint(self, username: str | list[str], ttl_s: int | None = None) -> subprocess.CompletedProcess:
        """`rollcall token` for one user, or for several in one run (one JWT per line)."""
        args = [str(ROLLCALL_BIN), "token", "--data-dir", str(self.server.data_dir)]
        for u in [username] if isinstance(username, str) else username:
            args += ["--user", u]
        if ttl_s is not None:
            args += ["--ttl-s", str(ttl_s)]
        return subprocess.run(args, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)

    def token(self, username: str) -> str:
        with self._lock:
            if username in self._tokens:
                return self._tokens[username]
        p = self.mint(username)
        assert p.returncode == 0, (username, p.stderr)
        tok = p.stdout.decode().strip()
        with self._lock:
            self._tokens[username] = tok
        return tok

    def tokens(self, usernames) -> list[str]:
        """Tokens for many users: the missing ones minted in one `rollcall token` run
        (a process start per token costs ~0.2 s of CPU under the sanitizers)."""
        usernames = list(usernames)
        with self._lock:
            missing = sorted({u for u in usernames if u not in self._tokens})
        if missing:
            p = self.mint(missing)
            assert p.returncode == 0, (missing[:5], p.stderr)
            minted = p.stdout.decode().split()
            assert len(minted) == len(missing), (len(minted), len(missing))
            with self._lock:
                for u, tok in zip(missing, minted):
                    self._tokens.setdefault(u, tok)
        with self._lock:
            return [self._tokens[u] for u in usernames]

    def client(self, username: str | None = None, **kw) -> Api:
        return Api(self.port, self.token(username) if username else None, **kw)

    def student(self, k: int, **kw) -> Api:
        return self.client(student_user(k), **kw)

    def teacher_for(self, class_id: int, **kw) -> Api:
        return self.client(teacher_of(class_id), **kw)

    def login(self, username, password) -> ApiResponse:
        with Api(self.port) as a:
            return a.post("auth/login", {"username": username, "password": password})


def open_session(teacher: Api, class_id: int, late_after_minutes: int | None = None) -> dict:
    r = teacher.open_session(class_id, late_after_minutes)
    assert r.status == 201, r
    return r.json


# -- shape checks -------------------------------------------------------------
def assert_error(r: ApiResponse, status: int, code: str) -> None:
    assert r.status == status, (status, code, r)
    ct = r.content_type or ""
    assert ct.split(";")[0].strip() == "application/json", r
    body = r.json
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, (code, body)
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body


def assert_json(r: ApiResponse, status: int):
    assert r.status == status, (status, r)
    ct = r.content_type or ""
    assert ct.split(";")[0].strip() == "application/json", r
    return r.json


def assert_time(v) -> None:
    assert isinstance(v, str) and TIME_RE.match(v), v


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def assert_session(s: dict, with_code: bool) -> None:
    keys = SESSION_KEYS | ({"verification_code"} if with_code else set())
    assert set(s) == keys, (sorted(s), sorted(keys))
    assert is_int(s["id"]) and s["id"] > 0
    assert is_int(s["class_id"]) and s["class_id"] > 0
    assert isinstance(s["class_name"], str)
    assert s["status"] in ("open", "closed")
    assert_time(s["starts_at"])
    if s["status"] == "open":
        assert s["closed_at"] is None, s
    else:
        assert_time(s["closed_at"])
    assert is_int(s["late_after_minutes"]) and s["late_after_minutes"] >= 0
    if with_code:
        assert isinstance(s["verification_code"], str) and re.fullmatch(r"[0-9]{6}", s["verification_code"]), s


def assert_record(r: dict) -> None:
    assert set(r) == RECORD_KEYS, sorted(r)
    for k in ("student_id", "class_id", "class_session_id"):
        assert is_int(r[k]) and r[k] > 0, (k, r)
    assert isinstance(r["student_name"], str) and isinstance(r["class_name"], str)
    assert r["attendance_status"] in STATUSES, r
    if r["check_in_time"] is not None:
        assert_time(r["check_in_time"])
    assert isinstance(r["is_late"], bool) and isinstance(r["is_manual_override"], bool)
    assert is_int(r["late_minutes"]) and r["late_minutes"] >= 0
    assert r["verification_method"] in METHODS, r
    assert r["override_reason"] is None or isinstance(r["override_reason"], str)
    assert_time(r["timestamp"])
    # offline: this version came from /sync, received at synced_at (its commit time).
    assert isinstance(r["offline"], bool), r
    if r["offline"]:
        assert r["synced_at"] == r["timestamp"], r
    else:
        assert r["synced_at"] is None, r
    if r["attendance_status"] == "unmarked":
        assert r["verification_method"] is None and r["check_in_time"] is None, r


def assert_counts(c: dict, **expected) -> None:
    assert set(c) == COUNTS_KEYS, c
    assert all(is_int(v) and v >= 0 for v in c.values()), c
    assert c["total"] == sum(c[k] for k in ("present", "late", "absent", "excused", "unmarked")), c
    for k, v in expected.items():
        assert c[k] == v, (k, v, c)


def walk(obj, path="$"):
    """Yields (path, key, value) for every dict member and list element, recursively."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield path, k, v
            yield from walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield path, i, v
            yield from walk(v, f"{path}[{i}]")


def keys_named(obj, name: str) -> list[str]:
    return [p for p, k, _ in walk(obj) if k == name]


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
