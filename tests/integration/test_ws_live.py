"""The live attendance feed (API.md §5): what each subscriber of /ws/attendance/{id} gets.

One `--demo` server for the module (2 shards); each test works on its own class:
class 4 the handshake and the first frame, class 1 every event type compared with
the REST answers for the same objects, class 2 privacy (several students and
teachers on one class), class 3 resuming in memory, class 5 the messages a client
may send, class 6 the staff snapshot shared between subscribers. Servers with special flags (a ring of 8 events; --ring-bytes 4096 and an
event larger than that) are started by their tests. Resuming across restarts is
test_ws_restart.py's; many subscribers, shards and slow consumers test_ws_fanout.py's.

What the server does where API.md is silent (checked here, so a change shows):
- opening a session publishes `session_opened` only; every record change and the
  close are followed by `attendance_state_changed`;
- a repeated check-in (200) and a bulk call that changes nothing publish nothing;
- with no open session the snapshot is `{"session": null, "records": [],
  "counts": <every enrolled student unmarked>}`;
- a client text message that is not `{"type": "ping"}` (another type, not JSON,
  not an object) and binary messages are ignored; the connection stays up;
- a `since` that is not a non-negative integer answers the handshake
  `400 bad_resume`; a `since` without an epoch of this history (missing, another
  value or another form) or beyond the class's current seq resumes nothing
  (`recovered: false`, fresh snapshot).
"""
from __future__ import annotations

import json
import re
import time

import pytest

from api_client import (TIME_RE, Api, District, start_demo, student_id, student_user, students_of,
                        teacher_id, walk)
from ws_client import (OP_PING, OP_PONG, HandshakeRefused, LiveSocket, RawWs, live_path,
                       student_view)

EPOCH_RE = re.compile(r"^[0-9a-f]{8}$")
OUTSIDER = 300  # student300 (class 10) joins class 1 with its join code
OUTSIDER_PRIVACY = 299  # student299 (class 10) joins class 2


@pytest.fixture(scope="module")
def district(module_server_factory):
    d = District(start_demo(module_server_factory))
    d.tokens(["admin", "teacher1", "teacher2"] + [student_user(k) for k in range(1, 151)]
             + [student_user(OUTSIDER), student_user(OUTSIDER_PRIVACY)])
    return d


# -- helpers -------------------------------------------------------------------------
def ok(r, status: int = 200):
    assert r.status == status, r
    return r.json


def metric(server, name: str) -> float:
    return server.metrics().get(name, 0.0)


def subs(server) -> tuple[float, float]:
    m = server.metrics()
    return (m.get('rollcall_ws_subscriptions_total{recovered="true"}', 0.0),
            m.get('rollcall_ws_subscriptions_total{recovered="false"}', 0.0))


def wait_metric(server, name: str, pred, timeout: float = 10.0) -> float:
    deadline = time.monotonic() + timeout
    while True:
        v = metric(server, name)
        if pred(v):
            return v
        assert time.monotonic() < deadline, f"{name} = {v} did not reach the expected value within {timeout} s"
        time.sleep(0.01)


def check_envelope(ev: dict, class_id: int, epoch: str) -> None:
    assert isinstance(ev["type"], str), ev
    assert ev["class_id"] == class_id, ev
    assert isinstance(ev["seq"], int) and not isinstance(ev["seq"], bool) and ev["seq"] >= 0, ev
    assert ev["epoch"] == epoch and EPOCH_RE.match(epoch), ev
    assert isinstance(ev["timestamp"], str) and TIME_RE.match(ev["timestamp"]), ev
    assert isinstance(ev["data"], dict), ev


def assert_gapless(sock: LiveSocket, after: int | None = None) -> None:
    """A staff socket's events: seq after+1, after+2, ... (after: its hello's seq), one epoch."""
    start = sock.hello["seq"] if after is None else after
    assert [e["seq"] for e in sock.events] == list(range(start + 1, start + 1 + len(sock.events))), \
        [(e["seq"], e["type"]) for e in sock.events]
    for e in sock.events:
        check_envelope(e, sock.class_id, sock.epoch)


def views(events: list[dict], sid: int, after: int = -1) -> list[dict]:
    """What a student's socket must have received, given a teacher's events."""
    return [v for v in (student_view(e, sid) for e in events if e["seq"] > after) if v is not None]


def attendance(api: Api, sid: int) -> dict:
    return ok(api.attendance(sid))


def snapshot_of(att: dict) -> dict:
    """The snapshot a subscriber must get, from GET /sessions/{id}/attendance as the same user."""
    return {"session": att["session"], "records": att["records"], "counts": att["counts"]}


