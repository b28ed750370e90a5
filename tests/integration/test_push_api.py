"""The Web Push REST calls of API.md §8 (issue 20): the VAPID public key,
subscriptions and preferences, their validation, limits, ownership and durability.

Servers run the demo district with `--push-ca-file` pointing at the test push
service (push_service.py) and, except where the private-address rule itself is
tested, `--push-allow-private` (the service listens on 127.0.0.1).

Classes used by the module's shared server: class 1 only for subscriptions that
never get an event, class 2 for the subscription limit, class 3 for ownership.
"""
from __future__ import annotations

import os
import stat
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from api_client import Api, assert_error, assert_json, open_session, student_id, student_user
from crash_harness import Tokens, client, start
from push_helpers import (QUIET_S, WAIT_S, assert_delivery, finish, kind_is, push_flags, session_opened_payload,
                          set_preferences, start_push_district, status_changed_payload, subscribe,
                          vapid_public_key)
from push_service import PushService, b64u, b64u_decode, public_bytes

PREF_KEYS = {"session_opened", "status_changed", "missing_digest"}


@pytest.fixture(scope="module")
def push(tmp_path_factory):
    with PushService(tmp_path_factory.mktemp("push")) as s:
        yield s


@pytest.fixture(scope="module")
def district(push, module_server_factory):
    return start_push_district(module_server_factory, push)


@pytest.fixture(scope="module")
def strict_push(tmp_path_factory):
    with PushService(tmp_path_factory.mktemp("push-strict")) as s:
        yield s


@pytest.fixture(scope="module")
def strict_district(strict_push, module_server_factory):
    """A server WITHOUT --push-allow-private (its own push service: each service knows one server's key)."""
    return start_push_district(module_server_factory, strict_push, allow_private=False)


@pytest.fixture
def own_push(tmp_path):
    """A push service for a test that starts its own server."""
    with PushService(tmp_path / "push") as s:
        yield s


def delete(api: Api, sub_id):
    return api.request("DELETE", f"push/subscriptions/{sub_id}")


def assert_error_status(r, status: int) -> None:
    """An error answer of this status with the JSON error body (whatever its code)."""
    assert r.status == status, (status, r)
    body = r.json
    assert set(body) == {"error"} and isinstance(body["error"].get("code"), str), body
    assert_error(r, status, body["error"]["code"])


# -- the VAPID key ------------------------------------------------------------------------
def test_vapid_public_key_is_one_p256_point_for_every_role(district):
    keys = set()
    for user in ("admin", "teacher1", "student001", "student360"):
        with district.client(user) as api:
            keys.add(vapid_public_key(api))  # 200, {"public_key"}, 65-byte uncompressed point
    assert len(keys) == 1, keys
    (key,) = keys
    assert "=" not in key and b64u(b64u_decode(key)) == key
    with Api(district.port) as anon:
        assert_error(anon.get("push/vapid-public-key"), 401, "unauthorized")


def key_files(data_dir) -> list:
    """Files in the data directory that hold push keys (assumed: 'vapid' in the name)."""
    return [p for p in data_dir.rglob("*") if p.is_file() and "vapid" in p.name.lower()]


def test_vapid_key_file_is_private_and_the_key_survives_restarts(server, own_push, tmp_path):
    push = own_push
    data_dir = tmp_path / "data"
    flags = ["--demo", *push_flags(push)]
    srv = start(server, data_dir, *flags)
    tokens = Tokens(data_dir)
    with client(srv, tokens, "student001") as api:
        key = vapid_public_key(api)
    files = key_files(data_dir)
    assert files, sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*"))
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, (f, oct(f.stat().st_mode))
    assert srv.stop() == 0
    srv = start(server, data_dir, *flags)
    with client(srv, tokens, "teacher1") as api:
        assert vapid_public_key(api) == key
    srv.kill()  # kill -9: the key is not made again either
    srv = start(server, data_dir, *flags)
    with client(srv, tokens, "admin") as api:
        assert vapid_public_key(api) == key


