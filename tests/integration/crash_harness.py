"""Helpers for the write-ahead-log tests (tests/integration/test_wal_*.py).

- Processes: start `rollcall serve` on a given data directory (optionally under an
  RLIMIT_FSIZE), run a start that is expected to fail, read the JSON log lines of
  stderr and wait for one.
- Log files: the current generation's shard directories, segments and snapshots; a
  scanner for the segment format (docs: include/rollcall/wal/format.hpp) with
  CRC32C, so tests can find the end of the last batch or damage one record;
  `rollcall wal verify` / `wal dump`.
- State: everything a teacher (the admin) can read about a set of classes —
  class detail, every session's attendance and audit, the CSV export — so a test
  can compare it before and after a restart.
- The crash workload: concurrent check-ins, overrides, bulk changes and closes
  from several threads, each write recorded as acknowledged (2xx received),
  refused (another answer), unknown (sent, no answer: the server died) or unsent;
  a kill trigger after a chosen number of acknowledgements; and the checker that
  says what the recovered state may and may not look like.
"""
from __future__ import annotations

import json
import os
import pathlib
import random
import resource
import selectors
import subprocess
import threading
import time
from dataclasses import dataclass, field

import http_client
from api_client import API, Api, District, ROLLCALL_BIN
from conftest import START_TIMEOUT_S, ServerProcess

DEMO_12x30 = ("--demo", "--demo-classes", "12", "--demo-class-size", "30")


# -- processes ---------------------------------------------------------------------
class LimitedServerProcess(ServerProcess):
    """A ServerProcess whose child runs with RLIMIT_FSIZE = `fsize` bytes (None: unlimited)."""

    def __init__(self, args, data_dir, stderr_path, fsize: int | None = None):
        self.args = args
        self.data_dir = data_dir
        self.stderr_path = stderr_path
        self.port = None
        self.stdout_line = ""
        self.stopped = False

        def limit():
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

        with open(stderr_path, "wb") as stderr_file:
            self.proc = subprocess.Popen([str(ROLLCALL_BIN), *args], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=stderr_file, preexec_fn=limit)


def serve_args(data_dir, web_dir, shards: int, extra) -> list[str]:
    return ["serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--shards", str(shards),
            "--web-dir", str(web_dir), *extra]


def start(factory, data_dir: pathlib.Path, *extra: str, shards: int = 2, fsize: int | None = None) -> ServerProcess:
    """Starts a server on `data_dir` through a conftest factory (its teardown stops it)."""
    if fsize is None:
        return factory(*extra, shards=shards, data_dir=data_dir)
    base = factory.tmp_factory.mktemp("rollcall")
    s = LimitedServerProcess(serve_args(data_dir, factory.web_dir, shards, extra), data_dir, base / "stderr.log",
                             fsize)
    factory.servers.append(s)
    s.wait_listening()
    return s


@dataclass
class FailedStart:
    returncode: int
    stdout: str
    stderr: str

    def lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]

    def plain_lines(self) -> list[str]:
        """stderr lines that are not JSON log events."""
        return [ln for ln in self.lines() if not ln.startswith("{")]


def start_expecting_failure(factory, data_dir: pathlib.Path, *extra: str, shards: int = 2,
                            timeout: float = START_TIMEOUT_S, fsize: int | None = None):
    """Runs `serve` on `data_dir`. Returns FailedStart if it exited before listening,
    else the running ServerProcess (the caller decides whether that is a failure)."""
    base = factory.tmp_factory.mktemp("rollcall")
    s = LimitedServerProcess(serve_args(data_dir, factory.web_dir, shards, extra), data_dir, base / "stderr.log",
                             fsize)
    factory.servers.append(s)
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(s.proc.stdout, selectors.EVENT_READ)
    data = b""
    prefix = b"rollcall listening on http://127.0.0.1:"
    try:
        while True:
            done = [ln for ln in data.split(b"\n")[:-1] if ln.startswith(prefix)]
            if done:
                s.stdout_line = done[0].decode()
                s.port = int(done[0][len(prefix):])
                return s
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                s.kill()
                raise AssertionError(f"serve neither listened nor exited within {timeout} s\n{s.stderr_text()}")
            if not sel.select(remaining):
                continue
            chunk = os.read(s.proc.stdout.fileno(), 4096)
            if not chunk:
                rc = s.proc.wait(timeout=10)
                s.stopped = True
                s._close_pipes()
                return FailedStart(rc, data.decode(errors="replace"), s.stderr_text())
            data += chunk
    finally:
        sel.close()


