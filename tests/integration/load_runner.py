"""Runs the load generator `rollcall-load` (tools/load.cpp) for a test: its one JSON
line, parsed, and its progress output; fails the test when it found anything wrong
(exit status) or printed more or less than one line."""
from __future__ import annotations

import json
import pathlib
import subprocess


def run_load(load_bin: pathlib.Path, args: list[str], timeout: float = 30) -> tuple[dict, str]:
    proc = subprocess.run([str(load_bin), *args], capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    stderr = proc.stderr.decode(errors="replace")
    lines = [ln for ln in proc.stdout.decode().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one JSON line, got {lines!r}\nstderr:\n{stderr}"
    r = json.loads(lines[0])
    assert proc.returncode == 0, f"rc={proc.returncode}\n{r}\nstderr:\n{stderr}"
    return r, stderr
