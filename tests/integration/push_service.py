"""A real HTTPS Web Push service (RFC 8030) for the push tests, standing in for
the browsers' push services (FCM, Mozilla autopush, Apple) that rollcall talks to.

- At start it makes its own CA (P-256) and a server certificate for `127.0.0.1`
  (IP SAN), `::1` and `localhost`, writes the CA's PEM to `ca_file` (the server
  under test trusts it through `--push-ca-file`), and serves HTTPS (TLS 1.2+,
  ALPN `http/1.1` only) on a free loopback port, one thread per connection: a
  request left hanging blocks nothing else.
- `new_subscription()` subscribes as a browser would: a fresh P-256 key pair
  (`p256dh` is the base64url of the 65-byte uncompressed public key), a 16-byte
  auth secret, endpoint `https://127.0.0.1:<port>/push/<random id>`. The
  `Subscription` keeps the private key; `.json()` is what the browser POSTs to
  the application server.
- Every request is recorded (`PushRequest`: times, path, headers, body, decrypted
  payload or why it could not be decrypted) and checked: VAPID (RFC 8292: `vapid
  t=<JWT>, k=<key>`, ES256 signature over header.payload with `k`, `alg`, `aud` =
  the endpoint's origin, `exp` in (now, now + 24 h], `sub`), `k` equal to the
  application server's key (`vapid_public_key`, which the test sets from
  `GET /api/v1/push/vapid-public-key`), `Content-Encoding: aes128gcm`, `TTL`,
  `Urgency`/`Topic` when present, and the body (RFC 8291 / RFC 8188 aes128gcm,
  one record, decrypted with the subscription's keys). A request that fails any
  check has its reasons in `errors`; `assert_all_valid()` fails on any.
- Answers are scripted per subscription: `sub.script(201)`, `202`, `404`, `410`,
  `Answer(429, retry_after=1)`, `500`, `HANG` (never answered until the client
  gives up or the service stops), or a sequence (`sub.script(500, 500, 201)`:
  one answer per request in order, the last one repeated).
- Waiting helpers (`wait_requests`, `wait_payload`, `wait_for`) block on a
  condition variable with a deadline; `assert_no_requests` watches a window and
  fails as soon as an unwanted request arrives.

The module also has the sender's side (`encrypt_aes128gcm`, `vapid_authorization`),
used by the self-tests in test_push_service.py, which need no rollcall server.

Standard library plus python3-cryptography only (run with /usr/bin/python3).
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import pathlib
import re
import secrets
import select
import socket
import socketserver
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_CONTACT = "mailto:admin@localhost"
JWT_MAX_LIFETIME_S = 24 * 3600
# RFC 8030 §7.2 / RFC 8291 §4: push services need accept no more than 4096 bytes of body.
MAX_BODY_BYTES = 4096
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")
URGENCIES = ("very-low", "low", "normal", "high")
# How much of the TTL a request may have spent before it went out (batching, retries).
TTL_SPENT_MAX_S = 120


# -- base64url (RFC 7515 §2: no padding) ------------------------------------------------
def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    """Strict base64url without padding; ValueError otherwise."""
    if not isinstance(text, str) or not B64URL_RE.match(text) or len(text) % 4 == 1:
        raise ValueError(f"not unpadded base64url: {text[:80]!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- P-256 keys --------------------------------------------------------------------
def public_bytes(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> bytes:
    """The 65-byte uncompressed point (0x04 || X || Y)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def load_public(raw: bytes) -> ec.EllipticCurvePublicKey:
    """An uncompressed P-256 point; ValueError when it is not one (wrong length or form, not on the curve)."""
    if len(raw) != 65 or raw[0] != 0x04:
        raise ValueError(f"not a 65-byte uncompressed P-256 point ({len(raw)} bytes)")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def private_from_raw(d: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())


def is_p256_point(raw: bytes) -> bool:
    try:
        load_public(raw)
        return True
    except ValueError:
        return False


