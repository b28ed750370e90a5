"""The crash test: kill -9 during concurrent writes, restart on the same data
directory, and check that every acknowledged write survived and nothing doubled.

Each iteration opens one session in four classes (one per teacher), then runs
student threads (verification-code check-ins), one thread per teacher (overrides,
bulk changes, sometimes a close) and one thread of class joins (three students
join a class of another iteration) against the real server. Every write is
recorded as acknowledged (2xx received), refused, unknown (sent, no answer: the
server died) or unsent. The server is SIGKILLed once a random number of writes
were acknowledged (sometimes only after all of them), restarted on the same data
directory (with a random snapshot threshold and segment size, to crash around
snapshots and segment switches too), and crash_harness.check_session says what
the recovered sessions may look like. Sessions of earlier iterations are closed
and kept; after every restart they must read back the same (a student who joined
the class since is listed in them as unmarked, which is all that may differ).

A second test kills the server during start-up (recovery, the new generation's
checkpoint, the switch of wal/CURRENT) again and again.

ROLLCALL_CRASH_ITERATIONS (default 15) sets the number of iterations,
ROLLCALL_CRASH_SEED replays a run (the seed is printed and named on failure).
"""
from __future__ import annotations

import os
import random
import threading
import time

from api_client import API, student_user
from crash_harness import (ACKED, DEMO_12x30, UNKNOWN, UNSENT, KillTrigger, Op, PlannedSession, Tokens, check_session,
                           client, current_generation, district_state, events, first_difference, generation_dir,
                           plan_session, run_ops, session_state, start, wait_until, wal_verify)

CLASSES = 12
CLASS_SIZE = 30
STUDENT_THREADS = 6


def student_ids(class_id: int) -> list[int]:
    # 12-class demo: 1 admin, 4 teachers (ids 2..5), student k has id 5 + k.
    return [5 + k for k in range(CLASS_SIZE * (class_id - 1) + 1, CLASS_SIZE * class_id + 1)]


def user_of_student_id(sid: int) -> str:
    return student_user(sid - 5)


def teacher_of(class_id: int) -> tuple[str, int]:
    t = (class_id + 2) // 3
    return f"teacher{t}", 1 + t


def without_students(st: dict, students: set[int]) -> dict:
    """A session's state as it read before `students` joined the class: a student who
    joins later is listed (unmarked, counted) in the class's earlier sessions too."""
    att = dict(st["attendance"])
    extra = [r for r in att["records"] if r["student_id"] in students]
    att["records"] = [r for r in att["records"] if r["student_id"] not in students]
    counts = dict(att["counts"])
    for r in extra:
        counts[r["attendance_status"]] -= 1
        counts["total"] -= 1
    att["counts"] = counts
    return {"attendance": att, "audit": st["audit"], "extra": [r["attendance_status"] for r in extra]}


def restart_flags(rng: random.Random) -> list[str]:
    flags = list(DEMO_12x30)
    snap = rng.choice([None, None, 2048, 4096, 65536])
    if snap:
        flags += ["--wal-snapshot-bytes", str(snap)]
    if rng.random() < 0.5:
        flags += ["--wal-segment-bytes", "65536"]
    return flags