def code_of(teacher: Api, class_id: int) -> str:
    return ok(teacher.get(f"classes/{class_id}/sessions/current"))["verification_code"]


def names_of(teacher: Api, class_id: int) -> dict[int, str]:
    return {s["id"]: s["name"] for s in ok(teacher.get(f"classes/{class_id}"))["students"]}


# -- the handshake and the first frame -----------------------------------------------------
def test_handshake_refusals_are_json_errors_without_upgrade(district):
    port = district.port
    cases = [
        (live_path(4, None), 401, "unauthorized"),
        (live_path(4, "not-a-jwt"), 401, "unauthorized"),
        (live_path(4, district.token(student_user(1))), 403, "forbidden"),      # student of class 1
        (live_path(4, district.token("teacher1")), 403, "forbidden"),           # teaches 1..3
        (live_path(99, district.token("admin")), 404, None),
    ]
    for path, status, code in cases:
        with pytest.raises(HandshakeRefused) as exc:
            RawWs.connect(port, path).close()
        r = exc.value.response
        assert r.status == status, (path, r)
        assert (r.header("Content-Type") or "").split(";")[0] == "application/json", r
        body = json.loads(r.body)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
        if code is not None:
            assert body["error"]["code"] == code, body
        assert r.header("Sec-WebSocket-Accept") is None, r


def test_first_frame_without_an_open_session(district):
    """connection_established for a teacher, the admin and a student of class 4 (no session yet)."""
    port = district.port
    counts = {"present": 0, "late": 0, "absent": 0, "excused": 0, "unmarked": 30, "total": 30}
    who = [("teacher2", "teacher", teacher_id(2)), ("admin", "admin", 1), (student_user(91), "student", student_id(91))]
    epochs = set()
    for username, role, uid in who:
        with LiveSocket(port, 4, district.token(username)) as s:
            h = s.hello
            check_envelope(h, 4, h["epoch"])
            epochs.add(h["epoch"])
            assert h["seq"] == 0, h
            assert h["data"] == {"role": role, "user_id": uid, "recovered": False,
                                 "snapshot": {"session": None, "records": [], "counts": counts}}, h
            assert s.barrier() == []
            assert s.last_pong["seq"] == 0 and s.last_pong["class_id"] == 4
            check_envelope(s.last_pong, 4, h["epoch"])
    assert len(epochs) == 1, epochs


def test_staff_snapshots_are_shared_yet_follow_every_change(district):
    """Teachers and admins who connect while a class stands still share one snapshot
    (made once); every change makes the next subscriber's snapshot show it."""
    C = 6
    port = district.port
    T = district.client("teacher2")
    sid = ok(T.open_session(C, 5), 201)["id"]
    first = ok(T.override(sid, student_id(151), "excused", "first"))
    expected = snapshot_of(attendance(T, sid))
    assert first in expected["records"]
    hellos = []
    for username in ("teacher2", "admin", "teacher2"):
        with LiveSocket(port, C, district.token(username)) as s:
            hellos.append(s.hello)
    for h in hellos:
        assert h["data"]["snapshot"] == expected, h
    assert len({h["seq"] for h in hellos}) == 1
    assert [h["data"]["user_id"] for h in hellos] == [teacher_id(2), 1, teacher_id(2)]
    assert [h["data"]["role"] for h in hellos] == ["teacher", "admin", "teacher"]
    # A change: the next subscriber sees it, not the snapshot cached before it.
    second = ok(T.override(sid, student_id(152), "absent", "second"))
    with LiveSocket(port, C, district.token("admin")) as s:
        after = s.hello
    assert after["seq"] > hellos[0]["seq"]
    assert after["data"]["snapshot"] == snapshot_of(attendance(T, sid))
    assert second in after["data"]["snapshot"]["records"]
    assert after["data"]["snapshot"]["counts"]["absent"] == expected["counts"]["absent"] + 1


