#!/usr/bin/python3
"""An independent check of rollcall's Web Push crypto, with python3-cryptography.

The unit tests (tests/unit/push/python_check_test.cpp) run it on what the C++ code
produced; run it by hand the same way (Debian's /usr/bin/python3, which sees
python3-cryptography):

  webpush_check.py verify-jwt JWT PUBLIC_KEY
      Verifies the ES256 signature (RFC 7515 r || s) with the base64url public key
      (a 65-byte uncompressed P-256 point) and prints the header and claims JSON.
  webpush_check.py decrypt BODY UA_PRIVATE_KEY AUTH_SECRET
      Decrypts an RFC 8291 aes128gcm body (one record) with the subscription's
      private key (32-byte scalar) and auth secret, all base64url; prints the
      plaintext as base64url.

Exit 0 on success, 1 with a reason on stderr otherwise.
"""
import base64
import sys

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_jwt(jwt, public_key):
    header, claims, signature = jwt.split(".")
    raw = unb64(signature)
    if len(raw) != 64:
        sys.exit("signature is %d bytes, not 64" % len(raw))
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(public_key))
    try:
        key.verify(der, (header + "." + claims).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        sys.exit("the signature does not verify")
    print(unb64(header).decode())
    print(unb64(claims).decode())


def hkdf(salt, ikm, info, length):
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


def decrypt(body, ua_private, auth):
    body, auth = unb64(body), unb64(auth)
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    if idlen != 65 or rs < 18:
        sys.exit("bad header: rs %d, idlen %d" % (rs, idlen))
    as_public, record = body[21:86], body[86:]
    if len(record) > rs:
        sys.exit("more than one record")
    ua_key = ec.derive_private_key(int.from_bytes(unb64(ua_private), "big"), ec.SECP256R1())
    ua_public = ua_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    shared = ua_key.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), as_public))
    ikm = hkdf(auth, shared, b"WebPush: info\x00" + ua_public + as_public, 32)
    cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    try:
        padded = AESGCM(cek).decrypt(nonce, record, None)
    except InvalidTag:
        sys.exit("the tag does not verify")
    content = padded.rstrip(b"\x00")
    if not content or content[-1] != 2:
        sys.exit("bad padding")
    print(b64(content[:-1]))


def main(argv):
    if len(argv) == 4 and argv[1] == "verify-jwt":
        verify_jwt(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "decrypt":
        decrypt(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
