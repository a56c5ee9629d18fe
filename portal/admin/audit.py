"""/admin/audit: every administrative change, filterable by kind, action, actor, target and dates."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request

from sla.timeutil import convertible_days, day_start

from .. import audit_text
from ..services import audit
from ..services.runtime import runtime
from ..templating import department_name
from .views import bp


def _local_day(value: str | None, *, end: bool = False) -> dt.datetime | None:
    """The start of a local day (the day after, for `end`), in UTC; None for an empty or bad date.
    A day beyond those the calendar holds (sla.timeutil.convertible_days) is the first or the last
    instant a datetime holds."""
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    timezone = runtime().timezone
    first, last = convertible_days(timezone)
    if day < first:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    if day > last:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    return day_start(day + dt.timedelta(days=1) if end else day, timezone)


@bp.get("/audit")
def audit_page():
    args = request.args
    before_id = args.get("before", type=int)
    where = audit.AuditFilter(kind=args.get("kind") or None, action=args.get("action") or None,
                              actor=(args.get("actor") or "").strip()[:254] or None,
                              target=(args.get("target") or "").strip()[:254] or None,
                              since=_local_day(args.get("from")), until=_local_day(args.get("to"), end=True),
                              before_id=before_id if before_id and before_id > 0 else None)
    rows = audit.events(where, limit=audit.PAGE_SIZE + 1)
    more = len(rows) > audit.PAGE_SIZE
    rows = rows[:audit.PAGE_SIZE]
    kinds, actions = audit.kinds_and_actions()
    next_args = {k: v for k, v in args.items() if k != "before"} | {"before": rows[-1].id} if more else None
    names = audit_text.names_for(*audit.names(), department_name)
    shown = [(row, audit_text.sentence(row, names), audit_text.changes(row, names)) for row in rows]
    return render_template("admin/audit.html", rows=shown, args=args, next_args=next_args,
                           kinds=[(k, audit_text.kind_label(k)) for k in kinds],
                           actions=[(a, audit_text.action_label(a)) for a in actions])
