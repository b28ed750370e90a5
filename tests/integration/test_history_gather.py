"""Reads over several classes' owners (API.md §4): the student's own history
(GET /me/attendance) and the admin's today view (GET /admin/today), on a server of
4 shards so the classes of one request live on several owners."""
from __future__ import annotations

import datetime
import zoneinfo

import pytest

from api_client import (District, assert_error, assert_json, assert_record, assert_session, open_session,
                        start_demo, student_id, students_of)

ZONE = "America/Chicago"


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory, "--timezone", ZONE, shards=4))


def test_a_student_sees_their_own_records_newest_first_across_classes(district):
    k = students_of(1)[0]  # student001, in class 1; joins class 7 by its code
    admin = district.client("admin")
    join_code = assert_json(admin.get("classes/7"), 200)["join_code"]
    with district.student(k) as s:
        assert assert_json(s.post("classes/join", {"join_code": join_code}), 201)["class_id"] == 7
    t1, t3 = district.client("teacher1"), district.client("teacher3")
    a = open_session(t1, 1)
    with district.student(k) as s:
        assert_json(s.check_in_code(1, a["verification_code"]), 201)
    assert_json(t1.close_session(a["id"]), 200)
    b = open_session(t3, 7)
    assert_json(t3.override(b["id"], student_id(k), "excused", "dentist"), 200)
    c = open_session(t1, 1)

    with district.student(k) as s:
        got = assert_json(s.get("me/attendance"), 200)
    assert set(got) == {"records"}, got
    recs = got["records"]
    for r in recs:
        assert_record(r)
        assert r["student_id"] == student_id(k), r
    assert [r["class_session_id"] for r in recs] == [c["id"], b["id"], a["id"]], recs
    assert [r["attendance_status"] for r in recs] == ["unmarked", "excused", "present"]
    assert recs[1]["override_reason"] == "dentist" and recs[1]["class_id"] == 7
    # Never another student's record; a range in the district's dates.
    today = datetime.datetime.now(zoneinfo.ZoneInfo(ZONE)).date()
    with district.student(k) as s:
        assert len(assert_json(s.get(f"me/attendance?from={today}&to={today}"), 200)["records"]) == 3
        assert assert_json(s.get(f"me/attendance?to={today - datetime.timedelta(days=1)}"), 200)["records"] == []
        assert_error(s.get("me/attendance?from=2026-13-01"), 422, "invalid_field")
    with district.student(k + 1) as other:
        mine = assert_json(other.get("me/attendance"), 200)["records"]
        assert {r["student_id"] for r in mine} == {student_id(k + 1)}
        assert [r["attendance_status"] for r in mine] == ["unmarked", "absent"], mine
    with district.client("teacher1") as t:
        assert_error(t.get("me/attendance"), 403, "forbidden")
    for x in (admin, t1, t3):
        x.close()


def test_the_admins_today_lists_every_class(district):
    t2 = district.client("teacher2")
    sess = open_session(t2, 5)
    ks = students_of(5)
    with district.student(ks[0]) as s:
        assert_json(s.check_in_code(5, sess["verification_code"]), 201)
    with district.client("admin") as a:
        got = assert_json(a.get("admin/today"), 200)
    assert set(got) == {"date", "classes"}, got
    assert got["date"] == str(datetime.datetime.now(zoneinfo.ZoneInfo(ZONE)).date())
    classes = got["classes"]
    assert [c["class_id"] for c in classes] == list(range(1, 13))
    for c in classes:
        assert set(c) == {"class_id", "class_name", "teachers", "session", "counts"}, c
        assert c["counts"]["total"] == len(students_of(c["class_id"])) + (1 if c["class_id"] == 7 else 0) \
            or c["class_id"] == 7
    five = classes[4]
    assert five["teachers"] == [{"id": 3, "name": five["teachers"][0]["name"]}]
    assert_session(five["session"], with_code=True)
    assert five["session"]["id"] == sess["id"] and five["counts"]["present"] == 1
    not_taken = [c["class_id"] for c in classes if c["session"] is None]
    assert 5 not in not_taken and 12 in not_taken
    assert classes[11]["counts"] == {"present": 0, "late": 0, "absent": 0, "excused": 0,
                                     "unmarked": len(students_of(12)), "total": len(students_of(12))}
    for who in ("teacher1", "student001"):
        with district.client(who) as c:
            assert_error(c.get("admin/today"), 403, "forbidden")
    t2.close()
