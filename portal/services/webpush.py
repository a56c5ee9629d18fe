"""Web Push requests (RFC 8030) built with pywebpush's public API: the payload encrypted for one
browser (RFC 8291, aes128gcm) and the VAPID Authorization header (RFC 8292). They are sent by the
caller through the guarded client (portal/outbound.py), not by pywebpush's own `requests` call, so
a push service's address is checked like any other destination."""
from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

TTL_SECONDS = 24 * 3600  # a push service keeps an undelivered message this long (the phone may be off)
VAPID_LIFETIME_SECONDS = 12 * 3600  # RFC 8292: at most 24 hours


@dataclass(frozen=True)
class Subscription:
    """A browser's subscription as the Push API gives it: endpoint, and keys p256dh and auth (base64url)."""

    endpoint: str
    p256dh: str
    auth: str


def audience(endpoint: str) -> str:
    """The VAPID `aud` claim: the push service's origin."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def vapid_headers(endpoint: str, private_key: str, contact: str, now: float | None = None) -> dict[str, str]:
    """`Authorization: vapid t=<JWT>, k=<public key>` for a request to `endpoint`, signed with the
    application server's key (base64url raw or DER, as py_vapid reads it)."""
    from py_vapid import Vapid02

    claims = {"aud": audience(endpoint), "exp": int((now or time.time()) + VAPID_LIFETIME_SECONDS), "sub": contact}
    return dict(Vapid02.from_string(private_key).sign(claims))


def request(subscription: Subscription, payload: bytes, private_key: str, contact: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one push: `payload` encrypted for the subscription's browser."""
    from pywebpush import WebPusher  # brings requests and aiohttp: loaded when a push is sent, not at start

    pusher = WebPusher({"endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}})
    body = pusher.encode(payload, content_encoding="aes128gcm")["body"]
    headers = {"Content-Type": "application/octet-stream", "Content-Encoding": "aes128gcm",
               "TTL": str(TTL_SECONDS), "Urgency": "normal",
               **vapid_headers(subscription.endpoint, private_key, contact)}
    return body, headers


def new_vapid_keys() -> tuple[str, str]:
    """A fresh (private, public) VAPID key pair in base64url: the private key as its raw 32 bytes
    (WEBPUSH_VAPID_PRIVATE_KEY), the public one as an uncompressed point (WEBPUSH_VAPID_PUBLIC_KEY,
    the browser's applicationServerKey)."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    return b64(raw), b64(public)
