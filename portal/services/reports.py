"""SLA reports: one SQL query for the tickets of a report (with their reopen counts as an aggregate
subquery) and, per chunk of tickets, one query for their public messages; every measure is then
computed by sla.metrics on DataFrames."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select

import sla
from sla import metrics

from ..extensions import db
from ..models import Department, Event, Message, Seller, Ticket, User
from .errors import InvalidInput
from .runtime import calendar_for

CHUNK = 10_000
BYS = ("ticket", *metrics.GROUPINGS)
GROUPED = tuple(metrics.GROUPINGS)
MAX_DAYS = 3660
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def check_by(by: str, allowed: tuple[str, ...] = BYS) -> str:
    if by not in allowed:
        raise InvalidInput(f"by must be one of {', '.join(allowed)}.", {"by": ["Unknown grouping."]})
    return by


def department_codes() -> list[str]:
    return list(db.session.scalars(select(Department.code).order_by(Department.code)))


def _department_id(code: str | None) -> int | None:
    if not code:
        return None
    found = db.session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise InvalidInput(f"Unknown department {code}.", {"department": ["Unknown department."]})
    return found


def _calendars() -> dict[str, sla.Calendar]:
    return {code: calendar_for(data) for code, data in db.session.execute(select(Department.code,
                                                                               Department.calendar_json))}


def _reopens():
    """Per ticket: status changes from resolved back to open (by the seller's reply or by staff)."""
    return (select(func.count(Event.id))
            .where(Event.ticket_id == Ticket.id, Event.kind == "status_changed",
                   Event.data_json.like('%"old": "resolved"%'), Event.data_json.like('%"new": "open"%'))
            .correlate(Ticket).scalar_subquery())


def _query(start: dt.datetime, end: dt.datetime, department_id: int | None):
    query = (select(Ticket.reference, Seller.code.label("seller_code"), Seller.name.label("seller_name"),
                    Department.code.label("department"), Ticket.category, Ticket.priority, Ticket.status,
                    User.email.label("agent"), User.name.label("agent_name"), Ticket.created_at,
                    Ticket.first_response_due_at, Ticket.first_responded_at, Ticket.resolved_at,
                    Ticket.self_resolved, Ticket.csat_score.label("csat"), _reopens().label("reopens"))
             .join(Seller, Seller.id == Ticket.seller_id).join(Department, Department.id == Ticket.department_id)
             .outerjoin(User, User.id == Ticket.assignee_id)
             .where(Ticket.created_at >= start, Ticket.created_at < end)
             .order_by(Ticket.created_at, Ticket.id))
    return query.where(Ticket.department_id == department_id) if department_id else query


def _message_query(first: dt.datetime, last: dt.datetime, department_id: int | None):
    """Public seller and staff messages of the tickets created in [first, last]."""
    query = (select(Ticket.reference, Message.author_kind, Message.created_at)
             .join(Ticket, Ticket.id == Message.ticket_id)
             .where(Ticket.created_at >= first, Ticket.created_at <= last, Message.internal.is_(False),
                    Message.author_kind.in_(("seller", "staff")))
             .order_by(Message.ticket_id, Message.created_at, Message.id))
    return query.where(Ticket.department_id == department_id) if department_id else query


def _utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _frames(start, end, department_id) -> Iterator[pd.DataFrame]:
    query = _query(start, end, department_id)
    columns = [c.name for c in query.selected_columns]
    result = db.session.connection().execute(query.execution_options(yield_per=CHUNK))
    try:
        for rows in result.partitions(CHUNK):
            frame = _utc(pd.DataFrame.from_records(rows, columns=columns), *metrics.TIME_COLUMNS)
            frame["csat"] = pd.to_numeric(frame["csat"], errors="coerce")
            frame["self_resolved"] = frame["self_resolved"].fillna(False).astype(bool)
            yield frame
    finally:
        result.close()


def _messages(frame: pd.DataFrame, department_id: int | None) -> pd.DataFrame:
    first = frame["created_at"].min().to_pydatetime()
    last = frame["created_at"].max().to_pydatetime()
    query = _message_query(first, last, department_id)
    rows = db.session.connection().execute(query).all()
    return _utc(pd.DataFrame.from_records(rows, columns=["reference", "author_kind", "created_at"]), "created_at")


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in
                          ("reference", "seller_code", "seller_name", "department", "category", "priority", "status",
                           "agent", "agent_name")})
    for column in metrics.TIME_COLUMNS:
        frame[column] = pd.Series(dtype="datetime64[ns, UTC]")
    frame["self_resolved"] = pd.Series(dtype=bool)
    frame["csat"] = pd.Series(dtype=float)
    frame["reopens"] = pd.Series(dtype=int)
    return frame


def _facts(start, end, department_id, now) -> Iterator[pd.DataFrame]:
    """Per-ticket measures, chunk by chunk (at most CHUNK tickets and their messages in memory)."""
    calendars = _calendars()
    produced = False
    for frame in _frames(start, end, department_id):
        produced = True
        yield metrics.ticket_facts(frame, now, _messages(frame, department_id), calendars)
    if not produced:
        yield metrics.ticket_facts(_empty(), now)


