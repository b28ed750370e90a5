"""Resuming the live feed across server restarts (API.md §5, resume).

A client that saw events up to seq N and reconnects with since=N&epoch=E after the
server restarted (SIGTERM, kill -9, a different --shards, after snapshots dropped
the log it came from) gets `recovered: true` and exactly the events after N that
it may see, byte-for-byte what the live run sent, then live events continuing the
same seq and epoch. If the saved history is lost (feeds file damaged), or the
events are older than the ring holds, it gets `recovered: false` with a fresh
snapshot and a new epoch: never a false resume.
"""
from __future__ import annotations

import json

import pytest

from api_client import student_id, student_user
from crash_harness import DEMO_12x30, Tokens, client, events, owner_of, shard_dir, start, wait_event
from ws_client import LiveSocket, student_view

CLASS = 1
TEACHER = "teacher1"
OUTSIDER = 40  # a student of class 2 who joins class 1 with its join code


def ok(r, status=200):
    assert r.status == status, r
    return r.json


def mint(data_dir) -> Tokens:
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", TEACHER] + [student_user(k) for k in (*range(1, 31), OUTSIDER)])
    return tokens


def activity(srv, tokens, sid: int | None = None, round_: int = 0) -> int:
    """One of every kind of event on class 1 (> 2 KB of log); returns the open session's id."""
    with client(srv, tokens, TEACHER) as t:
        if sid is None:
            sid = ok(t.open_session(CLASS, 5), 201)["id"]
        code = ok(t.get(f"classes/{CLASS}/sessions/current"))["verification_code"]
        for k in range(1 + 5 * round_, 4 + 5 * round_):
            with client(srv, tokens, student_user(k)) as s:
                ok(s.check_in_code(CLASS, code), 201)
        ok(t.override(sid, student_id(1 + 5 * round_), "excused", f"dentist ✓ round {round_} " + "~" * 400))
        ok(t.post(f"sessions/{sid}/attendance/bulk", {"updates": [
            {"student_id": student_id(k), "status": "late", "reason": "bus " + "~" * 480} for k in (4 + 5 * round_, 5 + 5 * round_)]}))
    return sid


def join_outsider(srv, tokens) -> None:
    with client(srv, tokens, TEACHER) as t:
        code = ok(t.get(f"classes/{CLASS}"))["join_code"]
    with client(srv, tokens, student_user(OUTSIDER)) as s:
        assert ok(s.post("classes/join", {"join_code": code}), 201)["class_id"] == CLASS


def raw_after(sock: LiveSocket, seq: int) -> list[bytes]:
    """The frames (exact bytes) `sock` received for events after `seq`."""
    out = []
    for raw in sock.raw:
        ev = json.loads(raw)
        if ev["type"] not in ("connection_established", "pong") and ev["seq"] > seq:
            out.append(raw)
    return out


def check_resume(srv, tokens, teacher_seen: LiveSocket, student_seen: LiveSocket, since: int) -> LiveSocket:
    """Teacher and student resume from `since`: recovered, the same bytes as live."""
    epoch, last = teacher_seen.epoch, teacher_seen.events[-1]["seq"]
    t = LiveSocket(srv.port, CLASS, tokens[TEACHER], since=since, epoch=epoch)
    assert t.hello["data"]["recovered"] is True, t.hello
    assert (t.hello["epoch"], t.hello["seq"]) == (epoch, last), t.hello
    replayed = t.barrier()
    assert [e["seq"] for e in replayed] == list(range(since + 1, last + 1))
    assert raw_after(t, since) == raw_after(teacher_seen, since)  # byte-for-byte what the live run sent

    s = LiveSocket(srv.port, CLASS, tokens[student_user(2)], since=since, epoch=epoch)
    assert s.hello["data"]["recovered"] is True, s.hello
    got = s.barrier()
    expected = [v for v in (student_view(e, student_id(2)) for e in teacher_seen.events if e["seq"] > since) if v]
    assert got == expected
    assert raw_after(s, since) == raw_after(student_seen, since)
    s.close()
    return t


