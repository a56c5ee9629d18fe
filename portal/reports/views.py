"""Manager reports: the SLA dashboard and CSV / XLSX exports."""
from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sla.aggregates import BACKLOG_BUCKETS, COUNT_COLUMNS

from ..ahead import produced_ahead
from ..services import reports
from ..services.errors import InvalidInput
from ..services.reports import lead_requests
from ..services.reports.reasons import by_reason
from ..services.reports.self_service import self_service
from ..services.runtime import runtime, utcnow
from ..templating import department_name
from . import charts

bp = Blueprint("reports", __name__, url_prefix="/reports")
charts.init_app(bp)


@bp.before_request
@login_required
def managers_only():
    if current_user.role not in ("manager", "admin"):
        abort(403, _("Reports are for managers."))


def _range():
    timezone = runtime().timezone
    return reports.parse_range(request.args.get("from"), request.args.get("to"),
                               today=utcnow().astimezone(timezone).date(), timezone=timezone)


def _departments() -> dict:
    """The filter's department codes, in code order, and code -> the name people use in the page's
    language: one read of the departments for both."""
    names = {code: department_name(d) for code, d in reports.departments_by_code().items()}
    return {"departments": list(names), "department_names": names}


def _clean(value):
    """NaN becomes None and numpy scalars plain Python, for the template."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


@bp.get("")
def dashboard():
    department = request.args.get("department") or None
    try:
        day_from, day_to = _range()
        data = reports.dashboard(day_from, day_to, now=utcnow(), timezone=runtime().timezone, department=department)
        asked_leads = lead_requests.per_department(day_from, day_to, timezone=runtime().timezone, department=department)
        reasons = _records(by_reason(day_from, day_to, now=utcnow(), timezone=runtime().timezone,
                                     department=department))
    except InvalidInput as exc:
        # the filters again, as they were given, with what is wrong beside the field
        return render_template("reports/refused.html", message=exc.message, errors=exc.fields,
                               day_from=request.args.get("from", ""), day_to=request.args.get("to", ""),
                               department=department, **_departments()), exc.status_code
    totals = {k: int(v) if k in COUNT_COLUMNS else _clean(v) for k, v in data.totals.items()}
    filters = {"from": day_from.isoformat(), "to": day_to.isoformat()}
    if department:
        filters["department"] = department
    by_day = _records(data.by_day)
    grain, trend = charts.trend(by_day, day_from, day_to)
    return render_template(
        "reports/dashboard.html", day_from=day_from, day_to=day_to, department=department,
        **_departments(), filters=filters, totals=totals,
        by_day=by_day, grain=grain, trend=trend, by_hour=_records(data.by_hour),
        by_department=_records(data.by_department),
        by_agent=_records(data.by_agent), histogram=_records(data.histogram), unanswered=data.unanswered,
        backlog_at=data.backlog_at, backlog=sum(totals[column] for column in BACKLOG_BUCKETS),
        timezone=str(runtime().timezone), bys=reports.BYS, grouped=reports.GROUPED, lead_requests=asked_leads,
        self_service=self_service(day_from, day_to, timezone=runtime().timezone), by_reason=reasons)


def _export_args(default_by: str):
    by = request.args.get("by") or default_by
    day_from, day_to = _range()
    return by, day_from, day_to, request.args.get("department") or None


def _header_language() -> str:
    """The language of an export's header row: `headers=vi|en` when given, else `lang=vi|en` on the
    URL itself. Without either the header is the column names (the contract), whichever language the
    pages are shown in: a script's download never changes with a cookie or a browser setting."""
    if "headers" in request.args:
        return reports.check_header_language(request.args["headers"])
    return _value_language()


def _value_language() -> str:
    """The language of an export's values (statuses, categories, departments, outcomes): `lang=vi`
    on the URL gives their words in Vietnamese; without it they are the contract's codes. `headers`
    changes the header row only."""
    return request.args.get("lang") if request.args.get("lang") in reports.HEADER_LANGUAGES else "en"


@bp.get("/sla.csv")
def sla_csv():
    try:
        by, day_from, day_to, department = _export_args("ticket")
        chunks = reports.sla_csv(day_from, day_to, by, now=utcnow(), timezone=runtime().timezone,
                                 department=department, lang=_header_language(), values=_value_language())
    except InvalidInput as exc:
        abort(400, exc.message)
    name = f"sla-{by}-{day_from}-{day_to}.csv"
    # made (and encoded) by a thread of lower CPU priority: a manager's export never slows the pages
    # served beside it
    chunks = produced_ahead(_encoded(chunks), nice=current_app.config["EXPORT_NICE"], name="sla-report-export")
    return Response(stream_with_context(chunks), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    """The CSV's text chunks as UTF-8 bytes (a quarter of a gigabyte for a million tickets), so that
    the thread making them encodes them too, not the request's thread that sends them."""
    try:
        for chunk in chunks:
            yield chunk.encode("utf-8")
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


@bp.get("/sla.xlsx")
def sla_xlsx():
    try:
        by, day_from, day_to, department = _export_args("department")
        body = reports.sla_xlsx(day_from, day_to, by, now=utcnow(), timezone=runtime().timezone,
                                department=department, lang=_header_language(), values=_value_language())
    except InvalidInput as exc:
        abort(400, exc.message)
    name = f"sla-{by}-{day_from}-{day_to}.xlsx"
    return Response(body, mimetype=reports.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})
