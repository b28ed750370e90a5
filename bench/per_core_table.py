#!/usr/bin/python3
"""Issue 22's table from one `bench/run --per-core` results directory: rollcall's
figures next to the Node ws reference's (bench/reference/), one row per goal.

Usage: bench/per_core_table.py RESULTS_DIR   (reads rollcall-*.json and ref-*.json)
"""
from __future__ import annotations

import json
import pathlib
import sys

SUBSCRIBERS = 10_000


def load(d: pathlib.Path, name: str) -> dict | None:
    f = d / f"{name}.json"
    if not f.exists():
        return None
    lines = [ln for ln in f.read_text().splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def kb_per_sub(r: dict | None) -> str:
    if not r or r.get("server_rss_before_kb", -1) < 0:
        return "-"
    return f"{(r['server_rss_kb'] - r['server_rss_before_kb']) * 1024 / SUBSCRIBERS / 1000:.2f} KB"


def after(r: dict | None) -> str:
    if not r or r.get("server_rss_after_kb", -1) < 0:
        return "-"
    return f"{(r['server_rss_after_kb'] - r['server_rss_before_kb']) / 1024:+.1f} MB"


def connects(r: dict | None) -> str:
    return f"{r['connects_per_s']:,.0f}" if r else "-"


def p99(r: dict | None) -> str:
    if not r:
        return "-"
    note = "" if r["errors"] == 0 and r["lost"] == 0 else f" (errors {r['errors']}, lost {r['lost']})"
    return f"{r['latency_ms']['p99']:.1f} ms{note}"


STAGES = [
    ("rollcall_http_request_duration_seconds", "request parsed -> answered"),
    ("rollcall_wal_commit_wait_seconds", "record appended -> durable"),
    ("rollcall_wal_fsync_duration_seconds", "fsync"),
    ("rollcall_ws_publish_to_send_seconds", "event published -> frames queued"),
    ("rollcall_loop_turn_busy_seconds", "loop turn's work"),
]


def quantile(page: str, family: str, q: float) -> str:
    """The upper bound of the bucket holding quantile q of a histogram in a metrics page."""
    buckets = []
    for line in page.splitlines():
        if line.startswith(family + "_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    if not buckets or buckets[-1][1] == 0:
        return "-"
    want = q * buckets[-1][1]
    for bound, count in buckets:
        if count >= want:
            return "> 10 s" if bound == float("inf") else f"<= {bound * 1000:g} ms"
    return "-"


def stages(d: pathlib.Path) -> None:
    """Where a write's time went, from the server's own histograms of each run."""
    runs = [(f"{rate}/s", d / f"rollcall-{rate}.metrics.txt") for rate in (10, 300, 1000, 3000)]
    runs = [(name, f.read_text()) for name, f in runs if f.exists()]
    if not runs:
        return
    print()
    print("| stage (server histograms, p50 / p99 bucket) | " + " | ".join(n for n, _ in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for family, label in STAGES:
        cells = [f"{quantile(page, family, 0.5)} / {quantile(page, family, 0.99)}" for _, page in runs]
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> int:
    d = pathlib.Path(sys.argv[1])
    rc = {rate: load(d, f"rollcall-{rate}") for rate in (10, 300, 1000, 3000)}
    ref = {rate: load(d, f"ref-{rate}") for rate in (10, 300, 1000, 3000)}
    one = load(d, "rollcall-3000-unpinned-1shard")
    two = load(d, "rollcall-3000-unpinned-2shards")
    pinned = load(d, "rollcall-3000-pinned-2shards")
    rows = [
        ("WebSocket upgrades accepted per second (10k, 4 source addresses)", connects(ref[10]),
         connects(rc[10]), ">= 20,000"),
        ("server memory per held subscriber (RSS growth / 10k, 10 overrides/s)", kb_per_sub(ref[10]),
         kb_per_sub(rc[10]), "<= 1 KB"),
        ("the same while 1,000 overrides/s flow", kb_per_sub(ref[1000]), kb_per_sub(rc[1000]),
         "<= 1.2 KB"),
        ("RSS left after 10k subscribers came and went (1,000 overrides/s)", after(ref[1000]),
         after(rc[1000]), "within 10 MB of start"),
        ("p99, 300 overrides/s", p99(ref[300]), p99(rc[300]), "<= 5 ms"),
        ("p99, 1,000 overrides/s", p99(ref[1000]), p99(rc[1000]), "<= 1.2x the reference + 1 ms"),
        ("p99, 3,000 overrides/s", p99(ref[3000]), p99(rc[3000]), "<= 12 ms"),
        ("unpinned, client on the same cores, 3,000 overrides/s: 1 shard / 2 shards", "-",
         f"{p99(one)} / {p99(two)}", "2 shards never worse"),
        ("the same, 2 shards with --pin-shards", "-", p99(pinned), "-"),
    ]
    print("| figure | Node ws reference | rollcall | goal |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    stages(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
