"""Offline sync: `POST /api/v1/sync` (API.md §6, docs/api.md "Offline sync").

Every test runs against real `rollcall serve --demo` processes (2 shards; most with
`--sync-clock-skew-s 3600` so that client times up to an hour after a session's
`starts_at` are allowed; times are always derived from `starts_at`, `closed_at`
or a QR token's window, never from sleeping). Covered:

- Happy paths: offline check-in by verification code (present, the late boundary,
  late with late_minutes from client_time) and by QR token (its window and the
  next, judged at client_time); teacher and admin overrides. Every answer is
  checked against what GET attendance then shows.
- Idempotency: a batch sent again answers `duplicate` with the current record and
  changes nothing (attendance, audit, live feed); a retry after the record changed
  answers the record as it is now; op_ids are per sender (another student's equal
  op_id is another op and never returns the first student's record); rejected and
  superseded ops are not remembered.
- Rejections, each with the REST-like code, one bad op never stopping the others:
  forbidden, class_not_found, not_enrolled, no_open_session, invalid_code (wrong
  code, forged / foreign / stale QR token), invalid_client_time (future beyond the
  skew, default and configured; before the start), session_closed, session_not_found,
  student_not_found, invalid_field (unknown kind/method, missing or mistyped
  fields, bad client_time, status unmarked), too_many_attempts after 5 wrong codes.
- Batch-level refusals that apply nothing: 400 invalid_json, 401, 413 too_many_ops
  (501 ops; 500 are fine), 422 duplicate_op_id / invalid_field (op_id missing,
  empty, not a string, over 64 bytes; op not an object; client_id missing, empty,
  over 128 bytes; ops missing or not an array).
- Rules: the earliest check-in wins whatever the arrival order (equal times: QR
  before code); an override beats a check-in in both orders (a later-arriving
  earlier check-in only moves the time under it); between overrides the later
  client_time wins, ties to the larger op_id, REST overrides count at server time
  with op_id ""; a check-in after the close replaces session_close's absent.
- Order independence end to end: the same random op set (check-ins from several
  phones, teacher overrides) in three different orders and batchings on three
  classes gives identical records, equal to a model of the rules.
- Live events and audit entries of applied ops equal their REST twins; duplicate,
  superseded and rejected ops publish and record nothing.
- A batch over classes on both shards is answered in the original order.
- Durability: after kill -9 (with and without a snapshot in between) the state is
  identical, the same batches answer `duplicate`, override times still break ties,
  and `rollcall wal dump` shows them as checked_in / overridden with their op_ids.

Regression tests for bugs these tests found:
- test_batch_with_nothing_to_write_on_the_owner_shard: a batch whose ops all
  answered duplicate/superseded/rejected, accepted by the owner shard of its class
  while that shard's log was idle, got no answer (503 owner_timeout after 30 s):
  the deferred answer came before the handler returned (http::Server now takes it).
- test_rest_override_against_a_later_synced_override_in_both_orders: a REST
  override always replaced a synced one, even one with a later client_time, so
  the final record depended on the arrival order.
"""
from __future__ import annotations

import datetime
import json
import random
import time

import pytest

import http_client
from api_client import (Api, District, assert_counts, assert_error, assert_json, assert_record, assert_time,
                        class_of_student,
                        open_session, session_id, start_demo, student_id, student_user, students_of, teacher_id,
                        teacher_of)
from crash_harness import (Tokens, assert_same_state, client, district_state, owner_of, start, wait_event,
                           wal_dump)
from ws_client import LiveSocket, student_view

SKEW = ("--sync-clock-skew-s", "3600")
SEC = 1000
MIN = 60 * SEC
OUTCOMES = {"applied", "duplicate", "superseded", "rejected"}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


# -- times ---------------------------------------------------------------------------
def ms(t: str) -> int:
    """RFC 3339 with ms and Z → Unix ms."""
    dt = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return (dt - _EPOCH) // datetime.timedelta(milliseconds=1)


