"""Fan-out of the live feed (API.md §5): many subscribers, both shards, slow consumers.

- Hundreds of sockets on one class, spread over both shards by SO_REUSEPORT, half
  staff and half students, through a burst of concurrent REST writes: every staff
  socket gets the identical gapless sequence, every student socket exactly its
  view of it, and the server's frame counter agrees with what arrived.
- Sockets connecting while writes go on: each hello's snapshot is the state at its
  seq (snapshot + the events after it = the final REST state).
- Two classes owned by different shards, written through connections that land on
  either shard: each class's subscribers get their class's events and no other.
- A subscriber that stops reading is closed with 1013 once its backlog passes
  --ws-backlog-bytes-max, while another subscriber of the same class misses
  nothing and the REST calls keep answering; it then resumes with `since`.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api_client import District, start_demo, student_id, student_user, students_of
from crash_harness import owner_of
from ws_client import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, Closed, LiveSocket, student_view

SHARDS = 2


def ok(r, status: int = 200):
    assert r.status == status, r
    return r.json


def views(events: list[dict], sid: int, after: int = -1) -> list[dict]:
    return [v for v in (student_view(e, sid) for e in events if e["seq"] > after) if v is not None]


def assert_gapless(sock: LiveSocket) -> None:
    start = sock.hello["seq"]
    assert [e["seq"] for e in sock.events] == list(range(start + 1, start + 1 + len(sock.events))), \
        [(e["seq"], e["type"]) for e in sock.events]
    assert all(e["epoch"] == sock.epoch for e in sock.events)


def wait_metric(server, name: str, pred, timeout: float = 15.0) -> float:
    deadline = time.monotonic() + timeout
    while True:
        v = server.metrics().get(name, 0.0)
        if pred(v):
            return v
        assert time.monotonic() < deadline, f"{name} = {v} did not reach the expected value within {timeout} s"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def district(module_server_factory):
    # Hundreds of subscribers share two staff tokens here: lift the per-user cap.
    d = District(start_demo(module_server_factory, "--max-subscriptions-per-user", "100000", shards=SHARDS))
    d.tokens(["admin", "teacher1"] + [student_user(k) for k in range(1, 61)])
    return d


def burst(district, C: int, workers: int = 8) -> None:
    """Check-ins, overrides and bulk calls on class C, concurrently, each on its own connection."""
    T = district.client("teacher1")
    sess = ok(T.open_session(C, 5), 201)
    sid, code = sess["id"], sess["verification_code"]
    ks = students_of(C)

    def check_in(k):
        with district.student(k) as s:
            assert s.check_in_code(C, code).status == 201

    def override(k):
        with district.client("teacher1") as t:
            assert t.override(sid, student_id(k), "excused", f"note {k}").status == 200

    def bulk(pair):
        with district.client("teacher1") as t:
            r = t.post(f"sessions/{sid}/attendance/bulk", {"updates": [
                {"student_id": student_id(k), "status": "late", "reason": f"bulk {k}"} for k in pair]})
            assert r.status == 200, r

    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(check_in, k) for k in ks[:18]]
        jobs += [pool.submit(override, k) for k in ks[18:24]]
        jobs += [pool.submit(bulk, ks[i:i + 2]) for i in (24, 26)]
        for j in jobs:
            j.result()
        # Then overrides over check-ins ("updated"), once those are answered.
        for j in [pool.submit(override, k) for k in ks[:3]]:
            j.result()
    ok(T.post(f"sessions/{sid}/attendance/bulk", {"mark_remaining": "absent"}))
    ok(T.close_session(sid))
    T.close()


def test_hundreds_of_subscribers_on_both_shards_get_the_same_sequence(district, module_server_factory):
    srv = module_server_factory.servers[0]
    C = 1
    port = district.port
    staff_tokens = [district.token("teacher1"), district.token("admin")]
    ks = students_of(C)
    m0 = srv.metrics()
    frames0 = m0.get("rollcall_ws_frames_sent_total", 0.0)
    published0 = m0.get("rollcall_ws_events_published_total", 0.0)
    latency0 = m0.get("rollcall_ws_publish_to_send_seconds_count", 0.0)
    staff, students = [], []
    for i in range(150):
        staff.append(LiveSocket(port, C, staff_tokens[i % 2]))
        k = ks[i % 30]
        students.append((student_id(k), LiveSocket(port, C, district.token(student_user(k)))))
    m = srv.metrics()
    assert m["rollcall_ws_subscribers_open"] == 300
    per_shard = [m.get(f'rollcall_shard_connections_open{{shard="{s}"}}', 0.0) for s in range(SHARDS)]
    assert all(n >= 50 for n in per_shard), per_shard  # SO_REUSEPORT spread them over both shards
    epoch = staff[0].epoch
    assert all(s.epoch == epoch and s.hello["seq"] == 0 for s in staff + [s for _, s in students])

    burst(district, C)

    for s in staff:
        s.barrier()
    reference = staff[0].events
    types = [e["type"] for e in reference]
    assert types.count("student_joined") == 18 and types.count("session_closed") == 1, types
    assert len(reference) == 1 + 18 * 2 + 9 * 2 + 2 * 2 + 2 + 2
    assert_gapless(staff[0])
    for s in staff[1:]:
        assert s.events == reference
    received = len(reference) * len(staff)
    for sid, s in students:
        s.barrier()
        assert s.events == views(reference, sid), sid
        received += len(s.events)
    m = srv.metrics()
    assert m["rollcall_ws_frames_sent_total"] - frames0 == received
    assert m["rollcall_ws_events_published_total"] - published0 == len(reference)
    # One publish-to-send observation per event per shard that fanned it out.
    assert len(reference) <= m["rollcall_ws_publish_to_send_seconds_count"] - latency0 <= SHARDS * len(reference)
    for s in staff + [s for _, s in students]:
        s.close()
    wait_metric(srv, "rollcall_ws_subscribers_open", lambda v: v == 0)


def test_classes_owned_by_different_shards(district):
    port = district.port
    classes = [1, 2]
    assert sorted(owner_of(c, SHARDS) for c in classes) == [0, 1]
    subs = {}
    for C in classes:
        ks = students_of(C)[:5]
        subs[C] = ([LiveSocket(port, C, district.token(u)) for u in ["teacher1", "admin"] * 5],
                   [(student_id(k), LiveSocket(port, C, district.token(student_user(k)))) for k in ks])
    T = district.client("teacher1")
    sessions = {C: ok(T.open_session(C, 5), 201) for C in classes}
    T.close()

    def write(i):
        # A fresh connection per call: over the calls, REST lands on both shards.
        C = classes[i % 2]
        ks = students_of(C)
        sess = sessions[C]
        if i < 20:
            with district.student(ks[i // 2]) as s:
                assert s.check_in_code(C, sess["verification_code"]).status == 201
        else:
            with district.client("teacher1") as t:
                assert t.override(sess["id"], student_id(ks[i // 2 - 10]), "late", f"x{i}").status == 200

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(20)))      # check-ins
        list(pool.map(write, range(20, 40)))  # then overrides of the same students ("updated")
    for C in classes:
        staff, students = subs[C]
        for s in staff:
            s.barrier()
        ref = staff[0].events
        assert len(ref) == 1 + 10 * 2 + 10 * 2, len(ref)
        assert all(e["class_id"] == C for e in ref)
        assert_gapless(staff[0])
        assert all(s.events == ref for s in staff)
        for sid, s in students:
            s.barrier()
            assert s.events == views(ref, sid)
            assert [e["type"] for e in s.events].count("student_joined") == 1
    for C in classes:
        for s in subs[C][0] + [s for _, s in subs[C][1]]:
            s.close()


class Reader(threading.Thread):
    """Keeps reading a LiveSocket's events until stopped."""

    def __init__(self, sock: LiveSocket):
        super().__init__(daemon=True)
        self.sock = sock
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    self.sock.next_event(timeout=0.05)
                except (socket.timeout, TimeoutError):
                    continue
        except BaseException as e:  # reported by the test
            self.error = e