def test_crash_during_concurrent_writes(server, tmp_path):
    iterations = int(os.environ.get("ROLLCALL_CRASH_ITERATIONS", "15"))
    seed = int(os.environ.get("ROLLCALL_CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"crash test: seed {seed}, {iterations} iterations (replay with ROLLCALL_CRASH_SEED={seed})")
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    log: list[str] = []  # what each iteration did, printed on failure

    def fail(msg: str):
        raise AssertionError(f"[crash seed {seed}; replay with ROLLCALL_CRASH_SEED={seed}]\n"
                             + "\n".join(log) + "\n" + msg)

    srv = start(server, data_dir, *DEMO_12x30, shards=2)
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin"] + [f"teacher{t}" for t in range(1, 5)] +
                    [student_user(k) for k in range(1, CLASSES * CLASS_SIZE + 1)])
    archive: dict[int, dict] = {}  # sessions of finished iterations: sid -> state
    planned: list[PlannedSession] = []
    with client(srv, tokens, "admin") as admin:
        join_codes = {c: admin.get(f"classes/{c}").json["join_code"] for c in range(1, CLASSES + 1)}
    enrolled = {c: student_ids(c) for c in range(1, CLASSES + 1)}  # as the server must have it

    for it in range(iterations):
        # -- open this iteration's sessions (sequential, each acknowledged) ------------
        classes = [3 * t - 2 + it % 3 for t in range(1, 5)]
        planned = []
        for c in classes:
            name, tid = teacher_of(c)
            with client(srv, tokens, name) as t:
                late = rng.choice([0, 5, 1440])
                r = t.open_session(c, late)
                if r.status != 201:
                    fail(f"iteration {it}: opening a session in class {c}: {r}")
                planned.append(PlannedSession(c, r.json, name, tid, sorted(enrolled[c])))

        # -- the concurrent writes, and the kill --------------------------------------
        checkins, teacher_lists = [], []
        for ps in planned:
            ck, tops = plan_session(rng, ps, user_of_student_id)
            checkins += ck
            teacher_lists.append(tops)
        rng.shuffle(checkins)
        student_lists = [checkins[i::STUDENT_THREADS] for i in range(STUDENT_THREADS)]
        # Meanwhile a few students join a class of another iteration (shard 0's log, and a
        # roster every shard installs before the answer).
        join_class = rng.choice([c for c in range(1, CLASSES + 1) if c not in classes])
        joiners = rng.sample(sorted(set(range(6, 6 + CLASSES * CLASS_SIZE)) - set(enrolled[join_class])), 3)
        joins = [Op("join", join_class, 0, user_of_student_id(sid), "POST", f"{API}/classes/join",
                    {"join_code": join_codes[join_class]}, [sid]) for sid in joiners]
        total = sum(len(ps.ops) for ps in planned) + len(joins)
        target = total + 1 if rng.random() < 0.15 else rng.randint(0, total)
        trigger = KillTrigger(target, len(student_lists) + len(teacher_lists) + 1)
        errors: list[str] = []
        threads = [threading.Thread(target=run_ops, args=(srv.port, tokens, ops, trigger, errors), daemon=True)
                   for ops in student_lists + teacher_lists + [joins]]
        for th in threads:
            th.start()
        if not trigger.event.wait(timeout=60):
            fail(f"iteration {it}: the workers neither reached {target} acknowledgements nor finished in 60 s")
        srv.kill()  # SIGKILL
        for th in threads:
            th.join(timeout=30)
            if th.is_alive():
                fail(f"iteration {it}: a worker is still running 30 s after the kill")
        if errors:
            fail(f"iteration {it}: " + "\n".join(errors))
        outcomes = {k: sum(op.outcome == k for op in [*joins, *(op for ps in planned for op in ps.ops)])
                    for k in (ACKED, UNKNOWN, UNSENT)}
        outcomes["refused"] = total - sum(outcomes.values())

        # -- restart on the same directory and check ----------------------------------
        flags = restart_flags(rng)
        log.append(f"iteration {it}: classes {classes}, joins into {join_class}, {total} writes, "
                   f"kill after {target} acks: {outcomes}; "
                   f"restart with {' '.join(flags[5:]) or 'default log flags'}")
        srv = start(server, data_dir, *flags, shards=2)
        torn = events(srv, "wal_torn_tail_truncated")
        if torn:
            log.append(f"  recovery dropped torn tails: {[(e['file'][-40:], e['offset']) for e in torn]}")
        with client(srv, tokens, "admin") as admin:
            problems = []
            for ps in planned:
                problems += check_session(ps, session_state(admin, ps.session["id"]))
            # Joins: every acknowledged one is there, none that was not sent, none twice.
            students = [s["id"] for s in admin.get(f"classes/{join_class}").json["students"]]
            joined = set(students) - set(enrolled[join_class])
            if len(students) != len(set(students)) or not set(enrolled[join_class]) <= set(students):
                problems.append(f"class {join_class} students {students}, had {enrolled[join_class]}")
            for op in joins:
                sid = op.students[0]
                if op.outcome == "refused":
                    problems.append(f"join refused: {op.describe()} {op.resp}")
                if op.outcome == ACKED and (op.status != 201 or sid not in joined):
                    problems.append(f"acknowledged join lost: {op.describe()} {op.resp}")
                if op.outcome not in (ACKED, UNKNOWN) and sid in joined:
                    problems.append(f"a join that was {op.outcome} happened: {op.describe()}")
                if sid in joined:
                    with client(srv, tokens, op.user) as st:
                        mine = [c["id"] for c in st.get("classes").json["classes"]]
                    if join_class not in mine:
                        problems.append(f"student {sid} joined class {join_class} but lists {mine}")
            if joined - set(joiners):
                problems.append(f"students {joined - set(joiners)} appeared in class {join_class}")
            for sid, before in archive.items():
                now = session_state(admin, sid)
                if sid >> 20 == join_class and joined:
                    now = without_students(now, joined)
                    if set(now.pop("extra")) - {"unmarked"}:
                        problems.append(f"session {sid}: a newly joined student has a record in an old session")
                d = first_difference(before, now)
                if d:
                    problems.append(f"session {sid} of an earlier iteration changed: {d}")
            if problems:
                fail(f"iteration {it}: {len(problems)} problem(s):\n" + "\n".join(problems[:40]))
            enrolled[join_class] = sorted(students)
            for sid in list(archive):  # they now list the joined students
                if sid >> 20 == join_class:
                    archive[sid] = session_state(admin, sid)
            # Close what is still open, then keep these sessions for the next checks.
            for ps in planned:
                sid = ps.session["id"]
                st = session_state(admin, sid)
                if st["attendance"]["session"]["status"] == "open":
                    with client(srv, tokens, ps.teacher) as t:
                        r = t.close_session(sid)
                        if r.status != 200:
                            fail(f"iteration {it}: closing session {sid} after recovery: {r}")
                archive[sid] = session_state(admin, sid)
    print("\n".join(log))


def test_kill_during_startup_recovery_and_checkpoint(server, tmp_path):
    """Every start recovers the log and writes the next generation (roster, one snapshot
    per shard, then the switch of wal/CURRENT, then the old generation is deleted).
    A kill -9 at any moment of that must leave a directory that still holds everything."""
    seed = int(os.environ.get("ROLLCALL_CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"seed {seed} (replay with ROLLCALL_CRASH_SEED={seed})")
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *DEMO_12x30, shards=2)
    tokens = Tokens(data_dir)
    tokens.mint_all(["admin", "teacher1", "teacher2"] + [student_user(k) for k in range(1, 181)])
    for c in range(1, 7):
        with client(srv, tokens, f"teacher{(c + 2) // 3}") as t:
            s = t.open_session(c, 5)
            assert s.status == 201, s
            for k in range(30 * (c - 1) + 1, 30 * c + 1, 2):
                with client(srv, tokens, student_user(k)) as st:
                    assert st.check_in_code(c, s.json["verification_code"]).status == 201
            assert t.override(s.json["id"], 5 + 30 * c, "excused", "médecin 🩺").status == 200
    with client(srv, tokens, "admin") as admin:
        before = district_state(admin, range(1, 13))
    srv.kill()
    outcomes = []
    for i in range(12):
        flags = list(DEMO_12x30) + (["--wal-segment-bytes", "65536"] if i % 2 else [])
        gen = current_generation(data_dir)
        next_gen = generation_dir(data_dir, gen + 1)
        s = server(*flags, shards=rng.choice([1, 2, 3]), data_dir=data_dir, wait=False)
        if i % 3 == 0:
            # As soon as the next generation's directory appears (the checkpoint is being written).
            wait_until(lambda: next_gen.exists() or not s.alive(), 10, "the next generation", interval=0.0005)
            moment = "at the new generation's directory"
        else:
            delay = rng.uniform(0, 0.6)
            time.sleep(delay)  # a random kill moment, not a wait for anything
            moment = f"after {delay * 1000:.0f} ms"
        s.kill()
        switched = current_generation(data_dir) != gen
        outcomes.append(f"{moment}: {'switched' if switched else 'not switched'}")
        v = wal_verify(data_dir)
        assert v.returncode == 0, f"seed {seed}, kill {i} {moment}: {v.stdout}{v.stderr}"
    srv = start(server, data_dir, *DEMO_12x30, shards=2)
    with client(srv, tokens, "admin") as admin:
        d = first_difference(before, district_state(admin, range(1, 13)))
    assert d is None, f"seed {seed}: after kills during start-up ({outcomes}): {d}"
    assert len([p for p in (data_dir / "wal").iterdir() if p.is_dir()]) == 1, list((data_dir / "wal").iterdir())
    print("\n".join(outcomes))