# -- every event type, compared with REST -------------------------------------------------
def test_every_event_type_carries_what_rest_answers(district):
    C = 1
    port = district.port
    T = district.client("teacher1")
    students = [1, 2, 3, 4]
    ids = {k: student_id(k) for k in students}
    tws = LiveSocket(port, C, district.token("teacher1"))
    aws = LiveSocket(port, C, district.token("admin"))
    sws = {k: LiveSocket(port, C, district.token(student_user(k))) for k in students}
    epoch = tws.epoch
    assert aws.epoch == epoch and all(s.epoch == epoch for s in sws.values())
    assert aws.hello["seq"] == tws.hello["seq"] == 0
    stu = {k: district.student(k) for k in students}

    def step(expected_types: list[str]) -> list[dict]:
        got = tws.barrier()
        assert [e["type"] for e in got] == expected_types, [(e["type"], e["data"]) for e in got]
        return got

    # session_opened: the Session the teacher got back, code included.
    sess = ok(T.open_session(C, 5), 201)
    sid = sess["id"]
    [opened] = step(["session_opened"])
    assert opened["data"] == sess and "verification_code" in opened["data"]

    # student_joined: the check-in's record plus "change": "created"; then the counts.
    rec = ok(stu[1].check_in_code(C, sess["verification_code"]), 201)
    joined, state = step(["student_joined", "attendance_state_changed"])
    assert joined["data"] == {**rec, "change": "created"}
    assert state["data"] == {"class_session_id": sid, "counts": attendance(T, sid)["counts"]}
    assert state["data"]["counts"]["present"] == 1
    # The same check-in again answers 200 and publishes nothing.
    assert ok(stu[1].check_in_code(C, sess["verification_code"]), 200) == rec
    step([])

    # attendance_update for an override: "created" for a student without a record ...
    rec2 = ok(T.override(sid, ids[2], "excused", "doctor"))
    upd, state = step(["attendance_update", "attendance_state_changed"])
    assert upd["data"] == {**rec2, "change": "created"}
    assert state["data"] == {"class_session_id": sid, "counts": attendance(T, sid)["counts"]}
    # ... "updated" for one who had one.
    rec1 = ok(T.override(sid, ids[1], "late", "bus"))
    upd, state = step(["attendance_update", "attendance_state_changed"])
    assert upd["data"] == {**rec1, "change": "updated"}
    assert state["data"] == {"class_session_id": sid, "counts": attendance(T, sid)["counts"]}

    # A bulk call: one attendance_update with every changed record, then the counts.
    bulk = ok(T.post(f"sessions/{sid}/attendance/bulk", {"updates": [
        {"student_id": ids[3], "status": "absent", "reason": None},
        {"student_id": ids[4], "status": "excused", "reason": "field trip"}]}))
    upd, state = step(["attendance_update", "attendance_state_changed"])
    assert upd["data"] == {"operation": "bulk", "records": bulk["records"], "updated": bulk["updated"]}
    assert bulk["updated"] == 2
    assert state["data"] == {"class_session_id": sid, "counts": bulk["counts"]}

    # Subscribers that connect now get the session and its records as REST shows them.
    late_t = LiveSocket(port, C, district.token("teacher1"))
    late_s = LiveSocket(port, C, district.token(student_user(2)))
    assert late_t.hello["seq"] == late_s.hello["seq"] == tws.last_seq
    assert late_t.hello["data"] == {"role": "teacher", "user_id": teacher_id(1), "recovered": False,
                                    "snapshot": snapshot_of(attendance(T, sid))}
    assert len(late_t.hello["data"]["snapshot"]["records"]) == 30
    mine = attendance(stu[2], sid)
    assert len(mine["records"]) == 1 and "verification_code" not in mine["session"]
    assert late_s.hello["data"] == {"role": "student", "user_id": ids[2], "recovered": False,
                                    "snapshot": snapshot_of(mine)}

    # student_joined_class: an outsider enrolls with the join code; teachers get id and name.
    join_code = ok(T.get(f"classes/{C}"))["join_code"]
    with district.student(OUTSIDER) as o:
        assert ok(o.post("classes/join", {"join_code": join_code}), 201) == {"class_id": C, "class_name": "Class 1"}
    out_id = student_id(OUTSIDER)
    # The join's answer need not wait for the announcement: wait for it (bounded).
    got = tws.wait_for(lambda e: e["type"] == "student_joined_class")
    assert [e["type"] for e in got] == ["student_joined_class"]
    assert got[0]["data"] == {"student_id": out_id, "student_name": names_of(T, C)[out_id]}
    step([])
    # The new member's own socket and check-in.
    with district.student(OUTSIDER) as o, LiveSocket(port, C, district.token(student_user(OUTSIDER))) as ows:
        assert ows.hello["data"]["snapshot"] == snapshot_of(attendance(o, sid))
        assert ows.hello["data"]["snapshot"]["counts"]["total"] == 31
        orec = ok(o.check_in_code(C, sess["verification_code"]), 201)
        joined, state = step(["student_joined", "attendance_state_changed"])
        assert joined["data"] == {**orec, "change": "created"}
        assert state["data"]["counts"] == attendance(T, sid)["counts"] and state["data"]["counts"]["total"] == 31
        assert ows.barrier() == views([joined, state], out_id)

    # session_closed: the closed Session as the close call returned it, then the counts.
    closed = ok(T.close_session(sid))
    assert closed["marked_absent"] == 26
    ended, state = step(["session_closed", "attendance_state_changed"])
    assert ended["data"] == closed["session"] and ended["data"]["status"] == "closed"
    assert state["data"] == {"class_session_id": sid, "counts": attendance(T, sid)["counts"]}
    assert state["data"]["counts"]["absent"] == 27

    # Every staff socket: the same events, seq without gaps, one epoch.
    assert_gapless(tws)
    aws.barrier()
    assert aws.events == tws.events
    assert_gapless(aws)
    assert late_t.barrier() == [e for e in tws.events if e["seq"] > late_t.hello["seq"]]
    # Every student: exactly its view of the teacher's events (whole JSON objects).
    for k, s in sws.items():
        s.barrier()
        assert s.events == views(tws.events, ids[k]), k
        for e in s.events:
            check_envelope(e, C, epoch)
        assert "verification_code" not in s.events[0]["data"] and s.events[0]["type"] == "session_opened"
    late_s.barrier()
    assert late_s.events == views(tws.events, ids[2], after=late_s.hello["seq"])
    # The student sockets saw gaps, and those are not losses: the last pong carries the class's seq.
    assert sws[3].last_pong["seq"] == tws.last_seq
    for s in [tws, aws, late_t, late_s, *sws.values()]:
        s.close()
    for a in [T, *stu.values()]:
        a.close()


