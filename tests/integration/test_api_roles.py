"""Privacy and permissions (API.md §1, §3–4): who may see and do what.

One server for the module. Class 1 (teacher1, students 001–030) carries the data a
student must not see; class 4 (teacher2) is another teacher's class; class 7
(teacher3) is the admin's; classes 10 and 11 (teacher4) take the input checks.
"""
from __future__ import annotations

import json
import re

import pytest

from api_client import (API, Api, District, assert_counts, assert_error, assert_json, assert_record,
                        assert_session, open_session, session_id, start_demo, student_id, students_of, walk)


@pytest.fixture(scope="module")
def district(module_server_factory):
    d = District(start_demo(module_server_factory))
    d.tokens(["admin", "teacher1", "teacher2", "teacher3", "teacher4"] + [f"student{k:03d}" for k in range(1, 31)]
             + ["student031", "student091", "student181", "student271", "student272", "student301"])
    return d


@pytest.fixture(scope="module")
def class1(district):
    """Class 1 with an open session in which several students have records of every kind."""
    t = district.client("teacher1")
    names = {s["id"]: s["name"] for s in assert_json(t.get("classes/1"), 200)["students"]}
    sess = open_session(t, 1)
    code = sess["verification_code"]
    for k in (2, 3, 4):
        with district.student(k) as s:
            assert_json(s.check_in_code(1, code), 201)
    assert_json(t.override(sess["id"], student_id(5), "excused", "dentist"), 200)
    assert_json(t.override(sess["id"], student_id(3), "late", "came back late"), 200)
    assert_json(t.post(f"sessions/{sess['id']}/attendance/bulk",
                       {"updates": [{"student_id": student_id(6), "status": "absent", "reason": "sick"}]}), 200)
    t.close()
    return {"session": sess, "code": code, "names": names}


def student_gets(sid: int) -> list[str]:
    """Every GET a student can make about their class."""
    return ["classes", "classes/1", "classes/1/sessions/current", f"sessions/{sid}/attendance"]


def assert_private(r, me: int, names: dict[int, str], code: str) -> None:
    """No other student's id or name, no verification code, anywhere in the answer."""
    body = r.json
    for path, key, value in walk(body):
        assert key != "verification_code", (path, body)
        if isinstance(key, str) and (key == "id" or key.endswith("_id")) and isinstance(value, int):
            assert value == me or value not in names, (path, key, value, body)
        if isinstance(value, str):
            assert value == names.get(me) or value not in names.values(), (path, value, body)
            assert value != code, (path, body)
    raw = r.body
    assert not re.search(rb'"verification_code"\s*:', raw), raw
    assert f'"{code}"'.encode() not in raw, raw
    for sid_, name in names.items():
        if sid_ != me:
            assert f'"{name}"'.encode() not in raw, (name, raw)


def test_student_sees_only_themselves(district, class1):
    sid = class1["session"]["id"]
    names, code = class1["names"], class1["code"]
    for k in (1, 2, 3, 5, 6):  # unmarked, checked in, overridden late, excused, bulk absent
        me = student_id(k)
        with district.student(k) as s:
            for path in student_gets(sid):
                r = s.get(path)
                assert r.status == 200, (path, r)
                assert_private(r, me, names, code)
            own = assert_json(s.attendance(sid), 200)
            assert [rec["student_id"] for rec in own["records"]] == [me]
            assert_record(own["records"][0])
            assert own["records"][0]["student_name"] == names[me]
            assert_session(own["session"], with_code=False)
            assert_session(assert_json(s.get("classes/1/sessions/current"), 200), with_code=False)
            # A check-in answer is about the caller only.
            r = s.check_in_code(1, code)
            assert r.status in (200, 201), r
            assert_private(r, me, names, code)
            assert r.json["student_id"] == me


def test_student_error_answers_leak_nothing(district, class1):
    sid = class1["session"]["id"]
    names, code = class1["names"], class1["code"]
    me = student_id(7)
    with district.student(7) as s:
        for r in (s.get(f"sessions/{sid}/audit"), s.get(f"sessions/{sid}/qr"),
                  s.put(f"sessions/{sid}/attendance/{student_id(2)}", {"status": "absent"}),
                  s.check_in_code(1, "000000" if code != "000000" else "111111")):
            assert 400 <= r.status < 500, r
            assert_private(r, me, names, code)


