"""POST /api/v1/admin/oneroster (API.md §7): the OneRoster import on a running server,
all or nothing, without signing anyone out or closing a socket; durable across a
restart; and what one careless or hostile client costs: a refused upload is answered
from its head alone (its body is never read), one import runs at a time, and the slot
frees itself when the uploader goes away."""
from __future__ import annotations

import io
import json
import select
import socket
import time
import zipfile

import pytest

from api_client import District, assert_error, start_demo, teacher_of
from test_import import CLASSES, ENROLLMENTS, USERS, USERS_HEADER, user
from ws_client import RawWs, live_path

PATH = "/api/v1/admin/oneroster"
MiB = 1 << 20


def export_zip(users=None, classes=None, enrollments=None, folder="export/") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(folder + "users.csv", "\r\n".join([USERS_HEADER] + (USERS if users is None else users)) + "\r\n")
        z.writestr(folder + "classes.csv", "\n".join(CLASSES if classes is None else classes) + "\n")
        z.writestr(folder + "enrollments.csv", "\n".join(ENROLLMENTS if enrollments is None else enrollments) + "\n")
    return buf.getvalue()


def upload(district: District, body: bytes, username: str = "admin", content_type: str = "application/zip"):
    with district.client(username, timeout=120) as a:
        return a.post(PATH, raw=body, headers={"Content-Type": content_type})


