"""A log write that fails (here: EFBIG under RLIMIT_FSIZE) is never acknowledged,
stops the shard's writes, hides the classes whose change was lost, and leaves
everything else serving; after a restart without the limit every acknowledged
write is there and none that was refused.

RLIMIT_FSIZE limits the size of each file, not the total: with segments of
--wal-segment-bytes 65536 and a limit above that, segments never reach the limit.
What does reach it:
- a batch bigger than the limit (it goes to a fresh segment and is written past
  its preallocated size): the write comes back short, the rest fails with EFBIG,
  the shard's log fails, the answer is 503. The server stays up.
- the preallocation of a segment larger than the limit: posix_fallocate fails with
  EFBIG *and the kernel sends SIGXFSZ*. Up to b168ffc the server did not ignore
  SIGXFSZ and died of it (exit -25) on its first write (also on an oversized
  snapshot or roster file); since ce488ce it ignores it and the log fails with 503
  — and that failure is counted in rollcall_wal_failures_total like any other.
The roster file (and snapshots) must stay under the limit or the start fails.
"""
from __future__ import annotations

import json

import pytest

from api_client import student_user
from http_client import ConnectionClosed
from ws_client import RawWs, live_path
from crash_harness import (DEMO_12x30, FailedStart, Tokens, assert_same_state, client, district_state, events, owner_of,
                           start, start_expecting_failure, wait_event)

# 3 classes of 100; the students of class 3 also join class 1, so one bulk change of
# class 1 (195 students x ~500-byte reasons, ~100 KB) is one record bigger than the
# limit, while the roster file (~64 KB) stays under it.
DEMO = ("--demo", "--demo-classes", "3", "--demo-class-size", "100")
FLAGS = (*DEMO, "--wal-segment-bytes", "65536")
LIMIT = 90_000


def ok(r, status=200):
    assert r.status == status, r
    return r.json


def err(r, status, code):
    assert r.status == status and r.json["error"]["code"] == code, r


