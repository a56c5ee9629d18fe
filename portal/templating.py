"""Template helpers: local times, the SLA promise, error pages."""
from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Mapping
from urllib.parse import quote

from babel import Locale
from babel.dates import DateTimePattern, get_datetime_format, get_time_format, match_skeleton, parse_pattern
from flask import Flask, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import sla
import vocabulary
from vocabulary import N_

from .services.runtime import runtime, utcnow


class Labels(Mapping):
    """Display labels by key (a category, a status), in the request's language: the English texts
    of `vocabulary`, translated here. Each language's labels are translated once and kept: a page
    listing fifty tickets looks each label up in a plain dictionary instead of translating it again
    for every row."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self._labels = labels
        self._translated: dict[tuple, dict[str, str]] = {}

    def current(self) -> dict[str, str]:
        """Every label in the request's language: for a list, looked up once instead of per row."""
        locale = get_locale()
        key = (locale.language, locale.territory, locale.script) if locale is not None else None
        found = self._translated.get(key)
        if found is None:
            found = {k: _(v) for k, v in self._labels.items()}
            if key is not None:  # outside a request: translated each time, never kept
                self._translated[key] = found
        return found

    def __getitem__(self, key: str) -> str:
        return self.current()[key]

    def __iter__(self):
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


CATEGORY_LABELS = Labels(vocabulary.CATEGORY_LABELS)
STATUS_LABELS = Labels(vocabulary.STATUS_LABELS)
# the statuses as staff say them, and the queue filter's "all"
STAFF_STATUS_LABELS = Labels({**vocabulary.STAFF_STATUS_LABELS, vocabulary.ANY_STATUS: vocabulary.ANY_STATUS_LABEL})
PRIORITY_LABELS = Labels(vocabulary.PRIORITY_LABELS)
SHIPMENT_STATUS_LABELS = Labels(vocabulary.SHIPMENT_STATUS_LABELS)
SHIPMENT_STATUS_HINTS = Labels(vocabulary.SHIPMENT_STATUS_HINTS)
ROLE_LABELS = Labels(vocabulary.ROLE_LABELS)
SLA_LABELS = Labels({"on_track": N_("on track"), "at_risk": N_("at risk"), "breached": N_("breached"),
                     "met": N_("met"), "missed": N_("missed")})


def local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(runtime().timezone) if value else None


# how much of a date each form shows, as CLDR skeletons: every language orders and spells them its own way
DATE_FORMS = {"medium": "yMMMd", "short": "Md", "weekday": "yMMMEd", "day": "MEd"}


def _locale() -> Locale:
    return get_locale() or Locale.parse(current_app.config["PORTAL_DEFAULT_LOCALE"])


@functools.lru_cache(maxsize=64)
def _pattern(language: str, form: str | None, with_time: bool) -> tuple[DateTimePattern, Locale]:
    """The language's pattern for a day of the given form (None: no day), with or without the time
    of day, joined the language's way: 'Nov 24, 2026, 2:30 PM', '14:30 24 thg 11, 2026'."""
    locale = Locale.parse(language)
    time = get_time_format("short", locale=locale).pattern
    if form is None:
        return parse_pattern(time), locale
    skeletons = locale.datetime_skeletons
    skeleton = DATE_FORMS[form]
    day = skeletons[skeleton if skeleton in skeletons else match_skeleton(skeleton, skeletons)].pattern
    if not with_time:
        return parse_pattern(day), locale
    joined = get_datetime_format("medium", locale=locale)  # "{1}, {0}": {1} the day, {0} the time
    return parse_pattern(joined.replace("{0}", time).replace("{1}", day)), locale


@functools.lru_cache(maxsize=8192)
def _formatted(language: str, form: str | None, with_time: bool, value: dt.date, _zone) -> str:
    # lists show the same tickets' times on page after page: each is formatted once. The zone is
    # part of the key: equal instants in two zones are equal datetimes, but read differently
    pattern, locale = _pattern(language, form, with_time)
    return pattern.apply(value, locale)


def _format(value: dt.date, form: str | None, with_time: bool, language: str | None = None) -> str:
    return _formatted(language or str(_locale()), form, with_time, value, getattr(value, "tzinfo", None))


def localtime(value: dt.datetime | None, form: str = "medium", language: str | None = None) -> str:
    """A moment in the portal's time zone, in the page's language; `short` leaves out the year."""
    return _format(local(value), form, True, language) if value else ""


def localtimes():
    """`localtime` with the page's language found once: for a list, which formats a time per row."""
    return functools.partial(localtime, language=str(_locale()))


