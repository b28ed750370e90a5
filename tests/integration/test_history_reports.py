"""Session history, class reports and the district's time zone (API.md §4 "History and
reports", issue 23 problem 5): a class's past sessions with their counts, newest
first; each student's totals and attendance rate, as JSON and CSV; dates (filters
and the CSV's date column) in `--timezone`, times in UTC.
"""
from __future__ import annotations

import csv
import datetime
import io
import zoneinfo

import pytest

from crash_harness import FailedStart, start_expecting_failure
from api_client import (District, assert_error, assert_json, assert_session, open_session, start_demo,
                        student_id, students_of)

REPORT_KEYS = {"student_id", "student_name", "present", "late", "absent", "excused", "unmarked", "sessions",
               "attendance_rate"}


def local_today(zone: str) -> datetime.date:
    return datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory, "--timezone", "America/Chicago"))


def test_history_lists_sessions_newest_first_with_counts(district):
    t = district.client("teacher1")
    first = open_session(t, 1)
    ks = students_of(1)
    with district.student(ks[0]) as s:
        assert assert_json(s.check_in_code(1, first["verification_code"]), 201)
    assert assert_json(t.override(first["id"], student_id(ks[1]), "excused", "doctor"), 200)
    assert assert_json(t.close_session(first["id"]), 200)["marked_absent"] == len(ks) - 2
    second = open_session(t, 1)

    got = assert_json(t.get("classes/1/sessions"), 200)
    assert set(got) == {"sessions"}, got
    ids = [s["id"] for s in got["sessions"]]
    assert ids[:2] == [second["id"], first["id"]], ids
    newest, older = got["sessions"][0], got["sessions"][1]
    for s in (newest, older):
        counts = s.pop("counts")
        assert_session(s, with_code=True)
        assert counts["total"] == len(ks), counts
        s["counts"] = counts
    assert older["status"] == "closed" and newest["status"] == "open"
    assert older["counts"] == {"present": 1, "late": 0, "absent": len(ks) - 2, "excused": 1, "unmarked": 0,
                               "total": len(ks)}, older
    assert newest["counts"]["unmarked"] == len(ks)
    # A past session can be opened and corrected.
    fixed = assert_json(t.override(first["id"], student_id(ks[2]), "present", "was on a trip"), 200)
    assert fixed["attendance_status"] == "present" and fixed["class_session_id"] == first["id"]

    # Date filters are the district's dates (Chicago here).
    today = local_today("America/Chicago")
    day = datetime.timedelta(days=1)
    assert [s["id"] for s in assert_json(t.get(f"classes/1/sessions?from={today}&to={today}"), 200)["sessions"]][:2] \
        == [second["id"], first["id"]]
    assert assert_json(t.get(f"classes/1/sessions?to={today - day}"), 200)["sessions"] == []
    assert assert_json(t.get(f"classes/1/sessions?from={today + day}"), 200)["sessions"] == []
    for q in ("from=2026-02-30", "to=yesterday", f"from={today}&to={today - day}"):
        assert_error(t.get(f"classes/1/sessions?{q}"), 422, "invalid_field")
    with district.student(ks[0]) as s:
        assert_error(s.get("classes/1/sessions"), 403, "forbidden")
    with district.client("teacher2") as other:
        assert_error(other.get("classes/1/sessions"), 403, "forbidden")
    t.close()


