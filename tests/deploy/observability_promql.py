"""What a PromQL expression reads, and what a /metrics text offers, for the
observability tests (tests/deploy/test_observability.py).

Not a PromQL parser: a lexical reading that is enough for the expressions of
deploy/grafana/rollcall.json and deploy/prometheus/rollcall-rules.yml (metric
selectors with or without label matchers, aggregations with by/without, binary
operators with on/ignoring/group_*). Prometheus itself checks that each expression
is valid; this says which names and labels it uses, so the test can check them
against a real server's /metrics.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_IDENT = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SELECTOR = re.compile(rf"(?<![\w:.$])({_IDENT})\s*\{{([^}}]*)\}}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
             "offset", "inf", "nan", "Inf", "NaN"}


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str      # =, !=, =~, !~
    value: str   # as written, unescaped only for \" and \\

    def alternatives(self) -> list[str] | None:
        """The values a simple alternation regex names (a|b|c), or None if it is not one."""
        if self.op in ("=", "!="):
            return [self.value]
        if re.fullmatch(r"[A-Za-z0-9_+:./\- |]*", self.value):
            return self.value.split("|")
        return None


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def selectors(expr: str) -> list[tuple[str, list[Matcher]]]:
    """Every `name{matchers}` in `expr`, in order."""
    out = []
    for m in _SELECTOR.finditer(expr):
        matchers = [Matcher(lbl, op, _unescape(val)) for lbl, op, val in _MATCHER.findall(m.group(2))]
        out.append((m.group(1), matchers))
    return out


def grouping_labels(expr: str) -> set[str]:
    """Label names of by(...), without(...), on(...), ignoring(...), group_*(...) clauses."""
    found: set[str] = set()
    for _, inner in _GROUPING.findall(_STRING.sub('""', expr)):
        found |= {x.strip() for x in inner.split(",") if x.strip()}
    return found


def metric_names(expr: str) -> set[str]:
    """Names of the series `expr` selects (function and aggregation names excluded)."""
    s = _STRING.sub('""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)            # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)           # ranges and subqueries
    s = _GROUPING.sub(" ", s)                   # by (...), on (...) ...
    names = set()
    for m in re.finditer(rf"(?<![\w:.$]){_IDENT}", s):
        rest = s[m.end():]
        if re.match(r"\s*\(", rest) or m.group(0) in _KEYWORDS:
            continue  # a function or aggregation, or a keyword
        names.add(m.group(0))
    return names


_SAMPLE = re.compile(rf"^({_IDENT})(?:\{{(.*)\}})?\s+\S+(?:\s+\S+)?$")
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def exposition_series(text: str) -> dict[str, list[dict[str, str]]]:
    """Text format 0.0.4 → sample name → the label sets it has (histograms give
    their _bucket, _sum and _count names)."""
    series: dict[str, list[dict[str, str]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"unparsable sample line {line!r}"
        labels = {k: _unescape(v) for k, v in _LABEL_PAIR.findall(m.group(2) or "")}
        series.setdefault(m.group(1), []).append(labels)
    return series
