"""Staff login with Flask-Login over sessions kept on the server (services.staff_sessions): they end
at logout, after an idle and an absolute lifetime, and when the account changes; logout is a POST
with CSRF."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from forms.staff import LoginForm

from ..extensions import limiter, login_manager
from ..models import User
from ..services import staff, staff_sessions
from ..services.runtime import utcnow

bp = Blueprint("auth", __name__)
SEEN = "seen"  # in the signed session cookie: when the session was last used (seconds since the epoch)
SEEN_STEP = 60  # refreshed at most this often, so most responses leave the cookie as it was


def _absolute() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])


@login_manager.user_loader
def load_user(key: str) -> User | None:
    now = utcnow()
    seen = session.get(SEEN)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if not isinstance(seen, int) or not 0 <= now.timestamp() - seen <= idle:
        return None
    user = staff_sessions.user_for(key, now, _absolute())
    if user is not None and now.timestamp() - seen >= SEEN_STEP:
        session[SEEN] = int(now.timestamp())
    return user


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _account_key() -> str:
    # the account tried, however it is spelled; a form without one is limited by its address alone
    return "login-account:" + ((request.form.get("email") or "").strip().lower()[:254] or "-")


def _failed(response) -> bool:
    """Only wrong credentials count towards the login limits: a successful login costs nothing."""
    return response.status_code == 401


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], deduct_when=_failed, key_func=_account_key)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = staff.authenticate(form.email.data, form.password.data)
        if user is not None:
            now = utcnow()
            staff_sessions.log_in(user, now, _absolute(), request.headers.get("User-Agent", ""))
            session.clear()
            session.permanent = True
            session[SEEN] = int(now.timestamp())
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        form.password.errors = [_("Wrong e-mail or password.")]
        return render_template("auth/login.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    staff_sessions.log_out(current_user.get_id(), utcnow())
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
