"""The data directory's format version (issue 21, docs/architecture.md "Data format"):
`<data-dir>/format.json`, written when a directory is first used, checked by every
command that opens one. A directory from before the file existed is format 1 and
gets the file back; a newer format, or a file that does not parse, is refused by
every command with one line, and nothing in the directory changes.
"""
from __future__ import annotations

import hashlib
import shutil
import json
import os
import pathlib
import stat
import zipfile

import pytest

from crash_harness import (DEMO_12x30, FailedStart, Tokens, client, events, run_cli, start,
                           start_expecting_failure)

SOURCE_ROOT = pathlib.Path(os.environ.get("ROLLCALL_SOURCE_ROOT") or pathlib.Path(__file__).resolve().parents[2])
FORMAT_FILE = "format.json"
# The format this rollcall writes (1 + app/data_format.hpp's upgrade steps: 1 -> 2,
# sessions may rotate their code), and one it does not know.
CURRENT = 2
NEWER = CURRENT + 1


def rollcall_version() -> str:
    p = run_cli("--version")
    assert p.returncode == 0, p
    return p.stdout.split()[-1]


def read_format(data_dir: pathlib.Path) -> dict:
    return json.loads((data_dir / FORMAT_FILE).read_text())


def tree(data_dir: pathlib.Path) -> dict[str, str]:
    """Every entry under the directory: files by SHA-256 of their bytes, and their mode."""
    out = {}
    for root, dirs, files in os.walk(data_dir):
        for name in dirs + files:
            p = pathlib.Path(root) / name
            rel = str(p.relative_to(data_dir))
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else "dir"
            out[rel] = f"{digest} {oct(st.st_mode)}"
    return out


def made_directory(server, data_dir: pathlib.Path) -> None:
    """A data directory with a roster, a log and a write in it; its server stopped."""
    srv = start(server, data_dir, *DEMO_12x30)
    with client(srv, Tokens(data_dir), "teacher1") as t:
        assert t.open_session(1, 5).status == 201
    assert srv.stop() == 0


def write_export(d: pathlib.Path) -> pathlib.Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "users.csv").write_text("sourcedId,role,username,givenName,familyName\n"
                                 "t-9,teacher,newteacher,New,Teacher\n")
    (d / "classes.csv").write_text("sourcedId,title\nc-9,New class\n")
    (d / "enrollments.csv").write_text("sourcedId,classSourcedId,userSourcedId,role\ne-9,c-9,t-9,teacher\n")
    return d


def one_line(p) -> str:
    """The refusal: non-zero exit, exactly one line on stderr (no JSON log lines)."""
    assert p.returncode != 0, p
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("rollcall: "), lines[0]
    return lines[0]


def refused_serve(server, data_dir) -> str:
    got = start_expecting_failure(server, data_dir)
    assert isinstance(got, FailedStart), "serve started on a directory it must refuse"
    assert got.returncode == 1, got
    lines = got.lines()
    assert len(lines) == 1, got.stderr
    return lines[0]


def test_a_new_directory_gets_the_format_file(server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir)
    written = read_format(data_dir)
    assert written == {"format": "rollcall-data", "version": CURRENT, "written_by": rollcall_version()}, written
    assert stat.S_IMODE((data_dir / FORMAT_FILE).stat().st_mode) == 0o600
    assert not (data_dir / (FORMAT_FILE + ".tmp")).exists()
    # Not logged (a refusal later in the start must stay one line); "started" names it.
    assert events(srv, "data_format_written") == []
    [started] = events(srv, "started")
    assert started["data_format"] == CURRENT, started
    assert srv.stop() == 0
    # A later start finds it and leaves it as it is.
    before = (data_dir / FORMAT_FILE).stat().st_mtime_ns
    srv = start(server, data_dir)
    assert events(srv, "data_format_written") == []
    assert (data_dir / FORMAT_FILE).stat().st_mtime_ns == before
    assert srv.stop() == 0


