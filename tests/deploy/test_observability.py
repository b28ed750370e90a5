"""Dashboards and alerts (issue 21): deploy/grafana/rollcall.json and deploy/prometheus/.

- promtool: the rules pass `check rules`, their unit tests (rollcall-rules.test.yml)
  pass, and those unit tests can fail: a copy of the rules whose alerts never fire
  fails each alert's firing case, one whose alerts always fire fails each alert's
  quiet case. The example prometheus.yml passes `check config`.
- The dashboard: an importable shape (datasource and instance variables, unique ids,
  panels that do not overlap), every panel has a query.
- Live: a real `rollcall serve --demo` gets traffic (a sign-in, a session opened, a
  check-in, a teacher's WebSocket, an offline sync) and Debian's Prometheus scrapes
  it every second with the rules loaded. Every metric name and label that a panel or
  rule uses exists in the server's /metrics (or is a recording rule, or another
  exporter's, listed in EXTERNAL); every panel's query is valid in Prometheus and
  answers with a number (MAY_BE_EMPTY lists the panels a quiet test cannot fill);
  every rule evaluates without error and no alert but RollcallDiskNotWatched (no
  node_exporter here) is active; `promtool check metrics` passes on the scrape.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/deploy/test_observability.py
"""
from __future__ import annotations

import datetime
import json
import math
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest
import yaml

from api_client import PASSWORD, Api, District, open_session, start_demo, student_id
from conftest import DEPLOY_DIR, SOURCE_ROOT
from observability_helpers import PROMETHEUS, PROMTOOL, Prometheus, scrape_config_for_test, wait_until
from observability_promql import exposition_series, grouping_labels, metric_names, selectors
from ws_client import LiveSocket

RULES = DEPLOY_DIR / "prometheus" / "rollcall-rules.yml"
RULE_TESTS = DEPLOY_DIR / "prometheus" / "rollcall-rules.test.yml"
EXAMPLE_CONFIG = DEPLOY_DIR / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY_DIR / "grafana" / "rollcall.json"
DOCS = SOURCE_ROOT / "docs" / "operations.md"

ALERTS = {"RollcallNotReady", "RollcallFsyncLatencyHigh", "RollcallLogFailures", "RollcallSlowConsumerClosesRising",
          "RollcallDiskNearlyFull", "RollcallDiskNotWatched", "RollcallPushFailing"}
# Series the rules and the dashboard read that rollcall does not export.
EXTERNAL = {"up": "Prometheus, every target", "probe_success": "blackbox_exporter (job rollcall-readyz)",
            "node_filesystem_avail_bytes": "node_exporter", "node_filesystem_size_bytes": "node_exporter"}
TARGET_LABELS = {"job", "instance"}
# Panels a quiet test cannot fill, and why; each must still be a valid query.
MAY_BE_EMPTY = {
    "Ready (/readyz)": "the blackbox exporter does not run here",
    "Snapshot duration": "no snapshot is written in a short test (0/0)",
    "Delivery latency": "no push subscription, so no delivery",
    "Push failure share (alert)": "no push attempt (0/0)",
    "Data directory: free space": "node_exporter does not run here",
}
# Panels whose numbers the test's traffic must move above zero.
MUST_BE_POSITIVE = {"Scrape up", "Requests by status class", "Request latency", "Open connections",
                    "WebSocket subscribers", "Fan-out: events and frames", "Publish to send latency",
                    "Group commit (fsync) latency", "Commits and records", "Sync ops by outcome",
                    "Sign-in refusals"}
RATE_INTERVAL = "1m"  # covers a scrape from before the traffic: the test takes well under a minute
ROWS = {"Overview", "HTTP", "Connections and live updates", "Log (WAL)", "Push notifications", "Offline sync",
        "Refusals and limits"}


@pytest.fixture(scope="module", autouse=True)
def tools_present():
    for tool in (PROMTOOL, PROMETHEUS):
        assert shutil.which(tool), f"{tool} is missing: tools/bootstrap installs Debian's prometheus"