def test_student_cannot_act_as_teacher(district, class1):
    sid = class1["session"]["id"]
    with district.student(8) as s:
        calls = [
            ("POST", "classes/1/sessions", {}),
            ("POST", f"sessions/{sid}/close", None),
            ("PUT", f"sessions/{sid}/attendance/{student_id(8)}", {"status": "present", "reason": None}),
            ("PUT", f"sessions/{sid}/attendance/{student_id(9)}", {"status": "absent", "reason": None}),
            ("POST", f"sessions/{sid}/attendance/bulk", {"mark_remaining": "absent"}),
            ("GET", f"sessions/{sid}/audit", None),
            ("GET", f"sessions/{sid}/qr", None),
            ("GET", f"sessions/{sid}/qr.svg", None),
            ("GET", "classes/1/attendance.csv", None),
        ]
        for method, path, body in calls:
            r = s.request(method, path, body) if body is not None else s.request(method, path)
            assert_error(r, 403, "forbidden")
    # Nothing changed.
    with district.client("teacher1") as t:
        att = assert_json(t.attendance(sid), 200)
        assert att["session"]["status"] == "open"
        recs = {r["student_id"]: r for r in att["records"]}
        assert recs[student_id(8)]["attendance_status"] == "unmarked"
        assert recs[student_id(9)]["attendance_status"] == "unmarked"
        assert att["counts"]["unmarked"] > 20


def test_student_of_class_1_cannot_read_class_2(district):
    with district.client("teacher1") as t:
        sess = open_session(t, 2)
    try:
        with district.student(10) as s:
            assert_error(s.get("classes/2"), 403, "forbidden")
            assert_error(s.get("classes/2/sessions/current"), 403, "forbidden")
            assert_error(s.attendance(sess["id"]), 403, "forbidden")
            assert_error(s.check_in_code(2, sess["verification_code"]), 403, "not_enrolled")
            assert_error(s.get("classes/2/attendance.csv"), 403, "forbidden")
    finally:
        with district.client("teacher1") as t:
            assert_json(t.close_session(sess["id"]), 200)


def test_other_teacher_is_forbidden(district, class1):
    sid = class1["session"]["id"]
    with district.client("teacher1") as t:
        before = assert_json(t.attendance(sid), 200)
        audit_before = assert_json(t.get(f"sessions/{sid}/audit"), 200)
    with district.client("teacher2") as t2:
        calls = [
            ("GET", "classes/1", None),
            ("POST", "classes/1/sessions", {"late_after_minutes": 3}),
            ("GET", "classes/1/sessions/current", None),
            ("GET", f"sessions/{sid}/attendance", None),
            ("PUT", f"sessions/{sid}/attendance/{student_id(11)}", {"status": "absent", "reason": "x"}),
            ("POST", f"sessions/{sid}/attendance/bulk", {"mark_remaining": "absent"}),
            ("POST", f"sessions/{sid}/close", None),
            ("GET", f"sessions/{sid}/audit", None),
            ("GET", "classes/1/attendance.csv", None),
            ("GET", f"sessions/{sid}/qr", None),
            ("GET", f"sessions/{sid}/qr.svg", None),
        ]
        for method, path, body in calls:
            r = t2.request(method, path, body) if body is not None else t2.request(method, path)
            assert_error(r, 403, "forbidden")
            assert class1["code"].encode() not in r.body
        assert [c["id"] for c in assert_json(t2.get("classes"), 200)["classes"]] == [4, 5, 6]
    with district.client("teacher1") as t:
        assert assert_json(t.attendance(sid), 200) == before
        assert assert_json(t.get(f"sessions/{sid}/audit"), 200) == audit_before
        assert assert_json(t.get("classes/1/sessions/current"), 200)["id"] == sid