def test_a_directory_from_before_the_file_is_format_1(server, tmp_path):
    data_dir = tmp_path / "data"
    made_directory(server, data_dir)
    (data_dir / FORMAT_FILE).unlink()
    # Commands that only read refuse a format older than theirs (serve upgrades it
    # first), and write nothing.
    before = tree(data_dir)
    for line in (one_line(run_cli("token", "--data-dir", str(data_dir), "--user", "admin")),
                 one_line(run_cli("wal", "verify", "--data-dir", str(data_dir)))):
        assert f"data format 1, this rollcall reads data format {CURRENT}" in line, line
        assert "start rollcall serve on it once" in line, line
    assert tree(data_dir) == before
    srv = start(server, data_dir, *DEMO_12x30)
    [ev] = events(srv, "data_format_written")
    assert ev["version"] == 1 and "before" in ev["reason"], ev
    assert [e["version"] for e in events(srv, "data_format_upgraded")] == list(range(2, CURRENT + 1))
    assert read_format(data_dir)["version"] == CURRENT
    assert run_cli("token", "--data-dir", str(data_dir), "--user", "admin").returncode == 0
    # The data is intact: the session opened before is still open.
    with client(srv, Tokens(data_dir), "teacher1") as t:
        r = t.get("classes/1/sessions/current")
        assert r.status == 200 and r.json["status"] == "open", r
    assert srv.stop() == 0


def newer(data_dir: pathlib.Path) -> None:
    (data_dir / FORMAT_FILE).write_text(json.dumps({"format": "rollcall-data", "version": NEWER,
                                                    "written_by": "9.9.9"}) + "\n")


def test_a_newer_format_is_refused_by_every_command(server, tmp_path):
    data_dir = tmp_path / "data"
    made_directory(server, data_dir)
    newer(data_dir)
    before = tree(data_dir)
    mine = rollcall_version()

    def check(line: str) -> None:
        assert str(data_dir) in line, line
        assert f"data format {NEWER}" in line and f"up to {CURRENT}" in line and mine in line, line
        assert "install rollcall 9.9.9 or newer" in line, line
        assert "restore a backup made by this version" in line, line
        assert "nothing was changed" in line, line

    check(refused_serve(server, data_dir))
    check(one_line(run_cli("import", "--data-dir", str(data_dir), "--oneroster",
                           str(write_export(tmp_path / "export")))))
    check(one_line(run_cli("token", "--data-dir", str(data_dir), "--user", "admin")))
    check(one_line(run_cli("backup", "--data-dir", str(data_dir), "--to", str(tmp_path / "b.zip"))))
    assert not (tmp_path / "b.zip").exists()
    check(one_line(run_cli("wal", "verify", "--data-dir", str(data_dir))))
    check(one_line(run_cli("wal", "dump", "--data-dir", str(data_dir))))
    assert tree(data_dir) == before


@pytest.mark.parametrize("content,needle", [
    (b"", "not JSON"),
    (b"version 1\n", "not JSON"),
    (b'{"format": "rollcall-data"}', "version"),
    (b'{"format": "something-else", "version": 1}', "rollcall-data"),
    (b'{"format": "rollcall-data", "version": 0}', "version"),
    (b'{"format": "rollcall-data", "version": "1"}', "version"),
    (b'{"format": "rollcall-data", "version": 99999999999}', "version"),
    (b'{"format": "rollcall-data", "version": 1, "written_by": "\\u001b[31m"}', "written_by"),
    (b"{" + b" " * 5000 + b'"format": "rollcall-data", "version": 1}', "longer than"),
], ids=["empty", "text", "no-version", "other-format", "version-0", "version-text", "version-huge",
        "written-by-escape", "too-long"])
def test_a_malformed_format_file_is_refused(server, tmp_path, content, needle):
    data_dir = tmp_path / "data"
    made_directory(server, data_dir)
    (data_dir / FORMAT_FILE).write_bytes(content)
    before = tree(data_dir)
    for line in (refused_serve(server, data_dir),
                 one_line(run_cli("token", "--data-dir", str(data_dir), "--user", "admin")),
                 one_line(run_cli("backup", "--data-dir", str(data_dir), "--to", str(tmp_path / "b.zip")))):
        assert f"{data_dir}/{FORMAT_FILE}" in line and needle in line and "nothing was changed" in line, line
    assert tree(data_dir) == before


def test_an_unreadable_format_file_is_refused(server, tmp_path):
    data_dir = tmp_path / "data"
    made_directory(server, data_dir)
    (data_dir / FORMAT_FILE).unlink()
    (data_dir / FORMAT_FILE).mkdir()  # root reads any file; a directory it cannot read as one
    before = tree(data_dir)
    line = refused_serve(server, data_dir)
    assert f"cannot read {data_dir}/{FORMAT_FILE}" in line and "nothing was changed" in line, line
    assert tree(data_dir) == before


