"""SLA reports. The tickets of a report come from one SQL query, read straight from the database
driver's cursor CHUNK rows at a time, with two more queries per chunk for their public messages and
their reopen counts; sla.metrics computes every measure on DataFrames.
Per-ticket exports stream chunk by chunk, in memory that does not grow with the range; grouped
reports and the dashboard fold the chunks into metrics.Aggregates, which keeps 52 bytes or so per
ticket rather than every ticket's facts. The backlog columns come from one more query: every ticket
open at the end of the range, whatever its creation date."""
from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import itertools
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Row, Text, cast, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

import sla
from sla import metrics
from sla.cells import csv_text, csv_texts
from sla.timeutil import convertible_days, day_start

from ..extensions import db
from ..models import Department, Event, Message, Seller, Ticket, User
from . import spreadsheets
from .errors import InvalidInput
from .runtime import calendar_for

CHUNK = 30_000
BYS = ("ticket", *metrics.GROUPINGS)
GROUPED = tuple(metrics.GROUPINGS)
DASHBOARD_BYS = (None, "day", "hour", "department", "agent")
MAX_DAYS = 3660
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The column names are the contract and the default header row. A person may ask for the header in
# Vietnamese instead: these labels, translated (English ones serve as the catalogue's keys only).
HEADER_LANGUAGES = ("en", "vi")
COLUMN_LABELS = {
    "reference": _l("Reference"), "seller_code": _l("Seller code"), "seller_name": _l("Seller name"),
    "department": _l("Department"), "category": _l("Category"), "priority": _l("Priority"), "status": _l("Status"),
    "agent": _l("Assignee"), "agent_name": _l("Assignee name"), "day": _l("Day"), "hour": _l("Hour"),
    "created_at": _l("Created"), "first_response_due_at": _l("First response due"),
    "first_responded_at": _l("First responded at"), "first_response_minutes": _l("First response (minutes)"),
    "sla_met": _l("SLA met"), "resolved_at": _l("Resolved at"), "handling_minutes": _l("Handling time (minutes)"),
    "csat": _l("CSAT score"),
    "first_response_business_minutes": _l("First response in business time (minutes)"),
    "handling_business_minutes": _l("Handling time in business time (minutes)"),
    "responses": _l("Responses"), "response_mean_minutes": _l("Mean response time (minutes)"),
    "response_business_mean_minutes": _l("Mean response time in business time (minutes)"),
    "reopens": _l("Reopens"), "self_resolved": _l("Self-resolved"),
    "tickets": _l("Tickets"), "met": _l("Met"), "breached": _l("Breached"), "pending": _l("Pending"),
    "met_share": _l("Met share"), "first_response_median_minutes": _l("Median first response (minutes)"),
    "first_response_mean_minutes": _l("Mean first response (minutes)"),
    "first_response_p90_minutes": _l("90th percentile first response (minutes)"), "csat_mean": _l("Mean CSAT"),
    "csat_satisfied_share": _l("Share of CSAT 4 or 5"), "handling_mean_minutes": _l("Mean handling time (minutes)"),
    "first_response_business_median_minutes": _l("Median first response in business time (minutes)"),
    "first_response_business_mean_minutes": _l("Mean first response in business time (minutes)"),
    "first_response_business_p90_minutes": _l("90th percentile first response in business time (minutes)"),
    "resolved": _l("Resolved"), "handling_median_minutes": _l("Median handling time (minutes)"),
    "handling_business_mean_minutes": _l("Mean handling time in business time (minutes)"),
    "self_resolved_share": _l("Self-resolved share"), "csat_responses": _l("CSAT ratings"),
    "open": _l("Open tickets"), "backlog_under_4h": _l("Backlog under 4 h"), "backlog_4h_to_24h": _l("Backlog 4–24 h"),
    "backlog_1d_to_3d": _l("Backlog 1–3 days"), "backlog_over_3d": _l("Backlog over 3 days"),
}
ABOUT_LABELS = {"parameter": _l("Parameter"), "value": _l("Value"), "from": _l("From"), "to": _l("To"),
                "by": _l("Grouped by"), "department": _l("Department"), "time zone": _l("Time zone"),
                "generated at": _l("Generated at")}


