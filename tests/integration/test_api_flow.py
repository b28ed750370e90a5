"""The teacher + student flow of API.md §3–4 on the demo district.

One server for the module; each test works on its own classes so the tests stay
independent: class 1 the session lifecycle, 2 lateness, 3 bulk, 4 CSV, 5 class
join, 6 QR check-in, 7 the wrong-code limit.
"""
from __future__ import annotations

import csv
import datetime
import io
import re
import time

import pytest

from api_client import (CSV_HEADER, Api, District, assert_counts, assert_error, assert_json, assert_record,
                        assert_session, assert_time, open_session, session_id, start_demo, student_id,
                        students_of, teacher_id)


@pytest.fixture(scope="module")
def district(module_server_factory):
    d = District(start_demo(module_server_factory))
    # Mint every token the module needs at once (each is a short subprocess).
    d.tokens(["admin", "teacher1", "teacher2", "teacher3"] + [f"student{k:03d}" for k in range(1, 211)])
    return d


def parse_time(s: str) -> float:
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def roster_names(teacher: Api, class_id: int) -> dict[int, str]:
    body = assert_json(teacher.get(f"classes/{class_id}"), 200)
    return {s["id"]: s["name"] for s in body["students"]}


def wait_past(starts_at: str, margin_s: float = 0.005) -> None:
    """Waits (at most a few ms) until this machine's clock is strictly past `starts_at`."""
    t = parse_time(starts_at) + margin_s
    while time.time() < t:
        time.sleep(max(0.0, t - time.time()))


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- classes ------------------------------------------------------------------
def test_list_classes_per_role(district):
    with district.client("teacher1") as t:
        assert assert_json(t.get("classes"), 200) == {"classes": [
            {"id": c, "name": f"Class {c}", "role": "teacher"} for c in (1, 2, 3)]}
    with district.student(1) as s:
        assert assert_json(s.get("classes"), 200) == {"classes": [{"id": 1, "name": "Class 1", "role": "student"}]}
    with district.client("admin") as a:
        body = assert_json(a.get("classes"), 200)
    assert sorted(body["classes"], key=lambda c: c["id"]) == [
        {"id": c, "name": f"Class {c}", "role": "admin"} for c in range(1, 13)]


def test_class_detail_teacher_and_student_views(district):
    with district.client("teacher1") as t:
        body = assert_json(t.get("classes/1"), 200)
    assert set(body) == {"id", "name", "teachers", "student_count", "join_code", "students"}, body
    assert body["id"] == 1 and body["name"] == "Class 1"
    assert body["student_count"] == 30
    assert isinstance(body["join_code"], str) and body["join_code"]
    assert len(body["teachers"]) == 1 and set(body["teachers"][0]) == {"id", "name"}
    assert body["teachers"][0]["id"] == teacher_id(1) and body["teachers"][0]["name"]
    assert len(body["students"]) == 30
    assert all(set(s) == {"id", "name"} and isinstance(s["name"], str) and s["name"] for s in body["students"])
    assert sorted(s["id"] for s in body["students"]) == [student_id(k) for k in students_of(1)]

    with district.student(1) as s:
        sbody = assert_json(s.get("classes/1"), 200)
    assert set(sbody) == {"id", "name", "teachers", "student_count"}, sbody
    assert sbody == {k: body[k] for k in ("id", "name", "teachers", "student_count")}

    with district.client("admin") as a:
        abody = assert_json(a.get("classes/1"), 200)
    assert abody == body


