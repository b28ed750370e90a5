"""Damaged logs: a torn tail is dropped with a warning, corruption refuses the
start naming file and offset, `rollcall wal verify` / `wal dump` agree, and a
damaged snapshot never silently loses acknowledged data.

Writes are made one at a time (each answered before the next is sent), so each is
its own batch and later batches follow an early record. With --shards 2 class 1 is
owned by shard 1 and class 2 by shard 0.
"""
from __future__ import annotations

import copy
import random
import shutil

import pytest

from api_client import student_user
from crash_harness import (DEMO_12x30, FailedStart, Tokens, assert_same_state, client, current_generation,
                           district_state, encode_record, events, first_lsn as first_lsn_of, newest_segment,
                           owner_of, run_cli, scan_segment, segments, shard_dir, snapshots, start,
                           start_expecting_failure, wait_event, wal_dump, wal_verify)

FLAGS = (*DEMO_12x30, "--wal-segment-bytes", "65536")
CLASSES = (1, 2)
REASON = "médecin 🩺 \u202e\"x\"\n"


def student_id(k: int) -> int:
    return 5 + k


def ok(r, status=200):
    assert r.status == status, r
    return r.json


def mint(data_dir) -> Tokens:
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", "teacher1"] + [student_user(k) for k in range(1, 61)])
    return tokens


def sequential_writes(srv, tokens, class_id: int, first_k: int, close: bool = True) -> None:
    """Open, 5 check-ins, an override, a bulk change, a close: each its own batch."""
    with client(srv, tokens, "teacher1") as t:
        s = ok(t.open_session(class_id, 5), 201)
        for k in range(first_k, first_k + 5):
            with client(srv, tokens, student_user(k)) as st:
                ok(st.check_in_code(class_id, s["verification_code"]), 201)
        ok(t.override(s["id"], student_id(first_k + 5), "excused", REASON))
        ok(t.post(f"sessions/{s['id']}/attendance/bulk", {"updates": [
            {"student_id": student_id(first_k + 6), "status": "late", "reason": "bus ✓"}]}))
        if close:
            ok(t.close_session(s["id"]))


def state(srv, tokens) -> dict:
    with client(srv, tokens, "admin") as admin:
        return district_state(admin, CLASSES)


def written(srv, tokens):
    sequential_writes(srv, tokens, 1, 1)
    sequential_writes(srv, tokens, 2, 31)
    with client(srv, tokens, "teacher1") as t:
        code = ok(t.get("classes/3"))["join_code"]
    with client(srv, tokens, student_user(1)) as s:
        ok(s.post("classes/join", {"join_code": code}), 201)
    return state(srv, tokens)


@pytest.fixture(scope="module")
def pristine_logged_dir(module_server_factory, tmp_path_factory):
    """Written once per module (a server start and ~20 writes): every test damages a copy."""
    data_dir = tmp_path_factory.mktemp("logged") / "data"
    srv = start(module_server_factory, data_dir, *FLAGS)
    tokens = mint(data_dir)
    before = written(srv, tokens)
    srv.kill()
    assert owner_of(1, 2) == 1 and owner_of(2, 2) == 0
    return data_dir, before, tokens


@pytest.fixture
def logged_dir(pristine_logged_dir, tmp_path):
    """A data directory whose current generation's log holds every kind of write,
    left by kill -9; plus the state the server showed and the tokens (valid for the
    copy: the JWT secret is copied with it)."""
    pristine, before, tokens = pristine_logged_dir
    data_dir = tmp_path / "data"
    shutil.copytree(pristine, data_dir, symlinks=True)
    return data_dir, copy.deepcopy(before), tokens


