"""Manager reports: the SLA dashboard and CSV exports."""
from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from ..services import reports
from ..services.errors import InvalidInput
from ..services.runtime import runtime, utcnow

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.before_request
@login_required
def managers_only():
    if current_user.role not in ("manager", "admin"):
        abort(403, "Reports are for managers.")


def _range():
    today = utcnow().astimezone(runtime().timezone).date()
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    day_to = reports.parse_day(raw_to, "to") if raw_to else today
    day_from = reports.parse_day(raw_from, "from") if raw_from else day_to - dt.timedelta(days=6)
    return day_from, day_to


@bp.get("")
def dashboard():
    try:
        day_from, day_to = _range()
        text = "".join(reports.sla_csv(day_from, day_to, "department", now=utcnow(), timezone=runtime().timezone))
    except InvalidInput as exc:
        abort(400, exc.message)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    met = sum(int(r["met"]) for r in rows)
    decided = met + sum(int(r["breached"]) for r in rows)
    return render_template("reports/dashboard.html", rows=rows, day_from=day_from, day_to=day_to,
                           share=(met / decided) if decided else None,
                           total=sum(int(r["tickets"]) for r in rows))


@bp.get("/sla.csv")
def sla_csv():
    by = request.args.get("by") or "ticket"
    try:
        day_from, day_to = _range()
        chunks = reports.sla_csv(day_from, day_to, by, now=utcnow(), timezone=runtime().timezone,
                                 department=request.args.get("department") or None)
    except InvalidInput as exc:
        abort(400, exc.message)
    name = f"sla-{by}-{day_from}-{day_to}.csv"
    return Response(stream_with_context(chunks), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})