# -- the session lifecycle on class 1 -------------------------------------------
def test_session_lifecycle_class_1(district):
    t = district.client("teacher1")
    names = roster_names(t, 1)
    s1, s2, s3, s6 = district.student(1), district.student(2), district.student(3), district.student(6)
    sid = session_id(1, 1)

    before = time.time()
    r = t.open_session(1)
    sess = assert_json(r, 201)
    assert_session(sess, with_code=True)
    assert sess["id"] == sid, sess  # docs/api.md: class 1's first session is 1048577
    assert sess["class_id"] == 1 and sess["class_name"] == "Class 1"
    assert sess["status"] == "open" and sess["closed_at"] is None
    assert sess["late_after_minutes"] == 5  # the default
    assert before - 5 <= parse_time(sess["starts_at"]) <= time.time() + 5
    code = sess["verification_code"]

    assert_error(t.open_session(1), 409, "session_already_open")

    # The current session: teachers see the code, students do not.
    assert assert_json(t.get("classes/1/sessions/current"), 200) == sess
    r = s2.get("classes/1/sessions/current")
    cur = assert_json(r, 200)
    assert_session(cur, with_code=False)
    assert "verification_code" not in cur
    assert {k: v for k, v in sess.items() if k != "verification_code"} == cur
    assert code.encode() not in r.body

    # Check-in with the code: 201 the first time, 200 with the same record after.
    r = s1.check_in_code(1, code)
    rec1 = assert_json(r, 201)
    assert_record(rec1)
    assert rec1["student_id"] == student_id(1) and rec1["student_name"] == names[student_id(1)]
    assert rec1["class_id"] == 1 and rec1["class_session_id"] == sid and rec1["class_name"] == "Class 1"
    assert rec1["attendance_status"] == "present" and rec1["is_late"] is False and rec1["late_minutes"] == 0
    assert rec1["verification_method"] == "verification_code"
    assert rec1["is_manual_override"] is False and rec1["override_reason"] is None
    assert rec1["check_in_time"] is not None
    assert abs(parse_time(rec1["check_in_time"]) - time.time()) < 30
    assert assert_json(s1.check_in_code(1, code), 200) == rec1
    # docs/api.md: a wrong code from a student who already has a record answers 200 with it.
    assert assert_json(s1.check_in_code(1, other_code(code)), 200) == rec1

    # The teacher's attendance: every enrolled student, with counts.
    att = assert_json(t.attendance(sid), 200)
    assert set(att) == {"session", "records", "counts"}
    assert att["session"] == sess
    assert len(att["records"]) == 30
    assert sorted(r["student_id"] for r in att["records"]) == [student_id(k) for k in students_of(1)]
    for rec in att["records"]:
        assert_record(rec)
        assert rec["student_name"] == names[rec["student_id"]]
        assert rec["class_session_id"] == sid and rec["class_id"] == 1
        if rec["student_id"] == student_id(1):
            assert rec == rec1
        else:
            assert rec["attendance_status"] == "unmarked", rec
    assert_counts(att["counts"], present=1, late=0, absent=0, excused=0, unmarked=29, total=30)

    # A student sees exactly their own record.
    for k, client in ((1, s1), (2, s2)):
        own = assert_json(client.attendance(sid), 200)
        assert set(own) == {"session", "records", "counts"}
        assert_session(own["session"], with_code=False)
        assert len(own["records"]) == 1 and own["records"][0]["student_id"] == student_id(k)
        assert own["counts"] == att["counts"]
    assert assert_json(s1.attendance(sid), 200)["records"][0] == rec1

    # Overrides are teacher decisions that later check-ins do not replace.
    r = t.override(sid, student_id(3), "excused", "doctor")
    ov3 = assert_json(r, 200)
    assert_record(ov3)
    assert ov3["student_id"] == student_id(3) and ov3["attendance_status"] == "excused"
    assert ov3["is_manual_override"] is True and ov3["verification_method"] == "teacher_override"
    assert ov3["override_reason"] == "doctor" and ov3["check_in_time"] is None
    assert assert_json(s3.check_in_code(1, code), 200) == ov3

    ov1 = assert_json(t.override(sid, student_id(1), "absent", "left early"), 200)
    assert ov1["attendance_status"] == "absent" and ov1["is_manual_override"] is True
    assert ov1["check_in_time"] == rec1["check_in_time"]  # the check-in happened; the teacher decided otherwise
    assert assert_json(s1.check_in_code(1, code), 200) == ov1

    # Bulk: all or nothing.
    snapshot = assert_json(t.attendance(sid), 200)
    bad = [
        ({"updates": [{"student_id": student_id(4), "status": "absent", "reason": None},
                      {"student_id": student_id(31), "status": "absent", "reason": None}]}, 422, "unknown_student"),
        ({"updates": [{"student_id": student_id(4), "status": "absent"},
                      {"student_id": student_id(4), "status": "late"}]}, 422, "duplicate_student"),
        ({"updates": [{"student_id": student_id(4), "status": "absent"},
                      {"student_id": student_id(5), "status": "bogus"}]}, 422, "invalid_field"),
        ({"updates": [{"student_id": student_id(4), "status": "absent"}], "mark_remaining": "bogus"},
         422, "invalid_field"),
    ]
    for body, status, err in bad:
        assert_error(t.post(f"sessions/{sid}/attendance/bulk", body), status, err)
        assert assert_json(t.attendance(sid), 200) == snapshot, body

    r = t.post(f"sessions/{sid}/attendance/bulk", {"updates": [
        {"student_id": student_id(4), "status": "late", "reason": "bus"},
        {"student_id": student_id(5), "status": "present", "reason": None}]})
    bulk = assert_json(r, 200)
    assert set(bulk) == {"updated", "records", "counts"}
    assert bulk["updated"] == 2 and len(bulk["records"]) == 2
    by_id = {rec["student_id"]: rec for rec in bulk["records"]}
    assert set(by_id) == {student_id(4), student_id(5)}
    for rec in bulk["records"]:
        assert_record(rec)
        assert rec["verification_method"] == "bulk" and rec["is_manual_override"] is True
    assert by_id[student_id(4)]["attendance_status"] == "late" and by_id[student_id(4)]["override_reason"] == "bus"
    assert by_id[student_id(5)]["attendance_status"] == "present" and by_id[student_id(5)]["override_reason"] is None
    assert_counts(bulk["counts"], present=1, late=1, absent=1, excused=1, unmarked=26, total=30)

    # Close: every unmarked student becomes absent (session_close).
    r = t.close_session(sid)
    closed = assert_json(r, 200)
    assert set(closed) == {"session", "marked_absent"}
    assert_session(closed["session"], with_code=True)
    assert closed["session"]["status"] == "closed" and closed["session"]["closed_at"] is not None
    assert closed["session"]["id"] == sid and closed["session"]["starts_at"] == sess["starts_at"]
    assert parse_time(closed["session"]["closed_at"]) >= parse_time(sess["starts_at"])
    assert closed["marked_absent"] == 26

    att = assert_json(t.attendance(sid), 200)
    assert att["session"] == closed["session"]
    decided = {student_id(k) for k in (1, 3, 4, 5)}
    for rec in att["records"]:
        if rec["student_id"] in decided:
            continue
        assert rec["attendance_status"] == "absent", rec
        assert rec["verification_method"] == "session_close", rec
        assert rec["is_manual_override"] is False and rec["check_in_time"] is None, rec
    assert {rec["student_id"]: rec for rec in att["records"]}[student_id(3)] == ov3
    assert_counts(att["counts"], present=1, late=1, absent=27, excused=1, unmarked=0, total=30)

    assert_error(t.close_session(sid), 409, "session_already_closed")
    assert_error(t.get("classes/1/sessions/current"), 404, "no_open_session")
    assert_error(s6.get("classes/1/sessions/current"), 404, "no_open_session")
    assert_error(s6.check_in_code(1, code), 404, "no_open_session")

    # The audit trail: every change, oldest first.
    audit = assert_json(t.get(f"sessions/{sid}/audit"), 200)
    assert set(audit) == {"entries"}
    entries = audit["entries"]
    for e in entries:
        assert set(e) == {"at", "actor_id", "student_id", "from", "to", "method", "reason"}, e
        assert_time(e["at"])
    ats = [parse_time(e["at"]) for e in entries]
    assert ats == sorted(ats)
    head = [(e["actor_id"], e["student_id"], e["from"], e["to"], e["method"], e["reason"]) for e in entries[:5]]
    assert head == [
        (student_id(1), student_id(1), "unmarked", "present", "verification_code", None),
        (teacher_id(1), student_id(3), "unmarked", "excused", "teacher_override", "doctor"),
        (teacher_id(1), student_id(1), "present", "absent", "teacher_override", "left early"),
        (teacher_id(1), student_id(4), "unmarked", "late", "bulk", "bus"),
        (teacher_id(1), student_id(5), "unmarked", "present", "bulk", None),
    ], entries[:5]
    tail = entries[5:]
    assert len(tail) == 26
    assert {e["student_id"] for e in tail} == {student_id(k) for k in students_of(1)} - decided
    assert all((e["actor_id"], e["from"], e["to"], e["method"], e["reason"]) ==
               (teacher_id(1), "unmarked", "absent", "session_close", None) for e in tail), tail

    # docs/api.md: overrides are allowed on closed sessions (corrections after class).
    fix = assert_json(t.override(sid, student_id(7), "excused", "note came late"), 200)
    assert fix["attendance_status"] == "excused" and fix["verification_method"] == "teacher_override"
    att = assert_json(t.attendance(sid), 200)
    assert_counts(att["counts"], present=1, late=1, absent=26, excused=2, unmarked=0, total=30)
    last = assert_json(t.get(f"sessions/{sid}/audit"), 200)["entries"][-1]
    assert (last["student_id"], last["from"], last["to"], last["method"], last["reason"]) == (
        student_id(7), "absent", "excused", "teacher_override", "note came late")
    with district.student(7) as s7:
        assert_error(s7.check_in_code(1, code), 404, "no_open_session")

    # A new session can be opened after the close; it has its own id and records.
    sess2 = open_session(t, 1)
    assert sess2["id"] == session_id(1, 2) and sess2["status"] == "open"
    att2 = assert_json(t.attendance(sess2["id"]), 200)
    assert_counts(att2["counts"], unmarked=30, total=30)
    rec = assert_json(s6.check_in_code(1, sess2["verification_code"]), 201)
    assert rec["class_session_id"] == sess2["id"]
    # The closed session is unchanged.
    assert assert_json(t.attendance(sid), 200) == att
    assert assert_json(t.close_session(sess2["id"]), 200)["marked_absent"] == 29
    for c in (t, s1, s2, s3, s6):
        c.close()