def test_backup_carries_the_format_and_restore_checks_it(server, tmp_path):
    data_dir = tmp_path / "data"
    made_directory(server, data_dir)
    good = tmp_path / "good.zip"
    assert run_cli("backup", "--data-dir", str(data_dir), "--to", str(good)).returncode == 0
    with zipfile.ZipFile(good) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["data_format"] == CURRENT, manifest
        assert FORMAT_FILE in [f["path"] for f in manifest["files"]], manifest
    restored = tmp_path / "restored"
    assert run_cli("restore", "--from", str(good), "--data-dir", str(restored)).returncode == 0
    assert (restored / FORMAT_FILE).read_bytes() == (data_dir / FORMAT_FILE).read_bytes()

    # A backup made by a newer rollcall (its manifest and its format.json say so):
    # refused before anything is written.
    newer_zip = tmp_path / "newer.zip"
    body = json.dumps({"format": "rollcall-data", "version": NEWER, "written_by": "9.9.9"}).encode()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(newer_zip, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == FORMAT_FILE:
                data = body
            elif info.filename == "manifest.json":
                m = json.loads(data)
                m["data_format"], m["rollcall_version"] = NEWER, "9.9.9"
                for f in m["files"]:
                    if f["path"] == FORMAT_FILE:
                        f["bytes"], f["sha256"] = len(body), hashlib.sha256(body).hexdigest()
                data = json.dumps(m).encode()
            dst.writestr(info, data)
    line = one_line(run_cli("restore", "--from", str(newer_zip), "--data-dir", str(tmp_path / "r2")))
    assert f"data format {NEWER}" in line and "install rollcall 9.9.9 or newer" in line, line
    assert not (tmp_path / "r2").exists() and not (tmp_path / "r2.restoring").exists()

    # A backup of a directory from before the file: the restored directory gets it,
    # upgraded to this rollcall's format as serve would.
    (data_dir / FORMAT_FILE).unlink()
    legacy = tmp_path / "legacy.zip"
    assert run_cli("backup", "--data-dir", str(data_dir), "--to", str(legacy)).returncode == 0
    r3 = tmp_path / "r3"
    assert run_cli("restore", "--from", str(legacy), "--data-dir", str(r3)).returncode == 0
    assert read_format(r3)["version"] == CURRENT


def test_a_format_1_directory_is_upgraded_and_serves_its_data(server, tmp_path):
    """tests/data/format-1-directory was written by the rollcall before format 2 (its
    session_opened records are the type-2 layout): serve upgrades it in place and
    serves the session and the check-in in it; a session with a rotating code then
    survives a restart in the upgraded directory."""
    data_dir = tmp_path / "data"
    shutil.copytree(SOURCE_ROOT / "tests" / "data" / "format-1-directory", data_dir)
    (data_dir / "README.md").unlink()
    for p in data_dir.rglob("*"):
        p.chmod(0o700 if p.is_dir() else 0o600)  # git keeps no modes; private files must be 0600
    assert read_format(data_dir)["version"] == 1
    srv = start(server, data_dir)
    assert [e["version"] for e in events(srv, "data_format_upgraded")] == list(range(2, CURRENT + 1))
    assert read_format(data_dir)["version"] == CURRENT
    tokens = Tokens(data_dir)
    with client(srv, tokens, "teacher1") as t:
        sess = t.get("classes/1/sessions/current")
        assert sess.status == 200 and sess.json["verification_code"] == "813723", sess
        records = {r["student_id"]: r for r in t.get(f"sessions/{sess.json['id']}/attendance").json["records"]}
        assert records[3]["attendance_status"] == "present", records  # student001, checked in before
        assert t.post("classes/2/sessions", {"rotating_code": True}).status == 201
    with client(srv, tokens, "student002") as s:
        r = s.post("attendance/check-in", {"method": "verification_code", "class_id": 1, "code": "813723"})
        assert r.status == 201, r
    assert srv.stop() == 0
    srv = start(server, data_dir)
    assert events(srv, "data_format_upgraded") == []
    with client(srv, tokens, "teacher1") as t:
        assert "code_expires_at" in t.get(f"sessions/{session_of(2)}/qr").json
        assert t.get("classes/1/sessions/current").json["verification_code"] == "813723"
    assert srv.stop() == 0


def session_of(class_id: int, n: int = 1) -> int:
    return class_id * 2**20 + n
