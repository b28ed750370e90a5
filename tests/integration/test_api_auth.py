"""Sign-in and bearer tokens (API.md §1, docs/api.md "Authentication and roles")."""
from __future__ import annotations

import json
import time

import pytest

from api_client import (PASSWORD, Api, District, start_demo, assert_error, assert_json, b64url, b64url_json, is_int,
                        student_id, student_user, teacher_id)


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory))


@pytest.fixture(scope="module")
def teacher1_login(district):
    """teacher1 signs in once for the module."""
    return district.login("teacher1", PASSWORD)


def test_login_answer_shape(district, teacher1_login):
    body = assert_json(teacher1_login, 200)
    assert set(body) == {"access_token", "token_type", "expires_in", "user"}, body
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600 and is_int(body["expires_in"])
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    user = body["user"]
    assert set(user) == {"id", "username", "name", "role"}, user
    assert user["id"] == teacher_id(1) and is_int(user["id"])
    assert user["username"] == "teacher1"
    assert user["role"] == "teacher"
    assert isinstance(user["name"], str) and user["name"]
    # The name is the one the roster shows elsewhere.
    with Api(district.port, body["access_token"]) as a:
        cls = assert_json(a.get("classes/1"), 200)
    assert cls["teachers"] == [{"id": teacher_id(1), "name": user["name"]}]


def test_login_token_claims(teacher1_login):
    token = teacher1_login.json["access_token"]
    header_b64, payload_b64, sig_b64 = token.split(".")
    header = b64url_json(header_b64)
    payload = b64url_json(payload_b64)
    assert header["alg"] == "HS256", header
    assert header.get("typ", "JWT") == "JWT", header
    assert payload["sub"] == str(teacher_id(1)) and isinstance(payload["sub"], str), payload
    assert payload["role"] == "teacher"
    assert is_int(payload["iat"]) and is_int(payload["exp"]), payload
    assert payload["exp"] - payload["iat"] == 3600, payload
    assert abs(payload["iat"] - time.time()) < 120, payload
    assert len(sig_b64) == 43  # 32-byte HMAC-SHA256, base64url without padding


def test_login_student_and_admin_roles(district):
    r = district.login("student007", PASSWORD)
    body = assert_json(r, 200)
    assert body["user"]["id"] == student_id(7) and body["user"]["role"] == "student"
    assert body["user"]["username"] == "student007"
    payload = b64url_json(body["access_token"].split(".")[1])
    assert payload["sub"] == str(student_id(7)) and payload["role"] == "student"
    r = district.login("admin", PASSWORD)
    body = assert_json(r, 200)
    assert body["user"]["id"] == 1 and body["user"]["role"] == "admin"
    # The login token works as a bearer token.
    with Api(district.port, body["access_token"]) as a:
        assert len(assert_json(a.get("classes"), 200)["classes"]) == 12


def test_wrong_password_and_unknown_user_look_the_same(district):
    wrong = district.login("student011", "not-the-password")
    unknown = district.login("no-such-user-11", "not-the-password")
    assert_error(wrong, 401, "invalid_credentials")
    assert_error(unknown, 401, "invalid_credentials")
    assert wrong.body == unknown.body
    assert wrong.content_type == unknown.content_type


def test_five_failures_then_even_the_right_password_is_refused(district):
    user = student_user(359)  # no other test signs in as this user
    for _ in range(5):
        assert_error(district.login(user, "wrong"), 401, "invalid_credentials")
    assert_error(district.login(user, PASSWORD), 429, "too_many_attempts")
    assert_error(district.login(user, "wrong"), 429, "too_many_attempts")
    # Per username: another user is not affected.
    assert district.login(student_user(358), PASSWORD).status == 200


def test_unknown_username_is_limited_too(district):
    for _ in range(5):
        assert_error(district.login("ghost-user-357", "wrong"), 401, "invalid_credentials")
    assert_error(district.login("ghost-user-357", "wrong"), 429, "too_many_attempts")


def test_success_clears_the_failure_count(district):
    user = student_user(357)
    for _ in range(4):
        assert_error(district.login(user, "wrong"), 401, "invalid_credentials")
    assert district.login(user, PASSWORD).status == 200
    for _ in range(4):
        assert_error(district.login(user, "wrong"), 401, "invalid_credentials")
    assert district.login(user, PASSWORD).status == 200


@pytest.mark.parametrize("raw", [b'{"username": "teacher1", "password": ', b"not json", b"[]", b'"teacher1"',
                                 b"", b"null"])
def test_login_body_not_a_json_object(district, raw):
    with Api(district.port) as a:
        assert_error(a.post("auth/login", raw=raw), 400, "invalid_json")


@pytest.mark.parametrize("body,field", [
    ({"password": PASSWORD}, "username"),
    ({"username": "teacher1"}, "password"),
    ({"username": 17, "password": PASSWORD}, "username"),
    ({"username": "teacher1", "password": None}, "password"),
])
def test_login_missing_or_mistyped_field(district, body, field):
    with Api(district.port) as a:
        r = a.post("auth/login", body)
    assert_error(r, 422, "invalid_field")
    assert r.json["error"]["message"].startswith(field), r.json


def test_login_ignores_unknown_fields(district):
    with Api(district.port) as a:
        r = a.post("auth/login", {"username": "student012", "password": PASSWORD, "remember_me": True})
    assert assert_json(r, 200)["user"]["id"] == student_id(12)


# -- bearer tokens --------------------------------------------------------------
def _classes(district, headers=None, token=None):
    with Api(district.port, token) as a:
        return a.get("classes", headers=headers)