# -- lateness (class 2) -------------------------------------------------------------
def test_late_check_in(district):
    with district.client("teacher1") as t, district.student(31) as s:
        sess = open_session(t, 2, late_after_minutes=0)
        assert sess["late_after_minutes"] == 0
        wait_past(sess["starts_at"])  # strictly more than 0 minutes must have passed
        rec = assert_json(s.check_in_code(2, sess["verification_code"]), 201)
        assert_record(rec)
        assert rec["attendance_status"] == "late" and rec["is_late"] is True
        assert rec["late_minutes"] == 0  # whole minutes since starts_at
        assert rec["verification_method"] == "verification_code" and rec["is_manual_override"] is False
        att = assert_json(t.attendance(sess["id"]), 200)
        assert_counts(att["counts"], present=0, late=1, unmarked=29, total=30)
        assert assert_json(t.close_session(sess["id"]), 200)["marked_absent"] == 29


def test_open_session_late_after_minutes_bounds(district):
    with district.client("teacher1") as t:
        sess = open_session(t, 2, late_after_minutes=1440)
        assert sess["late_after_minutes"] == 1440
        assert_json(t.close_session(sess["id"]), 200)
        sess = assert_json(t.post("classes/2/sessions", {}), 201)  # empty object: the default
        assert sess["late_after_minutes"] == 5
        assert_json(t.close_session(sess["id"]), 200)
        r = t.post("classes/2/sessions", {"late_after_minutes": 1441})
        assert_error(r, 422, "invalid_field")
        assert r.json["error"]["message"].startswith("late_after_minutes")
        assert_error(t.get("classes/2/sessions/current"), 404, "no_open_session")