def read_until_close(sock: LiveSocket, timeout: float = 20.0) -> tuple[list[dict], int | None, bool]:
    """Reads a socket that was not read for a while: its events, then (close code or None, eof)."""
    deadline = time.monotonic() + timeout
    events = []
    while True:
        try:
            f = sock.ws.read_frame(max(0.001, deadline - time.monotonic()))
        except Closed:
            return events, None, True
        if f.opcode == OP_TEXT:
            ev = json.loads(f.payload)
            sock.raw.append(f.payload)
            events.append(ev)
        elif f.opcode == OP_CLOSE:
            sock.ws.wait_eof(max(0.001, deadline - time.monotonic()))
            return events, f.close_code, True
        else:
            assert f.opcode in (OP_PING, OP_PONG), f


def test_a_slow_subscriber_is_closed_with_1013_and_others_miss_nothing(server):
    backlog = 64 * 1024
    srv = start_demo(server, "--ws-backlog-bytes-max", str(backlog), "--ring-bytes", str(64 << 20), shards=SHARDS)
    d = District(srv)
    C = 1
    ks = students_of(C)
    d.tokens(["teacher1"] + [student_user(k) for k in ks])
    fast = LiveSocket(srv.port, C, d.token("teacher1"))
    fast_student = LiveSocket(srv.port, C, d.token(student_user(ks[0])))
    slow = LiveSocket(srv.port, C, d.token("teacher1"), rcvbuf=4096)  # reads its hello, then nothing
    readers = [Reader(fast), Reader(fast_student)]
    for r in readers:
        r.start()
    T = d.client("teacher1")
    sess = ok(T.open_session(C, 5), 201)
    sid = sess["id"]
    closes0 = srv.metrics().get("rollcall_ws_slow_consumer_closes_total", 0.0)
    worst = 0.0
    closed_after = None
    checked_in = 0
    for i in range(2000):
        t0 = time.monotonic()
        status = ("late", "excused")[i % 2]
        r = T.post(f"sessions/{sid}/attendance/bulk", {"updates": [
            {"student_id": student_id(k), "status": status, "reason": f"{i} " + "~" * 480} for k in ks[10:]]})
        assert r.status == 200, r
        if i % 4 == 0 and checked_in < 10:  # check-ins keep succeeding while a subscriber is stalled
            with d.student(ks[checked_in]) as s:
                assert s.check_in_code(C, sess["verification_code"]).status == 201
            checked_in += 1
        worst = max(worst, time.monotonic() - t0)
        if srv.metrics().get("rollcall_ws_slow_consumer_closes_total", 0.0) > closes0:
            closed_after = i
            break
    assert closed_after is not None, "the stalled subscriber was never closed"
    # More events after the close: the fast subscribers still get them.
    ok(T.override(sid, student_id(ks[0]), "present", "after the slow close"))
    rec = ok(T.override(sid, student_id(ks[1]), "present", "after the slow close"))
    assert worst < 5.0, f"a REST call took {worst:.2f} s while a subscriber was stalled"
    for r in readers:
        r.stop.set()
        r.join(10)
        assert not r.is_alive() and r.error is None, r.error
    fast.barrier()
    fast_student.barrier()
    assert fast.events[-1]["type"] == "attendance_state_changed"
    assert fast.events[-2]["data"] == {**rec, "change": "updated"}
    assert_gapless(fast)
    assert fast_student.events == views(fast.events, student_id(ks[0]))
    m = srv.metrics()
    assert m["rollcall_ws_slow_consumer_closes_total"] - closes0 == 1  # only the stalled one
    assert m["rollcall_ws_subscribers_open"] == 2

    # The stalled client reads now: a gapless prefix of the feed, then Close 1013, then EOF.
    got, code, eof = read_until_close(slow)
    assert eof
    assert code == 1013, f"expected Close 1013 after {len(got)} events, got {code}"
    start = slow.hello["seq"]
    assert [e["seq"] for e in got] == list(range(start + 1, start + 1 + len(got)))
    assert got == fast.events[:len(got)]
    assert len(got) < len(fast.events)

    # ... and resumes with since: exactly what it missed, then live.
    since = got[-1]["seq"] if got else start
    with LiveSocket(srv.port, C, d.token("teacher1"), since=since, epoch=slow.epoch) as again:
        assert again.hello["data"]["recovered"] is True, again.hello
        assert again.barrier() == [e for e in fast.events if e["seq"] > since]
        ok(T.override(sid, student_id(ks[2]), "absent", "live again"))
        fast.barrier()
        assert again.barrier() == fast.events[-2:]
    slow.close()
    fast.close()
    fast_student.close()
    T.close()


