"""Vietnamese and English: which one a request gets, and the switch that remembers the choice.

The choice, in order: `?lang=` on the URL (remembered in a cookie), the cookie, the seller's own
locale on their link pages, the browser's Accept-Language, then PORTAL_DEFAULT_LOCALE."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import inspect

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
    if seller is None and "seller_if_valid" in g:  # a seller's link whose seller is not read yet
        seller = g.seller_if_valid()
    # the locale as it was read: after a failed write the session has expired it, and reading it
    # again (for the error page's language) could fail in turn, as when the database went away
    locale = seller.locale if seller is not None and "locale" not in inspect(seller).unloaded else None
    if locale in LANGUAGES:
        return locale
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["PORTAL_DEFAULT_LOCALE"]


def switch_url(code: str) -> str:
    """The current page in another language (GET pages keep their query, minus any old `lang`)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] if request.method == "GET" else []
    return f"{request.path}?{urlencode([*args, ('lang', code)])}"


def page_gettext() -> dict:
    """`_()` in a template, bound to the catalogue of the request once per page.

    Flask-Babel's `_()` asks for the locale and the domain's catalogue again on every call (the
    domain keeps the catalogue, but the asking still goes through Flask-Babel's request context):
    on a seller's page, a dozen texts each cost more than the rest of their line. This context processor
    gives the page a `gettext` over the catalogue found once; it behaves as Jinja's "newstyle"
    gettext does (autoescaped as Markup, always %-formatted with its keyword arguments). Macros
    imported from another template without its context keep Flask-Babel's own, which says the same."""
    ugettext = get_translations().ugettext

    @pass_context
    def gettext(context, string: str, **variables) -> str:
        text = ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, switch_url=switch_url,
                                 current_locale=lambda: str(get_locale() or "en"))
    app.context_processor(page_gettext)

    @app.after_request
    def remember_choice(response):
        chosen = g.get("lang_chosen")
        if chosen:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=app.config.get("SESSION_COOKIE_SECURE", False))
        return response