def test_write_failure_answers_503_and_loses_nothing_acknowledged(server, tmp_path):
    assert owner_of(1, 2) == 1 and owner_of(3, 2) == 1 and owner_of(2, 2) == 0
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *FLAGS, fsize=LIMIT)
    assert (data_dir / "roster.json").stat().st_size < LIMIT
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", "teacher1"] + [student_user(k) for k in range(1, 301)])
    sid_of = {}
    with client(srv, tokens, "teacher1") as t:
        ids = {c: [s["id"] for s in ok(t.get(f"classes/{c}"))["students"]] for c in (1, 2, 3)}
        join_code_1 = ok(t.get("classes/1"))["join_code"]
        codes = {}
        for c in (1, 2, 3):
            s = ok(t.open_session(c, 5), 201)
            sid_of[c], codes[c] = s["id"], s["verification_code"]
        # Acknowledged writes in every class, on both shards.
        for c, ks in ((1, range(1, 6)), (2, range(101, 106)), (3, range(201, 206))):
            for k in ks:
                with client(srv, tokens, student_user(k)) as st:
                    ok(st.check_in_code(c, codes[c]), 201)
        ok(t.override(sid_of[1], ids[1][10], "excused", "médecin 🩺"))
        ok(t.override(sid_of[3], ids[3][10], "late", "bus"))
        for k in range(206, 301):  # class 3's other students join class 1 (shard 0's log)
            with client(srv, tokens, student_user(k)) as st:
                assert ok(st.post("classes/join", {"join_code": join_code_1}), 201)["class_id"] == 1
        students_1 = [s["id"] for s in ok(t.get("classes/1"))["students"]]
        assert len(students_1) == 195
    with client(srv, tokens, "admin") as admin:
        acknowledged = district_state(admin, (1, 2, 3))

    # The write that fails: one batch bigger than the file size limit.
    with client(srv, tokens, "teacher1") as t:
        r = t.post(f"sessions/{sid_of[1]}/attendance/bulk", {"updates": [
            {"student_id": s, "status": "absent", "reason": "LOST " + "y" * 480} for s in students_1]})
        err(r, 503, "storage_unavailable")
    [failed] = wait_event(srv, "wal_failed")
    assert failed["level"] == "error" and failed["shard"] == 1 and "File too large" in failed["error"], failed
    assert srv.alive()
    assert srv.metrics()["rollcall_wal_failures_total"] >= 1

    with client(srv, tokens, "teacher1") as t:
        # The class whose change was lost answers nothing, reads included: a
        # subscription gets no snapshot (its state holds the lost change), only 1011.
        err(t.attendance(sid_of[1]), 503, "storage_unavailable")
        with RawWs.connect(srv.port, live_path(1, tokens["teacher1"])) as ws:
            assert ws.expect_close() == (1011, b"storage_unavailable")
        with RawWs.connect(srv.port, live_path(3, tokens["teacher1"])) as ws:
            _, first = ws.read_message()
            assert json.loads(first)["type"] == "connection_established"
        err(t.override(sid_of[1], ids[1][20], "excused", None), 503, "storage_unavailable")
        # Another class of the failed shard: reads work, writes are refused.
        assert_same_state(acknowledged[3]["sessions"][sid_of[3]], {
            "attendance": ok(t.attendance(sid_of[3])), "audit": ok(t.get(f"sessions/{sid_of[3]}/audit"))},
            "class 3 (failed shard, untouched)")
        with client(srv, tokens, student_user(206)) as st:
            err(st.check_in_code(3, codes[3]), 503, "storage_unavailable")
        err(t.override(sid_of[3], ids[3][30], "excused", None), 503, "storage_unavailable")
        # The other shard keeps working, writes included.
        assert ok(t.attendance(sid_of[2]))["counts"]["present"] == 5
        with client(srv, tokens, student_user(106)) as st:
            ok(st.check_in_code(2, codes[2]), 201)
        ok(t.override(sid_of[2], ids[2][50], "absent", "after the failure"))
    assert srv.get("/healthz").status == 200 and srv.alive()
    with client(srv, tokens, "admin") as admin:
        acknowledged[2] = district_state(admin, (2,))[2]

    assert srv.stop() == 0
    srv = start(server, data_dir, *FLAGS)  # no limit
    with client(srv, tokens, "admin") as admin:
        after = district_state(admin, (1, 2, 3))
    # Class 1 gained nothing from the refused bulk; its detail lists the joined students.
    assert_same_state(acknowledged, after, "after restarting without the limit")
    assert not any((r["override_reason"] or "").startswith("LOST") for s in after[1]["sessions"].values()
                   for r in s["attendance"]["records"])
    print("recovery after the failure:", events(srv, "wal_torn_tail_truncated"))


def preallocation_failure(server, tmp_path):
    """A server whose first write needs a segment preallocated past RLIMIT_FSIZE:
    posix_fallocate fails with EFBIG and raises SIGXFSZ. Returns (server, data_dir,
    tokens, the answer to that write)."""
    data_dir = tmp_path / "data"
    # The roster (~77 KB) fits under the limit; the first 128 KiB segment does not.
    srv = start(server, data_dir, *DEMO_12x30, "--wal-segment-bytes", "131072", fsize=100_000)
    tokens = Tokens(data_dir)
    with client(srv, tokens, "teacher1") as t:
        try:
            r = t.open_session(1, 5)
        except (ConnectionClosed, OSError) as e:
            rc = srv.wait(timeout=10)  # the connection closed: the server is gone
            pytest.fail(f"the first write killed the server: exit {rc} (-25 is SIGXFSZ), {e!r}\n{srv.stderr_text()}")
    return srv, data_dir, tokens, r


