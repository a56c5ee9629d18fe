"""A report's tickets as DataFrames, chunk by chunk: CHUNK tickets at a time with their public
messages and reopen counts (two more queries per chunk), their measures from sla.metrics; the
backlog at a moment; and the aggregates of a range in one pass, which keep 52 bytes or so per ticket
(sla.aggregates.Aggregates) rather than every ticket's facts."""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Row, select

import sla
from sla import metrics
from sla.aggregates import Aggregates

from ...extensions import db
from ...models import Department, ResolutionReason, Seller, User
from ..runtime import calendar_for
from . import queries

CHUNK = 30_000


def _calendars() -> dict[str, sla.Calendar]:
    return {code: calendar_for(data) for code, data in db.session.execute(select(Department.code,
                                                                               Department.calendar_json))}


class _Names:
    """Codes and names behind the ids of the report's rows: departments and staff read once, sellers
    when they first appear (a report may touch a few of many sellers)."""

    def __init__(self) -> None:
        self.departments = {i: (code,) for i, code in db.session.execute(select(Department.id, Department.code))}
        self.users = {i: (email, name) for i, email, name in db.session.execute(select(User.id, User.email,
                                                                                        User.name))}
        self.sellers: dict[int, tuple[str, str]] = {}
        # resolution reasons by code, switched-off ones too, labelled as the CSV's rows are: in English
        self.reasons = {code: label for code, label in db.session.execute(select(ResolutionReason.code,
                                                                                 ResolutionReason.label_en))}

    def reason_columns(self, codes: np.ndarray) -> dict:
        """reason and reason_label of the rows with these resolution reason codes (None: none given)."""
        reasons = pd.Series(codes, dtype=object)
        return {"reason": reasons, "reason_label": reasons.map(self.reasons)}

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


def _columns(rows: Sequence[Row], names: list[str]) -> dict[str, np.ndarray]:
    """The rows as one object array per column."""
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
    scan = queries.scan_whole_table(start, end, department_id)
    for rows in queries.batches_of(queries.ticket_query(start, end, department_id, scan), CHUNK):
        column = _columns(rows, queries.TICKET_COLUMNS)
        frame = {name: _objects(column[name]) for name in ("reference", "category", "priority", "status")}
        frame.update(names.columns(column["seller_id"], column["department_id"], column["assignee_id"]))
        frame.update({name: _instants(column[name]) for name in metrics.TIME_COLUMNS})
        frame["self_resolved"] = column["self_resolved"].astype(bool)
        frame["csat"] = pd.to_numeric(column["csat"], errors="coerce").astype(float)
        frame.update(names.reason_columns(column["resolution_reason"]))
        yield pd.DataFrame(frame)


def _all_rows(query) -> Sequence[Row]:
    return db.session.execute(query).all()


def _chunk_range(frame: pd.DataFrame) -> tuple[dt.datetime, dt.datetime]:
    return frame["created_at"].min().to_pydatetime(), frame["created_at"].max().to_pydatetime()


def _reopen_counts(frame: pd.DataFrame, department_id: int | None) -> np.ndarray:
    counts = np.zeros(len(frame), dtype=np.int64)
    rows = _all_rows(queries.reopen_query(*_chunk_range(frame), department_id))
    if rows:
        column = _columns(rows, ["reference", "reopens"])
        where = pd.Index(frame["reference"]).get_indexer(column["reference"])
        counts[where[where >= 0]] = column["reopens"][where >= 0].astype(np.int64)
    return counts


def _messages(frame: pd.DataFrame, department_id: int | None) -> pd.DataFrame:
    rows = _all_rows(queries.message_query(*_chunk_range(frame), department_id))
    column = _columns(rows, ["reference", "author_kind", "created_at"])
    return pd.DataFrame({"reference": _objects(column["reference"]), "author_kind": _objects(column["author_kind"]),
                         "created_at": _instants(column["created_at"])})


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in
                          ("reference", "seller_code", "seller_name", "department", "category", "priority", "status",
                           "agent", "agent_name", "reason", "reason_label")})
    for column in metrics.TIME_COLUMNS:
        frame[column] = pd.Series(dtype="datetime64[ns, UTC]")
    frame["self_resolved"] = pd.Series(dtype=bool)
    frame["csat"] = pd.Series(dtype=float)
    frame["reopens"] = pd.Series(dtype=int)
    return frame


def ticket_facts(start, end, department_id, now) -> Iterator[pd.DataFrame]:
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
    for rows in queries.batches_of(queries.backlog_query(as_of, department_id), CHUNK):
        column = _columns(rows, queries.BACKLOG_COLUMNS)
        frame = {"category": _objects(column["category"]), "status": _objects(column["status"]),
                 "created_at": _instants(column["created_at"]), "resolved_at": _instants(column["resolved_at"])}
        frame.update(names.columns(column["seller_id"], column["department_id"], column["assignee_id"]))
        frame.update(names.reason_columns(column["resolution_reason"]))
        yield metrics.backlog_at(pd.DataFrame(frame), as_of)


def aggregates(start, end, department_id, now, bys, tz: str) -> Aggregates:
    """Every aggregate of the range for the groupings ``bys`` in one pass over its tickets, with the
    backlog as it stood at the end of the range (or now, for a range that has not ended)."""
    totals = Aggregates(bys, tz)
    for facts in ticket_facts(start, end, department_id, now):
        totals.add(facts)
    as_of = min(end, now)
    for backlog in _backlog(as_of, department_id):
        totals.add_backlog(backlog)
    return totals