def iso(t_ms: int) -> str:
    dt = _EPOCH + datetime.timedelta(milliseconds=t_ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"


# -- ops -------------------------------------------------------------------------------
def code_op(op_id: str, class_id: int, code: str, at: int, **extra) -> dict:
    return {"op_id": op_id, "kind": "check_in", "method": "verification_code", "class_id": class_id, "code": code,
            "client_time": iso(at), **extra}


def qr_op(op_id: str, class_id: int, token: str, at: int) -> dict:
    return {"op_id": op_id, "kind": "check_in", "method": "qr_code", "class_id": class_id, "qr_token": token,
            "client_time": iso(at)}


def ovr_op(op_id: str, sid: int, student: int, status: str, at: int, reason=None) -> dict:
    return {"op_id": op_id, "kind": "override", "class_session_id": sid, "student_id": student, "status": status,
            "reason": reason, "client_time": iso(at)}


def check_result(res: dict) -> None:
    assert res["outcome"] in OUTCOMES, res
    if res["outcome"] == "rejected":
        assert set(res) == {"op_id", "outcome", "error"}, res
        assert set(res["error"]) == {"code", "message"}, res
        assert isinstance(res["error"]["message"], str) and res["error"]["message"], res
    else:
        assert set(res) == {"op_id", "outcome", "record"}, res
        assert_record(res["record"])


def sync_raw(api, ops, client_id: str = "phone-1"):
    return api.post("sync", {"client_id": client_id, "ops": ops})


def sync(api, ops, client_id: str = "phone-1") -> list[dict]:
    """Sends one batch; checks the answer's shape; returns its results (one per op, in order)."""
    r = sync_raw(api, ops, client_id)
    assert r.status == 200, r
    assert (r.content_type or "").split(";")[0].strip() == "application/json", r
    body = r.json
    assert set(body) == {"results", "server_time"}, body
    assert_time(body["server_time"])
    results = body["results"]
    assert [x["op_id"] for x in results] == [o["op_id"] for o in ops], results
    for res in results:
        check_result(res)
    return results


def outcomes(results) -> list[str]:
    return [r["outcome"] for r in results]


def error_codes(results) -> list[str | None]:
    return [r["error"]["code"] if r["outcome"] == "rejected" else None for r in results]


def sync_one(api, op, client_id: str = "phone-1") -> dict:
    [res] = sync(api, [op], client_id)
    return res


# -- connections on a chosen shard -----------------------------------------------------
SHARDS = 2


class Pins:
    """Opens API connections that landed on a chosen shard (the kernel's SO_REUSEPORT
    choice, read back from rollcall_shard_connections_open{shard} over one probe
    connection).

    Why: a batch in which nothing needs writing, sent on a connection accepted by the
    owner shard of its class(es), is never answered (see
    test_batch_with_nothing_to_write_on_the_owner_shard). The other tests send their
    batches from the other shard so that this one bug shows in one place only."""

    def __init__(self, port: int):
        self.port = port
        self.probe: http_client.HttpConnection | None = None

    def _open_counts(self) -> dict[int, int]:
        if self.probe is None or self.probe.eof:
            if self.probe is not None:
                self.probe.close()
            self.probe = http_client.HttpConnection(self.port)
        r = self.probe.exchange("GET", "/metrics", {})
        assert r.status == 200, r
        if "close" in r.connection_tokens():
            self.probe.close()
            self.probe = None
        m = http_client.parse_metrics(r.body.decode())
        prefix = 'rollcall_shard_connections_open{shard="'
        return {int(k[len(prefix):].split('"')[0]): int(v) for k, v in m.items() if k.startswith(prefix)}

    def on(self, token: str | None, shard: int, timeout: float = 30.0) -> Api:
        """An Api (one keep-alive connection) accepted by `shard`."""
        spare: list[Api] = []
        try:
            for _ in range(64):
                before = self._open_counts()
                api = Api(self.port, token, timeout=timeout)
                r = api.get("/healthz")
                assert r.status == 200, r
                after = self._open_counts()
                if self.probe is None:
                    spare.append(api)
                    continue
                diff = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
                if diff.get(shard) == 1 and sum(abs(v) for v in diff.values()) == 1:
                    return api
                spare.append(api)  # kept open until the end, so the counts stay still
        finally:
            for a in spare:
                a.close()
        raise AssertionError(f"no connection landed on shard {shard}")

    def away(self, token: str | None, class_id: int) -> Api:
        """An Api on a shard that does not own `class_id`."""
        return self.on(token, (owner_of(class_id, SHARDS) + 1) % SHARDS)

    def close(self) -> None:
        if self.probe is not None:
            self.probe.close()
            self.probe = None


class SyncDistrict(District):
    """A demo district whose student and teacher clients sit away from their class's owner shard."""

    def __init__(self, server):
        super().__init__(server)
        self.pins = Pins(self.port)
        self.opened: list[Api] = []

    def client(self, username: str | None = None, **kw) -> Api:
        api = super().client(username, **kw)
        self.opened.append(api)
        return api

    def away(self, username: str, class_id: int) -> Api:
        api = self.pins.away(self.token(username), class_id)
        self.opened.append(api)
        return api

    def student(self, k: int, **kw) -> Api:
        return self.away(student_user(k), class_of_student(k))

    def teacher_for(self, class_id: int, **kw) -> Api:
        return self.away(teacher_of(class_id), class_id)

    def close(self) -> None:
        """Closes every client connection (else the server's SIGTERM drain lingers on them)."""
        for api in self.opened:
            api.close()
        self.pins.close()


@pytest.fixture
def make_dist(server):
    """make_dist(*flags) → a SyncDistrict on a fresh --demo server."""
    made: list[SyncDistrict] = []

    def make(*flags: str) -> SyncDistrict:
        d = SyncDistrict(start_demo(server, *flags))
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


@pytest.fixture
def dist(make_dist) -> SyncDistrict:
    """A fresh --demo server that accepts client times up to an hour ahead."""
    return make_dist(*SKEW)


class Room:
    """An open session of one demo class, with its teacher's client."""

    def __init__(self, d: District, class_id: int, late_after: int = 5):
        self.d = d
        self.class_id = class_id
        self.teacher = d.teacher_for(class_id)
        self.session = open_session(self.teacher, class_id, late_after)
        self.sid = self.session["id"]
        self.code = self.session["verification_code"]
        self.start = ms(self.session["starts_at"])
        self.ks = students_of(class_id)  # student numbers; ids are student_id(k)

    def at(self, m: float = 0, extra_ms: int = 0) -> int:
        """starts_at + m minutes (+ extra_ms), in Unix ms."""
        return self.start + int(m * MIN) + extra_ms

    def attendance(self) -> dict:
        r = self.teacher.attendance(self.sid)
        assert r.status == 200, r
        return r.json

    def records(self) -> dict[int, dict]:
        return {r["student_id"]: r for r in self.attendance()["records"]}

    def record(self, k: int) -> dict:
        return self.records()[student_id(k)]

    def audit(self) -> list[dict]:
        r = self.teacher.get(f"sessions/{self.sid}/audit")
        assert r.status == 200, r
        return r.json["entries"]

    def state(self) -> dict:
        return {"attendance": self.attendance(), "audit": self.audit()}

    def qr(self) -> dict:
        r = self.teacher.get(f"sessions/{self.sid}/qr")
        assert r.status == 200, r
        return r.json

    def close(self) -> dict:
        r = self.teacher.close_session(self.sid)
        assert r.status == 200, r
        return r.json


def unmarked_record_check(rec: dict) -> None:
    assert rec["attendance_status"] == "unmarked" and rec["verification_method"] is None, rec


def normalized(rec: dict, start: int) -> dict:
    """A record without what differs between two students/sessions given the same ops (and without
    what describes the version shown, which depends on which op came last: timestamp, offline, synced_at)."""
    out = {k: v for k, v in rec.items()
           if k not in ("timestamp", "offline", "synced_at", "class_id", "class_session_id", "class_name", "student_id",
                        "student_name")}
    if out["check_in_time"] is not None:
        out["check_in_time"] = ms(out["check_in_time"]) - start
    return out


def sync_metric(srv, outcome: str) -> float:
    return srv.metrics().get(f'rollcall_sync_ops_total{{outcome="{outcome}"}}', 0.0)


# =========================================================================================
# 1. Happy paths
# =========================================================================================
def test_check_in_by_code_counts_at_client_time(dist):
    room = Room(dist, 3, late_after=5)
    k1, k2, k3 = room.ks[:3]
    got = {}
    for k, minutes, op_id in ((k1, 1, "ci-1"), (k2, 5, "ci-2"), (k3, 6.5, "ci-3")):
        # k1's connection is accepted by the class's owner shard, the others' by the other shard.
        s = dist.pins.on(dist.token(student_user(k)), owner_of(3, SHARDS)) if k == k1 else dist.student(k)
        with s:
            r = sync_raw(s, [code_op(op_id, 3, room.code, room.at(minutes))])
            assert r.status == 200, r
            [res] = r.json["results"]
            check_result(res)
            # server_time: when the batch arrived (this machine's clock, give or take).
            assert abs(ms(r.json["server_time"]) - int(time.time() * 1000)) < 10 * SEC, r.json
            assert ms(room.session["starts_at"]) <= ms(r.json["server_time"]) < room.at(1), r.json
        assert res["outcome"] == "applied", res
        got[k] = res["record"]
    for k in (k1, k2, k3):
        rec = got[k]
        assert (rec["student_id"], rec["class_id"], rec["class_session_id"], rec["class_name"]) == \
            (student_id(k), 3, room.sid, "Class 3"), rec
        assert rec["verification_method"] == "verification_code", rec
        assert rec["is_manual_override"] is False and rec["override_reason"] is None, rec
    # 1 min: present; exactly late_after_minutes: still present; 6.5 min: late, 6 minutes.
    assert got[k1]["check_in_time"] == iso(room.at(1))
    assert (got[k1]["attendance_status"], got[k1]["is_late"], got[k1]["late_minutes"]) == ("present", False, 0)
    assert got[k2]["check_in_time"] == iso(room.at(5))
    assert (got[k2]["attendance_status"], got[k2]["is_late"], got[k2]["late_minutes"]) == ("present", False, 0)
    assert got[k3]["check_in_time"] == iso(room.at(6.5))
    assert (got[k3]["attendance_status"], got[k3]["is_late"], got[k3]["late_minutes"]) == ("late", True, 6)
    # What the server answered is what it now shows (timestamps included).
    att = room.attendance()
    records = {r["student_id"]: r for r in att["records"]}
    for k in (k1, k2, k3):
        assert records[student_id(k)] == got[k]
    assert_counts(att["counts"], present=2, late=1, unmarked=27, total=30)
    # The student sees the same record.
    with dist.student(k3) as s:
        r = s.attendance(room.sid)
        assert r.status == 200, r
        assert r.json["records"] == [got[k3]]


def test_check_in_by_qr_judged_at_client_time(dist):
    room = Room(dist, 3)
    qr = room.qr()
    rotates, expires = ms(qr["rotates_at"]), ms(qr["expires_at"])
    assert expires - rotates == 15 * SEC  # the default rotation
    # The token is accepted for its window and the next: from the next window's first
    # ms (always after starts_at: the token was issued after it) to its last.
    cases = [(room.ks[0], rotates), (room.ks[1], expires - 1)]
    for k, at in cases:
        with dist.student(k) as s:
            res = sync_one(s, qr_op(f"qr-{k}", 3, qr["token"], at))
        assert res["outcome"] == "applied", res
        rec = res["record"]
        assert rec["student_id"] == student_id(k) and rec["class_session_id"] == room.sid, rec
        assert rec["check_in_time"] == iso(at), rec
        assert rec["verification_method"] == "qr_code", rec
        assert (rec["attendance_status"], rec["is_late"], rec["late_minutes"]) == ("present", False, 0), rec
        assert rec["is_manual_override"] is False, rec
        assert room.record(k) == rec
    # One ms after the next window ended: too old at client_time.
    with dist.student(room.ks[2]) as s:
        res = sync_one(s, qr_op("qr-stale", 3, qr["token"], expires))
    assert res["outcome"] == "rejected" and res["error"]["code"] == "invalid_code", res
    unmarked_record_check(room.record(room.ks[2]))


def test_teacher_and_admin_overrides(dist):
    room = Room(dist, 3)
    a, b, c = room.ks[:3]
    with dist.student(b) as s:
        assert sync_one(s, code_op("b-ci", 3, room.code, room.at(7.5)))["record"]["late_minutes"] == 7
    res = sync(room.teacher, [
        ovr_op("t-1", room.sid, student_id(a), "excused", room.at(2), "doctor 🩺 « rendez-vous »"),
        ovr_op("t-2", room.sid, student_id(b), "late", room.at(8), None),
    ], client_id="teacher-tablet")
    assert outcomes(res) == ["applied", "applied"], res
    ra, rb = res[0]["record"], res[1]["record"]
    assert ra["student_id"] == student_id(a) and ra["class_session_id"] == room.sid
    assert (ra["attendance_status"], ra["verification_method"], ra["is_manual_override"], ra["override_reason"],
            ra["check_in_time"], ra["is_late"], ra["late_minutes"]) == \
        ("excused", "teacher_override", True, "doctor 🩺 « rendez-vous »", None, False, 0), ra
    # A late override keeps the check-in underneath; late minutes come from it.
    assert (rb["attendance_status"], rb["verification_method"], rb["is_manual_override"], rb["override_reason"],
            rb["check_in_time"], rb["is_late"], rb["late_minutes"]) == \
        ("late", "teacher_override", True, None, iso(room.at(7.5)), True, 7), rb
    records = room.records()
    assert records[student_id(a)] == ra and records[student_id(b)] == rb
    # The admin may override in every class.
    with dist.away("admin", 3) as admin:
        rc = sync_one(admin, ovr_op("adm-1", room.sid, student_id(c), "absent", room.at(1), "admin"))
    assert rc["outcome"] == "applied", rc
    assert (rc["record"]["attendance_status"], rc["record"]["verification_method"], rc["record"]["is_manual_override"],
            rc["record"]["override_reason"]) == ("absent", "teacher_override", True, "admin")
    assert room.record(c) == rc["record"]


# =========================================================================================
# 2. Idempotency
# =========================================================================================
def test_same_batch_twice_answers_duplicate_and_changes_nothing(dist):
    room = Room(dist, 4)
    a, b, c = room.ks[:3]
    # An op_id that needs escaping, and one that looks like a result's members.
    student_batch = [code_op('ph"one\\a/é✓\n1', 4, room.code, room.at(1))]
    teacher_batch = [ovr_op('tab-1","outcome":"rejected', room.sid, student_id(b), "excused", room.at(2), "bus"),
                     ovr_op("tab-2", room.sid, student_id(c), "absent", room.at(3))]
    counted = {o: sync_metric(dist.server, o) for o in OUTCOMES}
    with dist.student(a) as s:
        first_s = sync(s, student_batch)
    first_t = sync(room.teacher, teacher_batch)
    assert outcomes(first_s + first_t) == ["applied"] * 3
    assert {o: sync_metric(dist.server, o) - counted[o] for o in OUTCOMES} == \
        {"applied": 3, "duplicate": 0, "superseded": 0, "rejected": 0}
    before = room.state()
    dup_before = sync_metric(dist.server, "duplicate")
    with dist.student(a) as s:
        again_s = sync(s, student_batch)
    again_t = sync(room.teacher, teacher_batch)
    assert outcomes(again_s + again_t) == ["duplicate"] * 3
    # The same record, timestamp included: nothing was written again.
    assert [r["record"] for r in again_s + again_t] == [r["record"] for r in first_s + first_t]
    assert_same_state(before, room.state(), "a retried batch")
    assert sync_metric(dist.server, "duplicate") - dup_before == 3


def test_retry_after_the_record_changed_answers_the_current_record(dist):
    room = Room(dist, 4)
    a, b = room.ks[:2]
    ci = code_op("a-1", 4, room.code, room.at(1))
    ov = ovr_op("t-1", room.sid, student_id(b), "absent", room.at(1), "no show")
    with dist.student(a) as s:
        assert sync_one(s, ci)["outcome"] == "applied"
    assert sync_one(room.teacher, ov)["outcome"] == "applied"
    # The teacher changes both records (REST), then the phones retry.
    r = room.teacher.override(room.sid, student_id(a), "excused", "doctor")
    assert r.status == 200, r
    ra = r.json
    r = room.teacher.override(room.sid, student_id(b), "late", "train")
    assert r.status == 200, r
    rb = r.json
    before = room.state()
    with dist.student(a) as s:
        res = sync_one(s, ci)
    assert res["outcome"] == "duplicate" and res["record"] == ra, res
    assert res["record"]["check_in_time"] == iso(room.at(1))  # the check-in stays under the override
    res = sync_one(room.teacher, ov)
    assert res["outcome"] == "duplicate" and res["record"] == rb, res
    assert_same_state(before, room.state(), "retries after a change")


def test_batch_with_nothing_to_write_on_the_owner_shard(dist):
    room = Room(dist, 4)
    k = room.ks[0]
    op = code_op("a-1", 4, room.code, room.at(1))
    s = dist.pins.on(dist.token(student_user(k)), owner_of(4, SHARDS), timeout=2.0)
    try:
        assert sync_one(s, op)["outcome"] == "applied"  # something to write: answered
        try:
            res = sync_one(s, op)  # a retry: nothing to write
        except (TimeoutError, OSError) as e:
            pytest.fail(f"a duplicate-only batch on the owner shard got no answer within 2 s: {e!r}")
        assert res["outcome"] == "duplicate", res
    finally:
        s.close()


def test_rejected_and_superseded_ops_are_not_remembered(dist):
    room = Room(dist, 4)
    a = room.ks[0]
    with dist.student(a) as s:
        assert sync_one(s, code_op("early", 4, room.code, room.at(1)))["outcome"] == "applied"
        batch = [code_op("later", 4, room.code, room.at(2)), code_op("wrong", 4, "000000" if room.code != "000000"
                                                                       else "111111", room.at(1))]
        for _ in range(2):
            # A wrong code after a valid check-in leaves it standing (as REST does).
            res = sync(s, batch)
            assert outcomes(res) == ["superseded", "superseded"], res
            assert res[0]["record"]["check_in_time"] == iso(room.at(1))
            assert res[1]["record"]["check_in_time"] == iso(room.at(1))
    # A rejected op judged again once its problem is gone applies: the op_id was not taken.
    b = room.ks[1]
    with dist.student(b) as s:
        op = code_op("retry-me", 4, room.code, room.at(0, 2 * 3600 * SEC))  # beyond the hour of skew
        res = sync_one(s, op)
        assert res["outcome"] == "rejected" and res["error"]["code"] == "invalid_client_time", res
        op["client_time"] = iso(room.at(3))
        res = sync_one(s, op)
        assert res["outcome"] == "applied" and res["record"]["check_in_time"] == iso(room.at(3)), res


def test_rest_and_sync_agree_on_a_wrong_code(dist):
    """One rule decides a check-in for REST and sync: a wrong code after a valid
    check-in answers with the record that stands (REST 200, sync superseded) and
    changes nothing; without a check-in both refuse it as invalid_code."""
    room = Room(dist, 4)
    a, b = room.ks[2:4]
    wrong = "000000" if room.code != "000000" else "111111"
    with dist.student(a) as s:
        first = assert_json(s.check_in_code(4, room.code), 201)
        audit_before = len(room.audit())
        rest = assert_json(s.check_in_code(4, wrong), 200)
        synced = sync_one(s, code_op("late-wrong", 4, wrong, room.at(3)))
        assert rest == first, (rest, first)
        assert synced["outcome"] == "superseded" and synced["record"] == first, synced
        assert len(room.audit()) == audit_before
        assert room.record(a) == first
    with dist.student(b) as s:
        r = s.check_in_code(4, wrong)
        assert r.status == 422 and r.json["error"]["code"] == "invalid_code", r
        synced = sync_one(s, code_op("no-check-in", 4, wrong, room.at(1)))
        assert synced["outcome"] == "rejected" and synced["error"]["code"] == "invalid_code", synced
        assert room.record(b)["attendance_status"] == "unmarked"


def test_op_ids_belong_to_their_sender(dist):
    """Two students (and a teacher) using the same op_id send three different ops;
    no one ever gets another student's record back."""
    room = Room(dist, 4)
    a, b = room.ks[:2]
    with dist.student(a) as s:
        ra = sync_one(s, code_op("op-1", 4, room.code, room.at(1)))
    with dist.student(b) as s:
        raw = sync_raw(s, [code_op("op-1", 4, room.code, room.at(2))])
        assert raw.status == 200, raw
        [rb] = raw.json["results"]
    assert ra["outcome"] == "applied" and rb["outcome"] == "applied", (ra, rb)
    assert rb["record"]["student_id"] == student_id(b) and rb["record"]["check_in_time"] == iso(room.at(2)), rb
    assert ra["record"]["student_name"].encode() not in raw.body
    rt = sync_one(room.teacher, ovr_op("op-1", room.sid, student_id(room.ks[2]), "excused", room.at(1)))
    assert rt["outcome"] == "applied", rt
    # Retries: each sender gets their own op back.
    with dist.student(b) as s:
        raw = sync_raw(s, [code_op("op-1", 4, room.code, room.at(2))])
        assert raw.status == 200, raw
        [again] = raw.json["results"]
        assert again["outcome"] == "duplicate" and again["record"] == rb["record"], again
        assert ra["record"]["student_name"].encode() not in raw.body
    with dist.student(a) as s:
        again = sync_one(s, code_op("op-1", 4, room.code, room.at(1)))
        assert again["outcome"] == "duplicate" and again["record"] == ra["record"], again
    records = room.records()
    assert records[student_id(a)] == ra["record"] and records[student_id(b)] == rb["record"]
    assert records[student_id(room.ks[2])] == rt["record"]


def test_op_id_reused_by_the_same_sender_answers_duplicate_in_the_same_class(dist):
    room = Room(dist, 4)
    first = sync_one(room.teacher, ovr_op("x-1", room.sid, student_id(room.ks[0]), "excused", room.at(1)))
    assert first["outcome"] == "applied"
    # Same op_id, other content: the op_id identifies the op; nothing changes.
    res = sync_one(room.teacher, ovr_op("x-1", room.sid, student_id(room.ks[1]), "absent", room.at(2)))
    assert res["outcome"] == "duplicate" and res["record"] == first["record"], res
    unmarked_record_check(room.record(room.ks[1]))


def test_op_id_reused_by_the_same_sender_in_another_class_is_another_op(dist):
    """docs/api.md: an op_id is its sender's within one class (each class's owner shard
    alone keeps its applied ops). The teacher of classes 1..3 reuses an op_id (class 1,
    shard 1) in class 3 (also shard 1) and class 2 (shard 0): each applies there, and
    a retry in each class answers duplicate with that class's record."""
    rooms = {c: Room(dist, c) for c in (1, 2, 3)}
    status = {1: "excused", 2: "absent", 3: "late"}
    first = {}
    for c in (1, 3, 2):
        room = rooms[c]
        res = sync_one(room.teacher, ovr_op("reused", room.sid, student_id(room.ks[0]), status[c], room.at(1)))
        assert res["outcome"] == "applied", (c, res)
        assert res["record"]["class_id"] == c and res["record"]["attendance_status"] == status[c], (c, res)
        first[c] = res["record"]
    for c in (1, 2, 3):
        room = rooms[c]
        res = sync_one(room.teacher, ovr_op("reused", room.sid, student_id(room.ks[1]), "present", room.at(2)))
        assert res["outcome"] == "duplicate" and res["record"] == first[c], (c, res)
        unmarked_record_check(room.record(room.ks[1]))
        assert room.record(room.ks[0]) == first[c]


# =========================================================================================
# 3. Rejections
# =========================================================================================
def test_check_in_rejections_do_not_stop_the_rest(dist):
    room = Room(dist, 5)
    wrong = "123456" if room.code != "123456" else "654321"
    k = room.ks[0]
    ops = [
        code_op("cnf", 999, room.code, room.at(1)),                # no such class
        code_op("ne", 6, room.code, room.at(1)),                   # class 6: not this student's
        code_op("before", 5, room.code, room.at(0, -1)),           # no session was open yet
        code_op("ok", 5, room.code, room.at(1)),
        code_op("bad", 5, wrong, room.at(1)),                      # wrong code: "ok" stands
        code_op("future", 5, room.code, room.at(0, 3700 * SEC)),   # > now + 3600 s
        code_op("other", 7, room.code, room.at(1)),                # not enrolled (and class 7 has no session)
    ]
    with dist.student(k) as s:
        res = sync(s, ops)
    assert outcomes(res) == ["rejected"] * 3 + ["applied", "superseded"] + ["rejected"] * 2, res
    assert error_codes(res) == ["class_not_found", "not_enrolled", "no_open_session", None, None,
                                "invalid_client_time", "not_enrolled"], res
    assert res[3]["record"]["check_in_time"] == iso(room.at(1))
    assert res[4]["record"] == res[3]["record"]
    # A student of class 6, which has no session: no_open_session.
    with dist.student(students_of(6)[0]) as s:
        [r6] = sync(s, [code_op("c6", 6, room.code, room.at(1))])
    assert r6["outcome"] == "rejected" and r6["error"]["code"] == "no_open_session", r6
    # Teachers and admins do not check in.
    for who in (teacher_of(5), "admin"):
        with dist.away(who, 5) as t:
            r = sync(t, [code_op("t-ci", 5, room.code, room.at(1)), ovr_op("t-ov", room.sid, student_id(room.ks[1]),
                                                                             "present", room.at(1))])
        assert outcomes(r)[0] == "rejected" and r[0]["error"]["code"] == "forbidden", r
        assert outcomes(r)[1] in ("applied", "superseded"), r
    records = room.records()
    assert records[student_id(k)] == res[3]["record"]
    assert [e["student_id"] for e in room.audit()].count(student_id(k)) == 1


def test_qr_rejections(make_dist):
    """--qr-rotation-s 3600: a window long enough to hold the session's start, so a
    client_time in the token's window but before the start exists."""
    d = make_dist(*SKEW, "--qr-rotation-s", "3600")
    room = Room(d, 7)
    other = Room(d, 8)
    qr, qr8 = room.qr(), other.qr()
    window_start = ms(qr["rotates_at"]) - 3600 * SEC
    assert window_start < room.start < ms(qr["rotates_at"]), (qr, room.session)  # holds unless opened on the hour
    forged = qr["token"][:-2] + ("AA" if not qr["token"].endswith("AA") else "BA")
    ks = room.ks
    cases = [
        (ks[0], qr_op("forged", 7, forged, room.at(1)), "invalid_code"),
        (ks[1], qr_op("garbage", 7, "not-a-token", room.at(1)), "invalid_code"),
        (ks[2], qr_op("foreign", 7, qr8["token"], room.at(1)), "invalid_code"),      # class 8's session
        (ks[3], qr_op("stale", 7, qr["token"], ms(qr["expires_at"])), "invalid_code"),  # two windows on
        (ks[4], qr_op("older", 7, qr["token"], window_start - 1), "invalid_code"),       # before its window
        (ks[5], qr_op("early", 7, qr["token"], window_start), "invalid_client_time"),    # before the start
        (ks[6], qr_op("other-class", 8, qr["token"], room.at(1)), "not_enrolled"),
    ]
    with d.student(ks[7]) as s:  # one batch of all of them (one student), the good one in the middle
        res = sync(s, [op for _, op, _ in cases[:3]] + [qr_op("good", 7, qr["token"], room.start)] +
                   [op for _, op, _ in cases[3:]])
    # After "good", a stale token (or a time outside the session) leaves the
    # check-in standing, as REST does: answered superseded with it.
    assert error_codes(res) == [c for _, _, c in cases[:3]] + [None] * 4 + ["not_enrolled"], res
    assert res[3]["outcome"] == "applied" and res[3]["record"]["check_in_time"] == room.session["starts_at"], res
    assert [r["outcome"] for r in res[4:7]] == ["superseded"] * 3, res
    assert all(r["record"] == res[3]["record"] for r in res[4:7]), res
    for k, op, code in cases:  # the same ops from their own students: rejected, nothing recorded
        with d.student(k) as s:
            r = sync_one(s, op)
        assert r["outcome"] == "rejected" and r["error"]["code"] == code, (op, r)
    records = room.records()
    assert all(records[student_id(k)]["attendance_status"] == "unmarked" for k, _, _ in cases)
    assert [e["student_id"] for e in room.audit()] == [student_id(ks[7])]


def test_override_rejections_do_not_stop_the_rest(dist):
    room = Room(dist, 5)
    a, b = room.ks[:2]
    in_class_1 = student_id(students_of(1)[0])
    ops = [
        ovr_op("no-sess", session_id(5, 99), student_id(a), "excused", room.at(1)),
        ovr_op("no-class", session_id(999, 1), student_id(a), "excused", room.at(1)),
        ovr_op("not-mine", session_id(1, 1), student_id(a), "excused", room.at(1)),  # teacher1's class
        ovr_op("stranger", room.sid, in_class_1, "excused", room.at(1)),
        ovr_op("ok", room.sid, student_id(a), "excused", room.at(1), "fine"),
        ovr_op("unmarked", room.sid, student_id(b), "unmarked", room.at(1)),
        ovr_op("bogus", room.sid, student_id(b), "sleeping", room.at(1)),
        ovr_op("early", room.sid, student_id(b), "absent", room.at(0, -1)),
        ovr_op("future", room.sid, student_id(b), "absent", room.at(0, 3700 * SEC)),
    ]
    # Class 1 needs a session for "not-mine" to name an existing one.
    open_session(dist.teacher_for(1), 1)
    res = sync(room.teacher, ops)
    assert error_codes(res) == ["session_not_found", "session_not_found", "forbidden", "student_not_found", None,
                                "invalid_field", "invalid_field", "invalid_client_time", "invalid_client_time"], res
    assert res[4]["outcome"] == "applied", res
    # A student and a teacher of other classes may not override.
    for who in (student_user(b), "teacher1"):
        with dist.away(who, 5) as c:
            r = sync(c, [ovr_op("x", room.sid, student_id(b), "present", room.at(1))])
        assert r[0]["outcome"] == "rejected" and r[0]["error"]["code"] == "forbidden", (who, r)
    records = room.records()
    assert records[student_id(a)] == res[4]["record"]
    unmarked_record_check(records[student_id(b)])
    assert len(room.audit()) == 1


def test_malformed_ops_are_rejected_invalid_field(dist):
    room = Room(dist, 5)
    k = room.ks[0]
    good = code_op("good", 5, room.code, room.at(1))
    base = code_op("?", 5, room.code, room.at(1))

    def variant(op_id, drop=(), **change):
        op = {key: v for key, v in base.items() if key not in drop}
        op.update(op_id=op_id, **change)
        return op

    bad = [
        variant("kind-unknown", kind="teleport"),
        variant("kind-missing", drop=("kind",)),
        variant("kind-number", kind=1),
        variant("method-unknown", method="nfc"),
        variant("method-missing", drop=("method",)),
        variant("class-missing", drop=("class_id",)),
        variant("class-string", class_id="5"),
        variant("class-zero", class_id=0),
        variant("class-negative", class_id=-5),
        variant("code-missing", drop=("code",)),
        variant("code-number", code=123456),
        variant("token-missing", method="qr_code"),
        variant("time-missing", drop=("client_time",)),
        variant("time-words", client_time="yesterday"),
        variant("time-number", client_time=1795000000000),
        variant("time-no-zone", client_time=iso(room.at(1))[:-1]),
        variant("time-no-T", client_time=iso(room.at(1)).replace("T", " ")),
        variant("time-month-13", client_time="2026-13-01T00:00:00.000Z"),
    ]
    with dist.student(k) as s:
        res = sync(s, bad[:9] + [good] + bad[9:])
    assert outcomes(res) == ["rejected"] * 9 + ["applied"] + ["rejected"] * (len(bad) - 9), res
    assert set(error_codes(res)) == {"invalid_field", None}, res
    # An offset time is fine (it names the same instant), unknown members are ignored.
    t = room.at(2)
    offset = (_EPOCH + datetime.timedelta(milliseconds=t, hours=1)).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{t % 1000:03d}+01:00"
    with dist.student(room.ks[1]) as s:
        r = sync_one(s, {**code_op("offset", 5, room.code, t), "client_time": offset, "colour": "blue"})
    assert r["outcome"] == "applied" and r["record"]["check_in_time"] == iso(t), r
    # Overrides: the teacher's malformed fields.
    obase = ovr_op("?", room.sid, student_id(room.ks[2]), "excused", room.at(1))
    obad = []
    for op_id, drop, change in (("sess-missing", ("class_session_id",), {}), ("student-missing", ("student_id",), {}),
                                ("status-missing", ("status",), {}), ("reason-number", (), {"reason": 7}),
                                ("reason-long", (), {"reason": "x" * 5000}),
                                ("student-string", (), {"student_id": "8"}),
                                ("time-bad", (), {"client_time": "2026-11-22T25:00:00.000Z"})):
        op = {key: v for key, v in obase.items() if key not in drop}
        op.update(op_id=op_id, **change)
        obad.append(op)
    res = sync(room.teacher, obad + [{**obase, "op_id": "ok"}])
    assert error_codes(res) == ["invalid_field"] * len(obad) + [None], res
    records = room.records()
    assert records[student_id(k)]["check_in_time"] == iso(room.at(1))
    assert records[student_id(room.ks[2])]["attendance_status"] == "excused"
    assert len(room.audit()) == 3


def test_batch_level_errors_apply_nothing(dist):
    room = Room(dist, 5)
    k = room.ks[0]
    good = code_op("the-good-one", 5, room.code, room.at(1))
    filler = [{"op_id": f"f{i}", "kind": "nothing", "client_time": iso(room.at(1))} for i in range(500)]
    before = room.state()
    s = dist.student(k)

    def refused(status, code, body=None, raw=None, token=None):
        kw = {"token": token} if token is not None else {}
        r = s.post("sync", body, **kw) if raw is None else s.post("sync", raw=raw, **kw)
        assert_error(r, status, code)

    refused(413, "too_many_ops", {"client_id": "p", "ops": [good] + filler})            # 501 ops
    refused(422, "duplicate_op_id", {"client_id": "p", "ops": [good, filler[0], filler[1], dict(filler[0])]})
    refused(422, "duplicate_op_id", {"client_id": "p", "ops": [good, dict(good)]})
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, {**filler[0], "op_id": "x" * 65}]})
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, {"kind": "check_in"}]})          # no op_id
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, {**filler[0], "op_id": ""}]})
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, {**filler[0], "op_id": 17}]})
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, {**filler[0], "op_id": None}]})
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, "check_in"]})                    # not an object
    refused(422, "invalid_field", {"client_id": "p", "ops": [good, [good]]})
    refused(422, "invalid_field", {"ops": [good]})                                                   # no client_id
    refused(422, "invalid_field", {"client_id": "", "ops": [good]})
    refused(422, "invalid_field", {"client_id": "c" * 129, "ops": [good]})
    refused(422, "invalid_field", {"client_id": 5, "ops": [good]})
    refused(422, "invalid_field", {"client_id": "p"})                                                # no ops
    refused(422, "invalid_field", {"client_id": "p", "ops": {"0": good}})
    refused(400, "invalid_json", raw=json.dumps({"client_id": "p", "ops": [good]}).encode()[:-3])
    refused(400, "invalid_json", raw=b"client_id=p")
    refused(401, "unauthorized", {"client_id": "p", "ops": [good]}, token="")
    refused(401, "unauthorized", {"client_id": "p", "ops": [good]}, token=dist.token(student_user(k))[:-4] + "AAAA")
    r = s.post("sync", {"client_id": "p", "ops": [good]}, token=None)
    assert_error(r, 401, "unauthorized")
    assert_same_state(before, room.state(), "refused batches")
    # The limits themselves are fine: 500 ops, a 64-byte op_id, a 128-byte client_id.
    ops = [good, {**filler[0], "op_id": "y" * 64}] + filler[1:499]
    assert len(ops) == 500
    res = sync(s, ops, client_id="c" * 128)
    assert res[0]["outcome"] == "applied", res[0]  # not applied by any refused batch before
    assert res[1]["op_id"] == "y" * 64
    assert set(error_codes(res[1:])) == {"invalid_field"}
    s.close()