def localdate(value: dt.date | str | None, form: str = "medium") -> str:
    """A calendar day (or an ISO text of one) in the page's language: `medium`, `short`, `weekday`."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    elif isinstance(value, dt.datetime):
        value = local(value).date()
    return _format(value, form, False)


def promise(value: dt.datetime | None) -> str:
    """The time of day when it is today ('14:30', '2:30 PM'), else with the weekday and day too ('Tue, 11/24,
    2:30 PM'), in the portal's time zone and the page's language."""
    if value is None:
        return ""
    when, today = local(value), local(utcnow()).date()
    return _format(when, None, True) if when.date() == today else _format(when, "day", True)


def _duration_pattern() -> str:
    return _("%(hours)sh %(minutes)sm")  # without variables: the translated pattern itself


def _duration_in(pattern: str, td: dt.timedelta) -> str:
    sign, hours, minutes = sla.duration_parts(td)
    return sign + pattern % {"hours": hours, "minutes": f"{minutes:02d}"}


def duration(td: dt.timedelta) -> str:
    """A compact duration in the page's language: '2h 05m', '2 giờ 05 phút'; '-' before an overdue one."""
    return _duration_in(_duration_pattern(), td)


def sla_badge(ticket) -> str:
    return sla.sla_state(ticket.first_response_due_at, ticket.first_responded_at, utcnow(), ticket.at_risk_at)


def _department_name_in(vietnamese: bool, department) -> str:
    if department is None:
        return ""
    if vietnamese and department.name_vi:
        return department.name_vi
    return department.name


def department_name(department) -> str:
    """A department as people call it in the page's language: its own Vietnamese name on a
    Vietnamese page when it has one, else its name (never its code)."""
    return _department_name_in(str(get_locale()) == "vi", department)


class RowWords:
    """What a list of tickets writes on each of its rows, with the page's language and patterns
    looked up once for the list rather than once per row and column: `duration`, `department_name`,
    `localtime` and `sla_badge` as above, the label of a row's checkbox and the link to a ticket (the
    route built once, the reference quoted into it per row)."""

    def __init__(self) -> None:
        self.now = utcnow()
        self._language = str(_locale())
        self._vietnamese = self._language == "vi"
        self._duration = _duration_pattern()
        self._select = _("select %(reference)s")
        self._ticket = url_for("inbox.ticket", reference="_").removesuffix("_")

    def ticket_url(self, reference: str) -> str:
        return self._ticket + quote(reference, safe="")

    def duration(self, td: dt.timedelta) -> str:
        return _duration_in(self._duration, td)

    def department_name(self, department) -> str:
        return _department_name_in(self._vietnamese, department)

    def localtime(self, value: dt.datetime | None, form: str = "medium") -> str:
        return localtime(value, form, self._language)

    def sla_badge(self, ticket) -> str:
        return sla.sla_state(ticket.first_response_due_at, ticket.first_responded_at, self.now, ticket.at_risk_at)

    def select_label(self, reference: str) -> str:
        return self._select % {"reference": reference}


def unread_notifications() -> int:
    from flask_login import current_user

    from .services.notifications import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localtime=localtime, localdate=localdate, promise=promise,
                                 department_name=department_name, iso=lambda v: v.isoformat() if v else "")
    app.jinja_env.globals.update(CATEGORY_LABELS=CATEGORY_LABELS, STATUS_LABELS=STATUS_LABELS, sla_badge=sla_badge,
                                 STAFF_STATUS_LABELS=STAFF_STATUS_LABELS, PRIORITY_LABELS=PRIORITY_LABELS,
                                 SLA_LABELS=SLA_LABELS, SHIPMENT_STATUS_LABELS=SHIPMENT_STATUS_LABELS,
                                 SHIPMENT_STATUS_HINTS=SHIPMENT_STATUS_HINTS, ROLE_LABELS=ROLE_LABELS,
                                 STATUSES=vocabulary.STATUSES, PRIORITIES=vocabulary.PRIORITIES,
                                 ANY_STATUS=vocabulary.ANY_STATUS, TRACKING_REQUIRED=vocabulary.TRACKING_REQUIRED,
                                 format_duration=duration, utcnow=utcnow, localtimes=localtimes, RowWords=RowWords,
                                 unread_notifications=unread_notifications)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(
            400, _("This form has expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            limit = app.config["UPLOAD_MAX_MB"]
            return error_response(
                413, _("The upload is too large. Each file may be at most %(limit)s MB.", limit=f"{limit:g}"))
        if exc.code == 429:
            response, status = error_response(429, _("Too many requests. Please wait a minute and try again."))
            return response, status, {"Retry-After": str(_retry_after(exc))}
        if exc.code and exc.code < 400:
            return exc
        return error_response(exc.code or 500, exc.description or exc.name)


def _retry_after(exc: HTTPException) -> int:
    """Seconds until the limit that refused the request lets it through again."""
    from .extensions import limiter

    current = limiter.current_limit
    if current is not None:
        return max(1, int(current.reset_at - time.time()))
    limit = getattr(getattr(exc, "limit", None), "limit", None)
    return limit.get_expiry() if limit is not None else 60


def error_response(status: int, message: str):
    """The error page, or the API's JSON error body, with `status`."""
    message = str(message)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": {"status": status, "message": message, "fields": {}}}, status
    return render_template("error.html", status=status, message=message), status