def test_admin_can_do_everything_on_any_class(district):
    with district.client("admin") as a, district.student(181) as s:
        detail = assert_json(a.get("classes/7"), 200)
        assert "join_code" in detail and len(detail["students"]) == 30
        sess = assert_json(a.open_session(7, 2), 201)
        assert_session(sess, with_code=True)
        sid = sess["id"]
        assert assert_json(a.get("classes/7/sessions/current"), 200) == sess
        assert_json(s.check_in_code(7, sess["verification_code"]), 201)
        ov = assert_json(a.override(sid, student_id(182), "excused", "admin says"), 200)
        assert ov["is_manual_override"] is True and ov["verification_method"] == "teacher_override"
        bulk = assert_json(a.post(f"sessions/{sid}/attendance/bulk",
                                  {"updates": [{"student_id": student_id(183), "status": "late"}]}), 200)
        assert bulk["updated"] == 1
        att = assert_json(a.attendance(sid), 200)
        assert len(att["records"]) == 30
        assert_counts(att["counts"], present=1, excused=1, late=1, unmarked=27, total=30)
        audit = assert_json(a.get(f"sessions/{sid}/audit"), 200)["entries"]
        assert [(e["actor_id"], e["student_id"]) for e in audit] == [
            (student_id(181), student_id(181)), (1, student_id(182)), (1, student_id(183))]
        qr = assert_json(a.get(f"sessions/{sid}/qr"), 200)
        assert qr["token"]
        r = a.get(f"sessions/{sid}/qr.svg")
        assert r.status == 200 and r.body.lstrip().startswith(b"<svg"), r
        closed = assert_json(a.close_session(sid), 200)
        assert closed["marked_absent"] == 27
        r = a.get("classes/7/attendance.csv")
        assert r.status == 200 and len(r.body.decode().split("\r\n")) == 32, r  # header + 30 rows + ""
        assert_error(a.check_in_code(7, sess["verification_code"]), 403, "forbidden")


def test_unknown_class_and_session(district):
    unknown_sid_known_class = session_id(1, 999)
    unknown_class_sid = session_id(99, 1)
    with district.client("admin") as a, district.client("teacher1") as t:
        for c in (a, t):
            assert_error(c.get("classes/99"), 404, "class_not_found")
            assert_error(c.open_session(99), 404, "class_not_found")
            assert_error(c.get("classes/99/sessions/current"), 404, "class_not_found")
            assert_error(c.get("classes/99/attendance.csv"), 404, "class_not_found")
        for c in (a, t):
            for sid in (unknown_sid_known_class, unknown_class_sid):
                assert_error(c.attendance(sid), 404, "session_not_found")
                assert_error(c.get(f"sessions/{sid}/audit"), 404, "session_not_found")
                assert_error(c.get(f"sessions/{sid}/qr"), 404, "session_not_found")
                assert_error(c.get(f"sessions/{sid}/qr.svg"), 404, "session_not_found")
                assert_error(c.close_session(sid), 404, "session_not_found")
                assert_error(c.override(sid, student_id(1), "absent"), 404, "session_not_found")
                assert_error(c.post(f"sessions/{sid}/attendance/bulk", {"mark_remaining": "absent"}),
                             404, "session_not_found")
        # Ids that are not positive decimal integers name nothing.
        for path in ("classes/0", "classes/abc", "classes/-1", "sessions/0/attendance", "sessions/x/audit"):
            r = a.get(path)
            assert r.status == 404, (path, r)
            assert r.json["error"]["code"] in ("not_found", "class_not_found", "session_not_found"), r


def test_override_student_not_in_class(district, class1):
    sid = class1["session"]["id"]
    with district.client("teacher1") as t:
        for other in (student_id(31), student_id(360), 2, 1, 999_999):
            assert_error(t.override(sid, other, "absent", None), 404, "student_not_found")
        att = assert_json(t.attendance(sid), 200)
        assert student_id(31) not in {r["student_id"] for r in att["records"]}


@pytest.mark.parametrize("body", [
    {"status": "unmarked"}, {"status": "bogus"}, {"status": "Present"}, {"status": None}, {"status": 1},
    {"reason": "no status"}, {"status": "absent", "reason": 42}, {"status": "absent", "reason": ["x"]},
])
def test_override_invalid_fields(district, class1, body):
    sid = class1["session"]["id"]
    with district.client("teacher1") as t:
        before = assert_json(t.attendance(sid), 200)
        r = t.put(f"sessions/{sid}/attendance/{student_id(12)}", body)
        assert_error(r, 422, "invalid_field")
        assert assert_json(t.attendance(sid), 200) == before


def test_override_body_not_json(district, class1):
    sid = class1["session"]["id"]
    with district.client("teacher1") as t:
        for raw in (b"", b"{", b"[]", b'"absent"'):
            assert_error(t.put(f"sessions/{sid}/attendance/{student_id(12)}", raw=raw), 400, "invalid_json")