def test_client_time_beyond_the_default_skew(make_dist):
    """No --sync-clock-skew-s: 120 s ahead of the server's clock at most."""
    d = make_dist()
    room = Room(d, 2)
    a, b = room.ks[:2]
    with d.student(a) as s:
        res = sync(s, [code_op("far", 2, room.code, room.at(0, 125 * SEC)),
                       code_op("near", 2, room.code, room.at(0, 100 * SEC))])
    assert error_codes(res) == ["invalid_client_time", None], res
    res = sync(room.teacher, [ovr_op("far", room.sid, student_id(b), "absent", room.at(0, 125 * SEC)),
                              ovr_op("near", room.sid, student_id(b), "excused", room.at(0, 100 * SEC))])
    assert error_codes(res) == ["invalid_client_time", None], res


def test_qr_client_time_beyond_the_skew(make_dist):
    """--sync-clock-skew-s 1: a QR token's next window is already beyond it."""
    d = make_dist("--sync-clock-skew-s", "1")
    room = Room(d, 2)
    qr = room.qr()
    in_window = max(room.start, ms(qr["rotates_at"]) - 15 * SEC)  # the token's own window, not in the future
    with d.student(room.ks[0]) as s:
        res = sync(s, [qr_op("ahead", 2, qr["token"], ms(qr["expires_at"]) - 1),
                       code_op("ahead-code", 2, room.code, room.at(0, 30 * SEC)),
                       qr_op("now", 2, qr["token"], in_window)])
    assert error_codes(res) == ["invalid_client_time", "invalid_client_time", None], res


