"""Issue 19, item 6: one token could hold every connection slot. A user may hold at
most --max-subscriptions-per-user live subscriptions (all shards together); more
are refused with 429 too_many_subscriptions before any upgrade, and counted."""
from __future__ import annotations

import json
import time

import pytest

from api_client import District, start_demo
from ws_client import HandshakeRefused, LiveSocket, RawWs, live_path

CAP = 3
CLASS = 1


def test_one_user_cannot_hold_more_than_its_subscriptions(server):
    srv = start_demo(server, "--max-subscriptions-per-user", str(CAP))
    d = District(srv)
    token = d.token("teacher1")
    held = [LiveSocket(srv.port, CLASS, token) for _ in range(CAP)]
    with pytest.raises(HandshakeRefused) as refused:
        RawWs.connect(srv.port, live_path(CLASS, token)).close()
    r = refused.value.response
    assert r.status == 429, r
    assert json.loads(r.body)["error"]["code"] == "too_many_subscriptions", r
    assert srv.metrics()["rollcall_ws_subscriptions_refused_total"] >= 1
    # Another user is not affected.
    with LiveSocket(srv.port, CLASS, d.token("admin")) as other:
        assert other.hello["type"] == "connection_established"
    # A closed subscription gives its place back (on whichever shard it was).
    held.pop().close()
    deadline = time.monotonic() + 10
    while True:
        try:
            again = LiveSocket(srv.port, CLASS, token)
            break
        except HandshakeRefused as e:
            assert e.response.status == 429, e.response
            assert time.monotonic() < deadline, "the closed subscription's place never came back"
    for s in held + [again]:
        s.close()


def test_client_messages_are_limited_by_ws_message_bytes_max(server):
    srv = server("--ws-echo", "--ws-message-bytes-max", "1000")
    ws = RawWs.connect(srv.port, "/ws/echo")
    ws.send_text(b"x" * 1000)
    assert ws.read_message()[1] == b"x" * 1000
    ws.send_text(b"x" * 1001)
    code, _ = ws.expect_close()
    assert code == 1009
    ws.close()