@pytest.mark.parametrize("value", [-1, "ten", 99999, 1441, 2.5, None, True, "5"])
def test_open_session_invalid_late_after_minutes(district, value):
    with district.client("teacher4") as t:
        r = t.post("classes/10/sessions", {"late_after_minutes": value})
        assert_error(r, 422, "invalid_field")
        assert r.json["error"]["message"].startswith("late_after_minutes"), r.json
        assert_error(t.get("classes/10/sessions/current"), 404, "no_open_session")


def test_open_session_body_not_json(district):
    with district.client("teacher4") as t:
        for raw in (b"{", b"[5]", b"5"):
            assert_error(t.post("classes/10/sessions", raw=raw), 400, "invalid_json")
        assert_error(t.get("classes/10/sessions/current"), 404, "no_open_session")


TRICKY = 'He said "hi" \\ back\\slash\nnew line\ttab\u0001ctl Zoë 名前 \U0001F600 </script>'


def test_tricky_reason_round_trips(district):
    with district.client("teacher4") as t:
        sess = open_session(t, 11)
        sid = sess["id"]
        who = student_id(301)
        r = t.override(sid, who, "excused", TRICKY)
        rec = assert_json(r, 200)
        assert rec["override_reason"] == TRICKY
        att = assert_json(t.attendance(sid), 200)
        assert {x["student_id"]: x for x in att["records"]}[who]["override_reason"] == TRICKY
        entries = assert_json(t.get(f"sessions/{sid}/audit"), 200)["entries"]
        assert entries[-1]["reason"] == TRICKY and entries[-1]["student_id"] == who
        bulk = assert_json(t.post(f"sessions/{sid}/attendance/bulk", {
            "updates": [{"student_id": student_id(302), "status": "absent", "reason": TRICKY}]}), 200)
        assert bulk["records"][0]["override_reason"] == TRICKY
        # The student sees their own reason, exactly.
        with district.student(301) as s:
            own = assert_json(s.attendance(sid), 200)
            assert own["records"][0]["override_reason"] == TRICKY
        # Sent as raw UTF-8 rather than \u escapes, too.
        raw = json.dumps({"status": "excused", "reason": TRICKY}, ensure_ascii=False).encode("utf-8")
        rec = assert_json(t.put(f"sessions/{sid}/attendance/{student_id(303)}", raw=raw), 200)
        assert rec["override_reason"] == TRICKY
        assert_json(t.close_session(sid), 200)


def test_invalid_utf8_is_refused(district):
    with district.client("teacher4") as t:
        sess = open_session(t, 12)
        sid = sess["id"]
        who = student_id(331)
        for raw in (b'{"status": "excused", "reason": "bad \xff byte"}',
                    b'{"status": "excused", "reason": "\xc3"}',
                    b'{"status": "excused", "reason": "lone \\ud800 surrogate"}'):
            r = t.put(f"sessions/{sid}/attendance/{who}", raw=raw)
            assert r.status in (400, 422), (raw, r)
            assert r.json["error"]["code"] in ("invalid_json", "invalid_field"), r
        att = assert_json(t.attendance(sid), 200)
        assert {x["student_id"]: x for x in att["records"]}[who]["attendance_status"] == "unmarked"
        assert_json(t.close_session(sid), 200)


def test_error_bodies_are_json_everywhere(district, class1):
    """Every error of API.md §1–4 carries {"error": {"code", "message"}} and application/json."""
    sid = class1["session"]["id"]
    with district.student(13) as s, district.client("teacher2") as t2, Api(district.port) as anon:
        cases = [
            (anon.get("classes"), 401, "unauthorized"),
            (anon.post("auth/login", raw=b"{"), 400, "invalid_json"),
            (s.get("classes/2"), 403, "forbidden"),
            (t2.get("classes/1"), 403, "forbidden"),
            (s.get("classes/99"), 404, "class_not_found"),
            (t2.attendance(session_id(4, 77)), 404, "session_not_found"),
            (s.check_in_code(1, "abcdef"), 422, "invalid_code"),
            (s.post("classes/join", {"join_code": "zzz"}), 422, "invalid_join_code"),
        ]
        for r, status, code in cases:
            assert_error(r, status, code)
        # Non-API paths under /api are JSON 404s as well.
        r = s.get(f"{API}/no-such-endpoint")
        assert_error(r, 404, "not_found")