def test_too_many_wrong_codes(dist):
    room = Room(dist, 5)
    k, other = room.ks[:2]
    wrong = [c for c in ("111111", "222222", "333333", "444444", "555555", "666666") if c != room.code][:5]
    ops = [code_op(f"w{i}", 5, c, room.at(1)) for i, c in enumerate(wrong)] + \
        [code_op("right", 5, room.code, room.at(1))]
    with dist.student(k) as s:
        res = sync(s, ops)
        assert error_codes(res) == ["invalid_code"] * 5 + ["too_many_attempts"], res
        # The same limit as REST: the live check-in is refused too.
        r = s.check_in_code(5, room.code)
        assert_error(r, 429, "too_many_attempts")
        # Still refused in a later batch (the op was not remembered).
        assert error_codes(sync(s, [ops[-1]])) == ["too_many_attempts"]
    unmarked_record_check(room.record(k))
    # Another student is not affected.
    with dist.student(other) as s:
        assert sync_one(s, code_op("right", 5, room.code, room.at(1)))["outcome"] == "applied"
    # Wrong codes at the REST check-in count for sync too.
    with dist.student(room.ks[2]) as s:
        for c in wrong:
            assert_error(s.check_in_code(5, c), 422, "invalid_code")
        assert error_codes(sync(s, [code_op("right", 5, room.code, room.at(1))])) == ["too_many_attempts"]