def events(server: ServerProcess, name: str | None = None) -> list[dict]:
    """The JSON log lines of the server's stderr (optionally only event `name`)."""
    out = []
    for line in server.stderr_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue  # a line still being written
        if name is None or ev.get("event") == name:
            out.append(ev)
    return out


def wait_until(pred, timeout: float, what: str, interval: float = 0.02):
    """Polls `pred` (bounded) until it returns something truthy; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def wait_event(server: ServerProcess, name: str, count: int = 1, timeout: float = 10.0,
               where=lambda ev: True) -> list[dict]:
    return wait_until(lambda: (lambda evs: evs if len(evs) >= count else None)(
        [e for e in events(server, name) if where(e)]), timeout, f"{count} '{name}' log event(s)")


# -- tokens and clients -------------------------------------------------------------
class Tokens:
    """Bearer tokens minted with `rollcall token` (the JWT secret survives restarts)."""

    def __init__(self, data_dir: pathlib.Path):
        self.data_dir = data_dir
        self._tokens: dict[str, str] = {}

    def mint_all(self, usernames) -> None:
        class _S:  # District only needs data_dir and port
            pass
        s = _S()
        s.data_dir, s.port = self.data_dir, 0
        d = District(s)
        d._tokens = self._tokens
        d.tokens([u for u in usernames if u not in self._tokens])

    def __getitem__(self, username: str) -> str:
        if username not in self._tokens:
            self.mint_all([username])
        return self._tokens[username]


def client(server: ServerProcess, tokens: Tokens, username: str) -> Api:
    return Api(server.port, tokens[username])


# -- demo district arithmetic for --demo-classes C --demo-class-size N ----------------
def owner_of(class_id: int, shards: int) -> int:
    """src/api/context.cpp: splitmix64 finaliser of the class id, modulo the shard count."""
    m = (1 << 64) - 1
    x = (class_id + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    x ^= x >> 31
    return x % shards


# -- log files ---------------------------------------------------------------------
# 3 and 4: the live-only check-in and override of logs written before one type
# served live and offline ones (still read); 9 and 10 are written now. 2: a session
# opened before codes could rotate (still read); 15 is written now. 11-14: the roster
# owner's push directory and roster imports.
RECORD_TYPES = {1: "commit", 2: "session_opened (v1)", 3: "checked_in (v1)", 4: "overridden (v1)",
                5: "bulk_applied", 6: "session_closed", 7: "enrolled", 8: "class_joined",
                9: "checked_in", 10: "overridden", 11: "push_subscribed", 12: "push_unsubscribed",
                13: "push_preferences_set", 14: "roster_imported", 15: "session_opened"}
SEGMENT_HEADER_BYTES = 64
RECORD_HEADER_BYTES = 24


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def current_generation(data_dir: pathlib.Path) -> int:
    return int((data_dir / "wal" / "CURRENT").read_text().strip())


def generation_dir(data_dir: pathlib.Path, gen: int | None = None) -> pathlib.Path:
    return data_dir / "wal" / f"{current_generation(data_dir) if gen is None else gen:08d}"


def shard_dir(data_dir: pathlib.Path, shard: int, gen: int | None = None) -> pathlib.Path:
    return generation_dir(data_dir, gen) / f"shard-{shard}"


def shard_dirs(data_dir: pathlib.Path) -> list[pathlib.Path]:
    return sorted(generation_dir(data_dir).glob("shard-*"), key=lambda p: int(p.name[6:]))


def segments(sdir: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in sdir.iterdir() if p.name.endswith(".wal") and len(p.name) == 24)


def snapshots(sdir: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in sdir.iterdir() if p.name.startswith("snap-") and p.name.endswith(".snap"))


def first_lsn(path: pathlib.Path) -> int:
    return int(path.name.split(".")[0].split("-")[-1])


@dataclass
class WalRecord:
    offset: int   # of the record header in the segment
    length: int   # payload bytes
    type: str
    lsn: int
    framed: int   # header + payload + padding
    payload: bytes


@dataclass
class Scan:
    records: list[WalRecord]     # every record of every intact batch (Commits included)
    batches: list[list[WalRecord]]
    valid_bytes: int             # just past the last record of the last intact batch
    end: str                     # "clean" (zeros or end of file) or "stopped: <why>"


def framed_size(length: int) -> int:
    return (RECORD_HEADER_BYTES + length + 7) // 8 * 8


def scan_segment(data: bytes) -> Scan:
    """Walks a segment the way the server's scanner does, stopping at the first invalid byte."""
    assert data[:8] == b"RCALLWAL", "not a segment"
    assert crc32c(data[:60]) == int.from_bytes(data[60:64], "little"), "segment header CRC"
    next_lsn = int.from_bytes(data[32:40], "little")
    off = SEGMENT_HEADER_BYTES
    records: list[WalRecord] = []
    batches: list[list[WalRecord]] = []
    batch: list[WalRecord] = []
    valid = off
    end = "clean"
    while True:
        if off >= len(data) or not any(data[off:off + 5]):
            if any(data[off:]):
                end = "stopped: non-zero bytes after a zero header"
            elif batch:
                end = "stopped: batch without commit"
            break
        if off + RECORD_HEADER_BYTES > len(data):
            end = "stopped: truncated header"
            break
        h = data[off:off + RECORD_HEADER_BYTES]
        length = int.from_bytes(h[0:4], "little")
        rtype = h[4]
        lsn = int.from_bytes(h[8:16], "little")
        crc = int.from_bytes(h[16:20], "little")
        n = framed_size(length)
        if rtype not in RECORD_TYPES or off + n > len(data) or h[5:8] != b"\0\0\0" or h[20:24] != b"\0" * 4:
            end = "stopped: bad header"
            break
        payload = data[off + RECORD_HEADER_BYTES: off + RECORD_HEADER_BYTES + length]
        if crc32c(payload, crc32c(h[:16])) != crc:
            end = "stopped: CRC mismatch"
            break
        if lsn != next_lsn + len(batch):
            end = "stopped: LSN"
            break
        rec = WalRecord(off, length, RECORD_TYPES[rtype], lsn, n, payload)
        batch.append(rec)
        off += n
        if rec.type == "commit":
            records.extend(batch)
            batches.append(batch)
            batch = []
            valid = off
            next_lsn = lsn + 1
    return Scan(records, batches, valid, end)