def test_qr_check_in_and_bulk_mark_remaining_events(district):
    """The other two ways records change: a QR check-in, and bulk `mark_remaining`."""
    C = 1  # teacher1; its earlier session is closed
    port = district.port
    T = district.client("teacher1")
    tws = LiveSocket(port, C, district.token("teacher1"))
    s5 = LiveSocket(port, C, district.token(student_user(5)))
    s6 = LiveSocket(port, C, district.token(student_user(6)))
    sess = ok(T.open_session(C, 5), 201)
    qr = ok(T.get(f"sessions/{sess['id']}/qr"))
    with district.student(5) as st:
        rec = ok(st.check_in_qr(qr["token"]), 201)
    assert rec["verification_method"] == "qr_code"
    bulk = ok(T.post(f"sessions/{sess['id']}/attendance/bulk", {"mark_remaining": "absent"}))
    assert bulk["updated"] == 30  # 31 members, one checked in
    got = tws.barrier()
    assert [e["type"] for e in got] == ["session_opened", "student_joined", "attendance_state_changed",
                                        "attendance_update", "attendance_state_changed"]
    assert got[1]["data"] == {**rec, "change": "created"}
    assert got[3]["data"] == {"operation": "bulk", "records": bulk["records"], "updated": 30}
    assert got[4]["data"]["counts"] == bulk["counts"]
    # A late arrival after "mark remaining absent" (API.md §4): the code still works
    # while the session is open; the bulk's absent becomes late, seen live.
    with district.student(6) as st:
        late = ok(st.check_in_code(C, sess["verification_code"]), 201)
    assert late["attendance_status"] == "late" and late["is_late"] is True, late
    assert late["is_manual_override"] is False and late["verification_method"] == "verification_code", late
    more = tws.barrier()
    assert [e["type"] for e in more] == ["student_joined", "attendance_state_changed"], more
    assert more[0]["data"] == {**late, "change": "created"}
    counts = more[1]["data"]["counts"]
    assert (counts["late"], counts["absent"]) == (bulk["counts"]["late"] + 1, bulk["counts"]["absent"] - 1), counts
    entry = ok(T.get(f"sessions/{sess['id']}/audit"))["entries"][-1]
    assert (entry["actor_id"], entry["student_id"], entry["from"], entry["to"]) == \
        (student_id(6), student_id(6), "absent", "late"), entry
    got += more
    ok(T.close_session(sess["id"]))
    got += tws.barrier()
    assert_gapless(tws)
    for s, k in ((s5, 5), (s6, 6)):
        s.barrier()
        assert s.events == views(tws.events, student_id(k))
    # s6's share of the bulk: its own record only, "updated": 1.
    [b] = [e for e in s6.events if e["type"] == "attendance_update"]
    assert b["data"]["updated"] == 1 and [r["student_id"] for r in b["data"]["records"]] == [student_id(6)]
    assert not [e for e in s5.events if e["type"] == "attendance_update"]  # s5 was not in the bulk
    for x in (tws, s5, s6, T):
        x.close()


