"""rollcall-side glue for the Web Push tests (API.md §8, issue 20): servers started
with the push flags pointing at the test push service (push_service.py), the
REST calls, the payloads and headers rollcall must send, and its push metrics.

The delivery rules these encode (fixed by the issue's design):
- one POST per subscription; `TTL` (--push-ttl-s, 3600), `Urgency` (`high` for
  session_opened, else `normal`), `Topic` `<kind>-<session_id>`,
  `Content-Encoding: aes128gcm`, `Content-Type: application/octet-stream`,
  `Authorization: vapid t=<ES256 JWT>, k=<the server's public key>`;
- payload `{"kind", "title", "body", "url", "class_id", "session_id", "actions"}`;
- a notification leaves the server within 5 s of its event (batch 2 s).
"""
from __future__ import annotations

import re
import time

from api_client import Api, District, assert_json, class_of_student, start_demo, student_user, teacher_of
from push_service import (DEFAULT_CONTACT, TTL_SPENT_MAX_S, PushRequest, PushService, b64u_decode,
                          is_p256_point)

# API.md §8: a notification leaves the server within 5 s of the event that caused it.
DELIVERY_BOUND_S = 5.0
# Proving that a notification is NOT sent: watch until the event's delivery bound
# has passed, plus a second for the push service to read what was sent.
QUIET_S = DELIVERY_BOUND_S + 1.0
# Waiting for something that must come: generous, the bound is asserted separately.
WAIT_S = 15.0

PUSH_METRICS = {
    "rollcall_push_queued_total": "counter",
    "rollcall_push_sent_total": "counter",
    "rollcall_push_failed_total": "counter",
    "rollcall_push_retries_total": "counter",
    "rollcall_push_dropped_total": "counter",
    "rollcall_push_subscriptions_gone_total": "counter",
    "rollcall_push_latency_seconds": "histogram",
    "rollcall_push_queue_depth": "gauge",
    "rollcall_push_in_flight": "gauge",
}


# -- servers -------------------------------------------------------------------------
def push_flags(service: PushService, *, allow_private: bool = True, contact: str | None = None,
               **opts) -> list[str]:
    """serve flags for a server that pushes to `service`: --push-ca-file, --push-allow-private,
    --push-contact, and any --push-<name> given as name=value (push_timeout_ms=2000)."""
    flags = ["--push-ca-file", str(service.ca_file)]
    if allow_private:
        flags.append("--push-allow-private")
    if contact is not None:
        flags += ["--push-contact", contact]
    for name, value in opts.items():
        assert not name.startswith("push"), f"give {name} without the push_ prefix"
        flags += ["--push-" + name.replace("_", "-"), str(value)]
    return flags


def start_push_district(factory, service: PushService, *extra: str, allow_private: bool = True,
                        contact: str | None = None, shards: int = 2, **opts) -> District:
    """A --demo server pushing to `service`; tells the service the server's VAPID key and contact."""
    srv = start_demo(factory, *push_flags(service, allow_private=allow_private, contact=contact, **opts), *extra,
                     shards=shards)
    d = District(srv)
    d.tokens(["admin"] + [f"teacher{t}" for t in range(1, 5)] + [student_user(k) for k in range(1, 361)])
    with d.client("admin") as a:
        service.vapid_public_key = vapid_public_key(a)
    service.expected_sub = contact or DEFAULT_CONTACT
    return d


# -- REST -----------------------------------------------------------------------------
def vapid_public_key(api: Api) -> str:
    body = assert_json(api.get("push/vapid-public-key"), 200)
    assert set(body) == {"public_key"}, body
    key = body["public_key"]
    raw = b64u_decode(key)
    assert len(raw) == 65 and raw[0] == 0x04 and is_p256_point(raw), key
    return key


def subscribe(api: Api, sub, expect: int = 201) -> int:
    """POST the browser's subscription JSON; returns the id."""
    r = api.post("push/subscriptions", sub.json())
    body = assert_json(r, expect)
    assert set(body) == {"id"}, body
    assert isinstance(body["id"], int) and not isinstance(body["id"], bool) and body["id"] > 0, body
    return body["id"]


def set_preferences(api: Api, session_opened: bool = True, status_changed: bool = True,
                    missing_digest: bool = True) -> dict:
    r = api.put("push/preferences", {"session_opened": session_opened, "status_changed": status_changed,
                                     "missing_digest": missing_digest})
    body = assert_json(r, 200)
    assert set(body) == {"session_opened", "status_changed", "missing_digest"}, body
    return body


