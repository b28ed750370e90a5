"""Issue 19, items 4 and 5: offline sync trusts the client's clock.

4. "Earliest check-in wins", so one student sending ops whose client_time steps
   back 1 ms each made every op apply: 2,000 applied ops in 4 requests, 2,000 audit
   entries, a frame per op to every teacher, and enough events to overrun the
   class's ring so that every resume failed. Now one student's check-in for one
   session changes through sync at most 3 times (then `rejected`,
   `too_many_changes`), counted in rollcall_sync_rejections_total{reason}.
5. A QR token too old for REST was applied through /sync with a client_time inside
   its window, even after the close. That stays allowed (API.md §6 rule 2), but
   bounded (`--sync-max-offline-s`: older ops are `rejected`, `offline_too_old`)
   and visible: the record is `offline: true` with `synced_at`, over REST and
   WebSocket, and the audit entry is marked `offline: true`. Both survive a
   restart (kill -9 and a snapshot), and so does the change count.

Times are derived from the session's starts_at/closed_at and the server's
answers, never from sleeping.
"""
from __future__ import annotations

import datetime

from api_client import District, assert_record, start_demo, student_id, student_user, students_of, teacher_of
from crash_harness import start
from ws_client import LiveSocket

SKEW = ("--sync-clock-skew-s", "3600")  # client times up to an hour ahead: the flood needs room to step back
RING = ("--ring-events", "1024")  # the flood's events (2 per applied op) would overrun it four times
CLASS = 5
SEC = 1000
MIN = 60 * SEC
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def ms(t: str) -> int:
    dt = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return (dt - _EPOCH) // datetime.timedelta(milliseconds=1)