# -- subscribing ----------------------------------------------------------------------------
def test_subscribe_201_then_200_with_the_same_id(district, push):
    sub = push.new_subscription(label="student001-a")
    with district.student(1) as api:
        sid = subscribe(api, sub, 201)
        assert subscribe(api, sub, 200) == sid
        assert subscribe(api, sub, 200) == sid
        other = subscribe(api, push.new_subscription(label="student001-b"), 201)
        assert other != sid
    # Any role may subscribe.
    for user in ("teacher4", "admin"):
        with district.client(user) as api:
            assert subscribe(api, push.new_subscription(label=user), 201) not in (sid, other)
    with Api(district.port) as anon:
        assert_error(anon.post("push/subscriptions", push.new_subscription().json()), 401, "unauthorized")
    finish(push)


def test_endpoint_of_exactly_1024_characters_is_accepted(district, push):
    base = f"https://127.0.0.1:{push.port}/push/"
    sub = push.new_subscription(label="student001-long", sub_id="x" * (1024 - len(base)))
    assert len(sub.endpoint) == 1024
    with district.student(1) as api:
        subscribe(api, sub, 201)


def _invalid_subscriptions(push: PushService) -> dict[str, dict]:
    sub = push.new_subscription()
    good = sub.json()
    point = public_bytes(ec.generate_private_key(ec.SECP256R1()))

    def with_keys(**keys):
        return {"endpoint": good["endpoint"], "keys": {**good["keys"], **keys}}

    base = f"https://127.0.0.1:{push.port}/push/"
    return {
        "http endpoint": {**good, "endpoint": good["endpoint"].replace("https://", "http://")},
        "not a URL": {**good, "endpoint": "not a url"},
        "ftp endpoint": {**good, "endpoint": good["endpoint"].replace("https://", "ftp://")},
        "endpoint of 1025 characters": {**good, "endpoint": base + "x" * (1025 - len(base))},
        "p256dh of 64 bytes": with_keys(p256dh=b64u(point[1:])),
        "p256dh not on the curve": with_keys(p256dh=b64u(b"\x04" + b"\x01" * 64)),
        "p256dh compressed": with_keys(p256dh=b64u(bytes([2 + (point[64] & 1)]) + point[1:33])),
        "p256dh not base64url": with_keys(p256dh="*" * 87),
        "p256dh empty": with_keys(p256dh=""),
        "auth of 15 bytes": with_keys(auth=b64u(os.urandom(15))),
        "auth of 17 bytes": with_keys(auth=b64u(os.urandom(17))),
        "auth empty": with_keys(auth=""),
        "auth not base64url": with_keys(auth="!!!!!!!!!!!!!!!!!!!!!!"),
        "no keys": {"endpoint": good["endpoint"]},
        "keys without p256dh": {"endpoint": good["endpoint"], "keys": {"auth": good["keys"]["auth"]}},
        "keys without auth": {"endpoint": good["endpoint"], "keys": {"p256dh": good["keys"]["p256dh"]}},
    }


def test_invalid_subscriptions_are_422(district, push):
    cases = _invalid_subscriptions(push)
    with district.student(2) as api:
        for name, body in cases.items():
            r = api.post("push/subscriptions", body)
            assert r.status == 422, (name, r)
            assert_error(r, 422, "invalid_subscription")
        # The control: a valid one from the same user is accepted.
        subscribe(api, push.new_subscription(label="student002"), 201)


# Loopback, private and link-local hosts, as IP literals in the forms a URL allows.
PRIVATE_HOSTS = ["127.0.0.1", "127.0.0.1:{port}", "127.5.6.7", "[::1]", "10.1.2.3", "172.16.5.4", "172.31.255.254",
                 "192.168.1.1", "169.254.1.1", "169.254.169.254", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]"]
# The same addresses spelled otherwise (IPv4-mapped IPv6, shortened and numeric IPv4
# forms that URL parsers and libcurl read as the dotted address, the name localhost),
# and the unspecified addresses (a connection to them reaches this host): a refusal
# must not depend on the spelling.
PRIVATE_SPELLINGS = ["[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]", "[::ffff:a9fe:101]", "127.1", "2130706433",
                     "0x7f000001", "localhost", "LOCALHOST", "localhost.", "0.0.0.0", "[::]"]


def _refused(strict_district, push: PushService, hosts):
    refused = {}
    with strict_district.student(3) as api:
        for host in hosts:
            endpoint = f"https://{host.format(port=push.port)}/push/{push.new_subscription().id}"
            body = {**push.new_subscription().json(), "endpoint": endpoint}
            refused[endpoint] = api.post("push/subscriptions", body)
    wrong = {e: r for e, r in refused.items() if r.status != 422}
    assert not wrong, wrong
    for r in refused.values():
        assert_error(r, 422, "invalid_subscription")