# -- healthy logs: verify and dump --------------------------------------------------------
def test_wal_verify_and_dump_on_a_healthy_log(logged_dir):
    data_dir, _, _ = logged_dir
    v = wal_verify(data_dir)
    assert v.returncode == 0, (v.stdout, v.stderr)
    assert v.stderr == ""
    assert f"generation {current_generation(data_dir)}, 2 shard(s)" in v.stdout and ": ok" in v.stdout, v.stdout
    assert "  shard 0: " in v.stdout and "  shard 1: " in v.stdout and "torn tail" not in v.stdout, v.stdout

    records = wal_dump(data_dir)
    assert all({"shard", "lsn", "type"} <= set(r) for r in records), records
    for shard in (0, 1):
        lsns = [r["lsn"] for r in records if r["shard"] == shard]
        assert lsns == sorted(set(lsns)) and lsns, (shard, lsns)
    types = {r["type"] for r in records}
    assert types == {"session_opened", "checked_in", "overridden", "bulk_applied", "session_closed", "enrolled",
                     "class_joined"}, types
    for r in records:
        if r["type"] == "enrolled":
            assert r["shard"] == 0 and r["student"] == student_id(1) and r["cls"] == 3, r
        elif r["type"] == "class_joined":  # the announcement, on the class's owner
            assert r["shard"] == owner_of(3, 2) and r["student"] == student_id(1) and r["cls"] == 3, r
        else:
            assert r["shard"] == owner_of(r["cls"], 2), r
    by = lambda t, cls: [r for r in records if r["type"] == t and r["cls"] == cls]  # noqa: E731
    assert sorted(r["student"] for r in by("checked_in", 1)) == [student_id(k) for k in range(1, 6)]
    assert all(r["method"] == "verification_code" for r in by("checked_in", 1))
    [ovr] = by("overridden", 1)
    assert (ovr["student"], ovr["status"], ovr["reason"]) == (student_id(6), "excused", REASON), ovr
    [bulk] = by("bulk_applied", 2)
    assert bulk["items"] == [{"student": student_id(37), "status": "late", "reason": "bus ✓"}], bulk
    [closed] = by("session_closed", 2)
    assert len(closed["marked_absent"]) == 30 - 7, closed
    [opened] = by("session_opened", 1)
    assert opened["late_after_minutes"] == 5 and len(opened["verification_code"]) == 6, opened


# -- torn tails --------------------------------------------------------------------------
def garbage(kind: str, data: bytes, scan, rng: random.Random) -> bytes:
    last = scan.records[-1]
    if kind == "random":
        return bytes([rng.randrange(1, 256)]) + bytes(rng.randrange(256) for _ in range(255))
    if kind == "uncommitted_record":  # a well-formed record with the next LSN, and no Commit
        body = scan.records[-2]
        return encode_record({"checked_in": 9, "overridden": 10}.get(body.type, 9), last.lsn + 1, body.payload)
    if kind == "partial_record":  # the first 20 bytes of a record that claims 100
        return encode_record(4, last.lsn + 1, b"\x01" * 100)[:20]
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["random", "uncommitted_record", "partial_record"])
def test_torn_tail_is_dropped_with_a_warning(server, logged_dir, kind):
    data_dir, before, tokens = logged_dir
    seg = newest_segment(data_dir, 1)
    data = seg.read_bytes()
    scan = scan_segment(data)
    assert scan.end == "clean" and len(scan.batches) >= 9, scan.end
    end = scan.valid_bytes
    assert not any(data[end:]), "the preallocated tail is zeros"
    tail = garbage(kind, data, scan, random.Random(kind))
    with open(seg, "r+b") as f:
        f.seek(end)
        f.write(tail)

    # The offset named is where the scanner found the tail bad: the end of the last
    # complete batch for garbage, the end of the uncommitted record for a batch
    # without its Commit (what is dropped starts at `end` either way).
    v = wal_verify(data_dir)
    assert v.returncode == 0, (v.stdout, v.stderr)
    named = [ln for ln in v.stdout.splitlines() if f"torn tail at {seg} offset " in ln]
    assert len(named) == 1, v.stdout
    offset = int(named[0].split(" offset ")[1].split()[0])
    assert end <= offset <= end + len(tail), (end, offset, len(tail))
    if kind != "uncommitted_record":
        assert offset == end

    srv = start(server, data_dir, *FLAGS)
    [ev] = events(srv, "wal_torn_tail_truncated")
    assert ev["level"] == "warn" and ev["file"] == str(seg) and ev["offset"] == offset, ev
    assert_same_state(before, state(srv, tokens), f"after dropping a torn tail ({kind})")
    # The damaged generation is gone; the next crash recovers cleanly.
    assert not seg.exists()
    sequential_writes(srv, tokens, 1, 11, close=False)
    before = state(srv, tokens)
    srv.kill()
    srv = start(server, data_dir, *FLAGS)
    assert events(srv, "wal_torn_tail_truncated") == []
    assert_same_state(before, state(srv, tokens), "after a second kill -9")


# -- corruption ----------------------------------------------------------------------------
def flip(path, offset: int) -> int:
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([b ^ 0x5A]))
    return b