def _all_facts(start, end, department_id, now) -> pd.DataFrame:
    return metrics.concat_compact([metrics.compact(f) for f in _facts(start, end, department_id, now)])


def sla_csv(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None) -> Iterator[str]:
    """The report as CSV text chunks: UTF-8 BOM first (for Excel), then the header and rows.
    Per-ticket reports stream chunk by chunk in bounded memory. Bad input raises InvalidInput
    here, before anything is produced."""
    check_by(by)
    start, end = local_range(day_from, day_to, timezone)
    return _stream(start, end, by, now, str(timezone), _department_id(department))


def _stream(start, end, by, now, tz, department_id) -> Iterator[str]:
    yield "\ufeff"
    if by == "ticket":
        header = True
        for facts in _facts(start, end, department_id, now):
            yield metrics.format_tickets(facts, tz).to_csv(index=False, header=header, lineterminator="\r\n")
            header = False
        return
    yield metrics.aggregate(_all_facts(start, end, department_id, now), by, tz).to_csv(index=False,
                                                                                        lineterminator="\r\n")


def grouped(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None) -> pd.DataFrame:
    """One aggregate report as a DataFrame (the rows of the grouped CSV)."""
    check_by(by, GROUPED)
    start, end = local_range(day_from, day_to, timezone)
    facts = _all_facts(start, end, _department_id(department), now)
    return metrics.aggregate(facts, by, str(timezone))


def sla_xlsx(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
             department: str | None = None) -> bytes:
    """An aggregate report as an Excel workbook: sheet "SLA" with the same columns as the CSV,
    sheet "About" with the parameters. Per-ticket exports are CSV only (they can be very long)."""
    if by == "ticket":
        raise InvalidInput("XLSX is for grouped reports; export per-ticket reports as CSV.",
                           {"by": ["Use CSV for by=ticket."]})
    table = grouped(day_from, day_to, by, now=now, timezone=timezone, department=department)
    about = pd.DataFrame({"parameter": ["from", "to", "by", "department", "time zone", "generated at"],
                          "value": [day_from.isoformat(), day_to.isoformat(), by, department or "all", str(timezone),
                                    now.astimezone(timezone).isoformat(timespec="seconds")]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="SLA", index=False, freeze_panes=(1, 0))
        about.to_excel(writer, sheet_name="About", index=False)
        for sheet in writer.sheets.values():
            for column in sheet.columns:
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 40)
    return buffer.getvalue()


def write_report(path: str | Path, day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
                 department: str | None = None) -> None:
    """Write the report to ``path``: an Excel workbook when it ends in .xlsx, CSV otherwise; the file
    appears complete or not at all."""
    out = Path(path)
    tmp = out.with_name(out.name + ".part")
    if out.suffix.lower() == ".xlsx":
        tmp.write_bytes(sla_xlsx(day_from, day_to, by, now=now, timezone=timezone, department=department))
    else:
        chunks = sla_csv(day_from, day_to, by, now=now, timezone=timezone, department=department)
        with tmp.open("w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
    tmp.replace(out)


@dataclass(frozen=True)
class Dashboard:
    """Everything the manager dashboard shows, from one pass over the range's tickets."""

    totals: dict
    by_day: pd.DataFrame
    by_hour: pd.DataFrame
    by_department: pd.DataFrame
    by_agent: pd.DataFrame
    histogram: pd.DataFrame
    unanswered: int


def _fill(table: pd.DataFrame, key: str, values: list) -> pd.DataFrame:
    """Rows for every key value (days or hours without tickets get zero counts)."""
    filled = table.set_index(key).reindex(values)
    for column in metrics.COUNT_COLUMNS:
        filled[column] = filled[column].fillna(0).astype(int)
    return filled.rename_axis(key).reset_index()


def dashboard(day_from: dt.date, day_to: dt.date, *, now: dt.datetime, timezone: ZoneInfo,
              department: str | None = None) -> Dashboard:
    start, end = local_range(day_from, day_to, timezone)
    facts = _all_facts(start, end, _department_id(department), now)
    tz = str(timezone)
    days = [(day_from + dt.timedelta(days=n)).isoformat() for n in range((day_to - day_from).days + 1)]
    totals = metrics.aggregate(facts, None, tz).iloc[0].to_dict()
    return Dashboard(
        totals=totals,
        by_day=_fill(metrics.aggregate(facts, "day", tz), "day", days),
        by_hour=_fill(metrics.aggregate(facts, "hour", tz), "hour", list(range(24))),
        by_department=metrics.aggregate(facts, "department", tz),
        by_agent=metrics.aggregate(facts, "agent", tz),
        histogram=metrics.first_response_histogram(facts),
        unanswered=int(facts["first_response_minutes"].isna().sum()),
    )
