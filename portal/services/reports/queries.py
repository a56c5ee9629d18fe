"""The SQL of a report and how its rows are read: Core selects, streamed in batches through
SQLAlchemy's results (Result.partitions with yield_per: a server-side cursor on PostgreSQL).
Sellers, departments and assignees come as ids and times as UTC text, which cost the driver and
SQLAlchemy far less than their names and datetime objects: the callers convert whole columns."""
from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Sequence

from sqlalchemy import Integer, Row, Text, cast, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

import vocabulary
from sla import metrics

from ...ahead import produced_ahead
from ...extensions import db
from ...models import Event, Message, Ticket


def _assignee():
    return func.coalesce(Ticket.assignee_id, 0).label("assignee_id")  # ids start at 1: 0 is nobody


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _instant_text(column, dialect: str):
    """A UTC instant column read as ISO text of the UTC time (without offset). Text costs the driver
    and SQLAlchemy far less than a datetime object per value, and pandas parses a whole column of
    it at once (facts._instants). SQLite keeps instants as that text already."""
    if dialect == "postgresql":  # (ISO text with DateStyle ISO: _POSTGRESQL_SETTINGS)
        return cast(func.timezone("UTC", column), Text).label(column.key)
    return type_coerce(column, Text).label(column.key)


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


def ticket_query(start: dt.datetime, end: dt.datetime, department_id: int | None, scan: bool = False):
    """The report's tickets in creation order. Sellers, departments and assignees come as ids, which
    cost the driver far less than their text: _Names puts the codes and names in afterwards.
    ``scan``: SQLite reads the whole table and sorts, using none of its indexes (scan_whole_table).
    PostgreSQL sorts the rows as they are stored and writes their times as text after the sort
    (_sorted_then_text)."""
    dialect = _dialect()
    if dialect == "postgresql":
        return _sorted_then_text(start, end, department_id)
    created, department = Ticket.created_at, Ticket.department_id
    if scan:
        created, department = _Unindexed(created), _Unindexed(department)
    query = (select(Ticket.reference, Ticket.seller_id, Ticket.department_id, Ticket.category, Ticket.priority,
                    Ticket.status, _assignee(),
                    *(_instant_text(getattr(Ticket, name), dialect) for name in metrics.TIME_COLUMNS),
                    type_coerce(Ticket.self_resolved, Integer).label("self_resolved"),  # 0 or 1: no
                    Ticket.csat_score.label("csat"),  # conversion per value (a column's at once)
                    Ticket.resolution_reason)
             .where(created >= start, created < end)
             .order_by(created, Ticket.id))
    return query.where(department == department_id) if department_id else query


def _sorted_then_text(start: dt.datetime, end: dt.datetime, department_id: int | None):
    """ticket_query on PostgreSQL: the rows sorted in a subquery with their times as stored (8 bytes
    each), the times turned into text by the outer select, whose ORDER BY the sorted subquery already
    gives. Text made before the sort would make every row 60 bytes wider: a million of them no longer
    sort in work_mem but on disk, which doubled the database's work for an export."""
    times = (getattr(Ticket, name) for name in metrics.TIME_COLUMNS)
    rows = (select(Ticket.id, Ticket.reference, Ticket.seller_id, Ticket.department_id, Ticket.category,
                   Ticket.priority, Ticket.status, _assignee(), *times, Ticket.self_resolved, Ticket.csat_score,
                   Ticket.resolution_reason)
            .where(Ticket.created_at >= start, Ticket.created_at < end)
            .order_by(Ticket.created_at, Ticket.id))
    if department_id:
        rows = rows.where(Ticket.department_id == department_id)
    sorted_rows = rows.subquery("report_tickets")
    c = sorted_rows.c
    return (select(c.reference, c.seller_id, c.department_id, c.category, c.priority, c.status, c.assignee_id,
                   *(_instant_text(c[name], "postgresql") for name in metrics.TIME_COLUMNS),
                   type_coerce(c.self_resolved, Integer).label("self_resolved"), c.csat_score.label("csat"),
                   c.resolution_reason)
            .order_by(c.created_at, c.id))


TICKET_COLUMNS = ["reference", "seller_id", "department_id", "category", "priority", "status", "assignee_id",
                  *metrics.TIME_COLUMNS, "self_resolved", "csat", "resolution_reason"]