def test_segment_preallocation_beyond_the_file_size_limit(server, tmp_path):
    """The server must ignore SIGXFSZ and fail the log. (Up to b168ffc it died of SIGXFSZ,
    exit -25, on the first write; ce488ce ignores SIGXFSZ.)"""
    srv, data_dir, tokens, r = preallocation_failure(server, tmp_path)
    err(r, 503, "storage_unavailable")
    [failed] = wait_event(srv, "wal_failed")
    assert failed["shard"] == owner_of(1, 2), failed
    assert "cannot preallocate segment" in failed["error"] and "File too large" in failed["error"], failed
    with client(srv, tokens, "teacher1") as t:
        # Reads keep working on both shards (class 1 itself is hidden: its change was lost);
        # writes of the failed shard are refused.
        assert ok(t.get("classes/2"))["id"] == 2 and ok(t.get("classes/1"))["id"] == 1
        err(t.get("classes/1/sessions/current"), 503, "storage_unavailable")
        err(t.open_session(3, 5), 503, "storage_unavailable")  # class 3: also shard 1
        # Shard 0 cannot create its first segment either.
        err(t.open_session(2, 5), 503, "storage_unavailable")
    with client(srv, tokens, "teacher3") as t:  # untouched classes of both shards: still read by their owners
        assert owner_of(7, 2) == 1 and owner_of(8, 2) == 0
        err(t.get("classes/7/sessions/current"), 404, "no_open_session")
        err(t.get("classes/8/sessions/current"), 404, "no_open_session")
    assert srv.alive()
    assert srv.stop() == 0
    # Without the limit nothing of the refused write is there, and writes work again.
    srv = start(server, data_dir, *DEMO_12x30, "--wal-segment-bytes", "131072")
    with client(srv, tokens, "teacher1") as t:
        err(t.get("classes/1/sessions/current"), 404, "no_open_session")
        assert ok(t.open_session(1, 5), 201)["id"] == 1 * (1 << 20) + 1
        assert ok(t.open_session(2, 5), 201)["id"] == 2 * (1 << 20) + 1


def test_segment_preallocation_failure_is_counted(server, tmp_path):
    srv, _, _, r = preallocation_failure(server, tmp_path)
    err(r, 503, "storage_unavailable")
    wait_event(srv, "wal_failed")
    assert srv.metrics()["rollcall_wal_failures_total"] >= 1


def test_roster_file_beyond_the_limit_refuses_to_start(server, tmp_path):
    """The demo roster (~77 KB) cannot be written under a 48 KiB limit: one line, exit 1."""
    got = start_expecting_failure(server, tmp_path / "data", *DEMO_12x30, fsize=48 * 1024)
    assert isinstance(got, FailedStart), "started although roster.json cannot be written"
    assert got.returncode == 1, got  # not killed by SIGXFSZ (-25)
    [line] = got.plain_lines()
    assert line.startswith("rollcall: cannot write ") and "roster.json" in line and "File too large" in line, line


def test_snapshot_write_failure_keeps_the_log(server, tmp_path):
    """A snapshot bigger than the file size limit fails (`snapshot_failed`); the log it
    would have replaced stays, so writes go on being acknowledged and nothing is lost."""
    data_dir = tmp_path / "data"
    flags = (*FLAGS, "--wal-snapshot-bytes", "4096")
    srv = start(server, data_dir, *flags, fsize=LIMIT)
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", "teacher1"] + [student_user(k) for k in range(1, 11)])
    with client(srv, tokens, "teacher1") as t:
        students = [s["id"] for s in ok(t.get("classes/1"))["students"]]
        sid = ok(t.open_session(1, 5), 201)["id"]
        # Three bulk changes of 100 students with ~250-byte reasons: ~26 KB of log each (under
        # the limit), but after the third class 1's snapshot (records + audit, with the
        # reasons) is over it.
        for status in ("excused", "late", "absent"):
            ok(t.post(f"sessions/{sid}/attendance/bulk", {"updates": [
                {"student_id": s, "status": status, "reason": f"{status} {s} " + "r" * 240} for s in students]}))
        [failed] = wait_event(srv, "snapshot_failed", where=lambda e: e["shard"] == owner_of(1, 2))
        assert "File too large" in failed["error"], failed
        ok(t.override(sid, students[0], "absent", "after the failed snapshot"))
        with client(srv, tokens, student_user(150)) as st:  # class 2 (shard 0)
            code = ok(t.open_session(2, 5), 201)["verification_code"]
            ok(st.check_in_code(2, code), 201)
    assert srv.metrics()["rollcall_wal_failures_total"] == 0
    with client(srv, tokens, "admin") as admin:
        before = district_state(admin, (1, 2))
    srv.kill()
    srv = start(server, data_dir, *flags)  # no limit
    with client(srv, tokens, "admin") as admin:
        assert_same_state(before, district_state(admin, (1, 2)), "after a failed snapshot and kill -9")