def test_private_endpoints_refused_without_allow_private(strict_district, strict_push):
    push = strict_push
    _refused(strict_district, push, PRIVATE_HOSTS)
    # A public address is accepted (nothing is ever sent to it: student 4's class gets no event).
    with strict_district.student(4) as api:
        body = {**push.new_subscription().json(), "endpoint": "https://93.184.215.14/push/abc"}
        assert_json(api.post("push/subscriptions", body), 201)


def test_private_endpoint_spellings_refused_without_allow_private(strict_district, strict_push):
    _refused(strict_district, strict_push, PRIVATE_SPELLINGS)


def test_the_eleventh_subscription_drops_the_oldest(district, push):
    """Student 31 (class 2) subscribes 11 browsers: the first is dropped, gets nothing of
    the next session, and DELETE on it is 404."""
    subs = [push.new_subscription(label=f"student031-{i}") for i in range(11)]
    with district.student(31) as api, district.teacher_for(2) as teacher:
        ids = [subscribe(api, s, 201) for s in subs]
        assert len(set(ids)) == 11
        sess = open_session(teacher, 2)
        opened = time.monotonic()
        for s in subs[1:]:
            r = push.wait_payload(s, "session_opened", timeout=WAIT_S)
            assert_delivery(r, session_opened_payload(2, sess["id"]))
        push.assert_no_requests(subs[0], opened + QUIET_S, what="to the dropped subscription")
        assert_error_status(delete(api, ids[0]), 404)
        r = delete(api, ids[1])
        assert r.status == 204 and r.body == b"", r
        assert_error_status(delete(api, ids[1]), 404)
        # Re-subscribing a dropped endpoint makes a new subscription.
        assert subscribe(api, subs[0], 201) not in ids
    for s in subs[1:]:
        assert len(s.requests()) == 1, s.requests()
    finish(push)


def test_only_the_owner_deletes_a_subscription(district, push):
    """Student 61's subscription (class 3): another student and the class's teacher cannot
    delete it (not 204, and it still gets the next session); the owner can (204, and the
    next event does not reach it)."""
    sub = push.new_subscription(label="student061")
    with district.student(61) as owner, district.student(62) as other, district.teacher_for(3) as teacher:
        sid = subscribe(owner, sub, 201)
        for intruder in (other, teacher):
            r = delete(intruder, sid)
            assert r.status in (403, 404), r
            assert_error_status(r, r.status)
        sess = open_session(teacher, 3)
        r = push.wait_payload(sub, "session_opened", timeout=WAIT_S)
        assert_delivery(r, session_opened_payload(3, sess["id"]))
        r = delete(owner, sid)
        assert r.status == 204 and r.body == b"", r
        assert_error_status(delete(owner, sid), 404)
        assert_error_status(delete(owner, 999_999_999), 404)
        assert_error_status(delete(owner, "abc"), 404)
        with Api(district.port) as anon:
            assert_error(delete(anon, sid), 401, "unauthorized")
        assert_json(teacher.override(sess["id"], student_id(61), "excused", "doctor"), 200)
        changed = time.monotonic()
    push.assert_no_requests(sub, changed + QUIET_S, where=kind_is("status_changed"),
                            what="to a deleted subscription")
    assert len(sub.requests()) == 1
    finish(push)