# -- privacy ----------------------------------------------------------------------------
def assert_private_frames(sock: LiveSocket, me: int, my_name: str, others: dict[int, str],
                          secrets: list[str]) -> None:
    """Nothing about another student and no verification code in any frame `sock` received."""
    assert sock.raw, "no frames"
    for raw in sock.raw:
        ev = json.loads(raw)
        for path, key, value in walk(ev):
            assert key != "verification_code", (path, ev)
            if key in ("student_id", "user_id"):
                assert value == me, (path, ev)
            if key == "student_name":
                assert value == my_name, (path, ev)
            if isinstance(value, str):
                assert value not in others.values(), (path, ev)
            if isinstance(value, int) and key not in ("seq", "class_id", "class_session_id", "id",
                                                      "late_minutes", "late_after_minutes") \
                    and not isinstance(value, bool) and path.split(".")[-1] != "counts":
                assert value not in others, (path, key, value, ev)
        for name in others.values():
            if name not in my_name and name not in "Class 2":
                assert name.encode() not in raw, (name, raw)
        for s in secrets:
            assert s.encode() not in raw, (s, raw)


def test_a_student_socket_never_carries_another_student(district):
    C = 2
    port = district.port
    T = district.client("teacher1")
    ks = list(students_of(C)[:6])      # 31..36 subscribe
    ids = {k: student_id(k) for k in ks}
    names = names_of(T, C)
    join_code = ok(T.get(f"classes/{C}"))["join_code"]
    tws = LiveSocket(port, C, district.token("teacher1"))
    sws = {k: LiveSocket(port, C, district.token(student_user(k))) for k in ks}
    stu = {k: district.student(k) for k in ks}

    s1 = ok(T.open_session(C, 5), 201)
    code1 = s1["verification_code"]
    ok(stu[ks[0]].check_in_code(C, code1), 201)
    ok(stu[ks[1]].check_in_code(C, code1), 201)
    qr = ok(T.get(f"sessions/{s1['id']}/qr"))
    ok(stu[ks[2]].check_in_qr(qr["token"]), 201)
    ok(T.override(s1["id"], ids[ks[3]], "excused", f"private reason of {ks[3]}"))
    ok(T.override(s1["id"], ids[ks[0]], "late", f"private reason of {ks[0]}"))
    ok(T.post(f"sessions/{s1['id']}/attendance/bulk", {"updates": [
        {"student_id": ids[ks[4]], "status": "late", "reason": f"private reason of {ks[4]}"},
        {"student_id": ids[ks[5]], "status": "present", "reason": None},
        {"student_id": ids[ks[1]], "status": "excused", "reason": f"private reason of {ks[1]}"}]}))
    # Mid-session subscribers: their snapshot has their own record only.
    mid = {k: LiveSocket(port, C, district.token(student_user(k))) for k in (ks[1], ks[3])}
    with district.student(OUTSIDER_PRIVACY) as o:
        ok(o.post("classes/join", {"join_code": join_code}), 201)
    tws.wait_for(lambda e: e["type"] == "student_joined_class")
    names = names_of(T, C)
    assert student_id(OUTSIDER_PRIVACY) in names
    ok(T.post(f"sessions/{s1['id']}/attendance/bulk", {"mark_remaining": "absent"}))
    ok(T.close_session(s1["id"]))
    # A second session closed at once: every absence comes from session_close.
    s2 = ok(T.open_session(C, 5), 201)
    code2 = s2["verification_code"]
    ok(T.close_session(s2["id"]))
    tws.barrier()
    assert_gapless(tws)
    types = [e["type"] for e in tws.events]
    for t in ("session_opened", "student_joined", "attendance_update", "attendance_state_changed",
              "student_joined_class", "session_closed"):
        assert t in types, (t, types)

    secrets = [f'"{code1}"', f'"{code2}"']
    for k, s in [*sws.items(), *mid.items()]:
        s.barrier()
        me = ids[k]
        assert s.events == views(tws.events, me, after=s.hello["seq"]), k
        others = {i: n for i, n in names.items() if i != me}
        reasons = [f"private reason of {j}" for j in ks if j != k]
        assert_private_frames(s, me, names[me], others, secrets + reasons)
        assert len(s.hello["data"]["snapshot"]["records"]) <= 1
    for k, s in mid.items():
        assert [r["student_id"] for r in s.hello["data"]["snapshot"]["records"]] == [ids[k]]
    # The teacher's socket did carry all of it (so the checks above could have failed).
    traw = b"".join(tws.raw)
    assert all(n.encode() in traw for n in [names[ids[k]] for k in ks])
    assert f"private reason of {ks[3]}".encode() in traw and code1.encode() in traw
    for x in [tws, *sws.values(), *mid.values(), T, *stu.values()]:
        x.close()


