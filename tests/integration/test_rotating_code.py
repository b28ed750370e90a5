"""A session's rotating 6-digit code (API.md §4 `"rotating_code": true`, issue 23
problem 1: a code texted to a friend at home stops working within two windows).

With `--qr-rotation-s 1` the windows are a second long, so the tests wait on the
server's clock (never more than about 3 s) instead of faking it.
"""
from __future__ import annotations

import datetime
import time

from api_client import Api, District, assert_error, assert_json, assert_session, start_demo, student_id
from crash_harness import DEMO_12x30, Tokens, client, start


def parse_time(s: str) -> float:
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def iso(t: float) -> str:
    ms = int(t * 1000)
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{ms % 1000:03d}Z"


def wait_until(t: float) -> None:
    while time.time() < t:
        time.sleep(max(0.0, t - time.time()))


def open_rotating(t: Api, class_id: int) -> dict:
    sess = assert_json(t.post(f"classes/{class_id}/sessions", {"rotating_code": True}), 201)
    assert_session(sess, with_code=True)  # the Session shape does not change
    return sess


def current_code(t: Api, sid: int) -> dict:
    qr = assert_json(t.get(f"sessions/{sid}/qr"), 200)
    assert set(qr) == {"token", "expires_at", "rotates_at", "check_in_url", "verification_code",
                       "code_expires_at"}, qr
    assert len(qr["verification_code"]) == 6 and qr["verification_code"].isdigit(), qr
    return qr


def test_a_rotating_code_works_for_its_window_and_the_next_then_not(server):
    d = District(start_demo(server, "--qr-rotation-s", "1"))
    with d.client("teacher1") as t:
        sess = open_rotating(t, 1)
        sid = sess["id"]
        qr = current_code(t, sid)
        # Session.verification_code is the current code (or, across a boundary, the previous one).
        assert sess["verification_code"] == qr["verification_code"] or \
            parse_time(qr["code_expires_at"]) - time.time() < 1.5, (sess, qr)
        expires = parse_time(qr["code_expires_at"])
        assert abs(expires - parse_time(qr["expires_at"])) < 0.01, qr  # it rotates with the QR token
        code = qr["verification_code"]
        with d.student(1) as s:
            rec = assert_json(s.check_in_code(1, code), 201)
            assert rec["verification_method"] == "verification_code" and rec["student_id"] == student_id(1)
        # The next window still takes it (a student typing slowly)...
        wait_until(parse_time(qr["rotates_at"]) + 0.05)
        if time.time() < expires - 0.2:
            with d.student(2) as s:
                assert assert_json(s.check_in_code(1, code), 201)["student_id"] == student_id(2)
        # ...after that it is a wrong code (and counts as one), while the new one works.
        wait_until(expires + 0.05)
        with d.student(3) as s:
            assert_error(s.check_in_code(1, code), 422, "invalid_code")
            fresh = current_code(t, sid)["verification_code"]
            assert assert_json(s.check_in_code(1, fresh), 201)["student_id"] == student_id(3)
        # Session reads show the current code to teachers, none to students.
        now_code = assert_json(t.get("classes/1/sessions/current"), 200)["verification_code"]
        assert now_code in (current_code(t, sid)["verification_code"], fresh), now_code
        with d.student(4) as s:
            assert "verification_code" not in assert_json(s.get("classes/1/sessions/current"), 200)


def test_a_static_code_session_is_unchanged(server):
    d = District(start_demo(server, "--qr-rotation-s", "1"))
    with d.client("teacher1") as t:
        for body in (None, {"rotating_code": False}):
            cls = 2 if body is None else 3
            r = t.post(f"classes/{cls}/sessions", body) if body else t.post(f"classes/{cls}/sessions")
            sess = assert_json(r, 201)
            qr = assert_json(t.get(f"sessions/{sess['id']}/qr"), 200)
            assert "verification_code" not in qr and "code_expires_at" not in qr, qr
            wait_until(parse_time(qr["expires_at"]) + 0.05)  # two windows later the code still works
            with d.student(30 * cls) as s:
                assert assert_json(s.check_in_code(cls, sess["verification_code"]), 201)
        r = t.post("classes/1/sessions", {"rotating_code": "yes"})
        assert_error(r, 422, "invalid_field")


def test_an_offline_code_is_judged_at_its_client_time(server):
    d = District(start_demo(server, "--qr-rotation-s", "1"))
    with d.client("teacher1") as t:
        sid = open_rotating(t, 1)["id"]
        qr = current_code(t, sid)
        made_at = time.time()
        wait_until(parse_time(qr["code_expires_at"]) + 0.05)  # the code no longer works live
        def sync(k: int, at: float) -> dict:
            op = {"op_id": f"op-{k}", "kind": "check_in", "method": "verification_code", "class_id": 1,
                  "code": qr["verification_code"], "client_time": iso(at)}
            with d.student(k) as s:
                [res] = assert_json(s.post("sync", {"client_id": f"phone-{k}", "ops": [op]}), 200)["results"]
            return res

        # Typed while it was current: accepted, marked offline, at the time it was typed.
        ok = sync(5, made_at)
        assert ok["outcome"] == "applied" and ok["record"]["offline"] is True, ok
        assert abs(parse_time(ok["record"]["check_in_time"]) - made_at) < 0.01, ok
        # The same code claimed as typed now: refused.
        late = sync(6, time.time())
        assert late["outcome"] == "rejected" and late["error"]["code"] == "invalid_code", late


def test_a_rotating_session_keeps_its_codes_across_a_restart(server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *DEMO_12x30, "--qr-rotation-s", "3600")
    tokens = Tokens(data_dir)
    with client(srv, tokens, "teacher1") as t:
        sid = open_rotating(t, 1)["id"]
        before = current_code(t, sid)
    assert srv.stop() == 0
    srv = start(server, data_dir, "--qr-rotation-s", "3600")
    with client(srv, tokens, "teacher1") as t:
        after = current_code(t, sid)
    # Hour-long windows: the same code unless the restart crossed an hour, when the
    # code from before is still accepted (its own window and the next).
    assert after["verification_code"] == before["verification_code"] or \
        after["code_expires_at"] != before["code_expires_at"], (before, after)
    with client(srv, tokens, "student001") as s:
        assert assert_json(s.check_in_code(1, before["verification_code"]), 201)
    assert srv.stop() == 0
