"""Loads aws/http-desync-guardian's cases (tests/data/http/desync/*.yaml) as raw requests.

Decoding follows tests/data/http/desync_to_json.py (which the unit tests use):
YAML double-quoted escapes such as "\\x01" are decoded by the YAML loader; every
string whose characters all fit in a byte is taken byte for byte ("\\xa0" is the
byte 0xA0), any other (e.g. "Tran\\u017ffer", Cyrillic in a URI) is sent as UTF-8.
In addition, escapes written in *plain* scalars (`uri: /foo/bar\\t/baz`), which YAML
leaves as a backslash and a letter, are decoded as the corpus's author meant
(a tab); only two Severe cases have one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from conftest import TESTDATA

DESYNC_DIR = TESTDATA / "http" / "desync"

_PLAIN_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[trn0\\])")


def _unescape_plain(s: str) -> str:
    def repl(m: re.Match) -> str:
        e = m.group(1)
        if e[0] == "x":
            return chr(int(e[1:], 16))
        return {"t": "\t", "r": "\r", "n": "\n", "0": "\0", "\\": "\\"}[e]
    return _PLAIN_ESCAPE.sub(repl, s)


class _Loader(yaml.SafeLoader):
    pass


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    return _unescape_plain(value) if node.style is None else value


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def to_bytes(value) -> bytes:
    s = "" if value is None else str(value)
    if any(ord(c) > 0xFF for c in s):
        return s.encode("utf-8")
    return s.encode("latin-1")


@dataclass
class DesyncCase:
    file: str
    index: int
    name: str
    tier: str
    method: bytes
    uri: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]

    @property
    def id(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9_.:,;+=()-]+", "_", self.name).strip("_")
        return f"{self.file.removesuffix('.yaml')}-{self.index}-{safe}"

    def has_header(self, name: bytes) -> bool:
        return any(h.lower() == name.lower() for h, _ in self.headers)

    def head(self, add_host: bool = True) -> bytes:
        """METHOD SP URI SP VERSION CRLF, `name: value` CRLF each, CRLF (+ Host if none)."""
        out = self.method + b" " + self.uri + b" " + self.version + b"\r\n"
        headers = list(self.headers)
        if add_host and not self.has_header(b"host"):
            headers.insert(0, (b"Host", b"localhost"))
        for name, value in headers:
            out += name + b": " + value + b"\r\n"
        return out + b"\r\n"

    def content_length(self) -> int | None:
        values = [v for h, v in self.headers if h.lower() == b"content-length"]
        if len(values) != 1:
            return None
        v = values[0].strip(b" \t")
        return int(v) if v.isdigit() else None

    def is_chunked(self) -> bool:
        codings = b",".join(v for h, v in self.headers if h.lower() == b"transfer-encoding")
        last = codings.split(b",")[-1].split(b";")[0].strip(b" \t").lower() if codings else b""
        return last == b"chunked"


def load_cases() -> list[DesyncCase]:
    cases = []
    for path in sorted(DESYNC_DIR.glob("*.yaml")):
        docs = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or []
        for i, c in enumerate(docs):
            cases.append(DesyncCase(
                file=path.name, index=i, name=str(c["name"]), tier=c["expected"]["tier"],
                method=to_bytes(c["method"]), uri=to_bytes(c["uri"]), version=to_bytes(c["version"]),
                headers=[(to_bytes(h["name"]), to_bytes(h.get("value"))) for h in c.get("headers") or []]))
    return cases
