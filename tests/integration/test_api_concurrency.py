"""Concurrent check-ins and overrides over many connections (API.md §4 under load).

Each test starts its own `--demo` server, so counts and connection gauges are its
own. Threads line up on a barrier with their connections already open, then fire.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import http_client
from api_client import (District, assert_counts, assert_json, assert_record, open_session, start_demo,
                        student_id, student_user, students_of)

BARRIER_TIMEOUT = 30


def _district(server, shards: int) -> District:
    return District(start_demo(server, shards=shards))


def _run_all(fns, workers=None):
    """Runs the callables at once on their own threads; returns their results (re-raising failures)."""
    with ThreadPoolExecutor(max_workers=workers or len(fns)) as pool:
        futures = [pool.submit(f) for f in fns]
        return [f.result(timeout=120) for f in futures]


def _shard_open(district) -> dict[int, float]:
    m = http_client.parse_metrics(http_client.get(district.port, "/metrics").body.decode())
    out = {}
    for key, value in m.items():
        if key.startswith('rollcall_shard_connections_open{shard="'):
            out[int(key.split('"')[1])] = value
    return out


def _burst_check_ins(district, class_id: int, code: str, per_student: int = 1, check_shards: int = 0):
    """Every student of the class checks in `per_student` times, each from its own connection,
    all at once. Returns {student_id: [(status, record), ...]}."""
    ks = students_of(class_id)
    district.tokens(student_user(k) for k in ks)
    clients = [(k, district.student(k).connect()) for k in ks for _ in range(per_student)]
    # Make sure every connection has been accepted (and counted) before the burst.
    for _, c in clients:
        assert c.get("classes").status == 200
    if check_shards:
        open_per_shard = _shard_open(district)
        # (The auxiliary sign-in shard may be listed too; it takes no connections.)
        data = {s: open_per_shard.get(s, 0) for s in range(check_shards)}
        # The scrape itself and at most a couple of other connections are open besides the burst's,
        # so >= 3 on each shard means the burst's connections reached every shard.
        assert all(v >= 3 for v in data.values()), open_per_shard
        assert sum(open_per_shard.values()) >= len(clients), open_per_shard
    barrier = threading.Barrier(len(clients), timeout=BARRIER_TIMEOUT)

    def fire(client):
        def go():
            barrier.wait()
            r = client.check_in_code(class_id, code)
            return r.status, (r.json if r.status in (200, 201) else r.body)
        return go

    results = _run_all([fire(c) for _, c in clients])
    for _, c in clients:
        c.close()
    out: dict[int, list] = {}
    for (k, _), res in zip(clients, results):
        out.setdefault(student_id(k), []).append(res)
    return out


@pytest.mark.parametrize("shards", [1, 2])
def test_concurrent_check_ins_one_class(server, shards):
    d = _district(server, shards)
    with d.client("teacher1") as t:
        sess = open_session(t, 1)
    results = _burst_check_ins(d, 1, sess["verification_code"], check_shards=shards if shards > 1 else 0)
    assert len(results) == 30
    for sid, answers in results.items():
        assert len(answers) == 1
        status, rec = answers[0]
        assert status == 201, (sid, answers)
        assert_record(rec)
        assert rec["student_id"] == sid and rec["attendance_status"] in ("present", "late")
    with d.client("teacher1") as t:
        att = assert_json(t.attendance(sess["id"]), 200)
        assert att["counts"]["present"] + att["counts"]["late"] == 30, att["counts"]
        assert_counts(att["counts"], unmarked=0, absent=0, excused=0, total=30)
        by_id = {r["student_id"]: r for r in att["records"]}
        for sid, answers in results.items():
            assert by_id[sid] == answers[0][1]  # no lost or rewritten update
        audit = assert_json(t.get(f"sessions/{sess['id']}/audit"), 200)["entries"]
        assert sorted(e["student_id"] for e in audit) == sorted(results)
        assert assert_json(t.close_session(sess["id"]), 200)["marked_absent"] == 0


def test_every_student_checks_in_twice_at_once(server):
    d = _district(server, 2)
    with d.client("teacher1") as t:
        sess = open_session(t, 1)
    results = _burst_check_ins(d, 1, sess["verification_code"], per_student=2)
    for sid, answers in results.items():
        statuses = sorted(s for s, _ in answers)
        assert statuses == [200, 201], (sid, answers)
        assert answers[0][1] == answers[1][1], (sid, answers)  # the same record both times
    with d.client("teacher1") as t:
        att = assert_json(t.attendance(sess["id"]), 200)
        assert att["counts"]["present"] + att["counts"]["late"] == 30, att["counts"]
        audit = assert_json(t.get(f"sessions/{sess['id']}/audit"), 200)["entries"]
        assert len(audit) == 30, audit  # one write per student


def test_overrides_race_check_ins(server):
    d = _district(server, 2)
    ks = students_of(1)
    overridden = ks[::2]  # 15 students
    d.tokens(["teacher1"] + [student_user(k) for k in ks])
    with d.client("teacher1") as t:
        sess = open_session(t, 1)
    sid = sess["id"]
    code = sess["verification_code"]
    students = [(k, d.student(k).connect()) for k in ks]
    teachers = [d.client("teacher1").connect() for _ in overridden]
    for _, c in students:
        assert c.get("classes").status == 200
    for c in teachers:
        assert c.get("classes").status == 200
    barrier = threading.Barrier(len(students) + len(teachers), timeout=BARRIER_TIMEOUT)

    def check_in(c):
        def go():
            barrier.wait()
            r = c.check_in_code(1, code)
            return r.status, r.json
        return go

    def override(c, k):
        def go():
            barrier.wait()
            r = c.override(sid, student_id(k), "excused", f"note {k}")
            return r.status, r.json
        return go

    results = _run_all([check_in(c) for _, c in students] + [override(c, k) for c, k in zip(teachers, overridden)])
    for _, c in students:
        c.close()
    for c in teachers:
        c.close()
    check_ins = dict(zip((student_id(k) for k, _ in students), results[:len(students)]))
    overrides = dict(zip((student_id(k) for k in overridden), results[len(students):]))
    for sid_, (status, rec) in overrides.items():
        assert status == 200, rec
        assert rec["attendance_status"] == "excused" and rec["is_manual_override"] is True
    for stud, (status, rec) in check_ins.items():
        assert status in (200, 201), rec
        if stud in overrides:
            # Either the check-in came first (201 present), or it met the override (200 with it).
            if status == 200:
                assert rec["attendance_status"] == "excused" and rec["is_manual_override"] is True, rec
        else:
            assert status == 201 and rec["attendance_status"] in ("present", "late"), rec
    with d.client("teacher1") as t:
        att = assert_json(t.attendance(sid), 200)
    by_id = {r["student_id"]: r for r in att["records"]}
    for k in ks:
        rec = by_id[student_id(k)]
        if k in overridden:
            assert rec["attendance_status"] == "excused", rec
            assert rec["is_manual_override"] is True and rec["override_reason"] == f"note {k}", rec
            assert rec["verification_method"] == "teacher_override", rec
        else:
            assert rec["attendance_status"] in ("present", "late") and rec["is_manual_override"] is False, rec
    assert_counts(att["counts"], excused=15, unmarked=0, absent=0, total=30)
    # And a check-in after all of it still answers with the override.
    with d.student(overridden[0]) as s:
        r = s.check_in_code(1, code)
        assert r.status == 200 and r.json == by_id[student_id(overridden[0])], r


def test_all_classes_at_once(server):
    d = _district(server, 2)
    teachers = {c: f"teacher{(c + 2) // 3}" for c in range(1, 13)}
    d.tokens(set(teachers.values()) | {student_user(k) for k in range(1, 361)})
    sessions = {}
    for c, tuser in teachers.items():
        with d.client(tuser) as t:
            sessions[c] = open_session(t, c)

    clients = [(k, (k + 29) // 30, d.student(k)) for k in range(1, 361)]

    def check_in(k, c, client):
        def go():
            with client:
                r = client.check_in_code(c, sessions[c]["verification_code"])
                return k, r.status, r.json
        return go

    results = _run_all([check_in(*x) for x in clients], workers=64)
    for k, status, rec in results:
        assert status == 201, (k, rec)
        assert rec["student_id"] == student_id(k) and rec["class_id"] == (k + 29) // 30, rec
        assert rec["class_session_id"] == sessions[(k + 29) // 30]["id"], rec

    def counts(c):
        def go():
            with d.client(teachers[c]) as t:
                return c, assert_json(t.attendance(sessions[c]["id"]), 200)
        return go

    for c, att in _run_all([counts(c) for c in range(1, 13)]):
        assert att["counts"]["present"] + att["counts"]["late"] == 30, (c, att["counts"])
        assert_counts(att["counts"], unmarked=0, total=30)
        assert {r["student_id"] for r in att["records"]} == {student_id(k) for k in students_of(c)}
        assert all(r["class_id"] == c and r["attendance_status"] in ("present", "late") for r in att["records"])