# -- resume in memory -------------------------------------------------------------------------
def activity(T: Api, district, C: int, sid: int, ks: list[int], tag: str) -> None:
    code = code_of(T, C)
    for k in ks[:2]:
        with district.student(k) as s:
            ok(s.check_in_code(C, code), 201)
    ok(T.override(sid, student_id(ks[2]), "excused", tag))
    ok(T.post(f"sessions/{sid}/attendance/bulk", {"updates": [
        {"student_id": student_id(ks[3]), "status": "late", "reason": tag},
        {"student_id": student_id(ks[4]), "status": "absent", "reason": None}]}))


def test_resume_gets_exactly_the_missed_events_then_live(district, module_server_factory):
    C = 3
    port = district.port
    srv = module_server_factory.servers[0]
    T = district.client("teacher1")
    ks = students_of(C)
    me = ks[0]  # the resuming student (checks in during the first batch)
    watcher = LiveSocket(port, C, district.token("teacher1"))  # stays connected throughout
    t1 = LiveSocket(port, C, district.token("teacher1"))
    s1 = LiveSocket(port, C, district.token(student_user(me)))
    sid = ok(T.open_session(C, 5), 201)["id"]
    activity(T, district, C, sid, ks[0:5], "first")
    t1.barrier()
    s1.barrier()
    t_since, s_since = t1.last_seq, s1.last_seq
    t1.close()
    s1.close()
    # Missed while disconnected: more changes, one of them about `me`.
    activity(T, district, C, sid, ks[5:10], "second")
    ok(T.override(sid, student_id(me), "excused", "missed"))
    watcher.barrier()
    now = watcher.last_seq
    before = subs(srv)

    t2 = LiveSocket(port, C, district.token("teacher1"), since=t_since, epoch=t1.epoch)
    s2 = LiveSocket(port, C, district.token(student_user(me)), since=s_since, epoch=s1.epoch)
    for h in (t2.hello, s2.hello):
        assert h["data"]["recovered"] is True, h
        assert (h["seq"], h["epoch"]) == (now, watcher.epoch), h
    assert t2.hello["data"]["snapshot"] == snapshot_of(attendance(T, sid))
    with district.student(me) as st:
        assert s2.hello["data"]["snapshot"] == snapshot_of(attendance(st, sid))
    missed_t = t2.barrier()
    assert missed_t == [e for e in watcher.events if e["seq"] > t_since]
    assert missed_t and missed_t[0]["seq"] == t_since + 1
    missed_s = s2.barrier()
    assert missed_s == views(watcher.events, student_id(me), after=s_since)
    assert any(e["type"] == "attendance_update" and e["data"]["student_id"] == student_id(me) for e in missed_s)
    after = subs(srv)
    assert (after[0] - before[0], after[1] - before[1]) == (2, 0)

    # Then live events, nothing twice.
    ok(T.override(sid, student_id(ks[20]), "present", "live"))
    ok(T.override(sid, student_id(me), "late", "live"))
    live = watcher.barrier()
    assert len(live) == 4
    assert t2.barrier() == live
    assert s2.barrier() == views(live, student_id(me))
    assert_gapless(t2, after=t_since)
    assert [e["seq"] for e in s2.events] == sorted({e["seq"] for e in s2.events})

    # Up to date: recovered, nothing replayed.
    t3 = LiveSocket(port, C, district.token("teacher1"), since=watcher.last_seq, epoch=watcher.epoch)
    assert t3.hello["data"]["recovered"] is True and t3.barrier() == []
    # since=0 with the epoch: the whole history, still held by the ring.
    t0 = LiveSocket(port, C, district.token("teacher1"), since=0, epoch=watcher.epoch)
    assert t0.hello["data"]["recovered"] is True
    assert t0.barrier() == watcher.events  # watcher connected at seq 0
    assert watcher.hello["seq"] == 0
    for x in (watcher, t2, s2, t3, t0, T):
        x.close()