def check_header_language(lang: str | None) -> str:
    """`lang` as a header language: en (the column names, also for None) or vi."""
    lang = lang or "en"
    if lang not in HEADER_LANGUAGES:
        raise InvalidInput(_l("The header language is en or vi."), {"headers": [_l("Use en or vi.")]})
    return lang


def header_labels(lang: str | None, labels: dict = COLUMN_LABELS) -> dict[str, str] | None:
    """Column name -> header text in `lang`; None for English, whose header is the column names."""
    if check_header_language(lang) == "en":
        return None
    with force_locale(lang):
        return {name: str(label) for name, label in labels.items()}


def _header_line(columns: list[str], labels: dict[str, str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_text(labels.get(name, name)) for name in columns])
    return buffer.getvalue()


def check_days(days: dict[str, dt.date], timezone: ZoneInfo) -> None:
    """InvalidInput naming every one of `days` (parameter name -> local day) outside the days whose
    times the calendar holds in UTC (sla.timeutil.convertible_days): such a day cannot become the
    instants a report is read by."""
    first, last = convertible_days(timezone)
    outside = [name for name, day in days.items() if not first <= day <= last]
    if outside:
        raise InvalidInput(
            _l("Report dates must be between %(first)s and %(last)s, the days of %(zone)s whose times the "
               "calendar can hold.", first=first.isoformat(), last=last.isoformat(), zone=str(timezone)),
            {name: [_l("Choose a day from %(first)s to %(last)s.", first=first.isoformat(), last=last.isoformat())]
             for name in outside})