# -- bulk with mark_remaining (class 3) -----------------------------------------------
def test_bulk_mark_remaining(district):
    with district.client("teacher1") as t, district.student(61) as s:
        sess = open_session(t, 3)
        sid = sess["id"]
        present = assert_json(s.check_in_code(3, sess["verification_code"]), 201)
        assert_error(t.post(f"sessions/{sid}/attendance/bulk", {}), 422, "invalid_field")
        r = t.post(f"sessions/{sid}/attendance/bulk", {
            "updates": [{"student_id": student_id(62), "status": "excused", "reason": "field trip"}],
            "mark_remaining": "absent"})
        bulk = assert_json(r, 200)
        assert bulk["updated"] == 29 and len(bulk["records"]) == 29
        assert student_id(61) not in {rec["student_id"] for rec in bulk["records"]}
        for rec in bulk["records"]:
            assert_record(rec)
            assert rec["verification_method"] == "bulk" and rec["is_manual_override"] is True
            if rec["student_id"] == student_id(62):
                assert rec["attendance_status"] == "excused" and rec["override_reason"] == "field trip"
            else:
                assert rec["attendance_status"] == "absent" and rec["override_reason"] is None
        assert_counts(bulk["counts"], present=1, late=0, absent=28, excused=1, unmarked=0, total=30)
        att = assert_json(t.attendance(sid), 200)
        assert att["counts"] == bulk["counts"]
        assert {rec["student_id"]: rec for rec in att["records"]}[student_id(61)] == present
        # Nothing left unmarked: mark_remaining alone changes nothing.
        again = assert_json(t.post(f"sessions/{sid}/attendance/bulk", {"mark_remaining": "absent"}), 200)
        assert again["updated"] == 0 and again["records"] == [] and again["counts"] == bulk["counts"]
        closed = assert_json(t.close_session(sid), 200)
        assert closed["marked_absent"] == 0


