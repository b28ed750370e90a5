"""`rollcall import --data-dir DIR --oneroster DIR`: a OneRoster 1.1 CSV export becomes
the roster a stopped server starts with; re-imports update it without losing any
attendance; bad input and a running server are refused with nothing changed."""
from __future__ import annotations

import csv
import io
import os
import pathlib
import stat
import zipfile

import pytest

from api_client import Api, assert_error
from conftest import run_rollcall

USERS_HEADER = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
                "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password")


def user(sid, role, username, given, family, password="", status="", enabled="true") -> str:
    return f"{sid},{status},2026-09-01,{enabled},school-1,{role},{username},,{given},{family},,,,,,,09,{password}"


USERS = [
    user("t-1", "teacher", "mrivera", "Maria", "Rivera", "Teach-Pass-1"),
    user("s-1", "student", "alee", '"Ada ""Ace"""', "Lee"),
    user("s-2", "student", "bkhan", "Bilal", "Khan", "student-pass-2"),
    user("a-1", "aide", "aide1", "Al", "Aide", "aide-pass"),
]
CLASSES = ["sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
           "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
           'c-1,,2026-09-01,"Biology, period 2",09,course-1,BIO2,scheduled,Room 5,school-1,term-1,,,2']
ENROLLMENTS = ["sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate,status",
               "e-1,c-1,school-1,t-1,teacher,true,,,",
               "e-2,c-1,school-1,s-1,student,false,,,",
               "e-3,c-1,school-1,s-2,student,false,,,",
               "e-4,c-1,school-1,a-1,aide,false,,,"]


def write_export(d: pathlib.Path, users=None, classes=None, enrollments=None) -> pathlib.Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "users.csv").write_text("\r\n".join([USERS_HEADER] + (USERS if users is None else users)) + "\r\n")
    (d / "classes.csv").write_text("\n".join(CLASSES if classes is None else classes) + "\n")
    (d / "enrollments.csv").write_text("\n".join(ENROLLMENTS if enrollments is None else enrollments) + "\n")
    return d


def do_import(data_dir: pathlib.Path, export: pathlib.Path):
    return run_rollcall("import", "--data-dir", str(data_dir), "--oneroster", str(export), timeout=60)


def passwords_file(data_dir: pathlib.Path, out: str) -> dict[str, str]:
    line = next(l for l in out.splitlines() if l.startswith("initial passwords"))
    path = pathlib.Path(line.split(": ", 1)[1].split(" (0600", 1)[0])
    assert path.parent == data_dir, path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["username", "password"], rows
    return {u: p for u, p in rows[1:]}


def login(port: int, username: str, password: str):
    with Api(port) as a:
        return a.post("auth/login", {"username": username, "password": password})


def token(port: int, username: str, password: str) -> str:
    r = login(port, username, password)
    assert r.status == 200, r
    return r.json["access_token"]


def state_files(data_dir: pathlib.Path) -> dict[str, bytes]:
    """Every file of the data directory but the lock, by relative path."""
    out = {}
    for root, _, files in os.walk(data_dir):
        for f in files:
            p = pathlib.Path(root) / f
            if f != "rollcall.lock":
                out[str(p.relative_to(data_dir))] = p.read_bytes()
    return out