def head_only(port: int, token: str | None, length: int, content_type: str = "application/zip") -> bytes:
    """Sends a request head announcing `length` body bytes and none of them; returns the answer."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((f"POST {PATH} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {content_type}\r\n"
                   f"Content-Length: {length}\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def assert_invalid_roster(r) -> None:
    assert r.status == 422, r
    assert set(r.json) == {"error", "errors"}, r.json
    assert r.json["error"]["code"] == "invalid_roster", r.json
    assert 1 <= len(r.json["errors"]) <= 100, r.json


def read_json(ws: RawWs) -> dict:
    _, payload = ws.read_message()
    return json.loads(payload)


@pytest.fixture
def district(server):
    return District(start_demo(server, "--demo-classes", "2", "--demo-class-size", "3"))


def test_import_on_a_running_server_keeps_everyone_connected_and_survives_a_restart(server, district):
    teacher = district.client(teacher_of(1))
    feed = RawWs.connect(district.port, live_path(1, district.token(teacher_of(1))))
    assert read_json(feed)["type"] == "connection_established"

    r = upload(district, export_zip())
    assert r.status == 200, r
    counts = {k: r.json[k] for k in ("users_added", "users_updated", "classes_added", "classes_updated",
                                     "enrollments_added")}
    assert counts == {"users_added": 3, "users_updated": 0, "classes_added": 1, "classes_updated": 0,
                      "enrollments_added": 3}, r.json
    logged = [json.loads(line) for line in district.server.stderr_text().splitlines() if "roster_imported" in line]
    assert [(e["users_added"], e["classes_added"]) for e in logged] == [(3, 1)], logged
    initial = {p["username"]: p["password"] for p in r.json["initial_passwords"]}
    assert list(initial) == ["alee"], r.json  # the one new user without a password column

    # The new users sign in at once, on whichever shard takes them.
    for username, password in [("mrivera", "Teach-Pass-1"), ("bkhan", "student-pass-2"), ("alee", initial["alee"])]:
        assert district.login(username, password).status == 200, username
    new_teacher = district.login("mrivera", "Teach-Pass-1").json["access_token"]
    with district.client() as a:
        classes = a.get("classes", token=new_teacher).json["classes"]
    assert [c["name"] for c in classes] == ["Biology, period 2"], classes

    # Nobody was signed out and the teacher's live feed still works.
    assert teacher.get("classes").status == 200
    assert teacher.open_session(1).status == 201
    assert read_json(feed)["type"] == "session_opened"
    feed.close()

    # The same export again changes nothing new.
    again = upload(district, export_zip())
    assert again.status == 200, again
    assert (again.json["users_added"], again.json["users_updated"], again.json["enrollments_added"]) == (0, 3, 0)

    # Durable: a restart replays the logged roster.
    district.server.stop()
    restarted = District(server(data_dir=district.server.data_dir))
    assert restarted.login("mrivera", "Teach-Pass-1").status == 200
    assert restarted.login("alee", initial["alee"]).status == 200


def test_a_bad_roster_changes_nothing_and_names_the_row(district):
    bad = ENROLLMENTS[:2] + ["e-9,c-404,school-1,s-1,student,false,,,"]
    r = upload(district, export_zip(enrollments=bad))
    assert_invalid_roster(r)
    assert r.json["errors"] == [{"file": "enrollments.csv", "line": 3,
                                 "message": "no class with sourcedId 'c-404'"}], r.json
    assert district.login("mrivera", "Teach-Pass-1").status == 401  # nothing was imported

    # Every problem is listed, each once, with its file and line.
    users = USERS + [user("s-7", "student", "has space", "A", "B"), user("s-8", "student", "ok8", "A\x01", "B")]
    r = upload(district, export_zip(users=users, enrollments=bad + ["e-7,c-1,school-1,s-7,student,false,,,"]))
    assert_invalid_roster(r)
    assert [(e["file"], e["line"]) for e in r.json["errors"]] == [
        ("users.csv", 6), ("users.csv", 7), ("enrollments.csv", 3)], r.json

    # An online import hashes at most 1000 passwords: more is refused before any is.
    many = [user(f"n-{k}", "student", f"new{k}", "N", "N") for k in range(1001)]
    r = upload(district, export_zip(users=many, enrollments=ENROLLMENTS[:1]))
    assert_invalid_roster(r)
    assert "the import sets 1001 passwords" in r.json["errors"][0]["message"], r.json

    r = upload(district, b"this is not a zip")
    assert_invalid_roster(r)
    assert r.json["errors"][0]["file"] == "" and r.json["errors"][0]["line"] == 0, r.json


def test_who_may_upload_is_decided_before_the_body(district):
    admin = district.token("admin")
    teacher = district.token(teacher_of(1))
    # 10 MiB announced, not one byte of it sent: each is answered from the head alone.
    assert b" 401 " in head_only(district.port, None, 10 * MiB).split(b"\r\n")[0]
    assert b" 403 " in head_only(district.port, teacher, 10 * MiB).split(b"\r\n")[0]
    assert b" 415 " in head_only(district.port, admin, 10 * MiB, "text/csv").split(b"\r\n")[0]
    assert b" 413 " in head_only(district.port, admin, 64 * MiB + 1).split(b"\r\n")[0]
    # Small bodies get the same answers from the handler.
    assert_error(upload(district, export_zip(), username=teacher_of(1)), 403, "forbidden")
    assert_error(upload(district, export_zip(), content_type="application/json"), 415, "unsupported_media_type")
    # Other routes keep the general 1 MiB limit.
    assert b" 413 " in head_only_to(district.port, admin, "/api/v1/sync", 2 * MiB).split(b"\r\n")[0]


def head_only_to(port: int, token: str, path: str, length: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode())
        return s.recv(65536)


def stalled_upload(district: District) -> socket.socket:
    """A connection whose upload was admitted (it holds the slot) but never sends its body."""
    admin = district.token("admin")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        s = socket.create_connection(("127.0.0.1", district.port), timeout=10)
        s.sendall((f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n"
                   f"Content-Type: application/zip\r\nContent-Length: {8 * MiB}\r\n\r\n").encode() + b"PK")
        r = upload(district, export_zip())
        # 409 while `s` holds the slot; anything else: our upload ran first (and `s`,
        # arriving meanwhile, may have been refused): try again.
        if r.status == 409 and not select.select([s], [], [], 0)[0]:
            return s
        s.close()
    raise AssertionError("the stalled upload was never admitted")


def test_one_import_at_a_time_and_a_vanished_uploader_frees_the_slot(district):
    stalled = stalled_upload(district)
    assert_error(upload(district, export_zip()), 409, "import_in_progress")
    # An uploader that goes away frees the slot.
    stalled.close()
    deadline = time.monotonic() + 10
    while True:
        r = upload(district, export_zip())
        if r.status != 409 or time.monotonic() > deadline:
            break
    assert r.status == 200, r
