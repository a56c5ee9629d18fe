"""Flask's signed-cookie sessions, with the cookie's serializer kept instead of built anew.

Flask builds the serializer (a signer per key, with their key derivation) when it opens the
session cookie and again when it saves it: on every request. It depends only on the secret key
and its fallbacks, so it is built once per set of keys."""
from __future__ import annotations

import threading

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._kept: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._kept.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            with self._lock:
                self._kept[keys] = found
        return found


def init_app(app: Flask) -> None:
    app.session_interface = KeptSerializerSessionInterface()
