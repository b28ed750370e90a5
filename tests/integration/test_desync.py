"""aws/http-desync-guardian's request-smuggling corpus, over real sockets.

Severe   → an error answer (400; see SEVERE_STATUS for exceptions) and the connection closed.
Compliant → served normally: no parser error, and the connection stays usable (a
            pipelined GET /healthz after the request's body is answered 200).
Ambiguous / Acceptable → the corpus allows either; the server must answer or close
            promptly and survive.
Each case gets `Host: localhost` if it has no Host header (otherwise every HTTP/1.1
case would be refused for that alone).
"""
from __future__ import annotations


import pytest

from desync_corpus import load_cases
from test_http_basics import assert_error

CASES = load_cases()
PARSER_ERRORS = {400, 413, 414, 431, 501, 505}

# Severe cases answered with an error other than 400, and why. (None today.)
SEVERE_STATUS: dict[str, tuple[int, str]] = {}

# Compliant cases refused on purpose (the unit test DesyncCases lists the same).
REFUSED_COMPLIANT = {
    "International in URI": "raw UTF-8 in the request target is refused, as llhttp's strict mode does; "
                            "clients percent-encode",
}

FOLLOW_UP = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"


def by_tier(*tiers):
    return [pytest.param(c, id=c.id) for c in CASES if c.tier in tiers]


@pytest.fixture(scope="module")
def desync_server(module_server_factory):
    # Bodies up to 8 MiB: "Large Size OK" declares 4 MB and tests framing, not the limit.
    return module_server_factory("--max-body-bytes", str(8 << 20), "--header-timeout-ms", "3000")


def test_corpus_loaded():
    tiers = [c.tier for c in CASES]
    assert len(CASES) == 159
    assert tiers.count("Severe") == 58
    assert tiers.count("Compliant") == 28


@pytest.mark.parametrize("case", by_tier("Severe"))
def test_severe_refused_and_closed(desync_server, case):
    with desync_server.connect(timeout=5) as c:
        c.send(case.head())
        # No body is sent: the head alone must be refused, without waiting for more.
        r = c.read_response()
        expected = SEVERE_STATUS.get(case.name, (400, ""))[0]
        assert_error(r, expected)
        assert "keep-alive" not in r.connection_tokens(), r
        assert c.read_until_eof(timeout=5) == b"", "connection left open after a Severe request"
    assert desync_server.alive()


@pytest.mark.parametrize("case", by_tier("Compliant"))
def test_compliant_served(desync_server, case):
    body = b""
    cl = case.content_length()
    if case.is_chunked():
        body = b"5\r\nhello\r\n0\r\n\r\n"
    elif cl is not None:
        body = b"a" * cl
    with desync_server.connect(timeout=10) as c:
        c.send(case.head() + body + FOLLOW_UP)
        r = c.read_response(method=case.method.decode("latin-1"))
        if case.name in REFUSED_COMPLIANT:
            assert_error(r, 400)
            assert c.read_until_eof(timeout=5) == b""
            return
        assert r.status not in PARSER_ERRORS, r
        assert 200 <= r.status < 500, r
        if "close" not in r.connection_tokens():
            r2 = c.read_response()
            assert r2.status == 200 and r2.json() == {"status": "ok"}, r2
    assert desync_server.alive()


@pytest.mark.parametrize("case", by_tier("Ambiguous", "Acceptable"))
def test_other_tiers_answer_or_close(desync_server, case):
    with desync_server.connect(timeout=5) as c:
        c.send(case.head())
        c.shutdown_write()  # nothing more comes: the server must answer and/or close now
        data = c.read_until_eof(timeout=5)
    assert data == b"" or data.startswith(b"HTTP/1.1 "), data[:200]
    assert desync_server.alive()
    assert desync_server.get("/healthz").status == 200