def assert_refused(failed, data_dir, seg, offset: int) -> None:
    assert isinstance(failed, FailedStart), "serve started on a corrupt log"
    assert failed.returncode == 1, failed
    assert "listening" not in failed.stdout, failed
    lines = failed.plain_lines()
    assert len(lines) == 1, failed.stderr
    assert lines[0].startswith(f"rollcall: cannot recover {data_dir}: {seg}: corrupt at byte offset {offset}: "), \
        lines[0]


@pytest.mark.parametrize("where", ["payload", "crc", "lsn", "length", "commit", "segment_header"])
def test_flipped_byte_in_an_early_record_refuses_to_start(server, logged_dir, where):
    data_dir, before, tokens = logged_dir
    seg = newest_segment(data_dir, 1)
    scan = scan_segment(seg.read_bytes())
    # Batch 0: session_opened + commit; batch 1: the first check-in + commit; later batches follow.
    rec = scan.batches[1][0]
    assert rec.type == "checked_in" and len(scan.batches) >= 9
    at, bad = {
        "payload": (rec.offset + 24 + rec.length // 2, rec.offset),
        "crc": (rec.offset + 17, rec.offset),
        "lsn": (rec.offset + 8, rec.offset),
        "length": (rec.offset + 1, rec.offset),
        "commit": (scan.batches[1][1].offset + 24, scan.batches[1][1].offset),
        "segment_header": (33, 0),  # the first LSN
    }[where]
    generation = current_generation(data_dir)
    original = flip(seg, at)

    failed = start_expecting_failure(server, data_dir, *FLAGS)
    assert_refused(failed, data_dir, seg, bad)
    v = wal_verify(data_dir)
    assert v.returncode == 1, (v.stdout, v.stderr)
    assert str(seg) in v.stderr and f"corrupt at byte offset {bad}" in v.stderr, v.stderr
    dump = run_cli("wal", "dump", "--data-dir", str(data_dir))
    assert dump.returncode == 1 and str(seg) in dump.stderr, (dump.stdout, dump.stderr)
    # The refused start changed nothing: repaired, the directory serves everything again.
    assert current_generation(data_dir) == generation and seg.exists()
    with open(seg, "r+b") as f:
        f.seek(at)
        f.write(bytes([original]))
    assert wal_verify(data_dir).returncode == 0
    srv = start(server, data_dir, *FLAGS)
    assert_same_state(before, state(srv, tokens), "after repairing the flipped byte")


def test_garbage_after_the_last_batch_of_an_older_segment_is_corruption(server, tmp_path):
    """A tail is only torn in the newest segment: in an older one, later segments hold
    acknowledged batches, so the start is refused."""
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *FLAGS)
    tokens = mint(data_dir)
    written(srv, tokens)
    with client(srv, tokens, "teacher1") as t:
        sid = ok(t.open_session(1, 5), 201)["id"]
        n = 0
        while len(segments(shard_dir(data_dir, 1))) < 2:  # ~560 bytes a batch: a second 64 KiB segment
            ok(t.override(sid, student_id(1 + n % 30), "excused", "x" * 480))
            n += 1
            assert n < 1000
    srv.kill()
    first = segments(shard_dir(data_dir, 1))[0]
    data = first.read_bytes()
    scan = scan_segment(data)
    assert scan.end == "clean"
    with open(first, "r+b") as f:
        f.seek(scan.valid_bytes)
        f.write(b"\xff" * 16)
    failed = start_expecting_failure(server, data_dir, *FLAGS)
    assert_refused(failed, data_dir, first, scan.valid_bytes)
    assert wal_verify(data_dir).returncode == 1


# -- snapshots -----------------------------------------------------------------------------
def snapshot_outcome(server, data_dir, flags, before, tokens) -> str:
    """Starts on the damaged directory: refusing (one line) or serving everything are the
    only acceptable outcomes. Returns which."""
    got = start_expecting_failure(server, data_dir, *flags)
    if isinstance(got, FailedStart):
        assert got.returncode == 1, got
        lines = got.plain_lines()
        assert len(lines) == 1 and lines[0].startswith(f"rollcall: cannot recover {data_dir}: "), got.stderr
        assert wal_verify(data_dir).returncode == 1
        print(f"refused: {lines[0]}")
        return "refused"
    assert_same_state(before, state(got, tokens), "after starting on a damaged snapshot")
    print("started with everything")
    return "started"