# -- CSV export (class 4) ---------------------------------------------------------------
def test_csv_export(district):
    t = district.client("teacher2")
    names = roster_names(t, 4)
    sess1 = open_session(t, 4)
    with district.student(91) as s:
        assert_json(s.check_in_code(4, sess1["verification_code"]), 201)
    formula = '=SUM(A1), "quoted"'
    assert_json(t.override(sess1["id"], student_id(92), "excused", formula), 200)
    assert_json(t.override(sess1["id"], student_id(93), "excused", "line one\nline two"), 200)
    assert_json(t.close_session(sess1["id"]), 200)
    sess2 = open_session(t, 4)
    assert_json(t.close_session(sess2["id"]), 200)
    records = {}
    for sess in (sess1, sess2):
        for rec in assert_json(t.attendance(sess["id"]), 200)["records"]:
            records[(sess["id"], rec["student_id"])] = rec

    r = t.get("classes/4/attendance.csv")
    assert r.status == 200, r
    assert (r.content_type or "").split(";")[0].strip() == "text/csv", r
    assert (r.header("Content-Disposition") or "").startswith("attachment"), r
    text = r.body.decode("utf-8")
    assert text.startswith(CSV_HEADER + "\r\n"), text[:300]
    assert text.endswith("\r\n")
    assert '"\'=SUM(A1), ""quoted"""' in text  # RFC 4180 quoting, formula prefixed with '
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == CSV_HEADER.split(",")
    body = rows[1:]
    assert len(body) == 60  # one row per enrolled student per session
    day = sess1["starts_at"][:10]
    expected_keys = [(sess1["id"], student_id(k)) for k in students_of(4)] + \
                    [(sess2["id"], student_id(k)) for k in students_of(4)]
    assert [(int(row[1]), int(row[4])) for row in body] == expected_keys  # sessions oldest first, students by id
    for row in body:
        assert len(row) == 13, row
        rec = records[(int(row[1]), int(row[4]))]
        assert row[0] == day and row[2] == "4" and row[3] == "Class 4"
        assert row[5] == ""  # demo users have no sourced id
        assert row[6] == names[rec["student_id"]]
        assert row[7] == rec["attendance_status"]
        assert row[8] == (rec["check_in_time"] or "")
        assert row[9] == str(rec["late_minutes"])
        assert row[10] == (rec["verification_method"] or "")
        assert row[11] == ("true" if rec["is_manual_override"] else "false")
        if rec["override_reason"] == formula:
            assert row[12] == "'" + formula
        else:
            assert row[12] == (rec["override_reason"] or "")
    assert sum(1 for row in body if row[7] == "present") == 1

    def day_shift(n):
        return (datetime.date.fromisoformat(day) + datetime.timedelta(days=n)).isoformat()

    def rows_for(query):
        r = t.get(f"classes/4/attendance.csv?{query}")
        assert r.status == 200, (query, r)
        return r.body.decode().split("\r\n")[:-1]

    assert len(rows_for(f"from={day}&to={day}")) == 61
    assert len(rows_for(f"from={day}")) == 61
    assert len(rows_for(f"to={day}")) == 61
    assert rows_for(f"from={day_shift(1)}") == [CSV_HEADER]
    assert rows_for(f"to={day_shift(-1)}") == [CSV_HEADER]
    assert rows_for(f"from={day_shift(-30)}&to={day_shift(-1)}") == [CSV_HEADER]
    for query in ("from=2026-13-01", "from=2026-02-30", "to=20261122", "from=yesterday", "to=2026-1-01",
                  f"from={day_shift(1)}&to={day}", "from="):
        assert_error(t.get(f"classes/4/attendance.csv?{query}"), 422, "invalid_field")
    t.close()