# -- RFC 8291 (Web Push message encryption) over RFC 8188 (aes128gcm) ---------------------
def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def derive_cek_nonce(ecdh_secret: bytes, auth_secret: bytes, ua_public: bytes, as_public: bytes,
                     salt: bytes) -> tuple[bytes, bytes]:
    """RFC 8291 §3.3-3.4 then RFC 8188 §2.2-2.3: (CEK, NONCE) of a message."""
    # Combining the shared and authentication secrets (RFC 8291 §3.3):
    # PRK_key = HMAC(auth_secret, ecdh_secret); IKM = HMAC(PRK_key, key_info || 0x01)
    prk_key = _hmac(auth_secret, ecdh_secret)
    key_info = b"WebPush: info\x00" + ua_public + as_public
    ikm = _hmac(prk_key, key_info + b"\x01")
    # RFC 8188 §2.2-2.3 with that IKM and the salt of the header.
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    return cek, nonce


class DecryptError(ValueError):
    pass


@dataclass
class Decrypted:
    plaintext: bytes
    salt: bytes
    rs: int
    keyid: bytes  # the application server's ephemeral public key (RFC 8291 §4)
    padding: int


def decrypt_aes128gcm(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> Decrypted:
    """Decrypts a Web Push message body as a user agent does (RFC 8291 §4-5, RFC 8188).

    Raises DecryptError naming the first thing that is wrong."""
    if len(body) < 21:
        raise DecryptError(f"body of {len(body)} bytes is shorter than the aes128gcm header")
    salt = body[:16]
    rs = struct.unpack(">I", body[16:20])[0]
    idlen = body[20]
    if idlen != 65:
        raise DecryptError(f"keyid is {idlen} bytes, RFC 8291 §4 wants the 65-byte sender public key")
    if len(body) < 21 + idlen:
        raise DecryptError("body ends inside the keyid")
    keyid = body[21:21 + idlen]
    try:
        as_public_key = load_public(keyid)
    except ValueError as e:
        raise DecryptError(f"keyid is not a P-256 point: {e}") from None
    if rs < 18:
        raise DecryptError(f"record size {rs} < 18 (RFC 8188 §2)")
    ciphertext = body[21 + idlen:]
    if len(ciphertext) < 17:
        raise DecryptError(f"ciphertext of {len(ciphertext)} bytes cannot hold a delimiter and a tag")
    if len(ciphertext) > rs:
        # RFC 8291 §4: "An application server MUST encrypt a push message with a single record."
        raise DecryptError(f"ciphertext of {len(ciphertext)} bytes is more than one record of rs={rs}")
    ua_public = public_bytes(ua_private)
    ecdh_secret = ua_private.exchange(ec.ECDH(), as_public_key)
    cek, nonce = derive_cek_nonce(ecdh_secret, auth_secret, ua_public, keyid, salt)
    try:
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)  # record 0: the nonce itself
    except InvalidTag:
        raise DecryptError("AES-128-GCM authentication failed (wrong keys, auth secret, or a damaged body)") \
            from None
    end = len(padded) - 1
    while end >= 0 and padded[end] == 0:
        end -= 1
    if end < 0:
        raise DecryptError("no padding delimiter in the record")
    if padded[end] != 0x02:
        raise DecryptError(f"padding delimiter is {padded[end]:#04x}; the last (only) record needs 0x02")
    return Decrypted(padded[:end], salt, rs, keyid, len(padded) - 1 - end)


def encrypt_aes128gcm(plaintext: bytes, ua_public: bytes, auth_secret: bytes,
                      as_private: ec.EllipticCurvePrivateKey | None = None, salt: bytes | None = None,
                      rs: int = 4096, pad: int = 0, delimiter: bytes = b"\x02") -> bytes:
    """The application server's side of RFC 8291 (for the self-tests): one record
    (`delimiter` other than 0x02 only to make a wrong one)."""
    as_private = as_private or ec.generate_private_key(ec.SECP256R1())
    salt = salt if salt is not None else os.urandom(16)
    as_public = public_bytes(as_private)
    ecdh_secret = as_private.exchange(ec.ECDH(), load_public(ua_public))
    cek, nonce = derive_cek_nonce(ecdh_secret, auth_secret, ua_public, as_public, salt)
    record = plaintext + delimiter + b"\x00" * pad
    header = salt + struct.pack(">I", rs) + bytes([len(as_public)]) + as_public
    return header + AESGCM(cek).encrypt(nonce, record, None)