def test_subscribing_during_a_burst_gives_a_snapshot_consistent_with_its_seq(district):
    """Sockets connecting while writes go on: hello snapshot + the events after its seq = the final state."""
    C = 3
    port = district.port
    ks = students_of(C)
    T = district.client("teacher1")
    sess = ok(T.open_session(C, 5), 201)
    sid = sess["id"]
    mine = ks[:4]
    district.tokens([student_user(k) for k in mine])
    watcher = LiveSocket(port, C, district.token("teacher1"))
    errors = []

    def writes():
        try:
            with district.client("teacher1") as t:
                statuses = ("present", "late", "excused", "absent")
                for i in range(80):
                    if i % 10 == 9:
                        r = t.post(f"sessions/{sid}/attendance/bulk", {"updates": [
                            {"student_id": student_id(k), "status": statuses[(i + j) % 4], "reason": f"b{i}"}
                            for j, k in enumerate(ks[i % 7:i % 7 + 5])]})
                    else:
                        r = t.override(sid, student_id(ks[(i * 7) % 30]), statuses[i % 4], f"o{i}")
                    assert r.status == 200, r
        except BaseException as e:
            errors.append(e)

    th = threading.Thread(target=writes)
    th.start()
    socks = []
    while th.is_alive() or len(socks) < 10:
        if len(socks) < 60:
            i = len(socks)
            user = ("teacher1", "admin", student_user(mine[i % 4]))[i % 3]
            socks.append((user, LiveSocket(port, C, district.token(user))))
        else:
            th.join(0.05)
    th.join()
    assert not errors, errors
    watcher.barrier()
    assert_gapless(watcher)
    final = ok(T.attendance(sid))
    final_records = {r["student_id"]: r for r in final["records"]}
    seqs = {s.hello["seq"] for _, s in socks}
    assert len(seqs) > 1, "every socket connected at the same seq: the test did not overlap the writes"
    for user, s in socks:
        s.barrier()
        uid = None if user in ("teacher1", "admin") else student_id(int(user[-3:]))
        after = [e for e in watcher.events if e["seq"] > s.hello["seq"]]
        assert s.events == (after if uid is None else views(after, uid)), (user, s.hello["seq"])
        state = {r["student_id"]: r for r in s.hello["data"]["snapshot"]["records"]}
        counts = s.hello["data"]["snapshot"]["counts"]
        for e in s.events:
            d = e["data"]
            if e["type"] in ("student_joined", "attendance_update"):
                for r in (d["records"] if d.get("operation") == "bulk" else [d]):
                    state[r["student_id"]] = {k: v for k, v in r.items() if k != "change"}
            elif e["type"] == "attendance_state_changed":
                counts = d["counts"]
        expected = final_records if uid is None else {uid: final_records[uid]}
        assert state == expected, (user, s.hello["seq"])
        assert counts == final["counts"], (user, s.hello["seq"])
    for _, s in socks:
        s.close()
    watcher.close()
    T.close()
