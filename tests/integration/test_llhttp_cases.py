"""llhttp's strict request cases (tests/data/http/llhttp_cases.json), over real sockets.

Each input is sent as is on a fresh connection, then the client half-closes (so an
input that ends mid-head or mid-body is finished by the EOF, not by a timeout).
- llhttp rejects → the server's last answer is a framing error (4xx/5xx from the
  parser set) with Connection: close, then EOF. Answers to complete requests before
  the bad part may come first. "Data after `Connection: close`": exactly one answer,
  then EOF (the server never reads past a closing message).
- llhttp accepts (incl. "Pause on CONNECT/Upgrade") → the first answer, if any, is not
  400, except 400 missing_host for an HTTP/1.1 request without Host, which RFC 9112
  §3.2 requires. A second variant adds `Host: localhost` after the request line so
  those cases are checked too.
A 408 means the server was still waiting for bytes: "incomplete", never "rejected".
"""
from __future__ import annotations

import json
import re

import pytest

import http_client
from conftest import TESTDATA

PARSER_ERRORS = {400, 413, 414, 431, 501, 505}


def load():
    cases = json.loads((TESTDATA / "http" / "llhttp_cases.json").read_text())
    out = []
    seen: dict[str, int] = {}
    for c in cases:
        if c["type"] != "request" or c["js"]:
            continue
        base = re.sub(r"[^A-Za-z0-9_.:,;+=()-]+", "_", c["name"]).strip("_")
        seen[base] = seen.get(base, 0) + 1
        cid = base if seen[base] == 1 else f"{base}#{seen[base]}"
        out.append((cid, bytes.fromhex(c["input"]), c["error"]))
    return out


CASES = load()


def accepted(error: str | None) -> bool:
    return error is None or error.startswith("Pause on")


def with_host(data: bytes) -> bytes | None:
    """`data` with Host after its first request line, if that line is HTTP/1.1 + CRLF and no Host follows."""
    start = len(data) - len(data.lstrip(b"\r\n"))
    end = data.find(b"\r\n", start)
    if end < 0 or not data[start:end].endswith(b" HTTP/1.1"):
        return None
    head_end = data.find(b"\r\n\r\n", start)
    head = data[start:head_end if head_end >= 0 else len(data)]
    if re.search(rb"\r\nhost:", head, re.IGNORECASE):
        return None
    return data[:end + 2] + b"Host: localhost\r\n" + data[end + 2:]


def run(port: int, data: bytes) -> tuple[list[http_client.Response], bytes]:
    """Send, half-close, collect every answer until EOF. Returns (answers, unparsed tail)."""
    answers = []
    with http_client.HttpConnection(port, timeout=5) as c:
        c.send(data)
        try:
            c.shutdown_write()
        except OSError:
            pass
        first_method = data.lstrip(b"\r\n").split(b" ", 1)[0].decode("latin-1")
        while True:
            try:
                answers.append(c.read_response(method=first_method if not answers else "GET"))
            except http_client.ConnectionClosed as e:
                return answers, e.partial


@pytest.fixture(scope="module")
def llhttp_server(module_server_factory):
    return module_server_factory("--header-timeout-ms", "500")


def check_rejected(answers, tail, error, data):
    assert tail == b"", f"garbage after answers: {tail!r}"
    if error == "Data after `Connection: close`":
        assert len(answers) == 1 and answers[0].status != 400, answers
        return
    assert answers, "closed without an error answer"
    last = answers[-1]
    assert last.status != 408, f"server waited for more bytes instead of rejecting: {answers}"
    assert last.status in PARSER_ERRORS, answers
    assert "close" in last.connection_tokens(), last
    assert last.content_type == "application/json", last


def first_request_line(data: bytes) -> bytes:
    return data.lstrip(b"\r\n").split(b"\r\n", 1)[0]


def lacks_host(data: bytes) -> bool:
    """The first request is HTTP/1.1 without a Host header."""
    start = data.lstrip(b"\r\n")
    head = start.split(b"\r\n\r\n", 1)[0]
    return first_request_line(data).endswith(b" HTTP/1.1") and not re.search(rb"\r\nhost:", head, re.I)


def check_accepted(answers, tail, data, host_added):
    assert tail == b"", f"garbage after answers: {tail!r}"
    if not answers:
        return  # incomplete input: nothing to answer
    first = answers[0]
    if first.status != 400:
        return
    line = first_request_line(data)
    method, _, rest = line.partition(b" ")
    if rest.startswith(b"* ") and method != b"OPTIONS":
        # RFC 9112 §3.2.4: asterisk-form only with OPTIONS (M-SEARCH *, PRI * are not HTTP/1.1).
        if first.body:
            allowed = {"bad_request_line", "missing_host"} if lacks_host(data) else {"bad_request_line"}
            assert first.json()["error"]["code"] in allowed, first
        return
    # RFC 9112 §3.2: an HTTP/1.1 request without Host MUST get 400.
    assert not host_added and lacks_host(data), (first, data)
    if first.body:  # (an answer to HEAD has none)
        assert first.json()["error"]["code"] == "missing_host", first


# Cases whose expectation differs from the generic rule, with a pytest mark (e.g. an
# xfail naming a server bug). None today.
KNOWN_BUGS: dict[str, object] = {}


@pytest.mark.parametrize("cid,data,error", [pytest.param(*c, id=c[0], marks=KNOWN_BUGS.get(c[0], ()))
                                            for c in CASES])
def test_llhttp_case(llhttp_server, cid, data, error):
    answers, tail = run(llhttp_server.port, data)
    if accepted(error):
        check_accepted(answers, tail, data, host_added=False)
    else:
        check_rejected(answers, tail, error, data)
    assert llhttp_server.alive()


HOST_CASES = [pytest.param(cid, with_host(data), error, id=cid)
              for cid, data, error in CASES if with_host(data) is not None]


@pytest.mark.parametrize("cid,data,error", HOST_CASES)
def test_llhttp_case_with_host(llhttp_server, cid, data, error):
    """The same with Host added, so missing_host cannot hide what is under test."""
    answers, tail = run(llhttp_server.port, data)
    if accepted(error):
        check_accepted(answers, tail, data, host_added=True)
    else:
        check_rejected(answers, tail, error, data)
        assert answers[-1].json()["error"]["code"] != "missing_host", answers
    assert llhttp_server.alive()


def test_case_count():
    assert len(CASES) == 125