def iso(t_ms: int) -> str:
    dt = _EPOCH + datetime.timedelta(milliseconds=t_ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"


def code_op(op_id: str, code: str, at: int) -> dict:
    return {"op_id": op_id, "kind": "check_in", "method": "verification_code", "class_id": CLASS, "code": code,
            "client_time": iso(at)}


def sync(api, ops) -> tuple[list[dict], int]:
    """One batch: its results (shape-checked) and the server_time in ms."""
    r = api.post("sync", {"client_id": "phone", "ops": ops})
    assert r.status == 200, r
    for res in r.json["results"]:
        if res["outcome"] != "rejected":
            assert_record(res["record"])
    return r.json["results"], ms(r.json["server_time"])


def rejections(srv, reason: str) -> float:
    return srv.metrics().get(f'rollcall_sync_rejections_total{{reason="{reason}"}}', 0.0)


def student_frames(events: list[dict], sid: int) -> list[dict]:
    return [e for e in events if e["type"] in ("student_joined", "attendance_update")
            and e["data"].get("student_id") == sid]


def flood(d: District, code: str, start_ms: int, requests: int = 4, per_request: int = 500) -> list[dict]:
    """One student's ops, client_time stepping back 1 ms each, across several requests."""
    k = students_of(CLASS)[0]
    results = []
    at = start_ms + 20 * MIN
    with d.student(k) as s:
        for r in range(requests):
            ops = []
            for i in range(per_request):
                ops.append(code_op(f"flood-{r}-{i}", code, at))
                at -= 1
            results += sync(s, ops)[0]
    return results


def test_one_student_cannot_flood_through_sync(server):
    srv = start_demo(server, *SKEW, *RING)
    d = District(srv)
    k = students_of(CLASS)[0]
    me = student_id(k)
    with d.teacher_for(CLASS) as t:
        r = t.open_session(CLASS)
        assert r.status == 201, r
        session = r.json
        tws = LiveSocket(d.port, CLASS, d.token(teacher_of(CLASS)))
        tws.barrier()
        since, epoch = tws.last_seq, tws.epoch

        results = flood(d, session["verification_code"], ms(session["starts_at"]))
        outcomes = [x["outcome"] for x in results]
        assert outcomes[:3] == ["applied"] * 3, results[:4]
        assert outcomes[3:] == ["rejected"] * (len(results) - 3), [x for x in results[3:] if x["outcome"] != "rejected"]
        assert {x["error"]["code"] for x in results[3:]} == {"too_many_changes"}, results[3]
        # What the third change left stands: the earliest of the three applied.
        rec = results[2]["record"]
        assert ms(rec["check_in_time"]) == ms(session["starts_at"]) + 20 * MIN - 2, rec
        assert rec["offline"] is True and rec["synced_at"] == rec["timestamp"], rec
        assert rejections(srv, "too_many_changes") == len(results) - 3

        # The teacher got a bounded number of frames about that student.
        got = tws.barrier()
        assert len(student_frames(got, me)) <= 3, [e["type"] for e in got]
        assert len(got) <= 6, [e["type"] for e in got]  # each change: its record, then the counts
        # The audit trail is bounded the same way, and marks what came from sync.
        r = t.get(f"sessions/{session['id']}/audit")
        assert r.status == 200, r
        mine = [e for e in r.json["entries"] if e["student_id"] == me]
        assert 1 <= len(mine) <= 3, mine
        assert all(e.get("offline") is True for e in mine), mine

        # A later op (one that changes nothing) is superseded, not counted as a change.
        results2, _ = sync(d.student(k), [code_op("later", session["verification_code"],
                                                  ms(session["starts_at"]) + 30 * MIN)])
        assert [x["outcome"] for x in results2] == ["superseded"], results2
        # Resuming from before the flood still works: the ring was not overrun.
        rws = LiveSocket(d.port, CLASS, d.token(teacher_of(CLASS)), since=since, epoch=epoch)
        assert rws.hello["data"]["recovered"] is True, rws.hello
        replayed = rws.barrier()
        assert [e["seq"] for e in replayed] == [e["seq"] for e in got], (replayed, got)
        rws.close()
        tws.close()


def test_op_older_than_sync_max_offline_is_rejected(server):
    srv = start_demo(server, "--sync-max-offline-s", "60")
    d = District(srv)
    k = students_of(CLASS)[1]
    with d.teacher_for(CLASS) as t:
        session = t.open_session(CLASS).json
        code, start_ms = session["verification_code"], ms(session["starts_at"])
        with d.student(k) as s:
            # Inside the session and recent: applied. 61 s before the server's clock: too old.
            fresh, now = sync(s, [code_op("fresh", code, start_ms)])
            assert fresh[0]["outcome"] == "applied", fresh
            old, _ = sync(s, [code_op("old", code, now - 61 * SEC)])
        assert [x["outcome"] for x in old] == ["rejected"], old
        assert old[0]["error"]["code"] == "offline_too_old", old
        # A teacher's override op is bounded alike.
        ov = {"op_id": "ov-old", "kind": "override", "class_session_id": session["id"], "student_id": student_id(k),
              "status": "excused", "reason": None, "client_time": iso(now - 3600 * SEC)}
        res, _ = sync(t, [ov])
        assert res[0]["outcome"] == "rejected" and res[0]["error"]["code"] == "offline_too_old", res
        assert rejections(srv, "offline_too_old") == 2
        # The record is as the fresh op left it.
        rec = {r["student_id"]: r for r in t.attendance(session["id"]).json["records"]}[student_id(k)]
        assert rec["attendance_status"] == "present" and rec["offline"] is True, rec


def screenshot_check_in(d: District, t, k: int) -> tuple[dict, dict, dict]:
    """A QR token fetched (the screenshot), the session closed, then the token synced
    with a client_time inside its window: (session after close, sync result, live record)."""
    session = t.open_session(CLASS).json
    qr = t.get(f"sessions/{session['id']}/qr").json
    other = students_of(CLASS)[3]
    with d.student(other) as s:  # a live check-in, for comparison
        live = s.check_in_qr(qr["token"])
        assert live.status == 201, live
    closed = t.close_session(session["id"]).json["session"]
    with d.student(k) as s:
        r = s.check_in_qr(qr["token"])  # over REST the session is closed
        assert r.status == 410 and r.json["error"]["code"] == "session_closed", r
        op = {"op_id": "shot", "kind": "check_in", "method": "qr_code", "class_id": CLASS, "qr_token": qr["token"],
              "client_time": closed["closed_at"]}
        [res], server_time = sync(s, [op])
    assert res["outcome"] == "applied", res
    return closed, res, live.json


def test_screenshot_qr_is_marked_offline_for_the_teacher(server):
    srv = start_demo(server)
    d = District(srv)
    k = students_of(CLASS)[2]
    with d.teacher_for(CLASS) as t:
        tws = LiveSocket(d.port, CLASS, d.token(teacher_of(CLASS)))
        tws.barrier()
        closed, res, live = screenshot_check_in(d, t, k)
        rec = res["record"]
        assert rec["offline"] is True, rec
        assert rec["synced_at"] == rec["timestamp"] and ms(rec["synced_at"]) >= ms(closed["closed_at"]), rec
        assert live["offline"] is False and live["synced_at"] is None, live
        # Over REST...
        records = {r["student_id"]: r for r in t.attendance(closed["id"]).json["records"]}
        assert records[student_id(k)] == rec, (records[student_id(k)], rec)
        # ... and over the WebSocket, as it happened.
        frames = student_frames(tws.barrier(), student_id(k))
        assert [e["type"] for e in frames] == ["student_joined"], frames
        assert frames[0]["data"] == {**rec, "change": "created"}, frames
        # The audit entry says it came from sync; the live one does not.
        entries = t.get(f"sessions/{closed['id']}/audit").json["entries"]
        assert [e.get("offline") for e in entries if e["student_id"] == student_id(k)] == [None, True], entries
        assert {e.get("offline") for e in entries if e["student_id"] != student_id(k)} == {None}, entries
        tws.close()


def test_offline_marking_and_change_count_survive_restart(server):
    srv = start_demo(server, *SKEW)
    d = District(srv)
    k = students_of(CLASS)[0]
    with d.teacher_for(CLASS) as t:
        session = t.open_session(CLASS).json
        code, start_ms = session["verification_code"], ms(session["starts_at"])
        with d.student(k) as s:
            first, _ = sync(s, [code_op(f"a{i}", code, start_ms + 10 * MIN - i) for i in range(2)])
        assert [x["outcome"] for x in first] == ["applied"] * 2, first
        before = t.attendance(session["id"]).json
        audit = t.get(f"sessions/{session['id']}/audit").json
    tokens = {u: d.token(u) for u in (teacher_of(CLASS), student_user(k))}
    for how in ("kill", "snapshot"):
        if how == "kill":
            srv.kill()
        else:
            assert srv.stop() == 0
        # After kill -9 the ops replay from the log; after SIGTERM they come from the
        # snapshot the previous start wrote (every start writes its generation's).
        srv = start(server, srv.data_dir, *SKEW)
        d.server, d.port = srv, srv.port
        with d.client(teacher_of(CLASS)) as t:
            assert t.attendance(session["id"]).json == before
            assert t.get(f"sessions/{session['id']}/audit").json == audit
        assert d.token(student_user(k)) == tokens[student_user(k)]
    # Two changes were made before the restarts: one more applies, then the bound holds.
    with d.student(k) as s:
        again, _ = sync(s, [code_op(f"b{i}", code, start_ms + 9 * MIN - i) for i in range(3)] +
                        [code_op("a0", code, start_ms + 10 * MIN)])
    assert [x["outcome"] for x in again] == ["applied", "rejected", "rejected", "duplicate"], again
    assert again[1]["error"]["code"] == "too_many_changes", again
