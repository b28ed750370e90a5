"""Self-tests of the test push service (push_service.py): no rollcall server needed.

The push tests trust this service to say whether rollcall's requests are right,
so its crypto is checked against the RFCs' own example (RFC 8291 Appendix A), its
VAPID check against tokens signed here (good ones pass, each kind of bad one is
refused), and its HTTPS side over real TLS connections from urllib (and the
curl command line, which is libcurl with OpenSSL like the server, when present).
"""
from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import warnings

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from push_service import (DEFAULT_CONTACT, HANG, Answer, DecryptError, PushService, b64u, b64u_decode,
                          check_vapid, decrypt_aes128gcm, encrypt_aes128gcm, is_p256_point, private_from_raw,
                          public_bytes, sign_jwt_es256, vapid_authorization)

# RFC 8291 Appendix A (line breaks removed).
RFC_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_BODY = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6"
            "PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")


@pytest.fixture
def service(tmp_path):
    s = PushService(tmp_path / "push").start()
    s.vapid_public_key = None
    yield s
    s.stop()


def app_server():
    """An application server's VAPID key pair, as rollcall would have one."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key, b64u(public_bytes(key))


def push(service: PushService, sub, payload: bytes | dict, key=None, headers=None, timeout: float = 10.0,
         host: str | None = None, body: bytes | None = None):
    """POSTs like an application server over real HTTPS (urllib, trusting only the CA file).
    Returns (status, headers dict)."""
    if key is None:
        key, _ = app_server()
    if isinstance(payload, dict):
        payload = json.dumps(payload).encode()
    if body is None:
        body = encrypt_aes128gcm(payload, sub.public_key, sub.auth)
    hdrs = {"TTL": "60", "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream",
            "Urgency": "normal", "Topic": "session_opened-42",
            "Authorization": vapid_authorization(key, sub.origin)}
    hdrs.update(headers or {})
    hdrs = {k: v for k, v in hdrs.items() if v is not None}
    url = sub.endpoint if host is None else sub.endpoint.replace("127.0.0.1", host)
    req = urllib.request.Request(url, data=body, headers=hdrs, method="POST")
    ctx = ssl.create_default_context(cafile=str(service.ca_file))
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


# -- RFC 8291 -----------------------------------------------------------------------------
def test_rfc8291_appendix_a_decrypts():
    ua = private_from_raw(b64u_decode(RFC_UA_PRIVATE))
    assert b64u(public_bytes(ua)) == RFC_UA_PUBLIC
    d = decrypt_aes128gcm(b64u_decode(RFC_BODY), ua, b64u_decode(RFC_AUTH))
    assert d.plaintext == RFC_PLAINTEXT
    assert d.plaintext.decode() == "When I grow up, I want to be a watermelon"
    assert d.rs == 4096 and d.salt == b64u_decode(RFC_SALT) and d.padding == 0
    assert b64u(d.keyid) == RFC_AS_PUBLIC


def test_rfc8291_appendix_a_encrypts_to_the_same_bytes():
    as_key = private_from_raw(b64u_decode(RFC_AS_PRIVATE))
    assert b64u(public_bytes(as_key)) == RFC_AS_PUBLIC
    body = encrypt_aes128gcm(RFC_PLAINTEXT, b64u_decode(RFC_UA_PUBLIC), b64u_decode(RFC_AUTH), as_private=as_key,
                             salt=b64u_decode(RFC_SALT))
    assert b64u(body) == RFC_BODY


@pytest.mark.parametrize("damage", ["ciphertext", "tag", "salt", "auth", "keyid"])
def test_rfc8291_damage_is_refused(damage):
    ua = private_from_raw(b64u_decode(RFC_UA_PRIVATE))
    body = bytearray(b64u_decode(RFC_BODY))
    auth = bytearray(b64u_decode(RFC_AUTH))
    if damage == "ciphertext":
        body[86 + 3] ^= 1
    elif damage == "tag":
        body[-1] ^= 0x80
    elif damage == "salt":
        body[0] ^= 1
    elif damage == "auth":
        auth[0] ^= 1
    else:  # another valid point as the sender key
        body[21:86] = public_bytes(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(DecryptError, match="authentication failed"):
        decrypt_aes128gcm(bytes(body), ua, bytes(auth))


def test_decrypt_checks_the_record_layout():
    ua = ec.generate_private_key(ec.SECP256R1())
    auth = b"0123456789abcdef"
    ua_pub = public_bytes(ua)
    # Padding is stripped up to the 0x02 delimiter.
    d = decrypt_aes128gcm(encrypt_aes128gcm(b'{"a":1}', ua_pub, auth, pad=100), ua, auth)
    assert d.plaintext == b'{"a":1}' and d.padding == 100
    # More than one record of rs is refused (RFC 8291 §4: a single record).
    with pytest.raises(DecryptError, match="more than one record"):
        decrypt_aes128gcm(encrypt_aes128gcm(b"x" * 100, ua_pub, auth, rs=64), ua, auth)
    # The only record is the last one: its delimiter is 0x02, not 0x01; and there is one.
    with pytest.raises(DecryptError, match="delimiter is 0x01"):
        decrypt_aes128gcm(encrypt_aes128gcm(b"x", ua_pub, auth, delimiter=b"\x01", pad=3), ua, auth)
    with pytest.raises(DecryptError, match="no padding delimiter"):
        decrypt_aes128gcm(encrypt_aes128gcm(b"", ua_pub, auth, delimiter=b"\x00", pad=3), ua, auth)
    with pytest.raises(DecryptError, match="keyid"):
        body = bytearray(encrypt_aes128gcm(b"x", ua_pub, auth))
        body[20] = 64
        decrypt_aes128gcm(bytes(body), ua, auth)
    with pytest.raises(DecryptError, match="shorter"):
        decrypt_aes128gcm(b"\x00" * 10, ua, auth)


def test_point_validation():
    good = public_bytes(ec.generate_private_key(ec.SECP256R1()))
    assert is_p256_point(good)
    assert not is_p256_point(good[:64])
    assert not is_p256_point(b"\x04" + b"\x01" * 64)  # not on the curve
    assert not is_p256_point(b"\x02" + good[1:33])  # compressed form is not what Web Push uses


# -- VAPID ------------------------------------------------------------------------------
ORIGIN = "https://127.0.0.1:4433"


def test_vapid_jwt_signed_here_verifies():
    key, k = app_server()
    v = check_vapid(vapid_authorization(key, ORIGIN), ORIGIN, k)
    assert v.errors == []
    assert v.header == {"typ": "JWT", "alg": "ES256"}
    assert v.claims["aud"] == ORIGIN and v.claims["sub"] == DEFAULT_CONTACT
    # Scheme case and spacing are free; the contact can be configured.
    auth = vapid_authorization(key, ORIGIN, sub="mailto:ops@example.org").replace("vapid ", "Vapid  ")
    assert check_vapid(auth, ORIGIN, k, expected_sub="mailto:ops@example.org").errors == []


def _tamper_payload(auth: str) -> str:
    token = auth.split("t=")[1].split(",")[0]
    h, p, s = token.split(".")
    claims = json.loads(b64u_decode(p))
    claims["sub"] = "mailto:evil@example.org"
    return auth.replace(token, f"{h}.{b64u(json.dumps(claims).encode())}.{s}")


def _tamper_signature(auth: str) -> str:
    token = auth.split("t=")[1].split(",")[0]
    h, p, s = token.split(".")
    sig = bytearray(b64u_decode(s))
    sig[5] ^= 1
    return auth.replace(token, f"{h}.{p}.{b64u(bytes(sig))}")


def test_vapid_refuses_bad_tokens():
    key, k = app_server()
    now = int(time.time())
    other, other_k = app_server()
    cases = {
        "tampered claims": (_tamper_payload(vapid_authorization(key, ORIGIN)), "signature does not verify"),
        "tampered signature": (_tamper_signature(vapid_authorization(key, ORIGIN)), "signature does not verify"),
        "signed by another key": (f"vapid t={sign_jwt_es256(other, {'aud': ORIGIN, 'exp': now + 60, 'sub': DEFAULT_CONTACT})}, k={k}",
                                  "signature does not verify"),
        "k of another server": (vapid_authorization(other, ORIGIN), "differs from the server's VAPID key"),
        "wrong aud": (vapid_authorization(key, "https://127.0.0.1:4434"), "aud"),
        "aud with a path": (vapid_authorization(key, ORIGIN + "/push/x"), "aud"),
        "expired": (vapid_authorization(key, ORIGIN, exp=now - 1), "exp"),
        "over 24 h": (vapid_authorization(key, ORIGIN, exp=now + 24 * 3600 + 60), "exp"),
        "wrong sub": (vapid_authorization(key, ORIGIN, sub="mailto:other@localhost"), "sub"),
        "alg HS256": (f"vapid t={sign_jwt_es256(key, {'aud': ORIGIN, 'exp': now + 60, 'sub': DEFAULT_CONTACT}, {'typ': 'JWT', 'alg': 'HS256'})}, k={k}",
                      "alg"),
        "no k": (vapid_authorization(key, ORIGIN).split(", k=")[0], "no k= parameter"),
        "bearer scheme": ("Bearer " + vapid_authorization(key, ORIGIN)[6:], "scheme"),
        "not a point": (vapid_authorization(key, ORIGIN).split(", k=")[0] + ", k=" + b64u(b"\x04" + b"\x01" * 64),
                        "not a base64url P-256 public key"),
        "missing": (None, "no Authorization header"),
    }
    for name, (auth, reason) in cases.items():
        errors = check_vapid(auth, ORIGIN, k).errors
        assert errors, name
        assert any(reason in e for e in errors), (name, errors)
    # A server whose key the service was not told is not trusted either.
    assert any("not told" in e for e in check_vapid(vapid_authorization(key, ORIGIN), ORIGIN, None).errors)


def test_vapid_exp_bounds():
    key, k = app_server()
    now = 1_900_000_000.0
    assert check_vapid(vapid_authorization(key, ORIGIN, exp=int(now) + 24 * 3600), ORIGIN, k, now=now).errors == []
    assert check_vapid(vapid_authorization(key, ORIGIN, exp=int(now) + 1), ORIGIN, k, now=now).errors == []
    assert check_vapid(vapid_authorization(key, ORIGIN, exp=int(now)), ORIGIN, k, now=now).errors
    assert check_vapid(vapid_authorization(key, ORIGIN, exp=int(now) + 24 * 3600 + 2), ORIGIN, k, now=now).errors


# -- over HTTPS -----------------------------------------------------------------------------
def test_subscription_looks_like_a_browsers(service):
    sub = service.new_subscription()
    j = sub.json()
    assert set(j) == {"endpoint", "keys"} and set(j["keys"]) == {"p256dh", "auth"}
    assert j["endpoint"].startswith(f"https://127.0.0.1:{service.port}/push/")
    assert len(j["endpoint"]) < 200
    raw = b64u_decode(j["keys"]["p256dh"])
    assert len(raw) == 65 and raw[0] == 4 and is_p256_point(raw)
    assert len(b64u_decode(j["keys"]["auth"])) == 16
    assert "=" not in j["keys"]["p256dh"] + j["keys"]["auth"]
    other = service.new_subscription()
    assert other.endpoint != sub.endpoint and other.p256dh != sub.p256dh and other.auth != sub.auth


def test_round_trip_over_https(service):
    key, k = app_server()
    service.vapid_public_key = k
    sub = service.new_subscription(label="student001")
    payload = {"kind": "session_opened", "title": "Attendance is open", "body": "Class 1: check in now",
               "url": "/class/1#check-in", "class_id": 1, "session_id": 1048577,
               "actions": [{"action": "check_in", "title": "Check in"}]}
    before = time.monotonic()
    status, headers = push(service, sub, payload, key=key)
    assert status == 201
    assert headers.get("Location", "").startswith(sub.origin + "/message/")
    (r,) = service.wait_requests(sub, 1, timeout=5)
    assert r.valid, r.errors
    assert r.payload == payload and r.kind == "session_opened"
    assert r.method == "POST" and r.path == f"/push/{sub.id}"
    assert r.header("ttl") == "60" and r.header("Topic") == "session_opened-42"
    assert before <= r.received_mono <= r.answered_mono <= time.monotonic()
    assert r.status == 201 and r.vapid.claims["aud"] == sub.origin
    assert sub.payloads("session_opened") == [payload]
    service.assert_all_valid()
    # The certificate also names localhost.
    sub2 = service.new_subscription(host="localhost")
    assert sub2.endpoint.startswith(f"https://localhost:{service.port}/push/")
    assert push(service, sub2, {"kind": "x"}, key=key)[0] == 201
    assert service.wait_requests(sub2, 1)[0].valid


def test_invalid_requests_are_recorded_with_reasons(service):
    key, k = app_server()
    service.vapid_public_key = k
    service.expected_ttl = 60
    sub = service.new_subscription()
    other_key, _ = app_server()
    cases = [
        ({"Authorization": None}, "no Authorization header"),
        ({"Authorization": vapid_authorization(other_key, sub.origin)}, "differs from the server's VAPID key"),
        ({"Content-Encoding": "aesgcm"}, "Content-Encoding"),
        ({"TTL": None}, "no TTL header"),
        ({"TTL": "3600"}, "TTL 3600 not within"),
        ({"Urgency": "urgent"}, "Urgency"),
        ({"Topic": "status_changed-" + "9" * 20}, "Topic"),
        ({"Topic": "a.b"}, "Topic"),
        ({"Content-Type": "application/json"}, "Content-Type"),
    ]
    for headers, _ in cases:
        assert push(service, sub, {"kind": "x"}, key=key, headers=headers)[0] == 201
    # A body encrypted for another subscription, and one that is not JSON.
    stranger = service.new_subscription()
    assert push(service, sub, b"", key=key, body=encrypt_aes128gcm(b'{"kind":"x"}', stranger.public_key,
                                                                  stranger.auth))[0] == 201
    assert push(service, sub, b"not json", key=key)[0] == 201
    reqs = service.wait_requests(sub, len(cases) + 2)
    for r, (_, reason) in zip(reqs, cases):
        assert any(reason in e for e in r.errors), (reason, r.errors)
    assert any("authentication failed" in e for e in reqs[-2].errors), reqs[-2].errors
    assert any("not UTF-8 JSON" in e for e in reqs[-1].errors), reqs[-1].errors
    assert len(service.invalid()) == len(cases) + 2
    with pytest.raises(AssertionError, match="invalid push request"):
        service.assert_all_valid()


def test_unknown_endpoint_is_404_and_invalid(service):
    key, k = app_server()
    service.vapid_public_key = k
    sub = service.new_subscription()
    ctx = ssl.create_default_context(cafile=str(service.ca_file))
    req = urllib.request.Request(f"{service.origin}/push/nobody", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, context=ctx, timeout=5)
    assert e.value.code == 404
    (r,) = service.wait_for(lambda: [r for r in service.requests() if r.path == "/push/nobody"], 5, "the request")
    assert r.subscription is None and any("no subscription" in x for x in r.errors)
    assert service.requests(sub) == []


def test_scripted_answers(service):
    key, k = app_server()
    service.vapid_public_key = k
    gone = service.new_subscription(410)
    missing = service.new_subscription(404)
    accepted = service.new_subscription(202)
    slow_down = service.new_subscription(Answer(429, retry_after=7))
    broken = service.new_subscription(500)
    flaky = service.new_subscription(500, Answer(503, retry_after="Wed, 21 Oct 2037 07:28:00 GMT"), 201)
    assert push(service, gone, {"kind": "x"}, key=key)[0] == 410
    assert push(service, missing, {"kind": "x"}, key=key)[0] == 404
    assert push(service, accepted, {"kind": "x"}, key=key)[0] == 202
    status, headers = push(service, slow_down, {"kind": "x"}, key=key)
    assert status == 429 and headers.get("Retry-After") == "7"
    assert push(service, broken, {"kind": "x"}, key=key)[0] == 500
    assert push(service, broken, {"kind": "x"}, key=key)[0] == 500
    got = [push(service, flaky, {"kind": "x"}, key=key) for _ in range(5)]
    assert [s for s, _ in got] == [500, 503, 201, 201, 201]
    assert got[1][1].get("Retry-After") == "Wed, 21 Oct 2037 07:28:00 GMT"
    assert [r.status for r in service.requests(flaky)] == [500, 503, 201, 201, 201]
    # Scripts can change between requests.
    gone.script(201)
    assert push(service, gone, {"kind": "x"}, key=key)[0] == 201
    service.assert_all_valid()


def test_a_hang_blocks_nothing_else(service):
    key, k = app_server()
    service.vapid_public_key = k
    stuck = service.new_subscription(HANG)
    fine = service.new_subscription()
    outcome = {}

    def hang():
        try:
            outcome["status"] = push(service, stuck, {"kind": "x"}, key=key, timeout=2.0)[0]
        except (TimeoutError, socket.timeout, urllib.error.URLError) as e:
            outcome["error"] = e

    t = threading.Thread(target=hang)
    t.start()
    (h,) = service.wait_hung(1, timeout=5)
    assert h.subscription is stuck and h.valid and h.status is None
    started = time.monotonic()
    assert push(service, fine, {"kind": "x"}, key=key)[0] == 201  # while the other one hangs
    assert time.monotonic() - started < 1.5
    assert service.active == 1 and service.max_active == 2
    t.join(timeout=10)
    assert not t.is_alive() and "status" not in outcome, outcome
    # The client gave up and closed: the service notices.
    service.wait_for(lambda: h.ended == "client_closed", 5, "the hang to end with the client's close")
    assert service.active == 0 and h.answered_mono is None


def test_stop_releases_hangs_promptly(tmp_path):
    s = PushService(tmp_path / "push").start()
    key, s.vapid_public_key = app_server()
    stuck = s.new_subscription(HANG)
    errors = []
    t = threading.Thread(target=lambda: errors.append(_expect_no_answer(s, stuck, key)))
    t.start()
    s.wait_hung(1, timeout=5)
    started = time.monotonic()
    s.stop()
    assert time.monotonic() - started < 5
    t.join(timeout=10)
    assert not t.is_alive() and errors == [True]
    assert s.requests(stuck)[0].ended == "service_stopped"


def _expect_no_answer(service, sub, key) -> bool:
    try:
        push(service, sub, {"kind": "x"}, key=key, timeout=30)
        return False
    except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError, OSError):
        return True


def test_tls_versions_and_alpn(service):
    ctx = ssl.create_default_context(cafile=str(service.ca_file))
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.selected_alpn_protocol() == "http/1.1"
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    # A client that trusts only the system CAs refuses the service's certificate.
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")
    # TLS 1.1 is refused (the client may refuse it first: either way no session).
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(cafile=str(service.ca_file))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old.minimum_version = ssl.TLSVersion.TLSv1_1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            old.wrap_socket(raw, server_hostname="127.0.0.1")


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl command")
def test_curl_trusts_the_ca_file(service):
    """The server sends with libcurl + OpenSSL; the curl command is the same stack."""
    key, k = app_server()
    service.vapid_public_key = k
    sub = service.new_subscription(Answer(429, retry_after=3))
    body = encrypt_aes128gcm(b'{"kind":"status_changed"}', sub.public_key, sub.auth)
    p = subprocess.run(["curl", "-sS", "--cacert", str(service.ca_file), "-o", "/dev/null", "-D", "-",
                        "-w", "%{http_version} %{response_code}\n", "-X", "POST", "--data-binary", "@-",
                        "-H", "TTL: 60", "-H", "Content-Encoding: aes128gcm",
                        "-H", "Content-Type: application/octet-stream",
                        "-H", f"Authorization: {vapid_authorization(key, sub.origin)}", sub.endpoint],
                       input=body, capture_output=True, timeout=20)
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert out.rstrip().endswith("1.1 429"), out
    assert "retry-after: 3" in out.lower(), out
    (r,) = service.wait_requests(sub, 1)
    assert r.valid and r.payload == {"kind": "status_changed"}, r.errors


def test_waiting_can_fail(service):
    sub = service.new_subscription()
    with pytest.raises(AssertionError, match="timed out"):
        service.wait_requests(sub, 1, timeout=0.3)
    with pytest.raises(AssertionError, match="timed out"):
        service.wait_payload(sub, "session_opened", timeout=0.3)
    # assert_no_requests fails as soon as a request arrives inside the window.
    key, service.vapid_public_key = app_server()
    service.assert_no_requests(sub, time.monotonic() + 0.2)
    threading.Timer(0.2, lambda: push(service, sub, {"kind": "x"}, key=key)).start()
    started = time.monotonic()
    with pytest.raises(AssertionError, match="unexpected push request"):
        service.assert_no_requests(sub, time.monotonic() + 20)
    assert time.monotonic() - started < 10


def test_salt_reuse_is_invalid(service):
    key, service.vapid_public_key = app_server()
    sub = service.new_subscription()
    as_key = ec.generate_private_key(ec.SECP256R1())
    salt = b"S" * 16
    b1 = encrypt_aes128gcm(b'{"kind":"a"}', sub.public_key, sub.auth, as_private=as_key, salt=salt)
    b2 = encrypt_aes128gcm(b'{"kind":"b"}', sub.public_key, sub.auth, as_private=as_key, salt=salt)
    for body in (b1, b1, b2):  # the same message twice (a retry) is fine, another one is not
        assert push(service, sub, b"", key=key, body=body)[0] == 201
    r1, r2, r3 = service.wait_requests(sub, 3)
    assert r1.valid and r2.valid
    assert any("salt reused" in e for e in r3.errors), r3.errors