def test_resume_that_cannot_be_honoured_gets_a_fresh_snapshot(district, module_server_factory):
    C = 3
    port = district.port
    srv = module_server_factory.servers[0]
    T = district.client("teacher1")
    watcher = LiveSocket(port, C, district.token("teacher1"))
    now, epoch = watcher.hello["seq"], watcher.epoch
    assert now > 5  # the previous test's events
    sid = ok(T.get(f"classes/{C}/sessions/current"))["id"]
    wrong = f"{int(epoch, 16) ^ 1:08x}"
    k = students_of(C)[0]
    fresh_teacher = {"role": "teacher", "user_id": teacher_id(1), "recovered": False,
                     "snapshot": snapshot_of(attendance(T, sid))}
    with district.student(k) as st:
        fresh_student = {"role": "student", "user_id": student_id(k), "recovered": False,
                         "snapshot": snapshot_of(attendance(st, sid))}
    # (who, since relative to the current seq or absolute, epoch)
    cases = [("teacher1", 2, wrong), ("teacher1", "+1", epoch), ("teacher1", "+1000", epoch),
             (student_user(k), 2, wrong), (student_user(k), "+5", epoch)]
    before = subs(srv)
    for user, rel, ep in cases:
        since = now + int(rel[1:]) if isinstance(rel, str) else rel
        with LiveSocket(port, C, district.token(user), since=since, epoch=ep) as s:
            assert (s.hello["seq"], s.hello["epoch"]) == (now, epoch), (user, since, ep, s.hello)
            assert s.hello["data"] == (fresh_teacher if user == "teacher1" else fresh_student), (user, since, ep)
            assert s.barrier() == [], (user, since, ep)  # nothing replayed
            # ... and live events continue the class's seq.
            ok(T.override(sid, student_id(k), "present", f"after {since}"))
            got = s.barrier()
            assert [e["seq"] for e in got] == [now + 1, now + 2], (user, since, ep, got)
            watcher.barrier()
            if user == "teacher1":
                assert got == watcher.events[-2:]
            else:
                assert got == views(watcher.events[-2:], student_id(k))
            now += 2
            fresh_teacher["snapshot"] = snapshot_of(attendance(T, sid))
            with district.student(k) as st:
                fresh_student["snapshot"] = snapshot_of(attendance(st, sid))
    after = subs(srv)
    assert (after[0] - before[0], after[1] - before[1]) == (0, len(cases))
    watcher.close()
    T.close()


@pytest.mark.parametrize("query", ["since=abc&epoch=00000000", "since=-1&epoch=00000000"])
def test_a_malformed_resume_request_is_refused(district, query):
    path = live_path(3, district.token("teacher1")) + "&" + query
    with pytest.raises(HandshakeRefused) as exc:
        RawWs.connect(district.port, path).close()
    r = exc.value.response
    assert r.status == 400, r
    assert json.loads(r.body)["error"]["code"] == "bad_resume", r


def test_events_older_than_the_ring_are_not_resumed(server):
    srv = start_demo(server, "--ring-events", "8")
    d = District(srv)
    T = d.client("teacher1")
    C = 1
    hello = LiveSocket(srv.port, C, d.token("teacher1"))
    epoch = hello.hello["epoch"]
    hello.close()
    sess = ok(T.open_session(C, 5), 201)
    for k in range(1, 7):  # 1 + 6*2 = 13 events
        with d.student(k) as s:
            ok(s.check_in_code(C, sess["verification_code"]), 201)
    watcher = LiveSocket(srv.port, C, d.token("teacher1"))
    assert watcher.hello["seq"] == 13
    before = subs(srv)
    # Held: seq 6..13 (8 events), so since >= 5 resumes.
    with LiveSocket(srv.port, C, d.token("teacher1"), since=5, epoch=epoch) as r:
        assert r.hello["data"]["recovered"] is True, r.hello
        got = r.barrier()
        assert [e["seq"] for e in got] == list(range(6, 14))
    for since in (0, 1, 4):
        with LiveSocket(srv.port, C, d.token("teacher1"), since=since, epoch=epoch) as r:
            assert r.hello["data"]["recovered"] is False, (since, r.hello)
            assert r.hello["data"]["snapshot"] == snapshot_of(attendance(T, sess["id"]))
            assert r.hello["seq"] == 13 and r.barrier() == []
    with LiveSocket(srv.port, C, d.token(student_user(1)), since=3, epoch=epoch) as r:
        assert r.hello["data"]["recovered"] is False
        assert [x["student_id"] for x in r.hello["data"]["snapshot"]["records"]] == [student_id(1)]
        assert r.barrier() == []
    after = subs(srv)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 4)
    watcher.close()
    T.close()


def expect_pong(s: LiveSocket) -> None:
    ev = s._read_json()
    assert ev["type"] == "pong" and ev["data"] == {}, ev