def snapshot_after_bulk(srv, data_dir, tokens, sid: int, status: str) -> int:
    """A bulk change of all 30 students of class 1 with long reasons (~16 KB of log, over
    the 4096-byte threshold), then the snapshot of shard 1 that covers it. Afterwards
    nothing is pending: the log grew 0 bytes since. Returns the covered LSN."""
    with client(srv, tokens, "teacher1") as t:
        ok(t.post(f"sessions/{sid}/attendance/bulk", {"updates": [
            {"student_id": student_id(k), "status": status, "reason": f"{k} " + "y" * 480} for k in range(1, 31)]}))
    last = scan_segment(newest_segment(data_dir, 1).read_bytes()).records[-1].lsn
    [ev] = wait_event(srv, "snapshot_written", where=lambda e: e["shard"] == 1 and e["covered_lsn"] >= last)
    # The event is logged after the older snapshot and covered segments were deleted.
    assert [p.name for p in snapshots(shard_dir(data_dir, 1))] == [f"snap-{ev['covered_lsn']:020d}.snap"]
    return ev["covered_lsn"]


def test_truncated_newest_snapshot(server, tmp_path):
    data_dir = tmp_path / "data"
    flags = (*FLAGS, "--wal-snapshot-bytes", "4096")
    srv = start(server, data_dir, *flags)
    tokens = mint(data_dir)
    written(srv, tokens)
    with client(srv, tokens, "teacher1") as t:
        sid = ok(t.open_session(1, 5), 201)["id"]
    snapshot_after_bulk(srv, data_dir, tokens, sid, "excused")
    with client(srv, tokens, "teacher1") as t:  # some log after the snapshot
        ok(t.override(sid, student_id(20), "absent", REASON))
    before = state(srv, tokens)
    srv.kill()
    [snap] = snapshots(shard_dir(data_dir, 1))
    size = snap.stat().st_size
    with open(snap, "r+b") as f:
        f.truncate(size // 2)
    outcome = snapshot_outcome(server, data_dir, flags, before, tokens)
    assert outcome == "refused"  # observed: no valid snapshot in the shard directory


def test_truncated_initial_snapshot_of_a_generation(server, tmp_path):
    """After a restart, snap-0 of each shard holds everything earlier generations had."""
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *FLAGS)
    tokens = mint(data_dir)
    before = written(srv, tokens)
    assert srv.stop() == 0
    srv = start(server, data_dir, *FLAGS)  # checkpoints into a new generation
    assert srv.stop() == 0
    sdir = shard_dir(data_dir, 1)
    [snap] = snapshots(sdir)
    assert snap.name == f"snap-{0:020d}.snap" and segments(sdir) == []
    with open(snap, "r+b") as f:
        f.truncate(snap.stat().st_size - 7)
    assert snapshot_outcome(server, data_dir, FLAGS, before, tokens) == "refused"


@pytest.mark.parametrize("bulks_between", [1, 6])
def test_older_snapshot_restored_next_to_a_truncated_newer_one(server, tmp_path, bulks_between):
    """Falling back to an older snapshot is only right if the log after it is complete:
    with 1 bulk change between the snapshots the segments after the older one are all
    there; with 6 (~100 KB) the newer snapshot deleted the first 64 KiB segment."""
    data_dir = tmp_path / "data"
    flags = (*FLAGS, "--wal-snapshot-bytes", "4096")
    srv = start(server, data_dir, *flags)
    tokens = mint(data_dir)
    written(srv, tokens)
    with client(srv, tokens, "teacher1") as t:
        sid = ok(t.open_session(1, 5), 201)["id"]
    sdir = shard_dir(data_dir, 1)
    older_lsn = snapshot_after_bulk(srv, data_dir, tokens, sid, "excused")
    [older] = snapshots(sdir)
    saved = older.read_bytes()
    for n in range(bulks_between):
        newer_lsn = snapshot_after_bulk(srv, data_dir, tokens, sid, ["late", "absent"][n % 2])
    with client(srv, tokens, "teacher1") as t:  # some log after the newer snapshot
        ok(t.override(sid, student_id(20), "absent", REASON))
    first_segment = first_lsn_of(segments(sdir)[0])
    before = state(srv, tokens)
    srv.kill()
    [newer] = snapshots(sdir)
    older.write_bytes(saved)
    with open(newer, "r+b") as f:
        f.truncate(newer.stat().st_size // 2)
    outcome = snapshot_outcome(server, data_dir, flags, before, tokens)
    print(f"older snapshot at LSN {older_lsn}, newer at {newer_lsn}, first segment from LSN {first_segment}: {outcome}")
    if first_segment > older_lsn + 1:
        assert outcome == "refused"  # the log after the older snapshot is incomplete
