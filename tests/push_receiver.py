"""A Web Push service for the tests: a local HTTP server on 127.0.0.1 that plays both the push
service and the browser behind it. It checks each request's VAPID header (RFC 8292: the JWT's
ES256 signature with the key in `k`, its audience and expiry) and decrypts the body with the
browser's own keys (RFC 8291, aes128gcm) through http_ece, so the tests read what a phone would show."""
from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.webhook_receiver import LoopbackServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A browser's push keys, as PushManager.subscribe makes them: an ECDH P-256 key pair and a
    16-byte auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                                 serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")


@dataclass(frozen=True)
class Push:
    path: str
    headers: dict[str, str]  # names lower-cased
    claims: dict  # the VAPID JWT's, its signature checked
    vapid_key: str  # the application server's public key (`k`)
    payload: dict  # the decrypted body


class VapidError(ValueError):
    """The request's VAPID header is missing, malformed, or its signature does not check."""


def check_vapid(authorization: str) -> tuple[dict, str]:
    """The claims and public key of `Authorization: vapid t=<JWT>, k=<key>`, after checking the
    JWT's ES256 signature with that key; VapidError otherwise."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(f"scheme {scheme!r}")
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    if header.get("alg") != "ES256":
        raise VapidError(f"alg {header.get('alg')!r}")
    signature = unb64url(signature_b64)
    if len(signature) != 64:
        raise VapidError("signature is not r||s")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VapidError("bad signature") from None
    return json.loads(unb64url(claims_b64)), key


class PushService(LoopbackServer):
    """Records every push it could verify and decrypt for `browser`; answers `answer` (201, as push
    services do, unless a test sets 404 or 410 for a subscription the browser dropped). A request it
    cannot verify is answered 400 and kept in `rejected` with the reason."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.pushes: list[Push] = []
        self.rejected: list[str] = []
        self.answer = 201
        super().__init__()

    @property
    def endpoint(self) -> str:
        return f"{self.origin}/push/v2/abc123"

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        return self._verified(path, headers, body), {}

    def _verified(self, path: str, headers: dict[str, str], body: bytes) -> int:
        try:
            claims, key = check_vapid(headers.get("authorization", ""))
            if claims.get("aud") != self.origin:
                raise VapidError(f"aud {claims.get('aud')!r}")
            if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
                raise VapidError("exp")
            payload = json.loads(self.browser.decrypt(body))
        except (VapidError, KeyError, ValueError, http_ece.ECEException) as exc:
            with self.lock:
                self.rejected.append(str(exc))
            return 400
        with self.lock:
            self.pushes.append(Push(path, headers, claims, key, payload))
        return self.answer
