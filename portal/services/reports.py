"""SLA reports: one SQL query per report, metrics computed by sla.metrics on DataFrames."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from sla import metrics

from ..extensions import db
from ..models import Department, Seller, Ticket, User
from .errors import InvalidInput

CHUNK = 50_000
BYS = ("ticket", *metrics.GROUPINGS)
MAX_DAYS = 3660


def local_range(day_from: dt.date, day_to: dt.date, timezone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants [start, end) covering local days day_from..day_to, both inclusive."""
    if day_to < day_from:
        raise InvalidInput("The end date is before the start date.", {"to": ["Before the start date."]})
    if (day_to - day_from).days > MAX_DAYS:
        raise InvalidInput("Choose a range of at most ten years.", {"to": ["Range too long."]})
    start = dt.datetime.combine(day_from, dt.time(), timezone)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), timezone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def parse_day(raw: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-11-23.", {name: ["Use YYYY-MM-DD."]}) from None


def _query(start: dt.datetime, end: dt.datetime, department: str | None):
    query = (select(Ticket.reference, Seller.code.label("seller_code"), Department.code.label("department"),
                    Ticket.category, Ticket.priority, Ticket.status, User.email.label("agent"), Ticket.created_at,
                    Ticket.first_response_due_at, Ticket.first_responded_at, Ticket.resolved_at,
                    Ticket.self_resolved, Ticket.csat_score.label("csat"))
             .join(Seller, Seller.id == Ticket.seller_id).join(Department, Department.id == Ticket.department_id)
             .outerjoin(User, User.id == Ticket.assignee_id)
             .where(Ticket.created_at >= start, Ticket.created_at < end)
             .order_by(Ticket.created_at, Ticket.id))
    return query.where(Department.code == department) if department else query


def _frames(start, end, department) -> Iterator[pd.DataFrame]:
    query = _query(start, end, department)
    columns = [c.name for c in query.selected_columns]
    result = db.session.execute(query.execution_options(yield_per=CHUNK))
    for rows in result.partitions(CHUNK):
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for column in ("created_at", "first_response_due_at", "first_responded_at", "resolved_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        frame["csat"] = pd.to_numeric(frame["csat"], errors="coerce")
        yield frame
    result.close()


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in
                          ("reference", "seller_code", "department", "category", "priority", "status", "agent")})
    for column in ("created_at", "first_response_due_at", "first_responded_at", "resolved_at"):
        frame[column] = pd.Series(dtype="datetime64[ns, UTC]")
    frame["self_resolved"] = pd.Series(dtype=bool)
    frame["csat"] = pd.Series(dtype=float)
    return frame


def sla_csv(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None) -> Iterator[str]:
    """The report as CSV text chunks: UTF-8 BOM first (for Excel), then the header and rows.
    Per-ticket reports stream chunk by chunk in bounded memory."""
    if by not in BYS:
        raise InvalidInput(f"by must be one of {', '.join(BYS)}.", {"by": ["Unknown grouping."]})
    start, end = local_range(day_from, day_to, timezone)
    return _stream(start, end, by, now, str(timezone), department)


def _stream(start, end, by, now, tz, department) -> Iterator[str]:
    yield "\ufeff"
    if by == "ticket":
        header = True
        for frame in _frames(start, end, department):
            yield metrics.ticket_table(frame, now, tz).to_csv(index=False, header=header, lineterminator="\r\n")
            header = False
        if header:
            yield metrics.ticket_table(_empty(), now, tz).to_csv(index=False, lineterminator="\r\n")
        return
    frames = list(_frames(start, end, department))
    frame = pd.concat(frames, ignore_index=True) if frames else _empty()
    yield metrics.grouped_table(frame, by, now, tz).to_csv(index=False, lineterminator="\r\n")