@pytest.mark.parametrize("how,shards_after", [("sigterm", 2), ("kill9", 2), ("kill9", 1)])
def test_resume_after_restart_is_exact(server, tmp_path, how, shards_after):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *DEMO_12x30)
    tokens = mint(data_dir)
    teacher = LiveSocket(srv.port, CLASS, tokens[TEACHER])
    student = LiveSocket(srv.port, CLASS, tokens[student_user(2)])
    first_epoch = teacher.epoch
    assert teacher.hello["seq"] == 0 and student.epoch == first_epoch
    sid = activity(srv, tokens)
    join_outsider(srv, tokens)
    # The join's answer does not wait for the announcement's publication: wait for it.
    teacher.wait_for(lambda e: e["type"] == "student_joined_class")
    teacher.barrier()
    student.barrier()
    types = {e["type"] for e in teacher.events}
    assert types == {"session_opened", "student_joined", "attendance_update", "attendance_state_changed",
                     "student_joined_class"}, types
    last = teacher.events[-1]["seq"]
    assert [e["seq"] for e in teacher.events] == list(range(1, last + 1))
    if how == "sigterm":
        assert srv.stop() == 0
    else:
        srv.kill()
    teacher.close()
    student.close()

    srv = start(server, data_dir, *DEMO_12x30, shards=shards_after)
    for since in (0, 1, last // 2, last - 1):
        check_resume(srv, tokens, teacher, student, since).close()
    # Up to date: recovered with nothing to replay.
    t = check_resume(srv, tokens, teacher, student, last)
    # A fresh subscriber sees the same history position.
    fresh = LiveSocket(srv.port, CLASS, tokens[TEACHER])
    assert (fresh.hello["seq"], fresh.epoch, fresh.hello["data"]["recovered"]) == (last, first_epoch, False)
    # Live events continue the same seq and epoch.
    with client(srv, tokens, TEACHER) as api:
        ok(api.override(sid, student_id(9), "present", "after the restart"))
    [update, counts] = t.take(2)
    assert (update["type"], update["seq"], update["epoch"]) == ("attendance_update", last + 1, first_epoch)
    assert (counts["type"], counts["seq"]) == ("attendance_state_changed", last + 2)
    assert fresh.take(2) == [update, counts]
    t.close()
    fresh.close()


def test_resume_across_snapshots_and_two_restarts(server, tmp_path):
    """Snapshots (every 4 KiB of log) keep the history in their feeds files; the log
    tail after the last snapshot is replayed into it; a second restart resumes too."""
    data_dir = tmp_path / "data"
    flags = (*DEMO_12x30, "--wal-snapshot-bytes", "4096")
    srv = start(server, data_dir, *flags)
    tokens = mint(data_dir)
    teacher = LiveSocket(srv.port, CLASS, tokens[TEACHER])
    student = LiveSocket(srv.port, CLASS, tokens[student_user(2)])
    sid = activity(srv, tokens)
    for round_ in (1, 2, 3):
        activity(srv, tokens, sid, round_)
    owner = owner_of(CLASS, 2)
    wait_event(srv, "snapshot_written", where=lambda e: e["shard"] == owner)
    activity(srv, tokens, sid, 4)  # some log after the snapshot
    teacher.barrier()
    student.barrier()
    last = teacher.events[-1]["seq"]
    assert any(p.name.startswith("feeds-") for p in shard_dir(data_dir, owner).iterdir())
    srv.kill()

    srv = start(server, data_dir, *flags)
    check_resume(srv, tokens, teacher, student, 2).close()
    srv.stop()
    srv = start(server, data_dir, *flags)
    check_resume(srv, tokens, teacher, student, last - 3).close()
    assert events(srv, "feeds_unreadable") == [] and events(srv, "feeds_missing") == []


def test_events_older_than_the_ring_are_not_recovered_after_a_restart(server, tmp_path):
    data_dir = tmp_path / "data"
    flags = (*DEMO_12x30, "--ring-events", "8")
    srv = start(server, data_dir, *flags)
    tokens = mint(data_dir)
    teacher = LiveSocket(srv.port, CLASS, tokens[TEACHER])
    activity(srv, tokens)
    teacher.barrier()
    last = teacher.events[-1]["seq"]
    assert last > 8
    srv.kill()
    srv = start(server, data_dir, *flags)
    t = LiveSocket(srv.port, CLASS, tokens[TEACHER], since=last - 8, epoch=teacher.epoch)
    assert t.hello["data"]["recovered"] is True and t.barrier() == teacher.events[-8:]
    t.close()
    old = LiveSocket(srv.port, CLASS, tokens[TEACHER], since=last - 9, epoch=teacher.epoch)
    assert old.hello["data"]["recovered"] is False and old.hello["seq"] == last
    assert old.hello["data"]["snapshot"]["session"]["status"] == "open"
    assert old.barrier() == []
    old.close()


def test_a_damaged_history_file_gives_a_new_epoch_not_a_false_resume(server, tmp_path):
    data_dir = tmp_path / "data"
    flags = (*DEMO_12x30, "--wal-snapshot-bytes", "4096")
    srv = start(server, data_dir, *flags)
    tokens = mint(data_dir)
    teacher = LiveSocket(srv.port, CLASS, tokens[TEACHER])
    sid = activity(srv, tokens)
    for round_ in (1, 2):
        activity(srv, tokens, sid, round_)
    owner = owner_of(CLASS, 2)
    wait_event(srv, "snapshot_written", where=lambda e: e["shard"] == owner)
    teacher.barrier()
    srv.stop()
    # The newest generation's feeds file of the class's shard: flip a byte in the middle.
    [feeds] = [p for p in shard_dir(data_dir, owner).iterdir() if p.name.startswith("feeds-")]
    data = bytearray(feeds.read_bytes())
    data[len(data) // 2] ^= 0x40
    feeds.write_bytes(bytes(data))

    srv = start(server, data_dir, *flags)
    [warned] = events(srv, "feeds_unreadable")
    assert warned["file"] == str(feeds), warned
    t = LiveSocket(srv.port, CLASS, tokens[TEACHER], since=teacher.events[-1]["seq"] - 2, epoch=teacher.epoch)
    assert t.hello["data"]["recovered"] is False and t.epoch != teacher.epoch, t.hello
    # The attendance itself is intact: the fresh snapshot has every record.
    with client(srv, tokens, TEACHER) as api:
        records = ok(api.attendance(sid))
    snap = t.hello["data"]["snapshot"]
    assert snap["session"] == records["session"]
    assert (snap["records"], snap["counts"]) == (records["records"], records["counts"])
    assert len(snap["records"]) == 30 and snap["counts"]["unmarked"] == 30 - 15
    t.close()