def encode_record(rtype: int, lsn: int, payload: bytes) -> bytes:
    """One framed record, as the server writes it."""
    head = len(payload).to_bytes(4, "little") + bytes([rtype, 0, 0, 0]) + lsn.to_bytes(8, "little")
    crc = crc32c(payload, crc32c(head))
    out = head + crc.to_bytes(4, "little") + b"\0" * 4 + payload
    return out + b"\0" * (framed_size(len(payload)) - len(out))


def newest_segment(data_dir: pathlib.Path, shard: int) -> pathlib.Path:
    segs = segments(shard_dir(data_dir, shard))
    assert segs, f"shard {shard} has no segment in {shard_dir(data_dir, shard)}"
    return segs[-1]


def run_cli(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROLLCALL_BIN), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def wal_verify(data_dir: pathlib.Path) -> subprocess.CompletedProcess:
    return run_cli("wal", "verify", "--data-dir", str(data_dir))


def wal_dump(data_dir: pathlib.Path) -> list[dict]:
    p = run_cli("wal", "dump", "--data-dir", str(data_dir))
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


# -- state ---------------------------------------------------------------------------
def session_ids(api: Api, class_id: int) -> list[int]:
    """Every session of the class: ids are class_id * 2^20 + n, n = 1, 2, ... (docs/api.md)."""
    out = []
    n = 1
    while True:
        sid = class_id * (1 << 20) + n
        r = api.get(f"sessions/{sid}/audit")
        if r.status == 404:
            return out
        assert r.status == 200, (sid, r)
        out.append(sid)
        n += 1


