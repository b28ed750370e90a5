"""/readyz after a shard's log failed (issue 21): the server stays up and keeps
answering reads, but writes of the failed shard are refused until a restart, so it
is not ready: load balancers and the operator's "not ready" alert must see it.

The log is made to fail as in test_wal_disk_errors.py: under RLIMIT_FSIZE the first
segment (128 KiB, preallocated) cannot be created, so the first write of a shard
fails its log with EFBIG (503 storage_unavailable). Segments are created at the
first write, so the server starts and is ready before that.
"""
from __future__ import annotations

from crash_harness import DEMO_12x30, Tokens, client, owner_of, start, wait_event

FLAGS = (*DEMO_12x30, "--wal-segment-bytes", "131072")
FSIZE = 100_000  # the roster (~77 KB) fits, the first segment does not


def readyz(srv):
    r = srv.get("/readyz")
    return r.status, r.json()


def test_readyz_answers_503_after_a_log_failure_until_restart(server, tmp_path):
    data_dir = tmp_path / "data"
    srv = start(server, data_dir, *FLAGS, fsize=FSIZE)
    assert readyz(srv) == (200, {"status": "ready"})
    tokens = Tokens(data_dir)
    failed_shard = owner_of(1, 2)
    with client(srv, tokens, "teacher1") as t:
        r = t.open_session(1, 5)
        assert r.status == 503 and r.json["error"]["code"] == "storage_unavailable", r
    # The answer above came after the shard knew its log had failed: no waiting.
    status, body = readyz(srv)
    assert status == 503, (status, body)
    assert body["error"]["code"] == "storage_unavailable", body
    message = body["error"]["message"]
    assert f"shard {failed_shard}" in message and "log" in message and "restart" in message, message
    [failed] = wait_event(srv, "wal_failed")
    assert failed["shard"] == failed_shard, failed
    # Alive all the same: /healthz is about the process, not its storage.
    health = srv.get("/healthz")
    assert health.status == 200 and health.json() == {"status": "ok"}, health
    # It stays not ready (a failed log never recovers while running).
    assert readyz(srv)[0] == 503
    assert srv.stop() == 0
    # A restart without the limit recovers the durable state: ready again.
    srv = start(server, data_dir, *FLAGS)
    assert readyz(srv) == (200, {"status": "ready"})
    assert srv.stop() == 0