def local_range(day_from: dt.date, day_to: dt.date, timezone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants [start, end) covering local days day_from..day_to, both inclusive. InvalidInput
    for a day the conversion cannot hold (check_days), a reversed or a too long range."""
    check_days({"from": day_from, "to": day_to}, timezone)
    if day_to < day_from:
        raise InvalidInput(_l("The end date is before the start date."), {"to": [_l("Before the start date.")]})
    if (day_to - day_from).days > MAX_DAYS:
        raise InvalidInput(_l("Choose a range of at most ten years."), {"to": [_l("Range too long.")]})
    return day_start(day_from, timezone), day_start(day_to + dt.timedelta(days=1), timezone)


def parse_day(raw: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise InvalidInput(_l("%(name)s must be a date like 2026-11-23.", name=name),
                           {name: [_l("Use YYYY-MM-DD.")]}) from None


def parse_range(raw_from: str | None, raw_to: str | None, *, today: dt.date, timezone: ZoneInfo,
                days: int = 7) -> tuple[dt.date, dt.date]:
    """The local days of `from` and `to` parameters (YYYY-MM-DD; either may be missing): `to` is
    today by default, `from` the `days`-day range ending on `to`, cut at the first day the calendar
    holds. InvalidInput for a malformed date or one outside check_days; the range itself is checked
    by local_range."""
    day_to = parse_day(raw_to, "to") if raw_to else today
    if raw_from:
        return parse_day(raw_from, "from"), day_to
    check_days({"to": day_to}, timezone)
    first, _last = convertible_days(timezone)
    return day_to - dt.timedelta(days=min(days - 1, (day_to - first).days)), day_to


def check_by(by: str, allowed: tuple[str, ...] = BYS) -> str:
    if by not in allowed:
        raise InvalidInput(_l("by must be one of %(values)s.", values=", ".join(allowed)),
                           {"by": [_l("Unknown grouping.")]})
    return by


def department_codes() -> list[str]:
    return list(db.session.scalars(select(Department.code).order_by(Department.code)))


def _department_id(code: str | None) -> int | None:
    if not code:
        return None
    found = db.session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise InvalidInput(_l("Unknown department %(code)s.", code=code), {"department": [_l("Unknown department.")]})
    return found


def _calendars() -> dict[str, sla.Calendar]:
    return {code: calendar_for(data) for code, data in db.session.execute(select(Department.code,
                                                                               Department.calendar_json))}


def _assignee():
    return func.coalesce(Ticket.assignee_id, 0).label("assignee_id")  # ids start at 1: 0 is nobody


def _dialect() -> str:
    return db.session.get_bind().dialect.name


class _Unindexed(FunctionElement):
    """A column's own value, which SQLite's planner will not look up in an index (SQLite's unary +):
    other databases see the column."""

    inherit_cache = True

    def __init__(self, column) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(_Unindexed)
def _render_column(element: _Unindexed, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_Unindexed, "sqlite")
def _render_unindexed(element: _Unindexed, compiler, **kw) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def _query(start: dt.datetime, end: dt.datetime, department_id: int | None, scan: bool = False):
    """The report's tickets in creation order. Sellers, departments and assignees come as ids, which
    cost the driver far less than their text: _Names puts the codes and names in afterwards.
    ``scan``: SQLite reads the whole table and sorts, using none of its indexes (_scan_whole_table)."""
    dialect = _dialect()
    created, department = Ticket.created_at, Ticket.department_id
    if scan:
        created, department = _Unindexed(created), _Unindexed(department)
    query = (select(Ticket.reference, Ticket.seller_id, Ticket.department_id, Ticket.category, Ticket.priority,
                    Ticket.status, _assignee(),
                    *(_instant_text(getattr(Ticket, name), dialect) for name in metrics.TIME_COLUMNS),
                    type_coerce(Ticket.self_resolved, Integer).label("self_resolved"),  # 0 or 1: no
                    Ticket.csat_score.label("csat"))  # conversion per value (a column's at once)
             .where(created >= start, created < end)
             .order_by(created, Ticket.id))
    return query.where(department == department_id) if department_id else query


_TICKET_COLUMNS = ["reference", "seller_id", "department_id", "category", "priority", "status", "assignee_id",
                   *metrics.TIME_COLUMNS, "self_resolved", "csat"]


def _message_query(first: dt.datetime, last: dt.datetime, department_id: int | None):
    """Public seller and staff messages of the tickets created in [first, last]."""
    query = (select(Ticket.reference, Message.author_kind, _instant_text(Message.created_at, _dialect()))
             .join(Ticket, Ticket.id == Message.ticket_id)
             .where(Ticket.created_at >= first, Ticket.created_at <= last, Message.internal.is_(False),
                    or_(Message.author_kind == "seller", Message.author_kind == "staff"))
             .order_by(Message.ticket_id, Message.created_at, Message.id))
    return query.where(Ticket.department_id == department_id) if department_id else query


def _reopen_query(first: dt.datetime, last: dt.datetime, department_id: int | None):
    """Per ticket created in [first, last] that has any: status changes from resolved back to open
    (by the seller's reply or by staff)."""
    query = (select(Ticket.reference, func.count(Event.id))
             .join(Ticket, Ticket.id == Event.ticket_id)
             .where(Ticket.created_at >= first, Ticket.created_at <= last, Event.kind == "status_changed",
                    Event.data_json.like('%"old": "resolved"%'), Event.data_json.like('%"new": "open"%'))
             .group_by(Ticket.id, Ticket.reference))
    return query.where(Ticket.department_id == department_id) if department_id else query


def _backlog_query(as_of: dt.datetime, department_id: int | None):
    """Tickets open at as_of (metrics.open_at), whatever their creation date, with their group columns."""
    still_open = or_(*(Ticket.status == status for status in metrics.OPEN_STATUSES), Ticket.resolved_at > as_of)
    dialect = _dialect()
    query = (select(Ticket.seller_id, Ticket.department_id, Ticket.category, _assignee(), Ticket.status,
                    _instant_text(Ticket.created_at, dialect), _instant_text(Ticket.resolved_at, dialect))
             .where(Ticket.created_at < as_of, still_open))
    return query.where(Ticket.department_id == department_id) if department_id else query


_BACKLOG_COLUMNS = ["seller_id", "department_id", "category", "assignee_id", "status", "created_at", "resolved_at"]
SCAN_SHARE = 0.25  # SQLite: read the table in its own order and sort when the range holds this share of it


def _scan_whole_table(start: dt.datetime, end: dt.datetime, department_id: int | None) -> bool:
    """Whether SQLite should read the range by scanning the tickets table and sorting, rather than
    through the created_at index. The index visits rows in creation order, each on a different page
    of the table once the table is larger than the cache: a scan reads every page once, and sorting
    the rows costs less than those page visits as soon as the range covers a good share of the table."""
    if db.session.get_bind().dialect.name != "sqlite":
        return False
    in_range = select(func.count()).select_from(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    if department_id:
        in_range = in_range.where(Ticket.department_id == department_id)
    wanted = db.session.scalar(in_range) or 0
    size = db.session.scalar(select(func.max(Ticket.id))) or 0
    return wanted > 0 and wanted >= SCAN_SHARE * size


_POSTGRESQL_SETTINGS = (
    "jit = off",  # compiling a report query takes longer than running it
    "cursor_tuple_fraction = 1",  # every row will be read: plan a scan and a sort, not index order
    "work_mem = '64MB'",  # room to sort a million tickets' rows in a few runs
    "DateStyle = 'ISO'",  # times as ISO text (_instant_text), parsed as whole columns
)


def _instant_text(column, dialect: str):
    """A UTC instant column read as ISO text of the UTC time (without offset). Text costs the driver
    and SQLAlchemy far less than a datetime object per value, and pandas parses a whole column of
    it at once (_instants). SQLite keeps instants as that text already."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Text).label(column.key)
    return type_coerce(column, Text).label(column.key)


def _batches(query, size: int, *, ahead: bool = False) -> Iterator[Sequence[Row]]:
    """The rows of a Core select, ``size`` at a time, streamed: PostgreSQL reads them from a
    server-side cursor (with _POSTGRESQL_SETTINGS for this transaction), SQLite steps through them.
    ``ahead``: on PostgreSQL, the next batch is fetched while the caller works on this one
    (_fetched_ahead). (sqlite3 takes the GIL back after every row: a thread fetching ahead would
    mostly wait for it.)"""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return _read(connection.execute(query, execution_options={"yield_per": size}))
    for setting in _POSTGRESQL_SETTINGS:
        connection.exec_driver_sql(f"SET LOCAL {setting}")  # for this transaction only
    batches = _read(connection.execute(query, execution_options={"yield_per": size}))
    return _fetched_ahead(batches) if ahead else batches


def _read(result) -> Iterator[Sequence[Row]]:
    """The result's partitions, the cyclic garbage collector paused while each is built: a batch is
    tens of thousands of new Row objects, none of them in a cycle, which the collector would
    otherwise walk again and again as they arrive (a fifth of a per-ticket export's time)."""
    partitions = result.partitions()
    try:
        while True:
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                batch = next(partitions, None)
            finally:
                if was_enabled:
                    gc.enable()
            if batch is None:
                return
            yield batch
    finally:
        result.close()


def _fetched_ahead(batches: Iterator[Sequence[Row]]) -> Iterator[Sequence[Row]]:
    """The same batches, the next one fetched by a thread while the caller works on this one:
    PostgreSQL reads and sends it meanwhile, instead of waiting for the next FETCH. (psycopg
    serialises the connection's other queries with this one, and waits for the network without
    holding the GIL.) The thread is gone when this generator is, however it ends; ``batches`` is
    closed then."""
    queued: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def fetch() -> None:
        try:
            for batch in batches:
                queued.put(batch)
                if stop.is_set():
                    return
            queued.put(done)
        except BaseException as exc:  # handed to the caller, raised there
            queued.put(exc)

    worker = threading.Thread(target=fetch, name="sla-report-fetch", daemon=True)
    worker.start()
    try:
        while True:
            batch = queued.get()
            if batch is done:
                return
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stop.set()
        while worker.is_alive():  # unblock a put on the full queue, then wait for the fetch under way
            try:
                queued.get_nowait()
            except queue.Empty:
                pass
            worker.join(0.05)
        batches.close()


class _Names:
    """Codes and names behind the ids of the report's rows: departments and staff read once, sellers
    when they first appear (a report may touch a few of many sellers)."""

    def __init__(self) -> None:
        self.departments = {i: (code,) for i, code in db.session.execute(select(Department.id, Department.code))}
        self.users = {i: (email, name) for i, email, name in db.session.execute(select(User.id, User.email,
                                                                                        User.name))}
        self.sellers: dict[int, tuple[str, str]] = {}

    def _load_sellers(self, ids: list[int]) -> None:
        missing = [i for i in ids if i not in self.sellers]
        for first in range(0, len(missing), 500):
            query = select(Seller.id, Seller.code, Seller.name).where(Seller.id.in_(missing[first:first + 500]))
            self.sellers.update({i: (code, name) for i, code, name in db.session.execute(query)})

    def columns(self, seller_ids: np.ndarray, department_ids: np.ndarray, assignee_ids: np.ndarray) -> dict:
        """seller_code, seller_name, department, agent and agent_name (missing when unassigned: id 0)
        of the rows with these ids, as categoricals: each id is looked up once, and the codes spare
        the report from hashing the same texts row after row."""
        out = {}
        for ids, table, names in ((seller_ids, self.sellers, ("seller_code", "seller_name")),
                                  (department_ids, self.departments, ("department",)),
                                  (assignee_ids, self.users, ("agent", "agent_name"))):
            codes, distinct = pd.factorize(ids.astype(np.int64))
            if table is self.sellers:
                self._load_sellers([int(i) for i in distinct])
            found = [table.get(int(i), (None,) * len(names)) for i in distinct]
            for j, name in enumerate(names):
                texts, categories = pd.factorize(np.array([entry[j] for entry in found], dtype=object))
                out[name] = pd.Series(pd.Categorical.from_codes(texts[codes], categories=categories))
        return out


def _columns(rows: list[tuple], names: list[str]) -> dict[str, np.ndarray]:
    """The driver rows as one object array per column."""
    values = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * len(names))
    values = values.reshape(len(rows), len(names))
    return {name: values[:, i] for i, name in enumerate(names)}


def _objects(values: np.ndarray) -> pd.Series:
    """Text as plain Python objects: inferring pandas' string type costs more than it brings here."""
    return pd.Series(values, dtype=object)


def _instants(values: np.ndarray) -> pd.Series:
    """Times as both drivers give them here (ISO text, UTC), parsed as a whole column."""
    return pd.Series(pd.to_datetime(values, utc=True, format="ISO8601"))


def _frames(start, end, department_id, names: _Names) -> Iterator[pd.DataFrame]:
    scan = _scan_whole_table(start, end, department_id)
    for rows in _batches(_query(start, end, department_id, scan), CHUNK, ahead=True):
        column = _columns(rows, _TICKET_COLUMNS)
        frame = {name: _objects(column[name]) for name in ("reference", "category", "priority", "status")}
        frame.update(names.columns(column["seller_id"], column["department_id"], column["assignee_id"]))
        frame.update({name: _instants(column[name]) for name in metrics.TIME_COLUMNS})
        frame["self_resolved"] = column["self_resolved"].astype(bool)
        frame["csat"] = pd.to_numeric(column["csat"], errors="coerce").astype(float)
        yield pd.DataFrame(frame)


def _all_rows(query) -> list[tuple]:
    return db.session.execute(query).all()


def _chunk_range(frame: pd.DataFrame) -> tuple[dt.datetime, dt.datetime]:
    return frame["created_at"].min().to_pydatetime(), frame["created_at"].max().to_pydatetime()


def _reopen_counts(frame: pd.DataFrame, department_id: int | None) -> np.ndarray:
    counts = np.zeros(len(frame), dtype=np.int64)
    rows = _all_rows(_reopen_query(*_chunk_range(frame), department_id))
    if rows:
        column = _columns(rows, ["reference", "reopens"])
        where = pd.Index(frame["reference"]).get_indexer(column["reference"])
        counts[where[where >= 0]] = column["reopens"][where >= 0].astype(np.int64)
    return counts


def _messages(frame: pd.DataFrame, department_id: int | None) -> pd.DataFrame:
    rows = _all_rows(_message_query(*_chunk_range(frame), department_id))
    column = _columns(rows, ["reference", "author_kind", "created_at"])
    return pd.DataFrame({"reference": _objects(column["reference"]), "author_kind": _objects(column["author_kind"]),
                         "created_at": _instants(column["created_at"])})


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
    for frame in _frames(start, end, department_id, _Names()):
        produced = True
        frame["reopens"] = _reopen_counts(frame, department_id)
        yield metrics.ticket_facts(frame, now, _messages(frame, department_id), calendars)
    if not produced:
        yield metrics.ticket_facts(_empty(), now)


def _backlog(as_of: dt.datetime, department_id: int | None) -> Iterator[pd.DataFrame]:
    names = _Names()
    for rows in _batches(_backlog_query(as_of, department_id), CHUNK, ahead=True):
        column = _columns(rows, _BACKLOG_COLUMNS)
        frame = {"category": _objects(column["category"]), "status": _objects(column["status"]),
                 "created_at": _instants(column["created_at"]), "resolved_at": _instants(column["resolved_at"])}
        frame.update(names.columns(column["seller_id"], column["department_id"], column["assignee_id"]))
        yield metrics.backlog_at(pd.DataFrame(frame), as_of)


def _aggregates(start, end, department_id, now, bys, tz: str) -> metrics.Aggregates:
    """Every aggregate of the range for the groupings ``bys`` in one pass over its tickets, with the
    backlog as it stood at the end of the range (or now, for a range that has not ended)."""
    totals = metrics.Aggregates(bys, tz)
    for facts in _facts(start, end, department_id, now):
        totals.add(facts)
    as_of = min(end, now)
    for backlog in _backlog(as_of, department_id):
        totals.add_backlog(backlog)
    return totals


def sla_csv(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None, lang: str | None = None) -> Iterator[str]:
    """The report as CSV text chunks: UTF-8 BOM first (for Excel), then the header and rows.
    The header is the column names, or their labels in `lang` (see header_labels); the rows are the
    same in every language. Text that starts like a formula gets a leading ' (sla.cells). Per-ticket
    reports stream chunk by chunk in bounded memory. Bad input raises InvalidInput here, before
    anything is produced."""
    check_by(by)
    labels = header_labels(lang)
    start, end = local_range(day_from, day_to, timezone)
    return _stream(start, end, by, now, str(timezone), _department_id(department), labels)


def _stream(start, end, by, now, tz, department_id, labels: dict[str, str] | None = None) -> Iterator[str]:
    yield "\ufeff"
    if by == "ticket":
        header = labels is None
        if labels is not None:
            yield _header_line(metrics.TICKET_COLUMNS, labels)
        for facts in _facts(start, end, department_id, now):
            yield metrics.ticket_csv(facts, tz, header)
            header = False
        return
    table = _aggregates(start, end, department_id, now, [by], tz).table(by)
    if labels is not None:
        table = table.rename(columns=labels)
    yield csv_texts(table).to_csv(index=False, lineterminator="\r\n")


def grouped(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None) -> pd.DataFrame:
    """One aggregate report as a DataFrame (the rows of the grouped CSV)."""
    check_by(by, GROUPED)
    start, end = local_range(day_from, day_to, timezone)
    return _aggregates(start, end, _department_id(department), now, [by], str(timezone)).table(by)


def sla_xlsx(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
             department: str | None = None, lang: str | None = None) -> bytes:
    """An aggregate report as an Excel workbook: sheet "SLA" with the same columns as the CSV,
    sheet "About" with the parameters; their header rows and parameter names in `lang` as in
    sla_csv. Text is written as text cells, never formulas (spreadsheets). Per-ticket exports are
    CSV only (they can be very long)."""
    if by == "ticket":
        raise InvalidInput(_l("XLSX is for grouped reports; export per-ticket reports as CSV."),
                           {"by": [_l("Use CSV for by=ticket.")]})
    labels, about_labels = header_labels(lang), header_labels(lang, ABOUT_LABELS)
    table = grouped(day_from, day_to, by, now=now, timezone=timezone, department=department)
    about = pd.DataFrame({"parameter": ["from", "to", "by", "department", "time zone", "generated at"],
                          "value": [day_from.isoformat(), day_to.isoformat(), by, department or "all", str(timezone),
                                    now.astimezone(timezone).isoformat(timespec="seconds")]})
    if labels is not None:
        table = table.rename(columns=labels)
        about["parameter"] = about["parameter"].map(about_labels)
        about = about.rename(columns=about_labels)
    return spreadsheets.workbook([("SLA", table), ("About", about)])


def write_report(path: str | Path, day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
                 department: str | None = None, lang: str | None = None) -> None:
    """Write the report to ``path``: an Excel workbook when it ends in .xlsx, CSV otherwise; the file
    appears complete or not at all. `lang`: the header language, as in sla_csv."""
    out = Path(path)
    tmp = out.with_name(out.name + ".part")
    if out.suffix.lower() == ".xlsx":
        tmp.write_bytes(sla_xlsx(day_from, day_to, by, now=now, timezone=timezone, department=department, lang=lang))
    else:
        chunks = sla_csv(day_from, day_to, by, now=now, timezone=timezone, department=department, lang=lang)
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
    backlog_at: dt.datetime  # the moment the backlog columns describe: the end of the range, or now


def _fill(table: pd.DataFrame, key: str, values: list) -> pd.DataFrame:
    """Rows for every key value (days or hours without tickets get zero counts)."""
    filled = table.set_index(key).reindex(values)
    for column in metrics.COUNT_COLUMNS:
        filled[column] = filled[column].fillna(0).astype(int)
    return filled.rename_axis(key).reset_index()


def _with_tickets(table: pd.DataFrame) -> pd.DataFrame:
    """Only groups with tickets in the range (not those that only have a backlog)."""
    return table[table["tickets"] > 0].reset_index(drop=True)


def dashboard(day_from: dt.date, day_to: dt.date, *, now: dt.datetime, timezone: ZoneInfo,
              department: str | None = None) -> Dashboard:
    """The dashboard's figures over the range, from one pass over its tickets."""
    start, end = local_range(day_from, day_to, timezone)
    tz = str(timezone)
    totals = _aggregates(start, end, _department_id(department), now, DASHBOARD_BYS, tz)
    days = [(day_from + dt.timedelta(days=n)).isoformat() for n in range((day_to - day_from).days + 1)]
    return Dashboard(
        totals=totals.table(None).iloc[0].to_dict(),
        by_day=_fill(totals.table("day"), "day", days),
        by_hour=_fill(totals.table("hour"), "hour", list(range(24))),
        by_department=totals.table("department"),
        by_agent=_with_tickets(totals.table("agent")),
        histogram=totals.histogram(),
        unanswered=totals.unanswered,
        backlog_at=min(end, now),
    )