def test_minted_token_is_a_bearer_token(district):
    p = district.mint("teacher2")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert len(lines) == 1
    token = lines[0]
    payload = b64url_json(token.split(".")[1])
    assert payload["sub"] == str(teacher_id(2)) and payload["role"] == "teacher"
    assert payload["exp"] - payload["iat"] == 3600
    body = assert_json(_classes(district, token=token), 200)
    assert [c["id"] for c in body["classes"]] == [4, 5, 6]


def test_minted_tokens_for_several_users_one_per_line_in_order(district):
    users = [student_user(3), "teacher1", "admin", student_user(3)]
    p = district.mint(users, ttl_s=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert len(lines) == 4, lines
    claims = [b64url_json(t.split(".")[1]) for t in lines]
    assert [c["role"] for c in claims] == ["student", "teacher", "admin", "student"]
    assert claims[0]["sub"] == claims[3]["sub"] == str(student_id(3))
    assert claims[1]["sub"] == str(teacher_id(1))
    assert all(c["exp"] - c["iat"] == 120 for c in claims)
    assert_json(_classes(district, token=lines[1]), 200)


def test_minted_tokens_all_or_nothing_when_one_user_is_unknown(district):
    p = district.mint(["teacher1", "nobody", "admin"])
    assert p.returncode == 1
    assert p.stdout == b""
    assert "nobody" in p.stderr.decode()


def test_minted_token_for_unknown_user_fails(district):
    p = district.mint("nobody")
    assert p.returncode != 0
    assert p.stdout == b""
    lines = p.stderr.decode().strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "nobody" in lines[0]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_scheme_is_case_insensitive(district, scheme):
    token = district.token("teacher1")
    r = _classes(district, headers={"Authorization": f"{scheme} {token}"})
    assert r.status == 200, r


def test_missing_token(district):
    assert_error(_classes(district), 401, "unauthorized")


@pytest.mark.parametrize("value", ["", "Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c", "Bearer ...",
                                   "Basic dGVhY2hlcjE6cm9sbGNhbGwtZGVtbw=="])
def test_garbage_authorization(district, value):
    assert_error(_classes(district, headers={"Authorization": value}), 401, "unauthorized")


def _parts(district, user="teacher1"):
    return district.token(user).split(".")


def test_token_with_alg_none(district):
    h, p, s = _parts(district)
    none = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    for token in (f"{none}.{p}.", f"{none}.{p}.{s}"):
        assert_error(_classes(district, token=token), 401, "unauthorized")


def test_token_with_other_alg(district):
    h, p, s = _parts(district)
    hs512 = b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
    assert_error(_classes(district, token=f"{hs512}.{p}.{s}"), 401, "unauthorized")


def test_token_with_tampered_signature(district):
    h, p, s = _parts(district)
    flipped = ("A" if s[0] != "A" else "B") + s[1:]
    assert_error(_classes(district, token=f"{h}.{p}.{flipped}"), 401, "unauthorized")
    assert_error(_classes(district, token=f"{h}.{p}.{s[:-2]}"), 401, "unauthorized")


def test_token_with_raised_exp_or_changed_role(district):
    h, p, s = _parts(district, "student013")
    claims = b64url_json(p)
    longer = dict(claims, exp=claims["exp"] + 10 * 365 * 86400)
    assert_error(_classes(district, token=f"{h}.{b64url(json.dumps(longer).encode())}.{s}"), 401, "unauthorized")
    admin = dict(claims, role="admin")
    assert_error(_classes(district, token=f"{h}.{b64url(json.dumps(admin).encode())}.{s}"), 401, "unauthorized")
    other = dict(claims, sub="1")
    assert_error(_classes(district, token=f"{h}.{b64url(json.dumps(other).encode())}.{s}"), 401, "unauthorized")
    # The untouched token still works.
    assert _classes(district, token=f"{h}.{p}.{s}").status == 200


def test_expired_token(district):
    p = district.mint("student014", ttl_s=1)
    assert p.returncode == 0, p.stderr
    token = p.stdout.decode().strip()
    exp = b64url_json(token.split(".")[1])["exp"]
    # Expired once the server's clock (this machine's) reaches exp: wait for it, at most ~1 s.
    while time.time() < exp + 0.05:
        time.sleep(min(0.1, max(0.0, exp + 0.05 - time.time())))
    r = _classes(district, token=token)
    assert_error(r, 401, "unauthorized")


def test_every_api_call_needs_a_token(district):
    calls = [("GET", "classes"), ("GET", "classes/1"), ("POST", "classes/join"), ("POST", "classes/1/sessions"),
             ("GET", "classes/1/sessions/current"), ("GET", "classes/1/attendance.csv"),
             ("POST", f"sessions/{(1 << 20) + 1}/close"), ("GET", f"sessions/{(1 << 20) + 1}/attendance"),
             ("GET", f"sessions/{(1 << 20) + 1}/audit"), ("GET", f"sessions/{(1 << 20) + 1}/qr"),
             ("GET", f"sessions/{(1 << 20) + 1}/qr.svg"), ("PUT", f"sessions/{(1 << 20) + 1}/attendance/6"),
             ("POST", f"sessions/{(1 << 20) + 1}/attendance/bulk"), ("POST", "attendance/check-in")]
    with Api(district.port) as a:
        for method, path in calls:
            body = {} if method in ("POST", "PUT") else None
            r = a.request(method, path, body) if body is not None else a.request(method, path)
            assert_error(r, 401, "unauthorized")