# =========================================================================================
# 4. Rules
# =========================================================================================
def test_earliest_check_in_wins_whatever_the_order(dist):
    room = Room(dist, 7)
    a, b, c, d, e, f = room.ks[:6]

    def send(k, *ops):
        with dist.student(k) as s:
            return [sync_one(s, op) for op in ops]

    late, early = room.at(7), room.at(2)
    ra = send(a, code_op("a-late", 7, room.code, late), code_op("a-early", 7, room.code, early))
    rb = send(b, code_op("b-early", 7, room.code, early), code_op("b-late", 7, room.code, late))
    assert outcomes(ra) == ["applied", "applied"] and outcomes(rb) == ["applied", "superseded"], (ra, rb)
    assert (ra[0]["record"]["attendance_status"], ra[0]["record"]["late_minutes"]) == ("late", 7)
    assert rb[1]["record"] == rb[0]["record"]  # superseded answers the record that stands
    # Both orders inside one batch.
    with dist.student(c) as s:
        rc = sync(s, [code_op("c-late", 7, room.code, late), code_op("c-early", 7, room.code, early)])
    with dist.student(d) as s:
        rd = sync(s, [code_op("d-early", 7, room.code, early), code_op("d-late", 7, room.code, late)])
    assert outcomes(rc) == ["applied", "applied"] and outcomes(rd) == ["applied", "superseded"], (rc, rd)
    # Equal times: a QR check-in counts before a code one.
    qr = room.qr()
    t = ms(qr["rotates_at"])
    re_ = send(e, code_op("e-code", 7, room.code, t), qr_op("e-qr", 7, qr["token"], t))
    rf = send(f, qr_op("f-qr", 7, qr["token"], t), code_op("f-code", 7, room.code, t))
    assert outcomes(re_) == ["applied", "applied"] and outcomes(rf) == ["applied", "superseded"], (re_, rf)
    records = room.records()
    norm = {k: normalized(records[student_id(k)], room.start) for k in (a, b, c, d, e, f)}
    assert norm[a] == norm[b] == norm[c] == norm[d], norm
    assert norm[a]["check_in_time"] == 2 * MIN and norm[a]["attendance_status"] == "present", norm[a]
    assert norm[e] == norm[f] and norm[e]["verification_method"] == "qr_code", norm


def test_override_beats_check_in_whatever_the_order(dist):
    room = Room(dist, 8)
    a, b, c, d = room.ks[:4]

    def ov(op_id, k, status, m, reason="x"):
        return ovr_op(op_id, room.sid, student_id(k), status, room.at(m), reason)

    def check_in(k, op_id, m):
        with dist.student(k) as s:
            return sync_one(s, code_op(op_id, 8, room.code, room.at(m)))

    # a: check-in, then override; b: override, then check-in.
    assert check_in(a, "a-ci", 1)["outcome"] == "applied"
    assert sync_one(room.teacher, ov("t-a", a, "excused", 0.5))["outcome"] == "applied"
    assert sync_one(room.teacher, ov("t-b", b, "excused", 0.5))["outcome"] == "applied"
    rb = check_in(b, "b-ci", 1)
    assert rb["outcome"] == "applied", rb  # it sets the check-in time under the override
    assert (rb["record"]["attendance_status"], rb["record"]["verification_method"], rb["record"]["is_manual_override"],
            rb["record"]["check_in_time"]) == ("excused", "teacher_override", True, iso(room.at(1))), rb
    # A later check-in changes nothing; an earlier one moves the time under the override.
    for k in (a, b):
        r = check_in(k, f"{k}-later", 3)
        assert r["outcome"] == "superseded" and r["record"]["check_in_time"] == iso(room.at(1)), r
        r = check_in(k, f"{k}-earlier", 0.25)
        assert r["outcome"] == "applied" and r["record"]["attendance_status"] == "excused", r
        assert r["record"]["check_in_time"] == iso(room.at(0.25)), r
    # A late override takes its late minutes from the check-in, in both orders.
    assert sync_one(room.teacher, ov("t-c", c, "late", 1, "bus"))["outcome"] == "applied"
    rc = check_in(c, "c-ci", 8.5)
    assert check_in(d, "d-ci", 8.5)["outcome"] == "applied"
    rd = sync_one(room.teacher, ov("t-d", d, "late", 1, "bus"))
    for r in (rc, rd):
        assert r["outcome"] == "applied", r
        assert (r["record"]["attendance_status"], r["record"]["is_late"], r["record"]["late_minutes"],
                r["record"]["check_in_time"]) == ("late", True, 8, iso(room.at(8.5))), r
    # REST: a live check-in after the synced override answers the teacher's record.
    with dist.student(a) as s:
        r = s.check_in_code(8, room.code)
        assert r.status == 200 and r.json["attendance_status"] == "excused", r
    records = room.records()
    norm = {k: normalized(records[student_id(k)], room.start) for k in (a, b, c, d)}
    assert norm[a] == norm[b] and norm[c] == norm[d], norm