def test_import_then_serve_then_reimport_keeps_attendance(server, tmp_path):
    data_dir = tmp_path / "data"
    export = write_export(tmp_path / "export")
    p = do_import(data_dir, export)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    assert "users 3 added, 0 updated, 0 disabled, 1 skipped" in out, out
    assert "classes 1 added" in out and "enrollments 3 added" in out, out
    generated = passwords_file(data_dir, out)
    assert list(generated) == ["alee"], generated  # only the user without a password in the file
    assert len(generated["alee"]) >= 12

    srv = server(data_dir=data_dir)
    teacher = Api(srv.port, token(srv.port, "mrivera", "Teach-Pass-1"))
    classes = teacher.get("classes").json["classes"]
    assert [(c["name"], c["role"]) for c in classes] == [("Biology, period 2", "teacher")], classes
    cid = classes[0]["id"]
    info = teacher.get(f"classes/{cid}").json
    assert sorted(s["name"] for s in info["students"]) == ['Ada "Ace" Lee', "Bilal Khan"], info
    assert info["join_code"]
    assert_error(login(srv.port, "aide1", "aide-pass"), 401, "invalid_credentials")  # aides are not imported

    ada = Api(srv.port, token(srv.port, "alee", generated["alee"]))
    session = teacher.open_session(cid).json
    r = ada.check_in_code(cid, session["verification_code"])
    assert r.status == 201, r
    ada_id = r.json["student_id"]
    export_csv = teacher.get(f"classes/{cid}/attendance.csv").body.decode()
    rows = list(csv.DictReader(io.StringIO(export_csv)))
    assert {(row["student_sourced_id"], row["status"]) for row in rows} >= {("s-1", "present")}, rows
    assert srv.stop() == 0

    # Next term's export: Bilal renamed, a new student, Ada no longer listed.
    export2 = write_export(tmp_path / "export2", users=[
        user("t-1", "teacher", "mrivera", "Maria", "Rivera"),
        user("s-2", "student", "bkhan", "Bilal", "Khan-Ali"),
        user("s-3", "student", "cdoe", "Cy", "Doe", "cy-pass-3"),
    ], enrollments=[ENROLLMENTS[0], "e-9,c-1,school-1,s-3,student,false,,,"])
    p = do_import(data_dir, export2)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    assert "users 1 added, 2 updated" in out and "classes 0 added, 1 updated" in out, out
    assert "initial passwords" not in out, out

    srv = server(data_dir=data_dir)
    teacher = Api(srv.port, token(srv.port, "mrivera", "Teach-Pass-1"))  # the password stays
    info = teacher.get(f"classes/{cid}").json
    assert sorted(s["name"] for s in info["students"]) == ['Ada "Ace" Lee', "Bilal Khan-Ali", "Cy Doe"], info
    att = teacher.attendance(session["id"]).json
    ada_record = next(r for r in att["records"] if r["student_id"] == ada_id)
    assert ada_record["attendance_status"] == "present" and ada_record["verification_method"] == "verification_code", att
    assert teacher.get(f"classes/{cid}/sessions/current").json["id"] == session["id"]  # still open
    cy = Api(srv.port, token(srv.port, "cdoe", "cy-pass-3"))
    r = cy.check_in_code(cid, session["verification_code"])
    assert r.status == 201, r
    assert token(srv.port, "alee", generated["alee"])  # Ada can still sign in
    assert srv.stop() == 0


def test_import_refused_while_the_server_runs(server, tmp_path):
    srv = server()
    before = state_files(srv.data_dir)
    p = do_import(srv.data_dir, write_export(tmp_path / "export"))
    assert p.returncode == 1, p
    err = p.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("rollcall: "), err
    assert "in use by another rollcall process" in err and "stop the server" in err, err
    assert state_files(srv.data_dir) == before


@pytest.mark.parametrize("change,needle", [
    ({"enrollments": ENROLLMENTS + ["e-5,c-9,school-1,s-1,student,false,,,"]},
     "enrollments.csv line 6: no class with sourcedId 'c-9'"),
    ({"users": USERS + [user("s-7", "student", "alee", "Other", "Ada")]},
     "users.csv line 6: username 'alee' belongs to another user already"),
    ({"classes": ["sourcedId,status", "c-1,"]}, "classes.csv: no column 'title'"),
    ({"users": USERS + ["s-8,,2026-09-01,true"]}, "users.csv line 6: 4 fields, the header has 18"),
])
def test_bad_export_names_file_and_line_and_changes_nothing(tmp_path, change, needle):
    data_dir = tmp_path / "data"
    assert do_import(data_dir, write_export(tmp_path / "good")).returncode == 0
    before = state_files(data_dir)
    p = do_import(data_dir, write_export(tmp_path / "bad", **change))
    assert p.returncode == 1, p
    err = p.stderr.decode()
    assert needle in err, err
    assert err.count("\n") == 1, err
    assert state_files(data_dir) == before  # no new generation, no passwords file


