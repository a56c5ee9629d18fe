"""Vietnamese and English: which one a request gets, and the switch that remembers the choice.

The choice, in order: `?lang=` on the URL (remembered in a cookie), the cookie, the seller's own
locale on their link pages, the browser's Accept-Language, then PORTAL_DEFAULT_LOCALE."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale

from .extensions import babel

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    if not has_request_context():  # the command line and the scheduler speak the default language
        return current_app.config["PORTAL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        g.lang_chosen = chosen
        return chosen
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    seller = g.get("seller")
    if seller is not None and getattr(seller, "locale", None) in LANGUAGES:
        return seller.locale
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["PORTAL_DEFAULT_LOCALE"]


def switch_url(code: str) -> str:
    """The current page in another language (GET pages keep their query, minus any old `lang`)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] if request.method == "GET" else []
    return f"{request.path}?{urlencode([*args, ('lang', code)])}"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, switch_url=switch_url,
                                 current_locale=lambda: str(get_locale() or "en"))

    @app.after_request
    def remember_choice(response):
        chosen = g.get("lang_chosen")
        if chosen:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=app.config.get("SESSION_COOKIE_SECURE", False))
        return response