def message_query(first: dt.datetime, last: dt.datetime, department_id: int | None):
    """Public seller and staff messages of the tickets created in [first, last]."""
    query = (select(Ticket.reference, Message.author_kind, _instant_text(Message.created_at, _dialect()))
             .join(Ticket, Ticket.id == Message.ticket_id)
             .where(Ticket.created_at >= first, Ticket.created_at <= last, Message.internal.is_(False),
                    or_(Message.author_kind == "seller", Message.author_kind == "staff"))
             .order_by(Message.ticket_id, Message.created_at, Message.id))
    return query.where(Ticket.department_id == department_id) if department_id else query


def reopen_query(first: dt.datetime, last: dt.datetime, department_id: int | None):
    """Per ticket created in [first, last] that has any: status changes from resolved back to open
    (by the seller's reply or by staff)."""
    query = (select(Ticket.reference, func.count(Event.id))
             .join(Ticket, Ticket.id == Event.ticket_id)
             .where(Ticket.created_at >= first, Ticket.created_at <= last, Event.kind == "status_changed",
                    Event.data_json.like('%"old": "resolved"%'), Event.data_json.like('%"new": "open"%'))
             .group_by(Ticket.id, Ticket.reference))
    return query.where(Ticket.department_id == department_id) if department_id else query


def backlog_query(as_of: dt.datetime, department_id: int | None):
    """Tickets open at as_of (metrics.open_at), whatever their creation date, with their group columns."""
    still_open = or_(*(Ticket.status == status for status in vocabulary.OPEN_STATUSES), Ticket.resolved_at > as_of)
    dialect = _dialect()
    query = (select(Ticket.seller_id, Ticket.department_id, Ticket.category, _assignee(), Ticket.status,
                    _instant_text(Ticket.created_at, dialect), _instant_text(Ticket.resolved_at, dialect),
                    Ticket.resolution_reason)
             .where(Ticket.created_at < as_of, still_open))
    return query.where(Ticket.department_id == department_id) if department_id else query


BACKLOG_COLUMNS = ["seller_id", "department_id", "category", "assignee_id", "status", "created_at", "resolved_at",
                   "resolution_reason"]

SCAN_SHARE = 0.25  # SQLite: read the table in its own order and sort when the range holds this share of it


def scan_whole_table(start: dt.datetime, end: dt.datetime, department_id: int | None) -> bool:
    """Whether SQLite should read the range by scanning the tickets table and sorting, rather than
    through the created_at index. The index visits rows in creation order, each on a different page
    of the table once the table is larger than the cache: a scan reads every page once, and sorting
    the rows costs less than those page visits as soon as the range covers a good share of the table."""
    if _dialect() != "sqlite":
        return False
    in_range = select(func.count()).select_from(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    if department_id:
        in_range = in_range.where(Ticket.department_id == department_id)
    wanted = db.session.scalar(in_range) or 0
    size = db.session.scalar(select(func.max(Ticket.id))) or 0
    return wanted > 0 and wanted >= SCAN_SHARE * size


_POSTGRESQL_SETTINGS = (
    "jit = off",  # compiling a report query takes longer than running it
    # one backend reads and sorts: parallel workers would take every core for a second or two and
    # spend more CPU in all (gathering, merging), while the pages served beside the report wait
    "max_parallel_workers_per_gather = 0",
    "cursor_tuple_fraction = 1",  # every row will be read: plan a scan and a sort, not index order
    "work_mem = '64MB'",  # room to sort a million tickets' rows in a few runs
    "DateStyle = 'ISO'",  # times as ISO text (_instant_text), parsed as whole columns
)


def batches_of(query, size: int) -> Iterator[Sequence[Row]]:
    """The rows of a Core select, ``size`` at a time, streamed. PostgreSQL reads them from a
    server-side cursor (with _POSTGRESQL_SETTINGS for this transaction), the next batch fetched while
    the caller works on this one (ahead.produced_ahead); SQLite steps through them (sqlite3 takes the GIL
    back after every row: a thread fetching ahead would mostly wait for it)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return _read(connection.execute(query, execution_options={"yield_per": size}))
    for setting in _POSTGRESQL_SETTINGS:
        connection.exec_driver_sql(f"SET LOCAL {setting}")  # for this transaction only
    return produced_ahead(_read(connection.execute(query, execution_options={"yield_per": size})),
                          name="sla-report-fetch")


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