# -- VAPID (RFC 8292) --------------------------------------------------------------
def sign_jwt_es256(private_key: ec.EllipticCurvePrivateKey, claims: dict, header: dict | None = None) -> str:
    """A JWS compact ES256 token (signature r || s, 32 bytes each)."""
    header = header if header is not None else {"typ": "JWT", "alg": "ES256"}
    signing_input = (b64u(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64u(json.dumps(claims, separators=(",", ":")).encode()))
    der = private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def vapid_authorization(private_key: ec.EllipticCurvePrivateKey, aud: str, sub: str = DEFAULT_CONTACT,
                        exp: int | None = None) -> str:
    """`Authorization: vapid t=..., k=...` as an application server sends it (self-tests)."""
    exp = exp if exp is not None else int(time.time()) + 12 * 3600
    token = sign_jwt_es256(private_key, {"aud": aud, "exp": exp, "sub": sub})
    return f"vapid t={token}, k={b64u(public_bytes(private_key))}"


def parse_vapid_authorization(value: str) -> dict[str, str]:
    """`vapid t=<jwt>, k=<key>` -> {"t", "k"}; ValueError when it has another form."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError(f"authorization scheme is {scheme!r}, not 'vapid' (RFC 8292 §3)")
    params: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        name, eq, val = part.partition("=")
        if not eq:
            raise ValueError(f"authorization parameter {part!r} has no '='")
        name = name.strip().lower()
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1]
        if name in params:
            raise ValueError(f"authorization parameter {name!r} given twice")
        params[name] = val
    for name in ("t", "k"):
        if name not in params:
            raise ValueError(f"authorization has no {name}= parameter")
    return params


@dataclass
class VapidResult:
    errors: list[str] = field(default_factory=list)
    header: dict | None = None
    claims: dict | None = None
    k: str | None = None


def check_vapid(authorization: str | None, origin: str, expected_k: str | None,
                expected_sub: str | None = DEFAULT_CONTACT, now: float | None = None) -> VapidResult:
    """Everything RFC 8292 asks of an `Authorization: vapid` header, plus that `k` is
    the application server's known key and `sub` its configured contact.

    `exp` must lie in (now, now + 24 h]; one second over is tolerated for servers
    that round `now` up to whole seconds."""
    res = VapidResult()
    now = time.time() if now is None else now
    if not authorization:
        res.errors.append("no Authorization header")
        return res
    try:
        params = parse_vapid_authorization(authorization)
    except ValueError as e:
        res.errors.append(str(e))
        return res
    res.k = params["k"]
    try:
        key_raw = b64u_decode(params["k"])
        public_key = load_public(key_raw)
    except ValueError as e:
        res.errors.append(f"k is not a base64url P-256 public key: {e}")
        public_key = None
    if expected_k is None:
        res.errors.append("the push service was not told the application server's VAPID key")
    elif params["k"] != expected_k:
        res.errors.append(f"k {params['k']!r} differs from the server's VAPID key {expected_k!r}")
    parts = params["t"].split(".")
    if len(parts) != 3:
        res.errors.append(f"t is not a JWS compact token ({len(parts)} parts)")
        return res
    try:
        header = json.loads(b64u_decode(parts[0]))
        claims = json.loads(b64u_decode(parts[1]))
        signature = b64u_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as e:
        res.errors.append(f"JWT does not decode: {e}")
        return res
    if not isinstance(header, dict) or not isinstance(claims, dict):
        res.errors.append("JWT header or claims are not JSON objects")
        return res
    res.header, res.claims = header, claims
    if header.get("alg") != "ES256":
        res.errors.append(f"JWT alg is {header.get('alg')!r}, RFC 8292 §2 wants ES256")
    if "typ" in header and header["typ"] != "JWT":
        res.errors.append(f"JWT typ is {header['typ']!r}")
    if public_key is not None:
        if len(signature) != 64:
            res.errors.append(f"JWT signature is {len(signature)} bytes, ES256 wants r || s (64)")
        else:
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            try:
                public_key.verify(der, (parts[0] + "." + parts[1]).encode("ascii"), ec.ECDSA(hashes.SHA256()))
            except InvalidSignature:
                res.errors.append("JWT signature does not verify with k")
    if claims.get("aud") != origin:
        res.errors.append(f"JWT aud is {claims.get('aud')!r}, the endpoint's origin is {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        res.errors.append(f"JWT exp {exp!r} is not an integer")
    elif not now < exp <= now + JWT_MAX_LIFETIME_S + 1:
        res.errors.append(f"JWT exp {exp} is not within (now, now + 24 h] (now {now:.0f}, "
                          f"{exp - now:+.0f} s)")
    sub = claims.get("sub")
    if expected_sub is not None and sub != expected_sub:
        res.errors.append(f"JWT sub is {sub!r}, expected {expected_sub!r}")
    elif not isinstance(sub, str) or not (sub.startswith("mailto:") or sub.startswith("https:")):
        res.errors.append(f"JWT sub {sub!r} is neither a mailto: nor an https: URI (RFC 8292 §2.1)")
    return res


# -- certificates --------------------------------------------------------------------
def make_ca_and_server_cert(directory: pathlib.Path, names: Iterable[str] = ("localhost",),
                            ips: Iterable[str] = ("127.0.0.1", "::1")) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """A fresh CA and a server certificate it signs. Returns (ca.pem, server.pem, server-key.pem)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rollcall test push service CA"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rollcall tests")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (x509.CertificateBuilder()
               .subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(ca_ski, critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path = directory / "push-ca.pem"
    cert_path = directory / "push-server.pem"
    key_path = directory / "push-server-key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return ca_path, cert_path, key_path


# -- scripted answers ---------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """What the push service answers one request. `hang`: no answer at all."""
    status: int = 201
    retry_after: int | str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False

    def __repr__(self) -> str:
        if self.hang:
            return "HANG"
        return f"{self.status}" + (f"(Retry-After: {self.retry_after})" if self.retry_after is not None else "")


HANG = Answer(status=0, hang=True)


def as_answer(a: "Answer | int") -> Answer:
    if isinstance(a, Answer):
        return a
    if isinstance(a, int) and not isinstance(a, bool) and 100 <= a <= 599:
        return Answer(a)
    raise TypeError(f"an answer is an HTTP status or an Answer, not {a!r}")


REASONS = {201: "Created", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 410: "Gone",
           413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


# -- subscriptions and records ---------------------------------------------------------
class Subscription:
    """One browser push subscription: the endpoint, the keys, and the private key to decrypt."""

    def __init__(self, service: "PushService", sub_id: str, host: str, label: str | None):
        self.service = service
        self.id = sub_id
        self.host = host
        self.label = label or sub_id
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.public_key = public_bytes(self.private_key)
        self.auth = os.urandom(16)
        hostpart = f"[{host}]" if ":" in host else host
        self.origin = f"https://{hostpart}:{service.port}"
        self.endpoint = f"{self.origin}/push/{sub_id}"
        self._answers: list[Answer] = [Answer(201)]

    @property
    def p256dh(self) -> str:
        return b64u(self.public_key)

    @property
    def auth_b64(self) -> str:
        return b64u(self.auth)

    def json(self) -> dict:
        """What PushSubscription.toJSON() gives the web app (minus expirationTime)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth_b64}}

    def script(self, *answers: "Answer | int") -> "Subscription":
        """Answers for the next requests, in order; the last one repeats forever."""
        if not answers:
            raise ValueError("script() needs at least one answer")
        with self.service._cond:
            self._answers = [as_answer(a) for a in answers]
        return self

    def _next_answer(self) -> Answer:  # under the service's lock
        if len(self._answers) > 1:
            return self._answers.pop(0)
        return self._answers[0]

    # convenience views over the service's records
    def requests(self) -> list["PushRequest"]:
        return self.service.requests(self)

    def payloads(self, kind: str | None = None) -> list[dict]:
        return [r.payload for r in self.requests() if r.payload is not None and (kind is None or r.kind == kind)]

    def __repr__(self) -> str:
        return f"<Subscription {self.label} {self.endpoint}>"


@dataclass
class PushRequest:
    seq: int
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    received_at: float  # time.time() when the request was complete
    received_mono: float  # time.monotonic() of the same moment
    subscription: Subscription | None = None
    errors: list[str] = field(default_factory=list)
    plaintext: bytes | None = None
    payload: dict | None = None
    decrypted: Decrypted | None = None
    vapid: VapidResult | None = None
    answer: Answer | None = None
    answered_mono: float | None = None  # None: not answered (hang)
    ended: str | None = None  # for a hang: "client_closed" or "service_stopped"
    ended_mono: float | None = None

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def kind(self) -> str | None:
        return self.payload.get("kind") if isinstance(self.payload, dict) else None

    @property
    def status(self) -> int | None:
        """The status answered (None while hung or for a hang)."""
        return None if self.answer is None or self.answer.hang else self.answer.status

    def describe(self) -> str:
        who = self.subscription.label if self.subscription else "?"
        return (f"#{self.seq} {self.method} {self.path} ({who}) answered {self.answer!r} "
                f"payload={self.payload if self.payload is not None else self.plaintext!r} errors={self.errors}")

    def __repr__(self) -> str:
        return f"<PushRequest {self.describe()}>"


# -- the HTTPS server ------------------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rollcall-test-push/1"
    timeout = 60  # idle keep-alive connections are closed after this

    def setup(self):
        raw = self.request
        raw.settimeout(10)  # bounds the TLS handshake
        try:
            self.request = self.server.service._tls.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.server.service._note_tls_error(e)
            raw.close()
            raise
        self.server.service._track(self.request, True)
        super().setup()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.service._track(self.request, False)

    def log_message(self, fmt, *args):  # quiet: everything is in the records
        pass

    def _read_body(self) -> bytes:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(16)
                if len(out) > 1 << 20:
                    raise ValueError("chunked body over 1 MiB")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        if n < 0 or n > 1 << 20:
            raise ValueError(f"Content-Length {n}")
        return self.rfile.read(n)

    def _any(self):
        service: PushService = self.server.service
        try:
            body = self._read_body()
        except (ValueError, OSError) as e:
            self.close_connection = True
            self.send_error(400, f"body: {e}")
            return
        req = service._record(self.command, self.path, list(self.headers.items()), body)
        answer = req.answer
        if answer.hang:
            self._hang(req)
            return
        payload = b"" if answer.status in (201, 202) else f"{answer.status} {REASONS.get(answer.status, '')}\n".encode()
        service._answered(req)  # the moment the answer starts: before the client can see it
        self.send_response(answer.status, REASONS.get(answer.status))
        if answer.status == 201 and req.subscription is not None:
            self.send_header("Location", f"{req.subscription.origin}/message/{secrets.token_hex(8)}")
        if answer.retry_after is not None:
            self.send_header("Retry-After", str(answer.retry_after))
        for k, v in answer.headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        if payload:
            self.send_header("Content-Type", "text/plain")
        self.end_headers()
        if payload:
            self.wfile.write(payload)
        self.wfile.flush()

    def _hang(self, req: PushRequest):
        """Never answer: wait until the client closes the connection or the service stops."""
        service: PushService = self.server.service
        self.close_connection = True
        conn = self.connection
        ended = "service_stopped"
        while not service._stopping.is_set():
            try:
                readable, _, _ = select.select([conn], [], [], 0.05)
            except (OSError, ValueError):
                ended = "service_stopped" if service._stopping.is_set() else "client_closed"
                break
            if readable or conn.pending():
                try:
                    conn.settimeout(0.05)
                    data = conn.recv(4096)
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
                except (OSError, ssl.SSLError):
                    data = b""
                if not data:
                    ended = "service_stopped" if service._stopping.is_set() else "client_closed"
                    break
        service._hang_ended(req, ended)

    do_POST = _any
    do_GET = _any
    do_PUT = _any
    do_DELETE = _any


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 128

    def __init__(self, service: "PushService", address):
        self.service = service
        super().__init__(address, _Handler, bind_and_activate=True)

    def handle_error(self, request, client_address):
        # TLS failures are recorded in service.tls_errors; a client that went away is
        # not the service's error.
        pass


class PushService:
    """The test push service. Use as a context manager or call start()/stop()."""

    def __init__(self, workdir: pathlib.Path | str, host: str = "127.0.0.1", expected_sub: str = DEFAULT_CONTACT,
                 expected_ttl: int | None = None, require_json: bool = True):
        self.workdir = pathlib.Path(workdir)
        self.host = host
        # What the application server must send (tests may change them before requests arrive).
        self.vapid_public_key: str | None = None
        self.expected_sub = expected_sub
        self.expected_ttl = expected_ttl
        self.require_json = require_json
        self.ca_file, self.cert_file, self.key_file = make_ca_and_server_cert(self.workdir)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.minimum_version = ssl.TLSVersion.TLSv1_2
        self._tls.load_cert_chain(self.cert_file, self.key_file)
        self._tls.set_alpn_protocols(["http/1.1"])
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._subs: dict[str, Subscription] = {}
        self._requests: list[PushRequest] = []
        self._salts: dict[bytes, bytes] = {}
        self._open_conns: set = set()
        self.tls_errors: list[str] = []
        self.active = 0  # requests received and neither answered nor given up by the client
        self.max_active = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> "PushService":
        self._server = _Server(self, (self.host, 0))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="push-service", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._cond:
            conns = list(self._open_conns)
        for c in conns:  # idle keep-alive connections: their threads end on the close
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=10)
        # Hung requests end within a select() round once _stopping is set.
        deadline = time.monotonic() + 5
        with self._cond:
            while any(r.answer is not None and r.answer.hang and r.ended is None for r in self._requests):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        self._server = None

    def __enter__(self) -> "PushService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    # -- subscriptions --------------------------------------------------------------
    def new_subscription(self, *answers: "Answer | int", label: str | None = None,
                         host: str | None = None, sub_id: str | None = None) -> Subscription:
        """A fresh browser subscription on this service (answers as in Subscription.script).
        `label` names it in messages (the push tests use the owner's username); `sub_id`
        (base64url characters) replaces the random id, e.g. to make a long endpoint."""
        assert self.port is not None, "start() the service first"
        sub_id = sub_id if sub_id is not None else secrets.token_urlsafe(18)
        assert sub_id and B64URL_RE.match(sub_id), sub_id
        sub = Subscription(self, sub_id, host or self.host, label)
        if answers:
            sub.script(*answers)
        with self._cond:
            self._subs[sub.id] = sub
        return sub

    # -- recording (called by handler threads) ----------------------------------------
    def _track(self, conn, opened: bool) -> None:
        with self._cond:
            if opened:
                self._open_conns.add(conn)
            else:
                self._open_conns.discard(conn)

    def _note_tls_error(self, e: Exception) -> None:
        with self._cond:
            self.tls_errors.append(repr(e))
            self._cond.notify_all()

    def _record(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> PushRequest:
        now, mono = time.time(), time.monotonic()
        m = re.fullmatch(r"/push/([A-Za-z0-9_-]+)", path)
        with self._cond:
            sub = self._subs.get(m.group(1)) if m else None
            req = PushRequest(len(self._requests) + 1, method, path, headers, body, now, mono, sub)
        self._check(req, now)
        with self._cond:
            req.answer = sub._next_answer() if sub is not None else Answer(404)
            if req.decrypted is not None:
                prev = self._salts.setdefault(req.decrypted.salt, body)
                if prev != body:
                    req.errors.append("salt reused for a different message (RFC 8188 §2.1: a fresh salt each time)")
            self._requests.append(req)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self._cond.notify_all()
        return req

    def _answered(self, req: PushRequest) -> None:
        with self._cond:
            req.answered_mono = time.monotonic()
            self.active -= 1
            self._cond.notify_all()

    def _hang_ended(self, req: PushRequest, how: str) -> None:
        with self._cond:
            req.ended, req.ended_mono = how, time.monotonic()
            self.active -= 1
            self._cond.notify_all()

    def _check(self, req: PushRequest, now: float) -> None:
        e = req.errors
        sub = req.subscription
        if req.method != "POST":
            e.append(f"method {req.method}, RFC 8030 §5 wants POST")
        if sub is None:
            e.append(f"no subscription at {req.path}")
            return
        # VAPID
        v = check_vapid(req.header("Authorization"), sub.origin, self.vapid_public_key, self.expected_sub, now)
        req.vapid = v
        e.extend(v.errors)
        if len(req.header_all("Authorization")) > 1:
            e.append("more than one Authorization header")
        # RFC 8030 §5.2 TTL, §5.3 Urgency, §5.4 Topic
        ttl = req.header("TTL")
        if ttl is None:
            e.append("no TTL header (RFC 8030 §5.2)")
        elif not re.fullmatch(r"[0-9]{1,10}", ttl.strip()):
            e.append(f"TTL {ttl!r} is not a non-negative integer")
        elif self.expected_ttl is not None and not (
                self.expected_ttl - TTL_SPENT_MAX_S <= int(ttl) <= self.expected_ttl):
            # rollcall sends what is left of the TTL, counted from the event: the batch
            # window and retries (about 31 s of backoff at most) come off it.
            e.append(f"TTL {ttl} not within {TTL_SPENT_MAX_S} s below {self.expected_ttl}")
        urgency = req.header("Urgency")
        if urgency is not None and urgency.strip() not in URGENCIES:
            e.append(f"Urgency {urgency!r} is not one of {URGENCIES}")
        topic = req.header("Topic")
        if topic is not None and not (0 < len(topic) <= 32 and B64URL_RE.match(topic)):
            e.append(f"Topic {topic!r}: at most 32 characters of the base64url alphabet (RFC 8030 §5.4)")
        # RFC 8291 / RFC 8188
        ce = req.header("Content-Encoding")
        if ce is None or ce.strip().lower() != "aes128gcm":
            e.append(f"Content-Encoding {ce!r}, expected aes128gcm")
        ct = req.header("Content-Type")
        if ct is None or ct.split(";")[0].strip().lower() != "application/octet-stream":
            e.append(f"Content-Type {ct!r}, expected application/octet-stream")
        if len(req.body) > MAX_BODY_BYTES:
            e.append(f"body of {len(req.body)} bytes is over the {MAX_BODY_BYTES} a push service must accept")
        try:
            req.decrypted = decrypt_aes128gcm(req.body, sub.private_key, sub.auth)
        except DecryptError as ex:
            e.append(f"decryption failed: {ex}")
            return
        req.plaintext = req.decrypted.plaintext
        try:
            payload = json.loads(req.plaintext.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as ex:
            if self.require_json:
                e.append(f"payload is not UTF-8 JSON: {ex}")
            return
        if isinstance(payload, dict):
            req.payload = payload
        elif self.require_json:
            e.append(f"payload is not a JSON object: {payload!r}")

    # -- queries --------------------------------------------------------------------
    def requests(self, sub: Subscription | Iterable[Subscription] | None = None,
                 where: Callable[[PushRequest], bool] | None = None) -> list[PushRequest]:
        """Recorded requests (to `sub` or to any of several), oldest first."""
        with self._cond:
            out = list(self._requests)
        if sub is not None:
            ids = {sub.id} if isinstance(sub, Subscription) else {s.id for s in sub}
            out = [r for r in out if r.subscription is not None and r.subscription.id in ids]
        if where is not None:
            out = [r for r in out if where(r)]
        return out

    def invalid(self) -> list[PushRequest]:
        return [r for r in self.requests() if r.errors]

    def assert_all_valid(self) -> None:
        bad = self.invalid()
        assert not bad, f"{len(bad)} invalid push request(s):\n" + "\n".join(r.describe() for r in bad[:20])

    # -- waiting ----------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], object], timeout: float, what: str):
        """Blocks until predicate() (called under the service's lock on every new record
        or answer) returns something truthy, and returns that; AssertionError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                v = predicate()
                if v:
                    return v
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                         f"{len(self._requests)} request(s) recorded:\n" +
                                         "\n".join(r.describe() for r in self._requests[-15:]))
                self._cond.wait(min(remaining, 0.25))

    def wait_requests(self, sub: Subscription, n: int = 1, timeout: float = 10.0,
                      where: Callable[[PushRequest], bool] | None = None) -> list[PushRequest]:
        """Waits until `sub` received at least `n` requests (matching `where`); returns them all."""
        def ready():
            got = [r for r in self._requests if r.subscription is sub and (where is None or where(r))]
            return got if len(got) >= n else None
        return self.wait_for(ready, timeout, f"{n} request(s) to {sub.label}")

    def wait_payload(self, sub: Subscription, kind: str, timeout: float = 10.0,
                     where: Callable[[PushRequest], bool] | None = None) -> PushRequest:
        """The first request to `sub` whose payload has this kind (and matches `where`)."""
        def ready():
            for r in self._requests:
                if r.subscription is sub and r.kind == kind and (where is None or where(r)):
                    return r
            return None
        return self.wait_for(ready, timeout, f"a {kind!r} payload for {sub.label}")

    def wait_answered(self, sub: Subscription, n: int, timeout: float = 10.0) -> list[PushRequest]:
        """Waits until `sub` has at least `n` requests that were answered."""
        def ready():
            got = [r for r in self._requests if r.subscription is sub and r.answered_mono is not None]
            return got if len(got) >= n else None
        return self.wait_for(ready, timeout, f"{n} answered request(s) to {sub.label}")

    def wait_hung(self, n: int, timeout: float = 10.0) -> list[PushRequest]:
        """Waits until at least `n` requests are being held unanswered right now."""
        def ready():
            got = [r for r in self._requests if r.answer is not None and r.answer.hang and r.ended is None]
            return got if len(got) >= n else None
        return self.wait_for(ready, timeout, f"{n} hanging request(s)")

    def assert_no_requests(self, subs: Subscription | Iterable[Subscription], until_mono: float,
                           where: Callable[[PushRequest], bool] | None = None, what: str = "") -> None:
        """Watches until time.monotonic() reaches `until_mono`: fails at once if any request to
        `subs` (matching `where`) has been recorded, before or during the window. (Proving
        that something does not happen takes a window; tests size it from the contract's
        bound: a notification leaves the server within 5 s of its event.)"""
        subs = [subs] if isinstance(subs, Subscription) else list(subs)
        ids = {s.id for s in subs}

        def unwanted():
            return [r for r in self._requests
                    if r.subscription is not None and r.subscription.id in ids and (where is None or where(r))]
        with self._cond:
            while True:
                bad = unwanted()
                assert not bad, (f"unexpected push request(s) {what}:\n" + "\n".join(r.describe() for r in bad))
                remaining = until_mono - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(min(remaining, 0.25))