def test_a_report_totals_each_student(district):
    t = district.client("teacher2")  # classes 4..6
    ks = students_of(4)
    s1 = open_session(t, 4)
    with district.student(ks[0]) as s:
        assert_json(s.check_in_code(4, s1["verification_code"]), 201)
    assert_json(t.override(s1["id"], student_id(ks[1]), "late"), 200)
    assert_json(t.override(s1["id"], student_id(ks[2]), "excused"), 200)
    assert_json(t.close_session(s1["id"]), 200)
    s2 = open_session(t, 4)
    with district.student(ks[0]) as s:
        assert_json(s.check_in_code(4, s2["verification_code"]), 201)

    rep = assert_json(t.get("classes/4/report"), 200)
    assert set(rep) == {"students"}, rep
    rows = {r["student_id"]: r for r in rep["students"]}
    assert len(rows) == len(ks)
    for r in rows.values():
        assert set(r) == REPORT_KEYS, r
        assert r["sessions"] == 2
        assert r["present"] + r["late"] + r["absent"] + r["excused"] + r["unmarked"] == 2, r
    assert (rows[student_id(ks[0])]["present"], rows[student_id(ks[0])]["attendance_rate"]) == (2, 1.0)
    assert rows[student_id(ks[1])]["late"] == 1 and rows[student_id(ks[1])]["unmarked"] == 1
    assert rows[student_id(ks[1])]["attendance_rate"] == 1.0  # late counts as attended
    assert rows[student_id(ks[2])]["excused"] == 1 and rows[student_id(ks[2])]["attendance_rate"] is None
    assert rows[student_id(ks[3])]["absent"] == 1 and rows[student_id(ks[3])]["attendance_rate"] == 0.0

    r = t.get("classes/4/report.csv")
    assert r.status == 200 and (r.content_type or "").startswith("text/csv"), r
    table = list(csv.reader(io.StringIO(r.body.decode())))
    assert table[0] == ["student_id", "student_name", "present", "late", "absent", "excused", "unmarked",
                        "sessions", "attendance_rate"]
    by_id = {int(row[0]): row for row in table[1:]}
    assert len(by_id) == len(ks)
    assert by_id[student_id(ks[0])][2:] == ["2", "0", "0", "0", "0", "2", "1.0000"]
    assert by_id[student_id(ks[2])][2:] == ["0", "0", "0", "1", "1", "2", ""]
    # A range with no session: every student counted over none.
    today = local_today("America/Chicago")
    empty = assert_json(t.get(f"classes/4/report?to={today - datetime.timedelta(days=1)}"), 200)
    assert all(r["sessions"] == 0 and r["attendance_rate"] is None for r in empty["students"])
    with district.student(ks[0]) as s:
        assert_error(s.get("classes/4/report"), 403, "forbidden")
        assert_error(s.get("classes/4/report.csv"), 403, "forbidden")
    t.close()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_csv_dates_are_the_districts(server, zone):
    """UTC+14 and UTC-11: at any hour one of them is on another date than UTC, so
    between the two runs a UTC date would be caught."""
    d = District(start_demo(server, "--timezone", zone))
    with d.client("teacher1") as t:
        sess = open_session(t, 1)
        table = list(csv.reader(io.StringIO(t.get("classes/1/attendance.csv").body.decode())))
    assert table[1][0] == str(local_today(zone)), (zone, table[1])
    assert table[1][1] == str(sess["id"])
    today = local_today(zone)
    with d.client("teacher1") as t:
        assert [s["id"] for s in t.get(f"classes/1/sessions?from={today}&to={today}").json["sessions"]] == [sess["id"]]


def test_a_bad_time_zone_is_refused_at_start(server, tmp_path):
    got = start_expecting_failure(server, tmp_path / "data", "--timezone", "Mars/Olympus")
    assert isinstance(got, FailedStart) and got.returncode != 0
    assert "unknown time zone 'Mars/Olympus'" in got.stderr, got.stderr


def test_history_answers_at_most_1000_sessions_and_says_so(server):
    """A class with more sessions than the bound: the newest 1000, and `truncated`."""
    d = District(start_demo(server))
    with d.client("teacher1") as t:
        ids = []
        for _ in range(1001):
            r = t.post("classes/3/sessions")
            assert r.status == 201, r
            ids.append(r.json["id"])
            assert t.close_session(ids[-1]).status == 200
        got = assert_json(t.get("classes/3/sessions"), 200)
        assert got.get("truncated") is True and len(got["sessions"]) == 1000, len(got["sessions"])
        assert [s["id"] for s in got["sessions"]] == ids[::-1][:1000]
        # The report counts them all (its bound is 5000 sessions).
        rep = assert_json(t.get("classes/3/report"), 200)
        assert "truncated" not in rep and all(r["sessions"] == 1001 for r in rep["students"])