# -- class join (class 5) --------------------------------------------------------------
def test_join_class_and_check_in_at_once(district):
    t = district.client("teacher2")
    code = assert_json(t.get("classes/5"), 200)["join_code"]
    sess = open_session(t, 5)
    joiners = [2, 3, 4, 5]  # students of class 1
    for k in joiners:
        with district.student(k) as s:
            r = s.post("classes/join", {"join_code": code})
            assert assert_json(r, 201) == {"class_id": 5, "class_name": "Class 5"}
        # Immediately, from several fresh connections (spread over the shards).
        conns = [district.student(k).connect() for _ in range(6)]
        try:
            statuses = []
            for c in conns:
                classes = assert_json(c.get("classes"), 200)["classes"]
                assert sorted(classes, key=lambda x: x["id"]) == [
                    {"id": 1, "name": "Class 1", "role": "student"}, {"id": 5, "name": "Class 5", "role": "student"}]
                assert assert_json(c.get("classes/5"), 200)["id"] == 5
                r = c.check_in_code(5, sess["verification_code"])
                statuses.append(r.status)
                rec = assert_json(r, r.status)
                assert rec["student_id"] == student_id(k) and rec["class_id"] == 5
                assert rec["attendance_status"] == "present"
            assert statuses == [201] + [200] * (len(conns) - 1)
            # Joining again: 200, same answer.
            assert assert_json(conns[-1].post("classes/join", {"join_code": code}), 200) == {
                "class_id": 5, "class_name": "Class 5"}
        finally:
            for c in conns:
                c.close()
    detail = assert_json(t.get("classes/5"), 200)
    assert detail["student_count"] == 34
    assert {student_id(k) for k in joiners} <= {s["id"] for s in detail["students"]}
    att = assert_json(t.attendance(sess["id"]), 200)
    assert len(att["records"]) == 34
    assert_counts(att["counts"], present=4, unmarked=30, total=34)
    # The class's own students are still there.
    with district.student(121) as s:
        assert_json(s.check_in_code(5, sess["verification_code"]), 201)
    assert_json(t.close_session(sess["id"]), 200)
    t.close()


