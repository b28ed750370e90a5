"""A teacher's synced overrides are bounded, as a student's synced check-ins are.

"Between two overrides the later client_time wins" (API.md §6 rule 3), so a teacher
(or a stolen teacher token) sending overrides whose client_time steps forward 1 ms
each made every op apply: 2,000 applied ops in 4 requests, each appended to the log
and its op_id kept in memory for duplicate detection, even those that show nothing
new. Now one student's record in one session changes through synced overrides at
most 10 times (then `rejected`, `too_many_changes`, counted in
rollcall_sync_rejections_total{reason}); live REST overrides do not count. The count
survives a restart (kill -9: the log; SIGTERM: the snapshot).

Times are derived from the session's starts_at and the server's answers, never from
sleeping.
"""
from __future__ import annotations

from api_client import District, start_demo, student_id, students_of, teacher_of
from crash_harness import start, wal_dump
from test_sync_flood import iso, ms, rejections, student_frames, sync
from ws_client import LiveSocket

CLASS = 5
CAP = 10  # kOverrideSyncChangesMax
STATUSES = ("excused", "absent")


def override_op(op_id: str, session_id: int, student: int, status: str, at: int, reason=None) -> dict:
    return {"op_id": op_id, "kind": "override", "class_session_id": session_id, "student_id": student,
            "status": status, "reason": reason, "client_time": iso(at)}


def stepping_overrides(prefix: str, session_id: int, student: int, first_ms: int, n: int) -> list[dict]:
    """`n` overrides of one student, client_time stepping forward 1 ms, status alternating."""
    return [override_op(f"{prefix}-{i}", session_id, student, STATUSES[i % 2], first_ms + i) for i in range(n)]


def synced_overrides_logged(data_dir, student: int) -> int:
    return sum(1 for r in wal_dump(data_dir)
               if r["type"] == "overridden" and r.get("student") == student and r.get("op_id"))


def test_one_teacher_cannot_flood_through_sync(server):
    srv = start_demo(server)
    d = District(srv)
    me = student_id(students_of(CLASS)[0])
    with d.teacher_for(CLASS) as t:
        session = t.open_session(CLASS).json
        sid, start_ms = session["id"], ms(session["starts_at"])
        tws = LiveSocket(d.port, CLASS, d.token(teacher_of(CLASS)))
        tws.barrier()

        ops = stepping_overrides("flood", sid, me, start_ms + 1, 4 * 500)
        results = []
        for r in range(4):
            answers, server_ms = sync(t, ops[500 * r:500 * (r + 1)])
            results += answers
        outcomes = [x["outcome"] for x in results]
        assert outcomes[:CAP] == ["applied"] * CAP, results[:CAP + 1]
        beyond = [x for x in results[CAP:] if x["outcome"] != "rejected"]
        assert not beyond, beyond[:3]
        assert {x["error"]["code"] for x in results[CAP:]} == {"too_many_changes"}, results[CAP]
        assert rejections(srv, "too_many_changes") == len(results) - CAP
        # What the tenth change left stands.
        rec = results[CAP - 1]["record"]
        assert rec["attendance_status"] == STATUSES[(CAP - 1) % 2] and rec["offline"] is True, rec

        # The teacher got a bounded number of frames about that student, and the
        # audit trail is bounded the same way.
        assert len(student_frames(tws.barrier(), me)) <= CAP
        entries = t.get(f"sessions/{sid}/audit").json["entries"]
        assert 1 <= len([e for e in entries if e["student_id"] == me]) <= CAP, entries

        # After the cap: a retry of an applied op is a duplicate, an op that loses is
        # superseded (neither is a change), and a live override still applies (made
        # at the server's time, later than the ten synced ones: it wins).
        assert server_ms > start_ms + CAP, (server_ms, start_ms)
        again, _ = sync(t, [ops[0], override_op("older", sid, me, "late", start_ms)])
        assert [x["outcome"] for x in again] == ["duplicate", "superseded"], again
        live = t.override(sid, me, "late", "bus")
        assert live.status == 200 and live.json["attendance_status"] == "late", live
        assert live.json["offline"] is False, live.json
        # The bound is per student: another student of the class is not affected.
        other = student_id(students_of(CLASS)[1])
        res, _ = sync(t, [override_op("other", sid, other, "excused", start_ms + 1)])
        assert [x["outcome"] for x in res] == ["applied"], res
        tws.close()

    # The log holds the ten synced overrides of that student, not 2,000.
    srv.kill()
    assert synced_overrides_logged(srv.data_dir, me) == CAP


def test_teacher_change_count_survives_restart(server):
    srv = start_demo(server)
    d = District(srv)
    me = student_id(students_of(CLASS)[0])
    with d.teacher_for(CLASS) as t:
        session = t.open_session(CLASS).json
        sid, start_ms = session["id"], ms(session["starts_at"])
        first, _ = sync(t, stepping_overrides("a", sid, me, start_ms + 1, 6))
        assert [x["outcome"] for x in first] == ["applied"] * 6, first

    # kill -9: the six replay from the log (the next start snapshots them).
    srv.kill()
    srv = start(server, srv.data_dir)
    d.server, d.port = srv, srv.port
    with d.teacher_for(CLASS) as t:
        second, _ = sync(t, stepping_overrides("b", sid, me, start_ms + 100, 6))
    assert [x["outcome"] for x in second] == ["applied"] * 4 + ["rejected"] * 2, second
    assert {x["error"]["code"] for x in second[4:]} == {"too_many_changes"}, second

    # SIGTERM: the count comes back from the snapshot (six) and the log (four).
    assert srv.stop() == 0
    srv = start(server, srv.data_dir)
    d.server, d.port = srv, srv.port
    with d.teacher_for(CLASS) as t:
        third, _ = sync(t, [override_op("c", sid, me, "late", start_ms + 200),
                            stepping_overrides("b", sid, me, start_ms + 100, 1)[0]])
    assert [x["outcome"] for x in third] == ["rejected", "duplicate"], third
    assert third[0]["error"]["code"] == "too_many_changes", third