def test_later_override_wins_ties_to_the_larger_op_id(dist):
    room = Room(dist, 8)
    a, b = room.ks[:2]
    seq = [("m", 3, "absent"), ("z", 2, "excused"), ("n", 3, "present"), ("a", 3, "excused"), ("o", 4, "late")]

    def ops(k):
        # One op_id namespace per student (same sender), ordered alike: "<k>-a" < "<k>-m" < "<k>-n" < ...
        return [ovr_op(f"{k}-{op_id}", room.sid, student_id(k), status, room.at(m), f"reason {op_id}")
                for op_id, m, status in seq]

    t = room.teacher
    ra = [sync_one(t, op, client_id="tablet") for op in ops(a)]
    rb = [sync_one(t, op, client_id="laptop") for op in reversed(ops(b))]
    assert outcomes(ra) == ["applied", "superseded", "applied", "superseded", "applied"], ra
    assert outcomes(rb) == ["applied", "superseded", "superseded", "superseded", "superseded"], rb
    assert ra[1]["record"]["override_reason"] == "reason m"  # the loser answers the winner
    assert ra[3]["record"]["override_reason"] == "reason n"
    records = room.records()
    for k in (a, b):
        r = records[student_id(k)]
        assert (r["attendance_status"], r["override_reason"], r["is_manual_override"]) == \
            ("late", "reason o", True), r
    assert normalized(records[student_id(a)], room.start) == normalized(records[student_id(b)], room.start)
    # The same, all in one batch each way.
    c, d = room.ks[2:4]
    rc = sync(t, ops(c))
    rd = sync(t, list(reversed(ops(d))))
    assert outcomes(rc) == outcomes(ra) and outcomes(rd) == outcomes(rb), (rc, rd)
    records = room.records()
    assert normalized(records[student_id(c)], room.start) == normalized(records[student_id(a)], room.start)
    assert normalized(records[student_id(d)], room.start) == normalized(records[student_id(a)], room.start)


def test_check_in_after_the_close_replaces_the_absent(dist):
    room = Room(dist, 9)
    qr = room.qr()
    closed = room.close()
    assert closed["marked_absent"] == 30
    end = ms(closed["session"]["closed_at"])
    a, b, c, d, e = room.ks[:5]
    tws = LiveSocket(dist.port, 9, dist.token(teacher_of(9)))
    with dist.student(a) as s:
        ra = sync_one(s, code_op("a", 9, room.code, room.start))
    # Live, a check-in like any other.
    joined, state = tws.barrier()
    assert (joined["type"], joined["data"]) == ("student_joined", {**ra["record"], "change": "created"}), joined
    assert state["type"] == "attendance_state_changed", state
    assert_counts(state["data"]["counts"], present=1, absent=29)
    tws.close()
    with dist.student(b) as s:
        rb = sync_one(s, qr_op("b", 9, qr["token"], end))
    with dist.student(c) as s:
        rc = sync_one(s, qr_op("c", 9, qr["token"], end + 1))
    with dist.student(d) as s:
        rd = sync_one(s, code_op("d", 9, room.code, end + 1))
    with dist.student(e) as s:
        re_ = sync_one(s, code_op("e", 9, room.code, room.start - 1))
    assert (ra["outcome"], rb["outcome"]) == ("applied", "applied"), (ra, rb)
    for r, method, at in ((ra, "verification_code", room.start), (rb, "qr_code", end)):
        rec = r["record"]
        assert (rec["attendance_status"], rec["verification_method"], rec["check_in_time"], rec["is_manual_override"],
                rec["is_late"], rec["override_reason"]) == ("present", method, iso(at), False, False, None), rec
    assert (rc["error"]["code"], rd["error"]["code"], re_["error"]["code"]) == \
        ("session_closed", "no_open_session", "no_open_session"), (rc, rd, re_)
    att = room.attendance()
    assert_counts(att["counts"], present=2, absent=28, total=30)
    records = {r["student_id"]: r for r in att["records"]}
    assert records[student_id(a)] == ra["record"] and records[student_id(b)] == rb["record"]
    for k in (c, d, e):
        assert records[student_id(k)]["verification_method"] == "session_close", records[student_id(k)]
    entries = [x for x in room.audit() if x["student_id"] == student_id(a)]
    assert [(x["from"], x["to"], x["method"], x["actor_id"]) for x in entries] == [
        ("unmarked", "absent", "session_close", teacher_id(3)),
        ("absent", "present", "verification_code", student_id(a))], entries
    # A correction after the close (client_time after closed_at) is an override like any other.
    r = sync_one(room.teacher, ovr_op("fix", room.sid, student_id(c), "excused", end + 5 * SEC, "late bus"))
    assert r["outcome"] == "applied" and r["record"]["attendance_status"] == "excused", r
    # With a new session open, a check-in timed in the old one still lands in the old one.
    new = open_session(room.teacher, 9)
    with dist.student(d) as s:
        res = sync(s, [code_op("d-old-1", 9, new["verification_code"], room.start),
                       code_op("d-old-2", 9, room.code, room.start)])
    assert error_codes(res) == ["invalid_code", None], res
    assert res[1]["record"]["class_session_id"] == room.sid, res
    r = room.teacher.attendance(new["id"])
    assert r.status == 200, r
    assert all(x["attendance_status"] == "unmarked" for x in r.json["records"]), r.json


def test_rest_and_synced_overrides_compare_by_time(dist):
    room = Room(dist, 10)
    a, b, c = room.ks[:3]
    t = room.teacher
    r = t.override(room.sid, student_id(a), "excused", "rest")
    assert r.status == 200, r
    rest_a = r.json
    at = ms(rest_a["timestamp"])  # a REST override counts at the server's time
    res = sync(t, [ovr_op("older", room.sid, student_id(a), "absent", at - 1, "sync")])
    assert outcomes(res) == ["superseded"] and res[0]["record"] == rest_a, res
    # Equal time: any op_id is larger than the REST override's "".
    res = sync(t, [ovr_op("tie", room.sid, student_id(a), "absent", at, "sync")])
    assert outcomes(res) == ["applied"] and res[0]["record"]["override_reason"] == "sync", res
    # b: a later synced override wins over REST.
    r = t.override(room.sid, student_id(b), "excused", "rest")
    assert r.status == 200, r
    res = sync(t, [ovr_op("newer", room.sid, student_id(b), "late", ms(r.json["timestamp"]) + 1, "sync")])
    assert outcomes(res) == ["applied"], res
    # c: a synced override made offline, then a REST one: REST is later and wins.
    res = sync(t, [ovr_op("offline", room.sid, student_id(c), "absent", room.start, "sync")])
    assert outcomes(res) == ["applied"], res
    r = t.override(room.sid, student_id(c), "excused", "rest")
    assert r.status == 200 and r.json["override_reason"] == "rest", r
    res = sync(t, [ovr_op("offline", room.sid, student_id(c), "absent", room.start, "sync")])
    assert outcomes(res) == ["duplicate"] and res[0]["record"] == r.json, res
    records = room.records()
    assert [records[student_id(k)]["override_reason"] for k in (a, b, c)] == ["sync", "sync", "rest"]


def test_rest_override_against_a_later_synced_override_in_both_orders(dist):
    """A teacher's phone (clock 10 min ahead, within the skew) syncs an override; the
    dashboard overrides the same student by REST. Rule 3/4: the later time wins
    whatever the arrival order (REST counts at the server's time)."""
    room = Room(dist, 10)
    a, b = room.ks[:2]
    t = room.teacher
    ahead = room.at(10)
    # a: the synced override first, then REST.
    assert sync_one(t, ovr_op("phone-a", room.sid, student_id(a), "absent", ahead, "phone"))["outcome"] == "applied"
    audit = room.teacher.get(f"/api/v1/sessions/{room.sid}/audit").json["entries"]
    r = t.override(room.sid, student_id(a), "excused", "dashboard")
    assert r.status == 200, r
    # The phone's later decision stands: the PUT answers with it and records nothing.
    assert r.json["attendance_status"] == "absent" and r.json["override_reason"] == "phone", r
    assert room.teacher.get(f"/api/v1/sessions/{room.sid}/audit").json["entries"] == audit
    # b: REST first, then the synced override.
    r = t.override(room.sid, student_id(b), "excused", "dashboard")
    assert r.status == 200, r
    assert sync_one(t, ovr_op("phone-b", room.sid, student_id(b), "absent", ahead, "phone"))["outcome"] == "applied"
    records = room.records()
    ra, rb = normalized(records[student_id(a)], room.start), normalized(records[student_id(b)], room.start)
    assert ra == rb, (ra, rb)


# =========================================================================================
# 5. Order independence, end to end
# =========================================================================================
STATUSES = ["present", "late", "absent", "excused"]


def plan_ops(rng: random.Random, n_students: int) -> list[tuple]:
    """(sender, op_id, kind, position, minutes, status, reason): ~30 ops; minutes repeat on purpose (ties)."""
    times = [0, 0.5, 2, 2, 5, 5.5, 6, 6, 9.25, 14]
    ops = []
    for pos in range(n_students):
        # At most 3 check-ins per student: beyond API.md §6's bound on a student's synced
        # changes (too_many_changes) the first to arrive decide, so order would matter.
        for i in range(rng.randint(2, 3)):
            ops.append((f"s{pos}", f"phone{pos}-{rng.choice('ab')}-{i}", "check_in", pos, rng.choice(times), None,
                        None))
    for j in range(14):
        pos = rng.randrange(n_students + 1)  # one student only ever overridden
        ops.append(("t", f"ov-{rng.randrange(1000):03d}-{j}", "override", pos, rng.choice(times),
                    rng.choice(STATUSES), rng.choice([None, "", "bus", "médecin 🩺", f"note {j}"])))
    return ops