def test_join_errors(district):
    with district.student(6) as s:
        assert_error(s.post("classes/join", {"join_code": "NOSUCHCODE"}), 422, "invalid_join_code")
        assert_error(s.post("classes/join", {"join_code": ""}), 422, "invalid_join_code")
        assert_error(s.post("classes/join", {}), 422, "invalid_field")
        assert_error(s.post("classes/join", {"join_code": 5}), 422, "invalid_field")
        assert_error(s.post("classes/join", raw=b"{"), 400, "invalid_json")
        assert [c["id"] for c in assert_json(s.get("classes"), 200)["classes"]] == [1]
    # Joining one's own class: already enrolled.
    with district.client("teacher1") as t:
        code1 = assert_json(t.get("classes/1"), 200)["join_code"]
    with district.student(6) as s:
        assert assert_json(s.post("classes/join", {"join_code": code1}), 200) == {"class_id": 1,
                                                                                 "class_name": "Class 1"}
        assert [c["id"] for c in assert_json(s.get("classes"), 200)["classes"]] == [1]
    with district.client("teacher2") as t:
        code = assert_json(t.get("classes/5"), 200)["join_code"]
    for user in ("teacher1", "admin"):
        with district.client(user) as c:
            assert_error(c.post("classes/join", {"join_code": code}), 403, "forbidden")


# -- QR check-in (class 6) ------------------------------------------------------------------
def test_qr_check_in(district):
    t = district.client("teacher2")
    sess = open_session(t, 6)
    sid = sess["id"]
    host = "school.example:8443"
    r = t.get(f"sessions/{sid}/qr", host=host)
    qr = assert_json(r, 200)
    assert {"token", "expires_at", "check_in_url"} <= set(qr), qr
    assert isinstance(qr["token"], str) and qr["token"]
    assert_time(qr["expires_at"])
    assert parse_time(qr["expires_at"]) > time.time() - 1
    assert qr["check_in_url"] == f"http://{host}/check-in?token={qr['token']}", qr
    assert code_not_in(qr, sess["verification_code"])

    r = t.get(f"sessions/{sid}/qr.svg")
    assert r.status == 200, r
    assert (r.content_type or "").split(";")[0].strip() == "image/svg+xml"
    assert r.body.lstrip().startswith(b"<svg"), r.body[:100]
    assert r.body.rstrip().endswith(b"</svg>")

    with district.student(151) as s:
        rec = assert_json(s.check_in_qr(qr["token"]), 201)
        assert_record(rec)
        assert rec["verification_method"] == "qr_code" and rec["attendance_status"] == "present"
        assert rec["class_session_id"] == sid and rec["student_id"] == student_id(151)
        assert assert_json(s.check_in_qr(qr["token"]), 200) == rec

    token = qr["token"]
    forged = [token[:-1] + ("A" if token[-1] != "A" else "B"), "garbage", token + "x", "a.b.c", ""]
    with district.student(152) as s:
        for f in forged:
            assert_error(s.check_in_qr(f), 422, "invalid_code")
        assert_error(s.post("attendance/check-in", {"method": "qr_code"}), 422, "invalid_field")
    # A student of another class, a teacher.
    with district.student(1) as s:
        assert_error(s.check_in_qr(token), 403, "not_enrolled")
    assert_error(t.check_in_qr(token), 403, "forbidden")

    att = assert_json(t.attendance(sid), 200)
    assert_counts(att["counts"], present=1, unmarked=29, total=30)
    assert_json(t.close_session(sid), 200)
    with district.student(152) as s:
        assert_error(s.check_in_qr(token), 410, "session_closed")
    assert_error(t.get(f"sessions/{sid}/qr"), 410, "session_closed")
    assert_error(t.get(f"sessions/{sid}/qr.svg"), 410, "session_closed")
    t.close()


def code_not_in(obj, code: str) -> bool:
    return code not in repr(obj)


# -- the wrong-code limit (class 7) -------------------------------------------------------------
def test_wrong_codes_then_too_many_attempts(district):
    t = district.client("teacher3")
    sess = open_session(t, 7)
    code = sess["verification_code"]
    wrong = other_code(code)
    with district.student(181) as s:
        for _ in range(5):
            assert_error(s.check_in_code(7, wrong), 422, "invalid_code")
        assert_error(s.check_in_code(7, code), 429, "too_many_attempts")
        assert_error(s.check_in_code(7, wrong), 429, "too_many_attempts")
    # Another student is not affected.
    with district.student(182) as s:
        assert_error(s.check_in_code(7, "12345"), 422, "invalid_code")
        assert_json(s.check_in_code(7, code), 201)
    att = assert_json(t.attendance(sess["id"]), 200)
    assert {r["student_id"]: r for r in att["records"]}[student_id(181)]["attendance_status"] == "unmarked"
    assert_json(t.close_session(sess["id"]), 200)
    # The limit is per session: the next session lets the student in.
    sess2 = open_session(t, 7)
    with district.student(181) as s:
        assert_json(s.check_in_code(7, sess2["verification_code"]), 201)
    assert_json(t.close_session(sess2["id"]), 200)
    t.close()


