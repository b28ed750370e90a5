"""`rollcall backup` and `rollcall restore` (API.md §7, issue 21).

A backup taken while check-ins and overrides keep arriving, with a log that rolls
its segments and snapshots (deleting old files) all the time, holds every write
acknowledged before the backup began, and the restored directory serves and takes
new writes. A backup of a stopped server restores to the same state, byte for byte
as the API shows it. Damaged, foreign or misdirected files are refused with one
line, and nothing is left behind.
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
import zipfile

from api_client import student_user
from crash_harness import DEMO_12x30, Tokens, client, district_state, first_difference, run_cli, start

TEACHERS = 4
CLASSES = 12
CLASS_SIZE = 30
# Small segments and snapshot threshold: files roll and vanish during the backup.
CHURN = ("--wal-segment-bytes", "65536", "--wal-snapshot-bytes", "4096")


def students_of(class_id: int) -> list[int]:
    """Demo student numbers k (student<k>) of a class."""
    return list(range(CLASS_SIZE * (class_id - 1) + 1, CLASS_SIZE * class_id + 1))


def student_id(k: int) -> int:
    # 12-class demo: 1 admin, 4 teachers (ids 2..5), student k has id 5 + k.
    return 5 + k


def backup(data_dir, to) -> subprocess.CompletedProcess:
    return run_cli("backup", "--data-dir", str(data_dir), "--to", str(to))


def restore(frm, data_dir) -> subprocess.CompletedProcess:
    return run_cli("restore", "--from", str(frm), "--data-dir", str(data_dir))


class Writers:
    """Check-ins (odd students) and overrides to `excused` with a reason (even
    students), one write per student, from one thread per teacher; each
    acknowledged write is recorded with the monotonic time of its answer."""

    def __init__(self, srv, tokens, sessions: dict[int, dict]):
        self.srv, self.tokens, self.sessions = srv, tokens, sessions
        self.acked: list[tuple[float, str, int, int]] = []  # (time, kind, class, student k)
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(t,)) for t in range(1, TEACHERS + 1)]

    def run(self, t: int) -> None:
        try:
            with client(self.srv, self.tokens, f"teacher{t}") as teacher:
                for class_id in range(3 * t - 2, 3 * t + 1):
                    sess = self.sessions[class_id]
                    for k in students_of(class_id):
                        if k % 2:
                            with client(self.srv, self.tokens, student_user(k)) as s:
                                r = s.check_in_code(class_id, sess["verification_code"])
                            kind = "check_in"
                        else:
                            r = teacher.override(sess["id"], student_id(k), "excused", f"note {k}")
                            kind = "override"
                        if r.status not in (200, 201):
                            raise AssertionError(f"{kind} of student{k}: {r}")
                        with self.lock:
                            self.acked.append((time.monotonic(), kind, class_id, k))
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))

    def count(self) -> int:
        with self.lock:
            return len(self.acked)


def assert_holds(api, sessions, acked) -> None:
    records = {}
    for class_id, sess in sessions.items():
        r = api.get(f"sessions/{sess['id']}/attendance")
        assert r.status == 200, r
        for rec in r.json["records"]:
            records[(class_id, rec["student_id"])] = rec
    for _, kind, class_id, k in acked:
        rec = records[(class_id, student_id(k))]
        if kind == "check_in":
            assert rec["attendance_status"] in ("present", "late") and rec["check_in_time"], (k, rec)
        else:
            assert rec["attendance_status"] == "excused", (k, rec)


def test_backup_under_write_load_holds_every_write_acknowledged_before_it(server, tmp_path):
    data = tmp_path / "data"
    srv = start(server, data, *DEMO_12x30, *CHURN)
    tokens = Tokens(data)
    tokens.mint_all([f"teacher{t}" for t in range(1, TEACHERS + 1)] +
                    [student_user(k) for k in range(1, CLASSES * CLASS_SIZE + 1)])
    sessions = {}
    for t in range(1, TEACHERS + 1):
        with client(srv, tokens, f"teacher{t}") as teacher:
            for class_id in range(3 * t - 2, 3 * t + 1):
                r = teacher.open_session(class_id)
                assert r.status == 201, r
                sessions[class_id] = r.json
    writers = Writers(srv, tokens, sessions)
    for th in writers.threads:
        th.start()
    deadline = time.monotonic() + 30
    while writers.count() < 60 and time.monotonic() < deadline and not writers.errors:
        time.sleep(0.01)
    began = time.monotonic()
    with writers.lock:
        before = list(writers.acked)
    made = backup(data, tmp_path / "b.zip")
    ended = time.monotonic()
    for th in writers.threads:
        th.join(timeout=60)
    assert not writers.errors, writers.errors
    assert made.returncode == 0, made.stderr
    assert "backed up" in made.stdout
    # The backup ran while writes kept being acknowledged.
    assert len(before) >= 60
    assert any(t > ended for t, *_ in writers.acked), "no write after the backup: it proves less"
    assert os.stat(tmp_path / "b.zip").st_mode & 0o777 == 0o600

    restored = tmp_path / "restored"
    r = restore(tmp_path / "b.zip", restored)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "restored.restoring").exists()
    srv.stop()
    again = start(server, restored, *CHURN)
    assert again.get("/readyz").status == 200
    with client(again, tokens, "admin") as admin:
        assert_holds(admin, sessions, before)
    # It takes new writes: a student not written to yet checks in.
    last = CLASSES * CLASS_SIZE - 1
    written = {k for *_, k in writers.acked}
    late = next(k for k in range(last, 0, -2) if k not in written) if len(written) < CLASSES * CLASS_SIZE else None
    if late is not None:
        class_id = (late - 1) // CLASS_SIZE + 1
        with client(again, tokens, student_user(late)) as s:
            assert s.check_in_code(class_id, sessions[class_id]["verification_code"]).status == 201
    assert again.stop() == 0


def test_backup_of_a_stopped_server_restores_the_same_state(server, tmp_path):
    data = tmp_path / "data"
    srv = start(server, data, *DEMO_12x30)
    tokens = Tokens(data)
    tokens.mint_all(["teacher1", "admin"] + [student_user(k) for k in range(1, 11)])
    with client(srv, tokens, "teacher1") as teacher:
        sess = teacher.open_session(1).json
        for k in range(1, 11):
            with client(srv, tokens, student_user(k)) as s:
                assert s.check_in_code(1, sess["verification_code"]).status == 201
        assert teacher.override(sess["id"], student_id(12), "excused", "dentist").status == 200
        assert teacher.close_session(sess["id"]).status == 200
    with client(srv, tokens, "admin") as admin:
        state = district_state(admin, range(1, 4))
    assert srv.stop() == 0
    assert backup(data, tmp_path / "b.zip").returncode == 0
    assert restore(tmp_path / "b.zip", tmp_path / "restored").returncode == 0
    again = start(server, tmp_path / "restored")
    with client(again, tokens, "admin") as admin:
        after = district_state(admin, range(1, 4))
    assert first_difference(state, after) is None, first_difference(state, after)
    # The JWT secret came along: the old tokens still sign in.
    assert again.stop() == 0


def one_line_failure(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode != 0, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_refusals_say_why_and_leave_nothing(server, tmp_path):
    data = tmp_path / "data"
    srv = start(server, data, *DEMO_12x30)
    good = tmp_path / "good.zip"
    assert backup(data, good).returncode == 0
    one_line_failure(backup(data, good), "already exists")
    one_line_failure(backup(tmp_path / "nothing-here", tmp_path / "x.zip"), "no rollcall log")
    assert not (tmp_path / "x.zip").exists()
    one_line_failure(run_cli("backup", "--data-dir", str(data)), "--to")
    srv.stop()

    (tmp_path / "busy").mkdir()
    one_line_failure(restore(good, tmp_path / "busy"), "already exists")
    (tmp_path / "text.zip").write_text("not a zip\n")
    one_line_failure(restore(tmp_path / "text.zip", tmp_path / "r1"), "not a readable zip")
    with zipfile.ZipFile(tmp_path / "foreign.zip", "w") as z:
        z.writestr("hello.txt", "hi")
    one_line_failure(restore(tmp_path / "foreign.zip", tmp_path / "r2"), "no manifest.json")

    # One file's bytes changed, its manifest entry not: refused, nothing restored.
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "damaged.zip", "w") as dst:
        for info in src.infolist():
            data_bytes = src.read(info)
            if info.filename.endswith("roster.json") and info.filename.startswith("wal/"):
                data_bytes = data_bytes.replace(b"student001", b"student00X", 1)
            dst.writestr(info, data_bytes)
    one_line_failure(restore(tmp_path / "damaged.zip", tmp_path / "r3"), "checksum", "nothing was restored")
    # A file the manifest does not list.
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "extra.zip", "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("wal/evil.txt", "x")
    one_line_failure(restore(tmp_path / "extra.zip", tmp_path / "r4"), "does not list")
    for name in ("r1", "r2", "r3", "r4", "r3.restoring", "r4.restoring"):
        assert not (tmp_path / name).exists(), name