def session_state(api: Api, sid: int) -> dict:
    att = api.get(f"sessions/{sid}/attendance")
    assert att.status == 200, (sid, att)
    audit = api.get(f"sessions/{sid}/audit")
    assert audit.status == 200, (sid, audit)
    return {"attendance": att.json, "audit": audit.json}


def class_state(api: Api, class_id: int) -> dict:
    detail = api.get(f"classes/{class_id}")
    assert detail.status == 200, (class_id, detail)
    current = api.get(f"classes/{class_id}/sessions/current")
    assert current.status in (200, 404), (class_id, current)
    csv = api.get(f"classes/{class_id}/attendance.csv")
    assert csv.status == 200, (class_id, csv)
    return {
        "detail": detail.json,
        "current": current.json if current.status == 200 else None,
        "sessions": {sid: session_state(api, sid) for sid in session_ids(api, class_id)},
        "csv": csv.body.decode("utf-8"),
    }


def district_state(api: Api, classes) -> dict:
    return {c: class_state(api, c) for c in classes}


def first_difference(a, b, path="$") -> str | None:
    """Where two JSON-like values first differ, or None."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'before' if k in a else 'after'}: {a.get(k, b.get(k))!r}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        return None
    if isinstance(a, str) and "\n" in a and a != b:
        la, lb = a.splitlines(), b.splitlines()
        for i, (x, y) in enumerate(zip(la, lb)):
            if x != y:
                return f"{path} line {i}: {x!r} != {y!r}"
        return f"{path}: {len(la)} lines != {len(lb)} lines"
    return None if a == b else f"{path}: {a!r} != {b!r}"


def assert_same_state(before: dict, after: dict, what: str = "state") -> None:
    d = first_difference(before, after)
    assert d is None, f"{what} changed across the restart: {d}"


# -- the crash workload --------------------------------------------------------------
# Reasons that exercise the log's string encoding and JSON/CSV escaping (each < 500 bytes).
TRICKY_REASONS = [
    None, "", "doctor", "médecin 🩺 — rendez-vous", "\u202eRTL override\u202c", "quote \" and \\ backslash",
    "line1\nline2\r\n\ttab", "=HYPERLINK(\"http://x\")", "Ünïcödé ✓ 日本語 العربية עברית", "😀" * 40,
    "a,b;c|d", "x" * 300, "\u2028\u2029 separators", "'single' `back`",
]
TEACHER_STATUSES = ["present", "late", "absent", "excused"]

ACKED, REFUSED, UNKNOWN, UNSENT = "acked", "refused", "unknown", "unsent"


@dataclass
class Op:
    kind: str                 # checkin | override | bulk | close
    class_id: int
    sid: int
    user: str                 # who sends it
    method: str
    path: str
    body: dict | None
    students: list[int]       # student ids it touches (close: none)
    outcome: str = UNSENT
    status: int | None = None
    resp: dict | None = None

    def decision(self, student: int) -> tuple[str, str | None, str]:
        """(status, reason, verification_method) this teacher op gives `student`."""
        if self.kind == "override":
            return self.body["status"], self.body["reason"], "teacher_override"
        for u in self.body["updates"]:
            if u["student_id"] == student:
                return u["status"], u["reason"], "bulk"
        raise KeyError(student)

    def resp_record(self, student: int) -> dict | None:
        if self.resp is None:
            return None
        if self.kind == "override":
            return self.resp
        for r in self.resp["records"]:
            if r["student_id"] == student:
                return r
        return None

    def describe(self) -> str:
        return f"{self.kind} {self.method} {self.path} {json.dumps(self.body, ensure_ascii=False)[:160]} -> " \
               f"{self.outcome} {self.status}"


@dataclass
class PlannedSession:
    class_id: int
    session: dict                       # the open answer (teacher view, with the code)
    teacher: str
    teacher_id: int
    students: list[int]                 # enrolled student ids
    ops: list[Op] = field(default_factory=list)


def plan_session(rng: random.Random, ps: PlannedSession, student_user_of) -> tuple[list[Op], list[Op]]:
    """Check-in ops (to spread over student threads) and the teacher's ops (in order)."""
    sid = ps.session["id"]
    code = ps.session["verification_code"]
    studs = list(ps.students)
    rng.shuffle(studs)
    n = len(studs)
    n_checkin = int(n * 0.6)
    checkin = studs[:n_checkin]
    overlap = checkin[:max(1, n // 6)]           # checked in and overridden
    override_only = studs[n_checkin:n_checkin + n // 6]
    bulk_students = studs[n_checkin + n // 6:n_checkin + n // 6 + n // 6]
    # the rest: nobody touches them (unmarked, or absent once the session closes)

    checkin_ops = [Op("checkin", ps.class_id, sid, student_user_of(s), "POST", f"{API}/attendance/check-in",
                      {"method": "verification_code", "class_id": ps.class_id, "code": code}, [s])
                   for s in checkin]
    teacher_ops: list[Op] = []
    for s in overlap + override_only:
        for _ in range(1 if rng.random() < 0.7 else 2):
            teacher_ops.append(Op("override", ps.class_id, sid, ps.teacher, "PUT",
                                  f"{API}/sessions/{sid}/attendance/{s}",
                                  {"status": rng.choice(TEACHER_STATUSES), "reason": rng.choice(TRICKY_REASONS)},
                                  [s]))
    i = 0
    while i < len(bulk_students):
        k = rng.randint(1, 4)
        group = bulk_students[i:i + k]
        i += k
        teacher_ops.append(Op("bulk", ps.class_id, sid, ps.teacher, "POST", f"{API}/sessions/{sid}/attendance/bulk",
                              {"updates": [{"student_id": s, "status": rng.choice(TEACHER_STATUSES),
                                            "reason": rng.choice(TRICKY_REASONS)} for s in group]},
                              list(group)))
    rng.shuffle(teacher_ops)  # per-student order is the list order; the checker uses it
    if rng.random() < 0.6:
        teacher_ops.append(Op("close", ps.class_id, sid, ps.teacher, "POST", f"{API}/sessions/{sid}/close", None, []))
    ps.ops = checkin_ops + teacher_ops
    return checkin_ops, teacher_ops


class KillTrigger:
    """Set once `target` writes were acknowledged, or when every worker has finished."""

    def __init__(self, target: int, workers: int):
        self.target = target
        self.acks = 0
        self.running = workers
        self.lock = threading.Lock()
        self.event = threading.Event()

    def acked(self) -> None:
        with self.lock:
            self.acks += 1
            if self.acks >= self.target:
                self.event.set()

    def finished(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0:
                self.event.set()


def run_ops(port: int, tokens: Tokens, ops: list[Op], trigger: KillTrigger, errors: list) -> None:
    """Sends `ops` in order on one keep-alive connection; stops at the first op whose
    fate is unknown (the server died) or that could not be sent."""
    conn = None
    try:
        for op in ops:
            if conn is None or conn.eof:
                try:
                    conn = http_client.HttpConnection(port, timeout=20.0)
                except OSError:
                    return  # refused: the server is gone; this op and the rest stay unsent
            data = b"" if op.body is None else json.dumps(op.body).encode()
            headers = {"Authorization": f"Bearer {tokens[op.user]}", "Content-Type": "application/json",
                       "Content-Length": str(len(data))}
            try:
                conn.request(op.method, op.path, headers, data)
            except OSError:
                op.outcome = UNKNOWN  # some bytes may have left
                return
            try:
                r = conn.read_response(method=op.method)
            except (http_client.ConnectionClosed, OSError):
                op.outcome = UNKNOWN
                return
            op.status = r.status
            try:
                op.resp = json.loads(r.body) if r.body else None
            except ValueError:
                op.resp = {"raw": r.body.decode(errors="replace")}
            if 200 <= r.status < 300:
                op.outcome = ACKED
                trigger.acked()
            else:
                op.outcome = REFUSED
            if "close" in r.connection_tokens():
                conn.close()
                conn = None
    except Exception as e:  # noqa: BLE001 - reported by the test
        errors.append(f"worker crashed on {op.describe()}: {e!r}")
    finally:
        if conn is not None:
            conn.close()
        trigger.finished()


def check_session(ps: PlannedSession, state: dict) -> list[str]:
    """What must hold for one session after the crash and recovery, given each op's fate."""
    problems: list[str] = []
    sid = ps.session["id"]
    P = lambda msg: problems.append(f"session {sid} (class {ps.class_id}): {msg}")  # noqa: E731
    att, audit = state["attendance"], state["audit"]["entries"]
    sess = att["session"]
    for k in ("id", "class_id", "class_name", "starts_at", "late_after_minutes", "verification_code"):
        if sess.get(k) != ps.session[k]:
            P(f"session field {k}: {sess.get(k)!r}, opened as {ps.session[k]!r}")

    # Unexpected answers: every write here is valid; only check-ins after a close may be refused.
    close_ops = [op for op in ps.ops if op.kind == "close"]
    for op in ps.ops:
        if op.outcome != REFUSED:
            continue
        if op.kind == "checkin" and op.status == 404 and (op.resp or {}).get("error", {}).get("code") == \
                "no_open_session" and close_ops and close_ops[0].outcome in (ACKED, UNKNOWN):
            continue
        P(f"unexpected answer: {op.describe()} {op.resp}")

    # The session's status.
    close = close_ops[0] if close_ops else None
    closed = sess["status"] == "closed"
    if close is None or close.outcome == UNSENT:
        if closed:
            P("closed, but no close was sent")
    elif close.outcome == ACKED:
        if not closed:
            P("an acknowledged close was lost: the session is open")
        elif sess["closed_at"] != close.resp["session"]["closed_at"]:
            P(f"closed_at {sess['closed_at']} != acknowledged {close.resp['session']['closed_at']}")
    records = {r["student_id"]: r for r in att["records"]}
    if sorted(records) != sorted(ps.students) or len(att["records"]) != len(ps.students):
        P(f"records for {sorted(records)} (x{len(att['records'])}), enrolled {sorted(ps.students)}")
        return problems

    # Counts.
    tally = {k: 0 for k in ("present", "late", "absent", "excused", "unmarked")}
    for r in att["records"]:
        tally[r["attendance_status"]] += 1
    tally["total"] = len(att["records"])
    if att["counts"] != tally:
        P(f"counts {att['counts']} != the records' {tally}")
    if sum(att["counts"][k] for k in ("present", "late", "absent", "excused", "unmarked")) != att["counts"]["total"]:
        P(f"counts do not add up: {att['counts']}")
    session_close_records = [r for r in att["records"] if r["verification_method"] == "session_close"]
    if close is not None and close.outcome == ACKED and len(session_close_records) != close.resp["marked_absent"]:
        P(f"{len(session_close_records)} records absent by session_close, the acknowledged close marked "
          f"{close.resp['marked_absent']}")
    if closed and tally["unmarked"]:
        P(f"closed session with {tally['unmarked']} unmarked students")
    if not closed and session_close_records:
        P("open session with session_close records")

    # Per student.
    by_student_audit: dict[int, list[dict]] = {}
    for e in audit:
        by_student_audit.setdefault(e["student_id"], []).append(e)
    for e in audit:
        if e["student_id"] not in records:
            P(f"audit entry for a student not in the class: {e}")
    ats = [e["at"] for e in audit]
    if ats != sorted(ats):
        P("audit entries are not oldest first")
    for s in ps.students:
        R = records[s]
        S = lambda msg: P(f"student {s}: {msg}; record {R}")  # noqa: E731
        checkins = [op for op in ps.ops if op.kind == "checkin" and s in op.students]
        teacher = [op for op in ps.ops if op.kind in ("override", "bulk") and s in op.students]
        for op in teacher:
            if op.outcome == REFUSED:
                S(f"teacher op refused: {op.describe()}")
        acked = [op for op in teacher if op.outcome == ACKED]
        unknown = [op for op in teacher if op.outcome == UNKNOWN]
        candidates = ([acked[-1]] if acked else [None]) + unknown
        ck = checkins[0] if checkins else None

        if R["is_manual_override"]:
            got = (R["attendance_status"], R["override_reason"], R["verification_method"])
            match = [op for op in candidates if op is not None and op.decision(s) == got]
            if not match:
                S(f"teacher decision {got} matches no acknowledged or in-flight op "
                  f"(acked {[op.decision(s) for op in acked]}, in flight {[op.decision(s) for op in unknown]})")
            elif acked and match[0] is acked[-1] and not any(op.decision(s) == got for op in unknown):
                want = acked[-1].resp_record(s)
                if want is not None and R != want:
                    S(f"differs from the acknowledged answer {want}")
            if ck is not None and ck.outcome == ACKED and ck.status == 201:
                if R["check_in_time"] != ck.resp["check_in_time"]:
                    S(f"check_in_time {R['check_in_time']} != acknowledged check-in {ck.resp['check_in_time']}")
        else:
            if None not in candidates:
                S(f"acknowledged teacher decision lost: {acked[-1].decision(s)}")
            checked_in = R["verification_method"] == "verification_code"
            if ck is not None and ck.outcome == ACKED:
                if ck.status != 201:
                    S(f"check-in answered {ck.status} {ck.resp}, but the record is no teacher decision")
                elif R != ck.resp:
                    S(f"differs from the acknowledged check-in {ck.resp}")
            elif ck is not None and ck.outcome == UNKNOWN:
                if not (checked_in or R["attendance_status"] == "unmarked" or
                        R["verification_method"] == "session_close"):
                    S("unexpected record for an in-flight check-in")
            else:
                if checked_in:
                    S(f"checked in, but the check-in was {ck.outcome if ck else 'never sent'}")
            if checked_in and R["attendance_status"] not in ("present", "late"):
                S("check-in record with a status other than present/late")
            if not checked_in and R["verification_method"] not in (None, "session_close"):
                S("unexpected verification_method")
            if R["verification_method"] is None and R["attendance_status"] != "unmarked":
                S("no method but marked")

        # Audit: one chain of changes per student, nothing twice.
        entries = by_student_audit.get(s, [])
        prev = "unmarked"
        for e in entries:
            if e["from"] != prev:
                S(f"audit chain broken at {e} (previous status {prev}): {entries}")
                break
            prev = e["to"]
        if prev != R["attendance_status"]:
            S(f"audit ends at {prev}: {entries}")
        if entries:
            last = entries[-1]
            if (last["method"], last["reason"]) != (R["verification_method"], R["override_reason"]):
                S(f"last audit entry {last} does not match the record")
        n_ck = sum(e["method"] == "verification_code" for e in entries)
        n_close = sum(e["method"] == "session_close" for e in entries)
        n_ovr = sum(e["method"] == "teacher_override" for e in entries)
        n_bulk = sum(e["method"] == "bulk" for e in entries)
        if n_ck > 1 or n_close > 1:
            S(f"duplicate audit entries: {entries}")
        if ck is not None and ck.outcome == ACKED and ck.status == 201 and n_ck != 1:
            S(f"{n_ck} check-in audit entries for an acknowledged check-in: {entries}")
        for kind, n in (("override", n_ovr), ("bulk", n_bulk)):
            ops = [op for op in teacher if op.kind == kind]
            lo = sum(op.outcome == ACKED for op in ops)
            hi = lo + sum(op.outcome == UNKNOWN for op in ops)
            if not lo <= n <= hi:
                S(f"{n} {kind} audit entries, expected {lo}..{hi} (ops {[op.describe() for op in ops]}): {entries}")
        for e in entries:
            want_actor = s if e["method"] == "verification_code" else ps.teacher_id
            if e["actor_id"] != want_actor:
                S(f"audit entry actor {e['actor_id']} != {want_actor}: {e}")
    return problems
