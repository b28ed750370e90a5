"""Issue 19, item 6: a WebSocket kept receiving staff frames (with the session's
code) after its token expired. API.md §5: the subscription ends when its token
expires, close 1008 with reason `token_expired`; the client resumes with `since`
using a refreshed token."""
from __future__ import annotations

import json
import time

from api_client import District, start_demo
from ws_client import OP_CLOSE, OP_TEXT, LiveSocket

CLASS = 1


def test_a_subscription_ends_when_its_token_expires(server):
    srv = start_demo(server)
    d = District(srv)
    minted = d.mint("teacher1", ttl_s=2)
    assert minted.returncode == 0, minted.stderr
    short = minted.stdout.decode().strip()
    closes0 = srv.metrics().get("rollcall_ws_token_expired_closes_total", 0.0)
    live = LiveSocket(srv.port, CLASS, short)
    t0 = time.monotonic()
    # A session opened while the token is still valid reaches it...
    T = d.client("teacher1")
    assert T.open_session(CLASS).status == 201
    code = reason = None
    frames = []
    while code is None:
        f = live.ws.read_frame(timeout=10)
        if f.opcode == OP_TEXT:
            frames.append(json.loads(f.payload))
        elif f.opcode == OP_CLOSE:
            code, reason = f.close_code, f.close_reason
    waited = time.monotonic() - t0
    assert any(e["type"] == "session_opened" for e in frames), frames
    # ...and at its expiry the server ends the subscription, whatever else happens.
    assert (code, reason) == (1008, b"token_expired"), (code, reason)
    assert waited < 6, waited
    assert srv.metrics()["rollcall_ws_token_expired_closes_total"] == closes0 + 1
    # A fresh token resumes where it stopped, missing nothing.
    seq = frames[-1]["seq"]
    with LiveSocket(srv.port, CLASS, d.token("teacher1"), since=seq, epoch=live.epoch) as again:
        assert again.hello["data"]["recovered"] is True, again.hello
    live.ws.close()
    T.close()
