"""A student who registers the most subscriptions allowed (10) on a push service that
never answers must not delay anyone else's notifications (issue 20): requests to a
host are capped (--push-host-concurrency) and hosts take turns, so the class's other
students, on another push host, still hear of the session within 5 s."""
from __future__ import annotations

import time

from api_client import open_session, student_user
from push_helpers import WAIT_S, assert_delivery, metric, session_opened_payload, start_push_district, subscribe
from push_service import HANG, PushService

DELIVERY_BOUND_S = 5.0


def test_a_student_with_ten_hanging_endpoints_delays_no_one_else(tmp_path, server):
    with PushService(tmp_path / "push", expected_ttl=600) as push:
        district = start_push_district(server, push, host_concurrency=2, timeout_ms=10_000, ttl_s=600)
        hostile = student_user(1)
        # "localhost" and "127.0.0.1" are two push hosts to the sender, one service here.
        traps = [push.new_subscription(HANG, label=hostile, host="localhost") for _ in range(10)]
        with district.client(hostile) as api:
            for t in traps:
                subscribe(api, t, 201)
        victims = {}
        for k in range(2, 8):
            victims[k] = push.new_subscription(label=student_user(k))
            with district.client(student_user(k)) as api:
                subscribe(api, victims[k], 201)
        with district.client("teacher1") as teacher:
            sess = open_session(teacher, 1)
            opened = time.monotonic()
        for k, sub in victims.items():
            r = push.wait_payload(sub, "session_opened", timeout=WAIT_S)
            assert r.received_mono - opened <= DELIVERY_BOUND_S, (k, r.received_mono - opened)
            assert_delivery(r, session_opened_payload(1, sess["id"]), ttl=600)
        # The trap holds at most its host's share (2 hanging requests); its other 8
        # deliveries wait their turn in the queue instead of taking more.
        hung = push.wait_hung(2, timeout=WAIT_S)
        assert {r.subscription for r in hung} <= set(traps)
        text = district.server.metrics_text()
        assert metric(text, "rollcall_push_queue_depth") >= 8, text
        assert len(push.requests(traps)) == 2
