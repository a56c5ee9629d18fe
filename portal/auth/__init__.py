"""Staff login with Flask-Login; sessions expire, logout is a POST with CSRF."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from forms.staff import LoginForm

from ..extensions import db, limiter, login_manager
from ..models import User
from ..services import staff

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = staff.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        form.password.errors = [_("Wrong e-mail or password.")]
        return render_template("auth/login.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."))
    return redirect(url_for("auth.login"), 303)


def init_app(app: Flask) -> None:
    # templates reach the user through the lazy `current_user` global below: Flask-Login's own
    # context processor would load the user for every page, sellers' too, and on a page with a
    # session but no login (a seller's CSRF token) its "strong" protection would then clear and
    # re-send the session cookie on every visit
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.localize_callback = str  # flashed (kept in the session) in the page's language, as text
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
    app.jinja_env.globals["current_user"] = current_user
