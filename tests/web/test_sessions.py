"""The session cookie's serializer is kept per set of keys (portal/sessions.py): a changed key or
fallback list gets a serializer of its own, so cookies signed before a key rotation still open."""
from __future__ import annotations

from flask import Flask, session

from portal.sessions import KeptSerializerSessionInterface


def make_app(key: str, fallbacks: list[str]) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=key, SECRET_KEY_FALLBACKS=fallbacks)
    app.session_interface = interface

    @app.get("/set")
    def set_value():
        session["n"] = 7
        return "ok"

    @app.get("/get")
    def get_value():
        return str(session.get("n"))

    return app


interface = KeptSerializerSessionInterface()


def test_the_serializer_is_built_once_per_key_set():
    app = make_app("k1", [])
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    app.config["SECRET_KEY_FALLBACKS"] = ["k0"]
    assert interface.get_signing_serializer(app) is not interface.get_signing_serializer(make_app("k1", []))


def test_a_cookie_survives_a_key_rotation_and_a_foreign_key_is_refused():
    old = make_app("old-key", [])
    client = old.test_client()
    client.get("/set")
    cookie = client.get_cookie("session").value
    rotated = make_app("new-key", ["old-key"]).test_client()
    rotated.set_cookie("session", cookie)
    assert rotated.get("/get").get_data(as_text=True) == "7"
    stranger = make_app("other-key", []).test_client()
    stranger.set_cookie("session", cookie)
    assert stranger.get("/get").get_data(as_text=True) == "None"
