"""Issue 19, item 6: the CSV export's formula guard missed a leading TAB or CR.
A teacher's override reason is the attacker's text here (a teacher account, or a
stolen one); the district's staff open the export in a spreadsheet."""
from __future__ import annotations

import csv
import io

import pytest

from api_client import District, start_demo, student_id

CLASS = 1


@pytest.fixture(scope="module")
def district(module_server_factory):
    return District(start_demo(module_server_factory))


@pytest.mark.parametrize("reason", ["\t=HYPERLINK(\"http://x\")", "\r=1+1", "=1+1", "+1", "-1", "@SUM(A1)"])
def test_every_formula_prefix_is_neutralised(district, reason):
    T = district.client("teacher1")
    sess = T.open_session(CLASS)
    sid = (sess.json if sess.status == 201 else T.get(f"/api/v1/classes/{CLASS}/sessions/current").json)["id"]
    r = T.override(sid, student_id(1), "excused", reason)
    assert r.status == 200, r
    text = T.get(f"/api/v1/classes/{CLASS}/attendance.csv").body.decode()
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row and row[4] == str(student_id(1))]
    assert rows and rows[-1][12] == "'" + reason, rows[-1]
    T.close()
