"""`POST /api/v1/auth/refresh` with a bearer token (API.md §1, docs/api.md
"Staying signed in"): a valid, unexpired token buys a fresh one, answered like
login; anything else, and a user disabled since, is `401 unauthorized`."""
from __future__ import annotations

import time

import pytest

from api_client import (PASSWORD, Api, District, assert_error, assert_json, b64url_json, start_demo, student_id,
                        teacher_id)
from test_import import USERS, do_import, user, write_export

EXPIRY_WAIT_S_MAX = 10.0  # a 1 s token; generous for a loaded machine


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory))


def minted(district: District, username: str, ttl_s: int | None = None) -> str:
    p = district.mint(username, ttl_s=ttl_s)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode().strip()


def refresh(port: int, token: str | None, body=None):
    with Api(port, token) as a:
        return a.post("auth/refresh") if body is None else a.post("auth/refresh", body)


def claims(token: str) -> dict:
    return b64url_json(token.split(".")[1])


def test_refresh_answers_like_login_with_a_later_expiry(district):
    old = minted(district, "teacher1", ttl_s=600)
    body = assert_json(refresh(district.port, old), 200)
    login = assert_json(district.login("teacher1", PASSWORD), 200)
    assert set(body) == set(login) == {"access_token", "token_type", "expires_in", "user"}, body
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == login["expires_in"] == 3600
    assert body["user"] == login["user"], (body["user"], login["user"])
    assert (body["user"]["id"], body["user"]["username"], body["user"]["role"]) == (teacher_id(1), "teacher1", "teacher")
    fresh = body["access_token"]
    assert fresh != old
    c_old, c_new = claims(old), claims(fresh)
    assert c_new["sub"] == c_old["sub"] == str(teacher_id(1)) and c_new["role"] == "teacher"
    assert c_new["exp"] - c_new["iat"] == 3600, c_new
    assert c_new["exp"] > c_old["exp"], (c_old, c_new)
    assert c_new["iat"] >= c_old["iat"], (c_old, c_new)
    # The fresh token is a bearer token like any other, and can itself be refreshed.
    with Api(district.port, fresh) as a:
        cls = assert_json(a.get("classes"), 200)["classes"]
    assert [c["id"] for c in cls] == [1, 2, 3]
    assert assert_json(refresh(district.port, fresh), 200)["user"]["id"] == teacher_id(1)


def test_refresh_needs_no_password_and_ignores_a_body(district):
    token = minted(district, "student007")
    # No body at all, an empty object, and a refresh_token (not built yet): the bearer decides.
    for body in (None, {}, {"refresh_token": "opaque"}):
        r = refresh(district.port, token, body)
        got = assert_json(r, 200)
        assert got["user"]["id"] == student_id(7) and got["user"]["role"] == "student", got
    # Without a bearer token a body does not sign anyone in.
    assert_error(refresh(district.port, None, {"refresh_token": "opaque"}), 401, "unauthorized")


@pytest.mark.parametrize("header", [
    None,
    "Bearer ",
    "Bearer not-a-jwt",
    "Bearer a.b.c",
    "Basic dGVhY2hlcjE6cm9sbGNhbGwtZGVtbw==",
])
def test_missing_or_malformed_token_is_401(district, header):
    with Api(district.port) as a:
        r = a.post("auth/refresh", headers={"Authorization": header} if header else None)
    assert_error(r, 401, "unauthorized")


def test_badly_signed_token_is_401(district):
    token = minted(district, "teacher2")
    head, payload, sig = token.split(".")
    forged = f"{head}.{payload}.{'A' * len(sig)}"
    assert_error(refresh(district.port, forged), 401, "unauthorized")
    # The genuine one still works: the refusal was the signature's.
    assert refresh(district.port, token).status == 200


def test_expired_token_is_401(district):
    short = minted(district, "teacher3", ttl_s=1)
    # Wait for the expiry by asking the server, not by sleeping a guessed amount.
    deadline = time.monotonic() + EXPIRY_WAIT_S_MAX
    with Api(district.port, short) as a:
        while a.get("classes").status == 200:
            assert time.monotonic() < deadline, "a 1 s token still worked after 10 s"
            time.sleep(0.1)
        assert_error(a.get("classes"), 401, "unauthorized")
    r = refresh(district.port, short)
    assert_error(r, 401, "unauthorized")
    assert "expired" in r.json["error"]["message"], r.json


def test_user_disabled_since_cannot_refresh(server, tmp_path):
    data_dir = tmp_path / "data"
    assert do_import(data_dir, write_export(tmp_path / "export")).returncode == 0
    srv = server(data_dir=data_dir)
    d = District(srv)
    token = minted(d, "bkhan")
    assert assert_json(refresh(srv.port, token), 200)["user"]["username"] == "bkhan"
    assert srv.stop() == 0
    disabled = [user("s-2", "student", "bkhan", "Bilal", "Khan", "student-pass-2", enabled="false")]
    p = do_import(data_dir, write_export(tmp_path / "export2", users=USERS[:2] + disabled + USERS[3:]))
    assert p.returncode == 0, p
    assert "1 disabled" in p.stdout.decode(), p.stdout
    srv = server(data_dir=data_dir)
    # The same token (same secret, not expired) no longer buys a new one...
    r = refresh(srv.port, token)
    assert_error(r, 401, "unauthorized")
    assert "disabled" in r.json["error"]["message"], r.json
    # ...while another user of the same roster still refreshes.
    other = minted(District(srv), "mrivera")
    assert assert_json(refresh(srv.port, other), 200)["user"]["username"] == "mrivera"


def test_refresh_is_post_only(district):
    with Api(district.port, district.token("teacher1")) as a:
        r = a.get("auth/refresh")
    assert r.status == 405, r
    assert "POST" in (r.header("Allow") or ""), r