def test_check_in_errors(district):
    with district.client("teacher3") as t:
        sess = open_session(t, 8)
        code = sess["verification_code"]
        with district.student(211 - 30) as other:  # student181: class 7
            assert_error(other.check_in_code(8, code), 403, "not_enrolled")
        with district.client("student183") as s:
            assert_error(s.check_in_code(99, code), 404, "class_not_found")
            assert_error(s.post("attendance/check-in", {"method": "bogus"}), 422, "invalid_field")
            assert_error(s.post("attendance/check-in", {"class_id": 7, "code": code}), 422, "invalid_field")
            assert_error(s.post("attendance/check-in", {"method": "verification_code", "code": code}),
                         422, "invalid_field")
            assert_error(s.post("attendance/check-in", {"method": "verification_code", "class_id": 7}),
                         422, "invalid_field")
            assert_error(s.post("attendance/check-in", raw=b'{"method": "verification_code",'), 400, "invalid_json")
            for body in ({"method": "verification_code", "class_id": 8, "code": int(code)},
                         {"method": "verification_code", "class_id": "8", "code": code},
                         {"method": "verification_code", "class_id": 0, "code": code},
                         {"method": 1, "class_id": 8, "code": code}):
                assert_error(s.post("attendance/check-in", body), 422, "invalid_field")
            assert_error(s.check_in_code(7, code), 404, "no_open_session")  # class 7 has no open session
        assert_error(t.check_in_code(8, code), 403, "forbidden")
        att = assert_json(t.attendance(sess["id"]), 200)
        assert_counts(att["counts"], unmarked=30, total=30)
        assert_json(t.close_session(sess["id"]), 200)


def wait_until(t: float) -> None:
    while time.time() < t:
        time.sleep(max(0.0, t - time.time()))


def test_qr_token_windows_and_public_url(server):
    """A QR token is accepted in its own window and the next, then refused (422 invalid_code);
    --public-url replaces the Host in check_in_url. Waits on the clock for at most ~2 s."""
    d = District(start_demo(server, "--qr-rotation-s", "1", "--public-url", "https://rollcall.example/"))
    with d.client("teacher1") as t:
        sess = open_session(t, 1)
        qr = assert_json(t.get(f"sessions/{sess['id']}/qr", host="ignored.example"), 200)
        assert qr["check_in_url"] == f"https://rollcall.example/check-in?token={qr['token']}", qr
        rotates_at = parse_time(qr["rotates_at"])
        expires_at = parse_time(qr["expires_at"])
        assert expires_at - rotates_at == pytest.approx(1.0), qr  # rotation 1 s: one more window
        # In the next window the old token is still good...
        wait_until(rotates_at + 0.05)
        assert time.time() < expires_at - 0.2, "the machine is too slow for this test's 1 s windows"
        with d.student(1) as s:
            assert assert_json(s.check_in_qr(qr["token"]), 201)["verification_method"] == "qr_code"
        # ...and refused after it.
        wait_until(expires_at + 0.05)
        with d.student(2) as s:
            assert_error(s.check_in_qr(qr["token"]), 422, "invalid_code")
            fresh = assert_json(t.get(f"sessions/{sess['id']}/qr"), 200)
            assert fresh["token"] != qr["token"]
            assert_json(s.check_in_qr(fresh["token"]), 201)
        # A student who has checked in gets their record back even with the old token.
        with d.student(1) as s:
            assert s.check_in_qr(qr["token"]).status == 200
        att = assert_json(t.attendance(sess["id"]), 200)
        assert_counts(att["counts"], present=2, unmarked=28, total=30)
