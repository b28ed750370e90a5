"""bench/sizing (issue 21): the script that measures the sizing figures of
docs/operations.md runs, in its --quick mode, against the real binaries
(ROLLCALL_BIN, rollcall-load next to it), and its one JSON line holds every figure
the guide quotes, each a positive number in a plausible range, consistent with the
points it was computed from. So the script that reproduces the guide's numbers
cannot rot. It also leaves no process behind.

The figures' values are not asserted beyond plausibility: they are measurements
(docs/operations.md "Sizing" quotes a full run), and this only keeps the script honest.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/deploy/test_sizing_script.py
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess

import pytest

from conftest import SOURCE_ROOT

SCRIPT = SOURCE_ROOT / "bench" / "sizing"
RUN_TIMEOUT_S = 300.0  # --quick takes about 20 s here, a minute when the machine is busy: a guard, not a limit
KIB = 1024
MIB = 1024 * 1024
GIB = 1024 * MIB

# Every figure the guide quotes: its path in the JSON and its plausible range.
FIGURES = {
    # connections: slots are preallocated (in base.rss_kb), so a connection adds little (since receive
    # buffers stopped growing with the connection count: tens to hundreds of bytes)
    "websocket.rss_per_conn_bytes": (16, MIB),
    "websocket.fds_per_conn": (0.9, 1.5),
    "http_keepalive.rss_per_conn_bytes": (16, MIB),
    "http_keepalive.fds_per_conn": (0.9, 1.5),
    # fixed parts
    "base.rss_kb": (4 * KIB, 2 * GIB // KIB),
    "base.fds": (3, 1000),
    "base.rss_per_shard_bytes": (64 * KIB, 512 * MIB),
    "base.fds_per_shard": (0.5, 50),
    "classes.rss_per_class_bytes": (256, 8 * MIB),
    "classes.roster_bytes_per_student": (32, 16 * KIB),
    "classes.ring_ceiling_bytes_per_class": (MIB, 2 * MIB),
    # the log, per record (8-byte aligned; a commit is 24 + 12 bytes, padded)
    "log.session_opened_bytes": (32, 4 * KIB),
    "log.checked_in_bytes": (32, 4 * KIB),
    "log.overridden_bytes": (32, 4 * KIB),
    "log.session_closed_bytes_base": (32, 4 * KIB),
    "log.session_closed_bytes_per_listed_student": (1, 64),
    "log.commit_bytes": (40, 40),
    "log.bytes_per_acked_checkin": (32, 4 * KIB),
    "log.records_per_commit": (1, 1000),
    "log.cut.snapshots": (1, 10_000),
    # what a school day leaves
    "day.snapshot_bytes_per_session": (64, MIB),
    "day.feeds_bytes_per_session": (64, MIB),
    "day.events_per_session": (1, 10_000),
    "day.event_bytes": (64, 64 * KIB),
    "day.state_bytes_per_session": (256, 4 * MIB),
    "day.rss_per_session_bytes": (256, 16 * MIB),
    "day.history_rss_factor": (0.5, 10),
    "day.compression.log": (0.01, 1.2),
    "day.compression.snapshot": (0.01, 1.2),
    "day.compression.feeds": (0.01, 1.2),
    "day.compression.roster": (0.01, 1.2),
    "day.backup_bytes": (KIB, GIB),
    "day.backup_predicted_bytes": (KIB, GIB),
    "day.backup_ratio": (0.01, 1.5),
    # the 50,000-student example
    "district.log_bytes_per_day": (MIB, 10 * GIB),
    "district.log_bytes_year_without_snapshots": (180 * MIB, 2000 * GIB),
    "district.log_bytes_max_with_snapshots": (MIB, 100 * GIB),
    "district.days_between_snapshots": (0.01, 1000),
    "district.snapshot_bytes_day_180": (MIB, 1000 * GIB),
    "district.history_bytes_per_class_day": (KIB, 64 * MIB),
    "district.days_to_fill_history": (0.01, 1000),
    "district.feeds_bytes_full": (MIB, 100 * GIB),
    "district.roster_bytes": (MIB, GIB),
    "district.disk_bytes_day_180": (MIB, 2000 * GIB),
    "district.disk_bytes_peak_day_180": (MIB, 4000 * GIB),
    "district.rss_bytes_start": (MIB, 64 * GIB),
    "district.rss_bytes_rings_full": (MIB, 256 * GIB),
    "district.rss_bytes_state_day_180": (MIB, 1000 * GIB),
    "district.rss_bytes_connections": (MIB, 64 * GIB),
    "district.rss_bytes_day_180": (MIB, 1000 * GIB),
    "district.backup_bytes_day_180": (MIB, 1000 * GIB),
    "district.nofile": (1024, 1 << 20),
}


def lookup(data: dict, path: str):
    value = data
    for key in path.split("."):
        assert isinstance(value, dict) and key in value, f"{path}: no '{key}' in the JSON"
        value = value[key]
    return value


@pytest.fixture(scope="module")
def sizing(rollcall_bin, tmp_path_factory):
    """Runs bench/sizing --quick once; its JSON line and its scratch directory."""
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK), f"{SCRIPT} is missing or not executable"
    load_bin = rollcall_bin.parent / "rollcall-load"
    assert load_bin.is_file(), f"{load_bin} is missing: bench/sizing needs rollcall-load next to rollcall"
    work = tmp_path_factory.mktemp("sizing")
    proc = subprocess.Popen([str(SCRIPT), "--quick", "--bin", str(rollcall_bin), "--work", str(work)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if proc.poll() is None:  # timed out (or interrupted): the script and its servers
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    stderr = err.decode(errors="replace")
    assert proc.returncode == 0, f"bench/sizing --quick exited {proc.returncode}\n{stderr[-4000:]}"
    lines = out.decode().strip().splitlines()
    assert lines, f"bench/sizing printed nothing on stdout\n{stderr[-4000:]}"
    return json.loads(lines[-1]), work, stderr


def test_every_figure_is_there_positive_and_plausible(sizing):
    data, _, _ = sizing
    bad = []
    for path, (low, high) in FIGURES.items():
        value = lookup(data, path)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            bad.append(f"{path} = {value!r} is not a number")
        elif not (value > 0 and low <= value <= high):
            bad.append(f"{path} = {value} outside [{low}, {high}]")
    assert not bad, "\n".join(bad)


def test_per_connection_figures_are_slopes_between_two_counts(sizing):
    data, _, _ = sizing
    for kind in ("websocket", "http_keepalive"):
        fig = data[kind]
        (n1, n2), (r1, r2) = fig["conns"], fig["grew_kb"]
        assert 0 < n1 < n2, (kind, fig["conns"])
        assert fig["rss_per_conn_bytes"] == pytest.approx((r2 - r1) * 1024 / (n2 - n1), rel=1e-6), kind
        (f1, f2) = fig["fds"]
        assert fig["fds_per_conn"] == pytest.approx((f2 - f1) / (n2 - n1), rel=1e-6), kind


def test_district_day_adds_up_from_the_per_record_figures(sizing):
    data, _, _ = sizing
    log, model, district = data["log"], data["district"]["model"], data["district"]
    commit = log["commit_bytes"]
    day = (model["sessions_per_day"] * (log["session_opened_bytes"] + commit)
           + model["checkins_per_day"] * (log["checked_in_bytes"] + commit)
           + model["overrides_per_day"] * (log["overridden_bytes"] + commit)
           + model["sessions_per_day"] * (log["session_closed_bytes_base"] + commit)
           + model["listed_absent_per_day"] * log["session_closed_bytes_per_listed_student"])
    assert district["log_bytes_per_day"] == pytest.approx(day, rel=1e-6)
    assert district["log_bytes_year_without_snapshots"] == pytest.approx(model["school_days"] * day, rel=1e-6)
    assert district["log_bytes_max_with_snapshots"] < district["log_bytes_year_without_snapshots"]


def test_the_log_was_measured_by_its_records_and_agrees_with_the_server(sizing):
    """The script walks the segments' records; the server counts what it wrote."""
    data, _, _ = sizing
    checks = data["log"]["checks"]
    assert checks["scanned_bytes"] > 0
    assert checks["scanned_bytes"] == checks["server_written_bytes"], checks
    assert checks["records_dumped"] > 0


def test_snapshots_cut_the_log_within_the_bound(sizing):
    """The run with a small --wal-snapshot-bytes wrote more log than the bound, and the
    log's disk stayed within it."""
    data, _, _ = sizing
    cut = data["log"]["cut"]
    assert cut["snapshots"] >= 1, cut
    assert cut["written_bytes"] > cut["bound_bytes"], cut
    assert 0 < cut["disk_max_bytes"] <= cut["bound_bytes"], cut


def test_the_backup_weighs_what_its_parts_predict(sizing):
    """The district's backup is computed from per-kind deflate ratios; on the measured
    day that prediction must hold for the real `rollcall backup`."""
    data, _, _ = sizing
    day = data["day"]
    assert day["backup_predicted_bytes"] == pytest.approx(day["backup_bytes"], rel=0.2), day


def test_the_run_leaves_no_process_behind(sizing):
    _, work, _ = sizing
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if str(work) in cmdline:
            leftovers.append((pid, cmdline.replace("\0", " ")))
    for pid, _ in leftovers:  # a failing run still leaves nothing behind
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not leftovers, leftovers