def model(ops, late_after: int = 5) -> dict[int, dict]:
    """The records the rules give (normalized: check_in_time relative to the start)."""
    out = {}
    for pos in {op[3] for op in ops}:
        cis = sorted(op[4] * MIN for op in ops if op[2] == "check_in" and op[3] == pos)
        ovs = sorted(((op[4] * MIN, op[1]), op) for op in ops if op[2] == "override" and op[3] == pos)
        ci = cis[0] if cis else None
        if ovs:
            ov = ovs[-1][1]
            status = ov[5]
            out[pos] = {"attendance_status": status, "check_in_time": ci, "is_late": status == "late",
                        "late_minutes": int(ci // MIN) if status == "late" and ci is not None else 0,
                        "verification_method": "teacher_override", "is_manual_override": True,
                        "override_reason": ov[6]}
        else:
            late = ci > late_after * MIN
            out[pos] = {"attendance_status": "late" if late else "present", "check_in_time": ci, "is_late": late,
                        "late_minutes": int(ci // MIN) if late else 0, "verification_method": "verification_code",
                        "is_manual_override": False, "override_reason": None}
    return out


@pytest.mark.parametrize("seed", [0x5EED_2026, 7, 1234])
def test_order_independence_end_to_end(dist, seed):
    rng = random.Random(seed)
    n = 6
    ops = plan_ops(rng, n)
    assert 25 <= len(ops) <= 40, len(ops)
    classes = (4, 5, 6)  # one teacher (teacher2); shards 0
    rooms = [Room(dist, c) for c in classes]
    finals = []
    for idx, room in enumerate(rooms):
        order = list(ops)
        rng.shuffle(order)
        # Batches: runs of one sender's ops, cut at random lengths.
        batches: list[tuple[str, list]] = []
        for op in order:
            if batches and batches[-1][0] == op[0] and len(batches[-1][1]) < rng.randint(1, 5):
                batches[-1][1].append(op)
            else:
                batches.append((op[0], [op]))
        # A phone that lost an answer sends its batch again.
        batches.insert(rng.randrange(len(batches) + 1), rng.choice(batches[:-1]))
        first: dict[tuple, str] = {}  # (sender, op_id) -> its first outcome
        for sender, batch in batches:
            wire = []
            for _, op_id, kind, pos, m, status, reason in batch:
                k = room.ks[pos]
                if kind == "check_in":
                    wire.append(code_op(op_id, room.class_id, room.code, room.at(m)))
                else:
                    wire.append(ovr_op(op_id, room.sid, student_id(k), status, room.at(m), reason))
            user = room.teacher if sender == "t" else dist.student(room.ks[int(sender[1:])])
            res = sync(user, wire, client_id=f"{sender}-device")
            if user is not room.teacher:
                user.close()
            for op, r in zip(batch, res):
                # Sent again: applied answers duplicate; superseded stays superseded (not remembered).
                before = first.get((sender, op[1]))
                want = {"applied", "superseded"} if before is None else \
                    {"duplicate"} if before == "applied" else {"superseded"}
                assert r["outcome"] in want, (idx, op, before, r)
                assert r["record"]["student_id"] == student_id(room.ks[op[3]]), (op, r)
                first.setdefault((sender, op[1]), r["outcome"])
        att = room.attendance()
        records = {r["student_id"]: r for r in att["records"]}
        finals.append(({pos: normalized(records[student_id(room.ks[pos])], room.start) for pos in range(30)},
                       att["counts"]))
    assert finals[0] == finals[1] == finals[2]
    want = model(ops)
    got = finals[0][0]
    for pos in range(30):
        if pos in want:
            assert got[pos] == want[pos], (pos, got[pos], want[pos])
        else:
            assert got[pos]["attendance_status"] == "unmarked", (pos, got[pos])


# =========================================================================================
# 6. Live events and 7. audit
# =========================================================================================
def test_live_events_as_rest_twins(dist):
    room = Room(dist, 11)
    a, b, c = room.ks[:3]
    tws = LiveSocket(dist.port, 11, dist.token(teacher_of(11)))
    sws = LiveSocket(dist.port, 11, dist.token(student_user(a)))
    tws.barrier()
    sws.barrier()
    teacher_events: list[dict] = []

    def expect(types, records, changes):
        got = tws.barrier()
        teacher_events.extend(got)
        assert [e["type"] for e in got] == types, got
        counts = room.attendance()["counts"]
        for i, (rec, change) in enumerate(zip(records, changes)):
            ev, state = got[2 * i], got[2 * i + 1]
            assert ev["data"] == {**rec, "change": change}, (ev, rec)
            assert state["data"]["class_session_id"] == room.sid, state
        assert got[-1]["data"]["counts"] == counts, (got[-1], counts)

    def none():
        got = tws.barrier()
        teacher_events.extend(got)
        assert got == [], got

    ci = code_op("a-1", 11, room.code, room.at(1))
    with dist.student(a) as s:
        r1 = sync_one(s, ci)
    expect(["student_joined", "attendance_state_changed"], [r1["record"]], ["created"])
    ovs = [ovr_op("t-a", room.sid, student_id(a), "excused", room.at(2), "dentist"),
           ovr_op("t-b", room.sid, student_id(b), "absent", room.at(2))]
    res = sync(room.teacher, ovs)
    expect(["attendance_update", "attendance_state_changed"] * 2, [r["record"] for r in res], ["updated", "created"])
    # An earlier check-in under the override moves the time: an update.
    with dist.student(a) as s:
        r2 = sync_one(s, code_op("a-2", 11, room.code, room.at(0.5)))
    assert r2["outcome"] == "applied", r2
    expect(["attendance_update", "attendance_state_changed"], [r2["record"]], ["updated"])
    # c: a check-in, then an earlier one (an update).
    with dist.student(c) as s:
        rc = sync(s, [code_op("c-1", 11, room.code, room.at(7)), code_op("c-2", 11, room.code, room.at(3))])
    expect(["student_joined", "attendance_state_changed", "attendance_update", "attendance_state_changed"],
           [rc[0]["record"], rc[1]["record"]], ["created", "updated"])
    # Duplicates, superseded and rejected ops publish nothing.
    with dist.student(a) as s:
        res = sync(s, [ci, code_op("a-3", 11, room.code, room.at(4)),
                       code_op("a-4", 11, room.code, room.at(0, 3700 * SEC))])  # > now + 3600 s
    assert outcomes(res) == ["duplicate", "superseded", "rejected"], res
    res = sync(room.teacher, ovs + [ovr_op("t-old", room.sid, student_id(b), "late", room.at(1))])
    assert outcomes(res) == ["duplicate", "duplicate", "superseded"], res
    none()
    # The student's socket saw exactly the student's view of all of it.
    want = [v for v in (student_view(e, student_id(a)) for e in teacher_events) if v is not None]
    assert sws.barrier() == want
    assert any(e["type"] == "student_joined" for e in want) and \
        all(e["data"].get("student_id") in (None, student_id(a)) for e in want), want
    seqs = [e["seq"] for e in teacher_events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
    tws.close()
    sws.close()


def test_audit_entries_as_rest_twins(dist):
    room = Room(dist, 12)
    a, b = room.ks[:2]
    t = room.teacher
    # b: the REST twins.
    with dist.student(b) as s:
        r = s.check_in_code(12, room.code)
        assert r.status == 201, r
    r = t.override(room.sid, student_id(b), "excused", "dentist")
    assert r.status == 200, r
    rest = room.audit()
    # a: the same by sync.
    with dist.student(a) as s:
        r1 = sync_one(s, code_op("a-1", 12, room.code, room.at(1)))
    r2 = sync_one(t, ovr_op("t-1", room.sid, student_id(a), "excused", room.at(2), "dentist"))
    assert outcomes([r1, r2]) == ["applied", "applied"]
    entries = room.audit()
    assert entries[:2] == rest
    mine = entries[2:]
    strip = lambda e: {k: v for k, v in e.items() if k not in ("at", "actor_id", "student_id", "offline")}  # noqa: E731
    assert [strip(e) for e in mine] == [strip(e) for e in rest], (mine, rest)
    assert ["offline" in e for e in rest] == [False, False] and [e["offline"] for e in mine] == [True, True]
    assert [(e["actor_id"], e["student_id"]) for e in mine] == [(student_id(a), student_id(a)),
                                                                (teacher_id(4), student_id(a))], mine
    assert [e["at"] for e in mine] == [r1["record"]["timestamp"], r2["record"]["timestamp"]]
    assert mine[0]["method"] == "verification_code" and mine[0]["reason"] is None, mine
    assert mine[1] == {**mine[1], "from": "present", "to": "excused", "method": "teacher_override", "reason": "dentist"}
    # Duplicates, superseded and rejected ops add nothing.
    with dist.student(a) as s:
        res = sync(s, [code_op("a-1", 12, room.code, room.at(1)), code_op("a-2", 12, room.code, room.at(5)),
                       code_op("a-3", 12, room.code, room.at(0, 7200 * SEC))])
    assert outcomes(res) == ["duplicate", "superseded", "rejected"], res
    res = sync(t, [ovr_op("t-1", room.sid, student_id(a), "excused", room.at(2), "dentist"),
                   ovr_op("t-0", room.sid, student_id(a), "absent", room.at(1))])
    assert outcomes(res) == ["duplicate", "superseded"], res
    assert room.audit() == entries
    # An earlier check-in under the override: one entry by the student, status unchanged.
    with dist.student(a) as s:
        assert sync_one(s, code_op("a-0", 12, room.code, room.at(0.5)))["outcome"] == "applied"
    [last] = room.audit()[len(entries):]
    assert (last["actor_id"], last["student_id"], last["from"], last["to"]) == \
        (student_id(a), student_id(a), "excused", "excused"), last


# =========================================================================================
# 8. Both shards in one batch
# =========================================================================================
def test_batch_over_both_shards_answers_in_order(dist):
    assert owner_of(1, 2) != owner_of(2, 2)
    t = dist.client("teacher1")
    rooms = {c: Room(dist, c) for c in (1, 2, 3)}
    ops = []
    for i in range(6):
        for c in (1, 2, 3, 2):
            room = rooms[c]
            ops.append(ovr_op(f"x{len(ops):02d}", room.sid, student_id(room.ks[len(ops) % 30]),
                              STATUSES[len(ops) % 4], room.at(1), f"op {len(ops)}"))
    ops.insert(7, ovr_op("bad", rooms[2].sid, student_id(rooms[1].ks[0]), "late", rooms[2].at(1)))
    res = sync(t, ops)
    assert outcomes(res) == ["applied"] * 7 + ["rejected"] + ["applied"] * (len(ops) - 8), res
    assert res[7]["error"]["code"] == "student_not_found"
    for op, r in zip(ops, res):
        if op["op_id"] == "bad":
            continue
        rec = r["record"]
        assert (rec["class_session_id"], rec["student_id"], rec["attendance_status"], rec["override_reason"]) == \
            (op["class_session_id"], op["student_id"], op["status"], op["reason"]), (op, r)
    for c, room in rooms.items():
        records = room.records()
        for op, r in zip(ops, res):
            if r["outcome"] == "applied" and op["class_session_id"] == room.sid:
                assert records[op["student_id"]] == r["record"]
    again = sync(t, ops)
    assert outcomes(again) == ["duplicate"] * 7 + ["rejected"] + ["duplicate"] * (len(ops) - 8), again
    assert [r.get("record") for r in again] == [r.get("record") for r in res]
    # The admin, interleaving classes of different teachers and shards, plus check-ins refused on the way.
    with dist.client("admin") as admin:
        ops = [ovr_op(f"adm{i}", rooms[c].sid, student_id(rooms[c].ks[29]), "excused", rooms[c].at(m), "a")
               for i, (c, m) in enumerate(((2, 2), (1, 2), (3, 2), (1, 1), (2, 1)))]
        ops.insert(2, code_op("adm-ci", 1, rooms[1].code, rooms[1].at(1)))
        res = sync(admin, ops)
    assert outcomes(res) == ["applied", "applied", "rejected", "applied", "superseded", "superseded"], res
    assert [r["record"]["class_id"] for r in res if r["outcome"] != "rejected"] == [2, 1, 3, 1, 2]


# =========================================================================================
# 9. Durability
# =========================================================================================
LONG = "Ünïcödé ✓ — " * 20  # 400 bytes (reasons: at most 500)


def durable_workload(srv, tokens, classes=(1, 2), reason=LONG):
    """Opens a session in each class and syncs check-ins (students) and overrides (teacher1,
    one batch over both shards). Returns [(username, batch, results)]."""
    sent = []
    with client(srv, tokens, "teacher1") as t:
        sessions = {c: open_session(t, c) for c in classes}
        for c in classes:
            s = sessions[c]
            start_ = ms(s["starts_at"])
            for i, k in enumerate(students_of(c)[:6]):
                batch = [code_op(f"{k}-ci-{j}", c, s["verification_code"], start_ + (6 - j) * 90 * SEC)
                         for j in range(2)]
                with client(srv, tokens, student_user(k)) as st:
                    sent.append((student_user(k), batch, sync(st, batch, client_id=f"phone-{k}")))
        batch = []
        for i in range(8):
            for c in classes:
                s = sessions[c]
                batch.append(ovr_op(f"t1-{c}-{i}", s["id"], student_id(students_of(c)[i]), STATUSES[i % 4],
                                    ms(s["starts_at"]) + (i + 1) * MIN, f"{reason} {i}"))
        sent.append(("teacher1", batch, sync(t, batch, client_id="tablet")))
    for _, _, res in sent:
        assert set(outcomes(res)) == {"applied"}, res
    return sessions, sent


def resend_all(srv, tokens, sent, admin_state):
    pins = Pins(srv.port)
    for user, batch, _ in sent:
        first = batch[0].get("class_id") or batch[0]["class_session_id"] >> 20
        with pins.away(tokens[user], first) as c:
            res = sync(c, batch)
        assert outcomes(res) == ["duplicate"] * len(batch), (user, res)
        for op, r in zip(batch, res):
            cls = op.get("class_id") or op["class_session_id"] >> 20
            sid = max(admin_state[cls]["sessions"])
            records = {x["student_id"]: x for x in admin_state[cls]["sessions"][sid]["attendance"]["records"]}
            assert r["record"] == records[r["record"]["student_id"]], (op, r)
    pins.close()


def full_state(srv, tokens, classes=(1, 2)):
    with client(srv, tokens, "admin") as admin:
        return district_state(admin, classes)


def check_override_times_survived(srv, tokens, sessions):
    """An older override, and one at the same time with a smaller op_id, still lose."""
    pins = Pins(srv.port)
    for c, s in sessions.items():
        with pins.away(tokens["teacher1"], c) as t:
            start_ = ms(s["starts_at"])
            res = sync(t, [ovr_op(f"t1-{c}-3", s["id"], student_id(students_of(c)[3]), "present", start_ + 4 * MIN)])
            assert outcomes(res) == ["duplicate"], res
            res = sync(t, [ovr_op(f"a-{c}", s["id"], student_id(students_of(c)[3]), "present", start_ + 4 * MIN),
                           ovr_op(f"b-{c}", s["id"], student_id(students_of(c)[3]), "present", start_ + 3 * MIN),
                           code_op("x", c, s["verification_code"], start_)])
            assert outcomes(res)[:2] == ["superseded", "superseded"], res
            assert error_codes(res)[2] == "forbidden", res
        # Check-in times too: a later check-in loses, an earlier one moves the time.
        k = students_of(c)[5]
        with pins.away(tokens[student_user(k)], c) as st:
            res = sync(st, [code_op("late-again", c, s["verification_code"], start_ + 8 * MIN),
                            code_op("earlier", c, s["verification_code"], start_ + 30 * SEC)])
        assert outcomes(res) == ["superseded", "applied"], res
        assert res[0]["record"]["check_in_time"] == iso(start_ + 5 * 90 * SEC)  # durable_workload's earliest
        assert res[1]["record"]["check_in_time"] == iso(start_ + 30 * SEC)
    pins.close()


def test_kill_9_and_restart_answers_duplicate(server, tmp_path):
    data_dir = tmp_path / "data"
    flags = ("--demo", *SKEW)
    srv = start(server, data_dir, *flags)
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", "teacher1"] + [student_user(k) for c in (1, 2) for k in students_of(c)[:6]])
    sessions, sent = durable_workload(srv, tokens)
    before = full_state(srv, tokens)
    srv.kill()
    logged = wal_dump(data_dir)
    want_ci = {op["op_id"] for user, batch, res in sent if user != "teacher1"
               for op, r in zip(batch, res) if r["outcome"] == "applied"}
    want_ov = {op["op_id"] for user, batch, _ in sent if user == "teacher1" for op in batch}
    synced = lambda t: [r for r in logged if r["type"] == t and r["op_id"]]  # noqa: E731
    assert {r["op_id"] for r in synced("checked_in")} == want_ci, logged
    assert {r["op_id"] for r in synced("overridden")} == want_ov, logged
    assert len(synced("checked_in")) == len(want_ci)
    assert len(synced("overridden")) == len(want_ov)
    srv = start(server, data_dir, *flags)
    assert_same_state(before, full_state(srv, tokens), "after kill -9")
    resend_all(srv, tokens, sent, before)
    assert_same_state(before, full_state(srv, tokens), "after retrying every batch")
    check_override_times_survived(srv, tokens, sessions)


def test_snapshot_then_kill_9_answers_duplicate(server, tmp_path):
    data_dir = tmp_path / "data"
    flags = ("--demo", *SKEW, "--wal-snapshot-bytes", "4096")
    srv = start(server, data_dir, *flags)
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", "teacher1"] + [student_user(k) for c in (1, 2) for k in students_of(c)[:6]])
    sessions, sent = durable_workload(srv, tokens)  # > 4 KiB of log on each shard
    for shard in (owner_of(1, 2), owner_of(2, 2)):
        wait_event(srv, "snapshot_written", where=lambda e, shard=shard: e["shard"] == shard)
    # Some log after the snapshots, too.
    with client(srv, tokens, "teacher1") as t:
        tail = [ovr_op(f"tail-{c}", s["id"], student_id(students_of(c)[10]), "absent", ms(s["starts_at"]) + MIN)
                for c, s in sessions.items()]
        res = sync(t, tail)
        assert outcomes(res) == ["applied", "applied"], res
        sent.append(("teacher1", tail, res))
    before = full_state(srv, tokens)
    srv.kill()
    replayed = [r for r in wal_dump(data_dir) if r.get("op_id")]
    applied = sum(len(batch) for _, batch, _ in sent)
    assert len(replayed) < applied, (len(replayed), applied)  # the snapshots hold the rest
    srv = start(server, data_dir, *flags)
    assert_same_state(before, full_state(srv, tokens), "after a snapshot and kill -9")
    resend_all(srv, tokens, sent, before)
    assert_same_state(before, full_state(srv, tokens), "after retrying every batch")
    check_override_times_survived(srv, tokens, sessions)