def promtool(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def load_rules() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def load_dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


# -- promtool ---------------------------------------------------------------------
def test_rules_pass_promtool_check_and_their_unit_tests():
    p = promtool("check", "rules", str(RULES))
    assert p.returncode == 0, p.stdout + p.stderr
    p = promtool("test", "rules", str(RULE_TESTS))
    assert p.returncode == 0, p.stdout + p.stderr


def test_every_alert_is_complete_and_documented():
    alerts = {r["alert"]: r for r in load_rules() if "alert" in r}
    assert set(alerts) == ALERTS
    docs = DOCS.read_text()
    for name, rule in alerts.items():
        assert "for" in rule, name
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert rule["annotations"]["summary"].strip() and rule["annotations"]["description"].strip(), name
        assert name in docs, f"{name} is not in {DOCS}"


@dataclass
class FailedCase:
    test: str
    alert: str
    expected_none: bool
    got_none: bool


def failed_cases(output: str) -> list[FailedCase]:
    """The failed alert checks in `promtool test rules` output."""
    cases = []
    pattern = re.compile(r"name: (.*?),\s*\n\s*alertname: (\w+), time: \w+,\s*\n\s*exp:\[(.*?)\],\s*\n\s*got:\[(.*?)\]"
                         r"\s*(?=\n\s*name: |\Z)", re.S)
    for m in pattern.finditer(output):
        cases.append(FailedCase(m.group(1), m.group(2), not m.group(3).strip(), not m.group(4).strip()))
    return cases


def run_unit_tests_with_alerts(tmp_path, expr: str) -> list[FailedCase]:
    """The unit tests against a copy of the rules in which every alert's expr is `expr`."""
    config = yaml.safe_load(RULES.read_text())
    for group in config["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                rule["expr"] = expr
    (tmp_path / "rollcall-rules.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(RULE_TESTS, tmp_path / "rollcall-rules.test.yml")
    p = promtool("test", "rules", "rollcall-rules.test.yml", cwd=tmp_path)
    assert p.returncode != 0, f"the unit tests passed with every alert's expr = {expr}:\n{p.stdout}{p.stderr}"
    return failed_cases(p.stdout + p.stderr)


def test_each_alert_has_a_firing_case_that_fails_when_it_never_fires(tmp_path):
    cases = run_unit_tests_with_alerts(tmp_path, "vector(1) < 0")
    caught = {c.alert for c in cases if c.got_none and not c.expected_none}
    assert caught == ALERTS, (ALERTS - caught, cases)


def test_each_alert_has_a_quiet_case_that_fails_when_it_always_fires(tmp_path):
    cases = run_unit_tests_with_alerts(tmp_path, "vector(1)")
    caught = {c.alert for c in cases if c.expected_none and not c.got_none}
    assert caught == ALERTS, (ALERTS - caught, cases)


def test_example_prometheus_config_is_valid_and_names_what_the_rules_expect():
    p = promtool("check", "config", str(EXAMPLE_CONFIG))
    assert p.returncode == 0, p.stdout + p.stderr
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    assert config["rule_files"] == ["rollcall-rules.yml"]
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert {"rollcall", "rollcall-readyz", "node"} <= set(jobs)
    relabel = jobs["node"]["metric_relabel_configs"]
    assert any(r.get("target_label") == "rollcall_data" and r.get("replacement") == "true" for r in relabel)
    probe = jobs["rollcall-readyz"]["relabel_configs"]
    assert any(r.get("replacement", "").endswith("/readyz") for r in probe)


# -- the dashboard's shape --------------------------------------------------------
def test_dashboard_is_importable_and_every_panel_has_a_query():
    d = load_dashboard()
    assert d["schemaVersion"] >= 39 and d["uid"] and d["title"]
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert variables["instance"]["type"] == "query" and variables["instance"]["includeAll"]
    assert {p["title"] for p in d["panels"] if p["type"] == "row"} >= ROWS
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids)), ids
    cells = set()
    for p in d["panels"]:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24, p["title"]
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & mine, f"panel {p['title']!r} overlaps another"
        cells |= mine
    for p in panels(d):
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["targets"], f"panel {p['title']!r} has no query"
        assert len({t["refId"] for t in p["targets"]}) == len(p["targets"]), p["title"]
        for t in p["targets"]:
            assert t["expr"].strip() and t["datasource"] == p["datasource"], p["title"]
            used = set(re.findall(r"\$\{?(\w+)", t["expr"]))
            assert used <= set(variables) | {"__rate_interval"}, (p["title"], used)


def test_promql_reading_finds_names_labels_and_groupings():
    expr = ('sum by (instance, code) (rate(rollcall_http_requests_total{job=~"$job", code="5xx"}[$__rate_interval]))'
            ' / on (instance) group_left histogram_quantile(0.99, x_bucket) or up == 0 and 1e9 > 0.5 * vector(1)')
    assert metric_names(expr) == {"rollcall_http_requests_total", "x_bucket", "up"}
    [(name, matchers)] = selectors(expr)
    assert name == "rollcall_http_requests_total"
    assert [(m.label, m.op, m.value) for m in matchers] == [("job", "=~", "$job"), ("code", "=", "5xx")]
    assert grouping_labels(expr) == {"instance", "code"}
    series = exposition_series('# HELP a x\n# TYPE a counter\na{code="2xx",b="q\\"r"} 1\nb 2.5e+06\n')
    assert series == {"a": [{"code": "2xx", "b": 'q"r'}], "b": [{}]}


# -- live: a real server and a real Prometheus ------------------------------------
@dataclass
class Live:
    target: str
    metrics_text: str
    prom: Prometheus
    at: float  # the time of a sample that includes the traffic


def make_traffic(server) -> LiveSocket:
    """A sign-in, a teacher's live feed, a session, a check-in and an offline sync;
    returns the feed (still open) once it saw the synced check-in."""
    district = District(server)
    login = district.login("teacher1", PASSWORD)
    assert login.status == 200, login
    token = login.json["access_token"]
    feed = LiveSocket(server.port, 1, token)
    try:
        with Api(server.port, token) as teacher:
            session = open_session(teacher, 1)
        code = session["verification_code"]
        with district.student(1) as s:
            assert s.check_in_code(1, code).status == 201
        starts = datetime.datetime.strptime(session["starts_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        at = (starts + datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        op = {"op_id": "obs-1", "kind": "check_in", "method": "verification_code", "class_id": 1, "code": code,
              "client_time": at}
        with district.student(2) as s:
            r = s.post("sync", {"client_id": "obs-phone", "ops": [op]})
        assert r.status == 200 and r.json["results"][0]["outcome"] == "applied", r
        feed.wait_for(lambda e: e["type"] == "student_joined" and e["data"]["student_id"] == student_id(2))
    except BaseException:
        feed.ws.close()
        raise
    return feed


def sample(prom: Prometheus, expr: str) -> tuple[float, float] | None:
    """(time, value) of the first series `expr` answers, or None."""
    ans = prom.query(expr)
    assert ans["status"] == "success", (expr, ans)
    result = ans["data"]["result"]
    return (float(result[0]["value"][0]), float(result[0]["value"][1])) if result else None


# Counters the traffic moves; a scrape that shows each at least as high as the server
# counted after the traffic saw all of it.
TRAFFIC_COUNTERS = ('rollcall_sync_ops_total{outcome="applied"}', "rollcall_ws_frames_sent_total",
                    "rollcall_ws_publish_to_send_seconds_count", "rollcall_wal_fsync_duration_seconds_count",
                    "rollcall_http_request_duration_seconds_count", "rollcall_login_verifications_total")


def scraped_all(prom: Prometheus, target: str, counted: dict[str, float]) -> float | None:
    """The time of a query that saw every TRAFFIC_COUNTERS at its `counted` value, or None."""
    at = None
    for key in TRAFFIC_COUNTERS:
        assert counted[key] >= 1, (key, counted[key])
        name, _, labels = key.partition("{")
        got = sample(prom, f'{name}{{instance="{target}"{"," + labels[:-1] if labels else ""}}}')
        if got is None or got[1] < counted[key]:
            return None
        at = got[0]
    return at


@pytest.fixture(scope="module")
def live(module_server_factory, tmp_path_factory):
    server = start_demo(module_server_factory, shards=2)
    target = f"127.0.0.1:{server.port}"
    config = scrape_config_for_test(EXAMPLE_CONFIG, RULES, target)
    prom = Prometheus(tmp_path_factory.mktemp("prometheus"), config)
    feed = None
    try:
        wait_until(lambda: (sample(prom, f'up{{instance="{target}"}}') or (0, 0))[1] == 1, 20,
                   "Prometheus's first scrape of rollcall")
        feed = make_traffic(server)
        counted = server.metrics()
        at = wait_until(lambda: scraped_all(prom, target, counted), 20, "a scrape that saw all the traffic")
        yield Live(target, server.metrics_text(), prom, at)
    finally:
        if feed is not None:
            feed.ws.close()
        prom.stop()


def every_expression() -> list[tuple[str, str]]:
    """(where, expr) for every panel target and every rule."""
    out = [(f"panel {p['title']!r}", t["expr"]) for p in panels(load_dashboard()) for t in p["targets"]]
    out += [(f"rule {r.get('alert') or r.get('record')}", r["expr"]) for r in load_rules()]
    return out


def name_and_label_problems(where: str, expr: str, series: dict, recorded: set[str]) -> list[str]:
    problems = []
    names = metric_names(expr)
    if not names:
        problems.append(f"{where}: no metric name found in {expr!r}")
    for n in sorted(names - set(series) - recorded - set(EXTERNAL)):
        problems.append(f"{where}: {n} is neither in /metrics, nor a recording rule, nor in EXTERNAL")
    for name, matchers in selectors(expr):
        for m in (m for m in matchers if name in series and m.label not in TARGET_LABELS):
            values = {s[m.label] for s in series[name] if m.label in s}
            if not values:
                problems.append(f"{where}: {name} has no label {m.label}")
            elif "$" not in m.value and m.alternatives() is not None:
                problems += [f"{where}: {name} has no {m.label}={v!r} (has {sorted(values)})"
                             for v in m.alternatives() if v not in values]
    exported = {lbl for n in names if n in series for s in series[n] for lbl in s}
    for lbl in sorted(grouping_labels(expr) - TARGET_LABELS - {"le"} - exported):
        problems.append(f"{where}: groups by {lbl}, which none of {sorted(names)} has")
    return problems


def test_every_name_and_label_used_exists(live):
    series = exposition_series(live.metrics_text)
    recorded = {r["record"] for r in load_rules() if "record" in r}
    problems = []
    for where, expr in every_expression():
        problems += name_and_label_problems(where, expr, series, recorded)
    assert not problems, "\n".join(problems)


def test_promtool_check_metrics_after_traffic(live):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=live.metrics_text, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def substitute(expr: str, live: Live) -> str:
    # As Grafana does for a regex matcher: escaped for the regex, then for the PromQL string.
    instance = re.escape(live.target).replace("\\", "\\\\")
    out = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$job", "rollcall").replace("$instance", instance)
    assert "$" not in out, out
    return out


def test_dashboard_queries_answer_in_prometheus(live):
    failures = []
    titles = {p["title"] for p in panels(load_dashboard())}
    assert set(MAY_BE_EMPTY) | MUST_BE_POSITIVE <= titles, (set(MAY_BE_EMPTY) | MUST_BE_POSITIVE) - titles
    for p in panels(load_dashboard()):
        values = []
        for t in p["targets"]:
            ans = live.prom.query(substitute(t["expr"], live), at=live.at)
            if ans.get("status") != "success":
                failures.append(f"{p['title']!r}: {t['expr']}: {ans}")
                continue
            values += [float(r["value"][1]) for r in ans["data"]["result"]]
        finite = [v for v in values if math.isfinite(v)]
        if p["title"] in MAY_BE_EMPTY:
            continue
        if not finite:
            failures.append(f"{p['title']!r}: no series with a number ({values})")
        elif p["title"] in MUST_BE_POSITIVE and not any(v > 0 for v in finite):
            failures.append(f"{p['title']!r}: the traffic should have moved it above 0 ({finite})")
    assert not failures, "\n".join(failures)


def test_dashboard_variables_answer_in_prometheus(live):
    variables = {v["name"]: v for v in load_dashboard()["templating"]["list"]}
    for name, expected in (("job", "rollcall"), ("instance", live.target)):
        m = re.fullmatch(r"label_values\((.+), (\w+)\)", variables[name]["definition"])
        assert m and m.group(2) == name, variables[name]
        ans = live.prom.api(f"label/{name}/values", **{"match[]": m.group(1).replace("$job", "rollcall")})
        assert ans["status"] == "success" and expected in ans["data"], ans


def test_rules_evaluate_without_error_and_a_healthy_server_raises_no_alert(live):
    def evaluated():
        rules = [r for g in live.prom.api("rules")["data"]["groups"] for r in g["rules"]]
        done = all(not r["lastEvaluation"].startswith("0001-") for r in rules)
        return rules if done and len(rules) == len(load_rules()) else None

    rules = wait_until(evaluated, 20, "every rule evaluated once")
    bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    assert not bad, bad
    active = {r["name"]: r["state"] for r in rules if r["type"] == "alerting" and r["state"] != "inactive"}
    assert set(active) <= {"RollcallDiskNotWatched"}, active