# -- what a client may send --------------------------------------------------------------------
def test_client_messages(district, module_server_factory):
    C = 5
    port = district.port
    srv = module_server_factory.servers[0]
    T = district.client("teacher2")
    s = LiveSocket(port, C, district.token("teacher2"))
    ws = s.ws
    # Ignored, connection kept: another type, no type, not JSON, not an object, binary.
    for msg in ['{"type":"hello"}', '{"kind":"ping"}', 'not json', '[1,2]', '"ping"', '{"type":"PING"}',
                '{"type":1}', '', '{"type":"ping"']:
        ws.send_text(msg)
    ws.send_binary(b'{"type":"ping"}')
    # Messages are handled in order: had any of them been answered, that answer would come first.
    ws.send_frame(OP_PING, b"abc")
    f = ws.read_frame()
    assert (f.opcode, f.payload) == (OP_PONG, b"abc"), f
    assert s.barrier() == []
    # A ping with other members is still a ping.
    ws.send_text('{"type":"ping","id":7}')
    expect_pong(s)
    # 64 KiB exactly is allowed.
    pad = 65536 - len('{"type":"ping","p":""}')
    big = '{"type":"ping","p":"' + "x" * pad + '"}'
    assert len(big) == 65536
    ws.send_text(big)
    expect_pong(s)
    # ... fragmented too.
    ws.send_frame(0x1, big[:30000].encode(), fin=False)
    ws.send_frame(0x0, big[30000:].encode(), fin=True)
    expect_pong(s)
    assert s.barrier() == []
    # Events still flow after all of that.
    sess = ok(T.open_session(C, 5), 201)
    assert [e["type"] for e in s.barrier()] == ["session_opened"]
    ok(T.close_session(sess["id"]))
    assert [e["type"] for e in s.barrier()] == ["session_closed", "attendance_state_changed"]
    assert_gapless(s)
    open_before = metric(srv, "rollcall_ws_subscribers_open")
    # One byte more than 64 KiB: closed with 1009.
    ws.send_text(big[:-2] + 'x"}')
    code, _ = ws.expect_close()
    assert code == 1009
    s.ws.close()
    wait_metric(srv, "rollcall_ws_subscribers_open", lambda v: v <= open_before - 1)
    # The same limit for a fragmented message.
    with LiveSocket(port, C, district.token("teacher2")) as s2:
        half = 32768
        s2.ws.send_frame(0x1, b"x" * half, fin=False)
        s2.ws.send_frame(0x0, b"x" * (half + 1), fin=True)
        code, _ = s2.ws.expect_close()
        assert code == 1009
    # A Close from the client is answered with Close 1000 and the connection ends.
    with LiveSocket(port, C, district.token("teacher2")) as s3:
        s3.ws.send_close(1000)
        assert s3.ws.expect_close()[0] == 1000
    wait_metric(srv, "rollcall_ws_subscribers_open", lambda v: v <= open_before - 1)
    T.close()


def test_an_event_larger_than_the_ring_resynchronises_subscribers(server):
    """A bulk event bigger than --ring-bytes cannot be kept in the ring: its subscribers are closed with
    1013, a resume gets a fresh snapshot, later events flow, and the server keeps running. (This once
    freed the ring under the subscribers' feet: ASan caught the use-after-free.)"""
    srv = start_demo(server, "--ring-bytes", "4096")
    d = District(srv)
    T = d.client("teacher1")
    C = 1
    subs_ = [LiveSocket(srv.port, C, d.token(u)) for u in ("teacher1", "admin", "teacher1", student_user(7))]
    epoch = subs_[0].epoch
    sess = ok(T.open_session(C, 5), 201)
    bulk = ok(T.post(f"sessions/{sess['id']}/attendance/bulk", {"mark_remaining": "absent"}))
    assert bulk["updated"] == 30
    # The bulk event (seq 2) cannot be held, so nobody can be given it: every
    # subscriber is closed with 1013 (after session_opened, if it was not sent yet).
    for s in subs_:
        code, reason = s.ws.expect_close(allow_data=True)
        assert (code, reason) == (1013, b"too slow; resume with since")
    with LiveSocket(srv.port, C, d.token("teacher1"), since=1, epoch=epoch) as r:
        assert r.hello["data"]["recovered"] is False
        assert r.hello["data"]["snapshot"] == snapshot_of(attendance(T, sess["id"]))
        rec = ok(T.override(sess["id"], student_id(1), "present", "after"))
        got = r.barrier()
        assert [e["type"] for e in got] == ["attendance_update", "attendance_state_changed"]
        assert got[0]["data"] == {**rec, "change": "updated"}
    assert srv.alive()
    for s in subs_:
        s.close()
    T.close()
