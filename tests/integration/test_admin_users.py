"""The admin's user list (API.md §4 GET /api/v1/admin/users, issue 23 problem 6):
search by username or name, filter by role, pages of at most 100 with a cursor."""
from __future__ import annotations

import pytest

from api_client import District, assert_error, assert_json, start_demo, student_id, teacher_id

USER_KEYS = {"id", "username", "name", "role", "enabled", "classes"}


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory))


def all_pages(api, query: str = "") -> list[dict]:
    users, cursor, pages = [], None, 0
    while True:
        sep = "&" if query else ""
        r = assert_json(api.get(f"admin/users?{query}{sep}cursor={cursor}" if cursor else f"admin/users?{query}"),
                        200)
        assert set(r) == {"users", "next_cursor"}, r
        assert len(r["users"]) <= 100
        users += r["users"]
        pages += 1
        assert pages < 10
        if r["next_cursor"] is None:
            return users
        assert isinstance(r["next_cursor"], str) and len(r["users"]) == 100, r
        cursor = r["next_cursor"]


def test_every_user_once_in_pages_of_100(district):
    with district.client("admin") as a:
        users = all_pages(a)
    assert len(users) == 1 + 4 + 360
    ids = [u["id"] for u in users]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for u in users:
        assert set(u) == USER_KEYS and u["enabled"] is True, u
    by_name = {u["username"]: u for u in users}
    assert by_name["teacher1"] == {"id": teacher_id(1), "username": "teacher1", "name": by_name["teacher1"]["name"],
                                   "role": "teacher", "enabled": True, "classes": [1, 2, 3]}
    assert by_name["student031"]["classes"] == [2] and by_name["student031"]["id"] == student_id(31)
    assert by_name["admin"]["role"] == "admin"


def test_search_and_role_filter(district):
    with district.client("admin") as a:
        teachers = all_pages(a, "role=teacher")
        assert sorted(u["username"] for u in teachers) == [f"teacher{t}" for t in range(1, 5)]
        found = all_pages(a, "q=STUDENT00")  # case-insensitive, username or name
        assert sorted(u["username"] for u in found) == [f"student00{k}" for k in range(1, 10)]
        assert all_pages(a, "q=student&role=teacher") == []
        # Names are searched as typed: %-escapes and '+' decoded.
        [one] = all_pages(a, "q=Student%20031")
        assert one["username"] == "student031", one
        assert [u["username"] for u in all_pages(a, "q=student+031")] == ["student031"]
        assert all_pages(a, "q=nobody-like-this") == []
        for q, field in (("role=janitor", "role"), ("cursor=abc", "cursor"), ("cursor=", "cursor"),
                         ("q=" + "x" * 101, "q"), ("q=%zz", "q"), ("q=abc%2", "q")):
            r = a.get(f"admin/users?{q}")
            assert_error(r, 422, "invalid_field")
            assert r.json["error"]["message"].startswith(field), r.json


def test_only_admins(district):
    for who in ("teacher1", "student001"):
        with district.client(who) as c:
            assert_error(c.get("admin/users"), 403, "forbidden")
    with district.client() as anon:
        assert_error(anon.get("admin/users"), 401, "unauthorized")