# -- preferences --------------------------------------------------------------------------
def test_preferences_default_change_and_validation(district):
    with district.student(91) as s, district.student(92) as s2, district.client("teacher2") as t:
        for api in (s, s2, t):
            assert assert_json(api.get("push/preferences"), 200) == dict.fromkeys(PREF_KEYS, True)
        # A PUT changes them; unknown fields are ignored.
        r = s.put("push/preferences", {"session_opened": False, "status_changed": True, "missing_digest": True,
                                       "sms": True, "extra": {"x": 1}})
        body = assert_json(r, 200)
        assert set(body) == PREF_KEYS, body
        assert body["session_opened"] is False and body["status_changed"] is True
        assert isinstance(body["missing_digest"], bool)  # does not fit a student's role: ignored
        assert assert_json(s.get("push/preferences"), 200) == body
        # Per user.
        assert assert_json(s2.get("push/preferences"), 200) == dict.fromkeys(PREF_KEYS, True)
        tbody = set_preferences(t, session_opened=True, status_changed=True, missing_digest=False)
        assert tbody["missing_digest"] is False
        assert assert_json(t.get("push/preferences"), 200) == tbody
        set_preferences(t)
        # Non-bool values: 422, nothing changes.
        for bad in ("no", 0, 1, None, [], {}, "false"):
            r = s.put("push/preferences", {"session_opened": True, "status_changed": bad, "missing_digest": True})
            assert_error_status(r, 422)
            assert assert_json(s.get("push/preferences"), 200) == body
        assert_error(s.put("push/preferences", raw=b"{not json"), 400, "invalid_json")
        assert assert_json(s.get("push/preferences"), 200) == body
        assert set_preferences(s)["session_opened"] is True
        assert assert_json(s.get("push/preferences"), 200)["session_opened"] is True
    with Api(district.port) as anon:
        assert_error(anon.get("push/preferences"), 401, "unauthorized")
        assert_error(anon.put("push/preferences", {"session_opened": False}), 401, "unauthorized")
        assert_error(anon.request("DELETE", "push/subscriptions/1"), 401, "unauthorized")


def test_non_bool_preference_is_invalid_field(district):
    """docs/api.md: a mistyped field is 422 invalid_field, its name first in the message."""
    with district.student(93) as s:
        r = s.put("push/preferences", {"session_opened": "yes", "status_changed": True, "missing_digest": True})
        assert_error(r, 422, "invalid_field")
        assert r.json["error"]["message"].startswith("session_opened"), r.json


# -- durability ----------------------------------------------------------------------------
def test_subscriptions_and_preferences_survive_kill_9(server, own_push, tmp_path):
    """Each write is followed at once by kill -9; after the restart it is there, and the
    restarted server delivers with what survived."""
    push = own_push
    data_dir = tmp_path / "data"
    flags = ["--demo", *push_flags(push)]
    srv = start(server, data_dir, *flags)
    tokens = Tokens(data_dir)
    tokens.mint_all(["teacher1"] + [student_user(k) for k in range(1, 6)])
    with client(srv, tokens, "student001") as api:
        push.vapid_public_key = vapid_public_key(api)
    a = push.new_subscription(label="student001-a")
    b = push.new_subscription(label="student002-b")
    c = push.new_subscription(label="student003-c")
    d = push.new_subscription(label="student004-d")

    def restart(after_kill_of: str):
        nonlocal srv
        srv.kill()
        srv = start(server, data_dir, *flags)
        assert srv.alive(), after_kill_of

    with client(srv, tokens, "student001") as api:
        id_a = subscribe(api, a, 201)
    restart("subscribe a")
    with client(srv, tokens, "student001") as api:
        assert subscribe(api, a, 200) == id_a

    with client(srv, tokens, "student002") as api:
        id_b = subscribe(api, b, 201)
        prefs = set_preferences(api, session_opened=False)
    restart("preferences of student002")
    with client(srv, tokens, "student002") as api:
        got = assert_json(api.get("push/preferences"), 200)
        assert got["session_opened"] is False and got["status_changed"] is True, got
        assert got == prefs
        assert subscribe(api, b, 200) == id_b

    with client(srv, tokens, "student003") as api:
        id_c = subscribe(api, c, 201)
        assert delete(api, id_c).status == 204
    restart("delete c")
    with client(srv, tokens, "student003") as api:
        assert delete(api, id_c).status == 404

    with client(srv, tokens, "student004") as api:
        subscribe(api, d, 201)
    restart("subscribe d")

    with client(srv, tokens, "teacher1") as t:
        sess = open_session(t, 1)
        opened = time.monotonic()
        for s in (a, d):
            assert_delivery(push.wait_payload(s, "session_opened", timeout=WAIT_S), session_opened_payload(1, sess["id"]))
        push.assert_no_requests([b, c], opened + QUIET_S, what="(b turned session_opened off, c was deleted)")
        # b still gets what it did not turn off.
        assert_json(t.override(sess["id"], student_id(2), "excused", None), 200)
        r = push.wait_payload(b, "status_changed", timeout=WAIT_S)
        assert_delivery(r, status_changed_payload(1, sess["id"], "excused"))
    finish(push)