def test_missing_file_and_usage(tmp_path):
    export = write_export(tmp_path / "export")
    (export / "enrollments.csv").unlink()
    p = do_import(tmp_path / "data", export)
    assert p.returncode == 1, p
    assert "enrollments.csv" in p.stderr.decode() and "No such file" in p.stderr.decode(), p
    p = run_rollcall("import", "--data-dir", str(tmp_path / "data"))
    assert p.returncode == 2 and "--oneroster" in p.stderr.decode(), p
    p = run_rollcall("import", "--help")
    assert p.returncode == 0 and "OneRoster" in p.stdout.decode(), p
    assert "rollcall import" in run_rollcall("--help").stdout.decode()


def test_import_adds_to_the_demo_district(server, tmp_path):
    from api_client import start_demo
    srv = start_demo(server)
    data_dir = srv.data_dir
    assert srv.stop() == 0
    p = do_import(data_dir, write_export(tmp_path / "export"))
    assert p.returncode == 0, p
    srv = server(data_dir=data_dir)
    admin = Api(srv.port, token(srv.port, "admin", "rollcall-demo"))
    names = [c["name"] for c in admin.get("classes").json["classes"]]
    assert len(names) == 13 and "Biology, period 2" in names, names
    assert token(srv.port, "student001", "rollcall-demo")
    assert token(srv.port, "mrivera", "Teach-Pass-1")


def zip_export(export: pathlib.Path, to: pathlib.Path, folder: str = "", skip=()) -> pathlib.Path:
    with zipfile.ZipFile(to, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(export.iterdir()):
            if f.name not in skip:
                z.write(f, folder + f.name)
    return to


def test_import_from_a_zip_is_the_same_import(server, tmp_path):
    """The export as a zip (files at its root or in a folder) imports exactly as the
    directory does: same summary, same roster served."""
    export = write_export(tmp_path / "export")
    from_dir = do_import(tmp_path / "a", export)
    assert from_dir.returncode == 0, from_dir
    from_zip = do_import(tmp_path / "b", zip_export(export, tmp_path / "export.zip", folder="oneroster-2026/"))
    assert from_zip.returncode == 0, from_zip
    summary = [l.split(" into ")[-1].split(": ", 1)[-1] for l in from_dir.stdout.decode().splitlines()[:1]]
    assert summary == [l.split(" into ")[-1].split(": ", 1)[-1] for l in from_zip.stdout.decode().splitlines()[:1]]
    srv = server(data_dir=tmp_path / "b")
    admin_token = token(srv.port, "mrivera", "Teach-Pass-1")
    names = [c["name"] for c in Api(srv.port, admin_token).get("classes").json["classes"]]
    assert names == ["Biology, period 2"], names


def test_a_bad_zip_is_refused_in_one_line_and_changes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    export = write_export(tmp_path / "export")
    assert do_import(data_dir, export).returncode == 0
    before = state_files(data_dir)
    (tmp_path / "notzip.zip").write_bytes(b"PK not really")
    twice = zip_export(export, tmp_path / "twice.zip")
    with zipfile.ZipFile(twice, "a") as z:
        z.write(export / "users.csv", "again/users.csv")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for f in ("classes.csv", "enrollments.csv"):
            z.write(export / f, f)
        with z.open("users.csv", "w", force_zip64=True) as w:  # 257 MiB of zeros, ~260 KB zipped
            chunk = bytes(1 << 20)
            for _ in range(257):
                w.write(chunk)
    cases = [(tmp_path / "notzip.zip", "not a readable zip archive"),
             (zip_export(export, tmp_path / "partial.zip", skip=("enrollments.csv",)), "has no enrollments.csv"),
             (twice, "holds more than one users.csv"),
             (bomb, "users.csv is larger than 256 MiB")]
    for archive, needle in cases:
        p = do_import(data_dir, archive)
        err = p.stderr.decode()
        assert p.returncode == 1 and needle in err and err.count("\n") == 1, (archive.name, err)
    assert state_files(data_dir) == before
