"""Group commit, seen through the metrics: one fdatasync per batch, one batch per
turn. Sequential writes (each answered before the next is sent) are a batch each;
many concurrent writes share batches.
"""
from __future__ import annotations

import json

from api_client import API, student_user
from crash_harness import DEMO_12x30, Tokens, client, start
import http_client

WAL = ("rollcall_wal_fsyncs_total", "rollcall_wal_records_total", "rollcall_wal_batch_records_count",
       "rollcall_wal_batch_records_sum")


def wal_metrics(srv) -> dict[str, float]:
    m = srv.metrics()
    return {k: m[k] for k in WAL}


def delta(a: dict, b: dict) -> dict:
    return {k: b[k] - a[k] for k in a}


def open_sessions(srv, tokens, classes) -> dict[int, str]:
    codes = {}
    for c in classes:
        with client(srv, tokens, f"teacher{(c + 2) // 3}") as t:
            r = t.open_session(c, 5)
            assert r.status == 201, r
            codes[c] = r.json["verification_code"]
    return codes


def test_sequential_and_concurrent_writes(server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *DEMO_12x30)
    tokens = Tokens(data_dir)
    tokens.mint_all([f"teacher{t}" for t in range(1, 5)] + [student_user(k) for k in range(1, 261)])
    codes = open_sessions(srv, tokens, range(1, 10))

    # N sequential check-ins: one batch, one fdatasync each.
    n = 25
    before = wal_metrics(srv)
    for k in range(1, n + 1):
        with client(srv, tokens, student_user(k)) as s:
            assert s.check_in_code(1, codes[1]).status == 201
    d = delta(before, wal_metrics(srv))
    assert d == {"rollcall_wal_fsyncs_total": n, "rollcall_wal_records_total": n,
                 "rollcall_wal_batch_records_count": n, "rollcall_wal_batch_records_sum": n}, d

    # M concurrent check-ins over 50 connections, 4 pipelined on each, all sent before
    # any answer is read: batches hold many records, so far fewer fdatasyncs than writes.
    students = list(range(31, 31 + 200))  # classes 2..8
    conns = [http_client.HttpConnection(srv.port, timeout=30) for _ in range(50)]
    before = wal_metrics(srv)
    try:
        for i, k in enumerate(students):
            c = (k + 29) // 30
            body = json.dumps({"method": "verification_code", "class_id": c, "code": codes[c]}).encode()
            conns[i % 50].request("POST", f"{API}/attendance/check-in",
                                  {"Authorization": f"Bearer {tokens[student_user(k)]}",
                                   "Content-Type": "application/json"}, body)
        statuses = [conns[i % 50].read_response("POST").status for i in range(len(students))]
    finally:
        for conn in conns:
            conn.close()
    assert statuses == [201] * len(students), statuses
    after = wal_metrics(srv)
    d = delta(before, after)
    m = len(students)
    assert d["rollcall_wal_records_total"] == m and d["rollcall_wal_batch_records_sum"] == m, d
    assert 1 <= d["rollcall_wal_fsyncs_total"] < m, d
    print(f"{m} concurrent check-ins: {d['rollcall_wal_fsyncs_total']:.0f} fdatasyncs")
    # One histogram observation per batch, and every record in exactly one batch.
    assert after["rollcall_wal_batch_records_count"] == after["rollcall_wal_fsyncs_total"], after
    assert after["rollcall_wal_batch_records_sum"] == after["rollcall_wal_records_total"], after
