"""Everything acknowledged survives a restart: SIGTERM, kill -9, a different
--shards, and a log that took snapshots and dropped its old segments.

The state compared is what the admin reads (crash_harness.class_state): class
details with join codes and students, every session's attendance (session with
its verification code and late_after_minutes, records with times, methods and
reasons, counts) and audit trail, and the CSV export; plus what a student who
joined a class sees. It must be identical before and after each restart.
"""
from __future__ import annotations

import datetime
import time

from api_client import student_user
from crash_harness import (DEMO_12x30, Tokens, assert_same_state, client, district_state, events, owner_of, segments,
                           shard_dirs, snapshots, start, wait_event, wait_until, wal_dump, wal_verify)

CLASSES = range(1, 13)
REASONS = ["médecin 🩺 — rendez-vous « urgent »", "\u202eRTL\u202c \"quoted\" \\ back\nslash\ttab",
           "=SUM(A1:A9)", "日本語の理由 ✓", "", None, "😀" * 100]


def sid_of(class_id: int, n: int) -> int:
    return class_id * (1 << 20) + n


def student_id(k: int) -> int:
    return 5 + k


def teacher(class_id: int) -> str:
    return f"teacher{(class_id + 2) // 3}"


def wait_past(starts_at: str) -> None:
    """Until this machine's clock is a few ms past `starts_at` (for a late check-in)."""
    t = datetime.datetime.strptime(starts_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() + 0.005
    while time.time() < t:
        time.sleep(max(0.0, t - time.time()))


def ok(r, status=200):
    assert r.status == status, r
    return r.json


def mint(data_dir) -> Tokens:
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin"] + [f"teacher{t}" for t in range(1, 5)] + [student_user(k) for k in range(1, 361)])
    return tokens


def full_state(srv, tokens) -> dict:
    with client(srv, tokens, "admin") as admin:
        state = district_state(admin, CLASSES)
    with client(srv, tokens, student_user(1)) as s:
        state["student001"] = {"classes": ok(s.get("classes"))}
    return state


def check_in(srv, tokens, k: int, class_id: int, code: str, expect=201) -> dict:
    with client(srv, tokens, student_user(k)) as s:
        return ok(s.check_in_code(class_id, code), expect)


def populate(srv, tokens) -> None:
    """One of every write, over classes on both shards (with --shards 2: 1, 7 -> shard 1; 2, 4 -> shard 0)."""
    with client(srv, tokens, "teacher1") as t1, client(srv, tokens, "teacher2") as t2, \
            client(srv, tokens, "teacher3") as t3:
        # Class 1, session 1: check-ins (code and QR), overrides, bulk, close -> absences.
        s1 = ok(t1.open_session(1, 7), 201)
        for k in range(1, 11):
            check_in(srv, tokens, k, 1, s1["verification_code"])
        qr = ok(t1.get(f"sessions/{s1['id']}/qr"))
        with client(srv, tokens, student_user(11)) as s:
            ok(s.check_in_qr(qr["token"]), 201)
        ok(t1.override(s1["id"], student_id(2), "excused", REASONS[0]))
        ok(t1.override(s1["id"], student_id(12), "absent", REASONS[1]))
        ok(t1.override(s1["id"], student_id(12), "late", REASONS[6]))
        ok(t1.post(f"sessions/{s1['id']}/attendance/bulk", {"updates": [
            {"student_id": student_id(13), "status": "present", "reason": REASONS[2]},
            {"student_id": student_id(14), "status": "excused", "reason": REASONS[3]},
            {"student_id": student_id(15), "status": "absent", "reason": REASONS[4]},
            {"student_id": student_id(16), "status": "late", "reason": None}]}))
        assert ok(t1.close_session(s1["id"]))["marked_absent"] == 30 - 16
        ok(t1.override(s1["id"], student_id(20), "excused", "correction after class"))  # on a closed session
        # Class 1, session 2 (late after 0 minutes), left open: late check-ins.
        s2 = ok(t1.open_session(1, 0), 201)
        wait_past(s2["starts_at"])
        for k in (1, 2, 3):
            assert check_in(srv, tokens, k, 1, s2["verification_code"])["attendance_status"] == "late"
        # Class 2: bulk with mark_remaining, left open.
        s3 = ok(t1.open_session(2, 1440), 201)
        for k in range(31, 36):
            check_in(srv, tokens, k, 2, s3["verification_code"])
        ok(t1.post(f"sessions/{s3['id']}/attendance/bulk",
                   {"updates": [{"student_id": student_id(40), "status": "excused", "reason": REASONS[5]}],
                    "mark_remaining": "absent"}))
        # Class 4: student001 (class 1) joins with the join code, then checks in there.
        code4 = ok(t2.get("classes/4"))["join_code"]
        with client(srv, tokens, student_user(1)) as s:
            assert ok(s.post("classes/join", {"join_code": code4}), 201)["class_id"] == 4
        s4 = ok(t2.open_session(4), 201)
        check_in(srv, tokens, 1, 4, s4["verification_code"])
        check_in(srv, tokens, 91, 4, s4["verification_code"])
        # Class 7: opened and closed without a check-in.
        s7 = ok(t3.open_session(7, 3), 201)
        assert ok(t3.close_session(s7["id"]))["marked_absent"] == 30


def recovery_records(srv) -> int:
    return int(srv.metrics()["rollcall_recovery_records"])


def test_sigterm_restart_then_kill9_restart(server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *DEMO_12x30)
    tokens = mint(data_dir)
    populate(srv, tokens)
    before = full_state(srv, tokens)
    assert len(before[1]["sessions"]) == 2 and before[1]["current"]["id"] == sid_of(1, 2)
    assert {"id": 4, "name": "Class 4", "role": "student"} in before["student001"]["classes"]["classes"]

    # SIGTERM: exit 0, restart, same state; recovery replayed exactly the logged records.
    assert srv.stop() == 0
    logged = wal_dump(data_dir)
    assert logged, "the log holds the writes until the next start"
    srv = start(server, data_dir, *DEMO_12x30)
    assert_same_state(before, full_state(srv, tokens), "after SIGTERM")
    [rec] = events(srv, "recovered")
    assert rec["records_replayed"] == len(logged) == recovery_records(srv)

    # More writes, then kill -9 right after the last answer.
    with client(srv, tokens, "teacher1") as t1, client(srv, tokens, "teacher2") as t2:
        s2 = before[1]["current"]
        check_in(srv, tokens, 4, 1, s2["verification_code"])
        ok(t1.override(sid_of(1, 1), student_id(21), "present", REASONS[3]))  # closed session: correction
        code5 = ok(t2.get("classes/5"))["join_code"]
    with client(srv, tokens, student_user(1)) as s:
        assert ok(s.post("classes/join", {"join_code": code5}), 201)["class_id"] == 5
    with client(srv, tokens, student_user(2)) as s:
        assert ok(s.post("classes/join", {"join_code": code5}), 201)["class_id"] == 5
    before = full_state(srv, tokens)
    srv.kill()
    logged = wal_dump(data_dir)
    assert sorted(r["type"] for r in logged) == ["checked_in", "class_joined", "class_joined", "enrolled", "enrolled",
                                                 "overridden"], logged
    # The join announcement (the live feed's student_joined_class) is on class 5's owner.
    joined = [r for r in logged if r["type"] == "class_joined"]
    assert sorted(r["student"] for r in joined) == [student_id(1), student_id(2)], joined
    assert all(r["cls"] == 5 and r["shard"] == owner_of(5, 2) for r in joined), joined
    srv = start(server, data_dir, *DEMO_12x30)
    after = full_state(srv, tokens)
    assert_same_state(before, after, "after kill -9")
    assert recovery_records(srv) == 6

    # The students who joined still see the class and can check in there.
    assert {"id": 5, "name": "Class 5", "role": "student"} in after["student001"]["classes"]["classes"]
    with client(srv, tokens, "teacher2") as t2:
        s5 = ok(t2.open_session(5), 201)
        assert student_id(2) in [s["id"] for s in ok(t2.get("classes/5"))["students"]]
    rec = check_in(srv, tokens, 1, 5, s5["verification_code"])
    assert rec["student_id"] == student_id(1) and rec["class_id"] == 5
    check_in(srv, tokens, 2, 5, s5["verification_code"])
    # A second restart with no new log replays nothing and still has everything.
    before = full_state(srv, tokens)
    assert srv.stop() == 0
    srv = start(server, data_dir, *DEMO_12x30)
    assert_same_state(before, full_state(srv, tokens), "after the second SIGTERM")
    srv2_before = full_state(srv, tokens)
    assert srv.stop() == 0
    srv = start(server, data_dir, *DEMO_12x30)
    assert recovery_records(srv) == 0
    assert_same_state(srv2_before, full_state(srv, tokens), "after a restart with an empty log")


def touch_every_class(srv, tokens, k_offset: int) -> None:
    """A write in every class (a check-in; a session opened where none is open), each
    answered before the next, so every class's owner must take it."""
    with client(srv, tokens, "admin") as admin:
        for c in CLASSES:
            cur = admin.get(f"classes/{c}/sessions/current")
            if cur.status == 200 and ok(admin.attendance(ok(cur)["id"]))["counts"]["unmarked"] == 0:
                ok(admin.close_session(ok(cur)["id"]))  # nobody left to check in: start another session
                cur = admin.get(f"classes/{c}/sessions/current")
            if cur.status == 404:
                with client(srv, tokens, teacher(c)) as t:
                    cur_json = ok(t.open_session(c), 201)
            else:
                cur_json = ok(cur)
            check_in(srv, tokens, 30 * (c - 1) + 20 + k_offset, c, cur_json["verification_code"])


def test_shard_count_changes(server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *DEMO_12x30, shards=2)
    tokens = mint(data_dir)
    populate(srv, tokens)
    before = full_state(srv, tokens)
    assert srv.stop() == 0

    for shards, stop, k in ((1, "kill", 1), (3, "kill", 2), (2, "term", 3)):
        srv = start(server, data_dir, *DEMO_12x30, shards=shards)
        assert srv.metrics()["rollcall_shards"] == shards
        assert_same_state(before, full_state(srv, tokens), f"after restarting with --shards {shards}")
        touch_every_class(srv, tokens, k)
        before = full_state(srv, tokens)
        if stop == "kill":
            srv.kill()
            # Each class's write went to its owner's log under this shard count.
            logged = wal_dump(data_dir)
            checkins = [r for r in logged if r["type"] == "checked_in"]
            assert sorted(r["cls"] for r in checkins) == list(CLASSES), logged
            for r in logged:
                if "cls" in r and r["type"] != "enrolled":
                    assert r["shard"] == owner_of(r["cls"], shards), (shards, r)
            assert len(shard_dirs(data_dir)) == shards
        else:
            assert srv.stop() == 0
    srv = start(server, data_dir, *DEMO_12x30, shards=2)
    assert_same_state(before, full_state(srv, tokens), "after returning to --shards 2")


def test_snapshots_drop_segments_and_survive_kill9(server, tmp_path):
    data_dir = tmp_path / "data"
    flags = (*DEMO_12x30, "--wal-snapshot-bytes", "4096", "--wal-segment-bytes", "65536")
    srv = start(server, data_dir, *flags)
    tokens = mint(data_dir)
    populate(srv, tokens)
    # Enough log on both shards to fill several 64 KiB segments: a session in every
    # class, everyone checked in, and two bulk changes per class with long reasons.
    long_reason = "Ünïcödé ✓ " * 31  # 496 bytes (the limit is 500)
    with client(srv, tokens, "admin") as admin:
        for c in CLASSES:
            cur = admin.get(f"classes/{c}/sessions/current")
            code = ok(cur)["verification_code"] if cur.status == 200 else \
                ok(admin.open_session(c, 5), 201)["verification_code"]
            sid = ok(admin.get(f"classes/{c}/sessions/current"))["id"]
            for k in range(30 * (c - 1) + 1, 30 * c + 1):
                with client(srv, tokens, student_user(k)) as s:
                    assert s.check_in_code(c, code).status in (200, 201)
            for status in ("excused", "late"):
                ok(admin.post(f"sessions/{sid}/attendance/bulk", {"updates": [
                    {"student_id": student_id(k), "status": status, "reason": long_reason}
                    for k in range(30 * (c - 1) + 1, 30 * c + 1)]}))
    # Snapshots happen when a shard is idle: wait for the log files to show them.
    snaps = wait_event(srv, "snapshot_written", count=4)
    assert {e["shard"] for e in snaps} == {0, 1}, snaps

    def old_segments_dropped():
        for sdir in shard_dirs(data_dir):
            segs, snap = segments(sdir), snapshots(sdir)
            if not segs or segs[0].name == f"{1:020d}.wal" or [p.name for p in snap] == [f"snap-{0:020d}.snap"]:
                return False
            if len(snap) != 1:
                return False
        return True
    wait_until(old_segments_dropped, 10, "snapshots to replace snap-0 and delete the first segment of each shard")
    assert srv.metrics()["rollcall_wal_snapshots_total"] >= 4

    before = full_state(srv, tokens)
    srv.kill()
    assert wal_verify(data_dir).returncode == 0
    logged = wal_dump(data_dir)  # only what the snapshots do not cover
    srv = start(server, data_dir, *flags)
    assert_same_state(before, full_state(srv, tokens), "after kill -9 with snapshots")
    assert recovery_records(srv) == len(logged)
    [rec] = events(srv, "recovered")
    assert rec["records_replayed"] == len(logged)

    # A fresh generation starts with an empty log: a few small writes stay under the
    # snapshot threshold, so recovery must replay exactly them.
    with client(srv, tokens, "teacher1") as t1:
        s = ok(t1.open_session(3, 5), 201) if t1.get("classes/3/sessions/current").status == 404 else \
            ok(t1.get("classes/3/sessions/current"))
        ok(t1.override(s["id"], student_id(61), "excused", REASONS[1]))
        ok(t1.override(s["id"], student_id(62), "absent", None))
    before = full_state(srv, tokens)
    srv.kill()
    logged = wal_dump(data_dir)
    assert [r["type"] for r in logged] == ["overridden", "overridden"], logged
    srv = start(server, data_dir, *flags)
    assert recovery_records(srv) == 2
    assert_same_state(before, full_state(srv, tokens), "after the second kill -9")