# -- what rollcall sends --------------------------------------------------------------
def class_name(class_id: int) -> str:
    return f"Class {class_id}"


def session_opened_payload(class_id: int, session_id: int) -> dict:
    return {"kind": "session_opened", "title": "Attendance is open", "body": f"{class_name(class_id)}: check in now",
            "url": f"/class/{class_id}#check-in", "class_id": class_id, "session_id": session_id,
            "actions": [{"action": "check_in", "title": "Check in"}]}


def status_changed_payload(class_id: int, session_id: int, status: str) -> dict:
    return {"kind": "status_changed", "title": "Attendance updated",
            "body": f"{class_name(class_id)}: you are marked {status}", "url": f"/class/{class_id}",
            "class_id": class_id, "session_id": session_id, "actions": []}


def missing_digest_payload(class_id: int, session_id: int, missing: int, total: int) -> dict:
    return {"kind": "missing_digest", "title": "Students missing",
            "body": f"{class_name(class_id)}: {missing} of {total} students have not checked in",
            "url": f"/class/{class_id}#roster", "class_id": class_id, "session_id": session_id,
            "actions": [{"action": "open_roster", "title": "Open roster"}]}


def assert_delivery(req: PushRequest, expected_payload: dict, ttl: int = 3600) -> None:
    """A valid request carrying exactly this payload, with the headers of its kind."""
    assert req.valid, req.describe()
    assert req.payload == expected_payload, (req.payload, expected_payload)
    kind, sid = expected_payload["kind"], expected_payload["session_id"]
    assert req.header("Urgency") == ("high" if kind == "session_opened" else "normal"), req.headers
    assert req.header("Topic") == f"{kind}-{sid}", req.headers
    assert len(req.header("Topic")) <= 32
    # The TTL counts from the event: what the batch window and any retry took is gone
    # from it (docs/api.md "Delivery").
    assert ttl - TTL_SPENT_MAX_S <= int(req.header("TTL")) <= ttl, req.headers


def of_session(session_id: int, kind: str | None = None):
    """A `where` filter: requests whose payload is about this session (and kind)."""
    return lambda r: (r.payload is not None and r.payload.get("session_id") == session_id
                      and (kind is None or r.kind == kind))


def kind_is(kind: str):
    return lambda r: r.kind == kind


def assert_no_cross_delivery(service: PushService) -> None:
    """No payload about a class reached a subscription of someone outside it. Subscriptions
    are labelled with their owner's username (studentNNN / teacherN)."""
    for r in service.requests():
        if r.subscription is None or r.payload is None:
            continue
        label = r.subscription.label
        cid = r.payload.get("class_id")
        m = re.fullmatch(r"student(\d{3})(?:\D.*)?", label)
        if m:
            assert cid == class_of_student(int(m.group(1))), f"{label} got a payload of class {cid}: {r.describe()}"
            assert r.kind in ("session_opened", "status_changed"), r.describe()
        m = re.fullmatch(r"teacher(\d)(?:\D.*)?", label)
        if m:
            assert teacher_of(cid) == f"teacher{m.group(1)}", f"{label} got a payload of class {cid}: {r.describe()}"
            assert r.kind == "missing_digest", r.describe()


def finish(service: PushService) -> None:
    """What every push test checks last: every request valid, nothing crossed to another user."""
    service.assert_all_valid()
    assert_no_cross_delivery(service)


# -- metrics ---------------------------------------------------------------------------
_SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric_series(text: str) -> list[tuple[str, dict, float]]:
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SERIES.match(line)
        if m:
            out.append((m.group(1), dict(_LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the series `name` whose labels include `labels` (0 when there is none)."""
    return sum(v for n, ls, v in metric_series(text) if n == name and all(ls.get(k) == str(x)
                                                                          for k, x in labels.items()))


def metric_types(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            out[name] = kind.strip()
    return out


def assert_push_metric_families(text: str) -> None:
    types = metric_types(text)
    for name, kind in PUSH_METRICS.items():
        assert types.get(name) == kind, (name, types.get(name))


def wait_metric(server, name: str, at_least: float, timeout: float = 10.0, **labels) -> str:
    """Polls /metrics until metric(name, labels) >= at_least; returns that scrape's text."""
    deadline = time.monotonic() + timeout
    while True:
        text = server.metrics_text()
        value = metric(text, name, **labels)
        if value >= at_least:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}{labels} is {value}, waited {timeout} s for >= {at_least}")
        time.sleep(0.05)
