"""Questions answered by the parcel status before any ticket ("This answers my question"), beside the
tickets of the same categories: the self-service rate = answers / (answers + tickets), per category
and per local day of the range. Only the categories a parcel status can answer are counted (finance,
app bugs and other questions are never offered it).

Both tables are counted in SQL by quarter of an hour (every time zone's offset is a whole number of
quarters), then folded into local days here: exact in any zone, daylight saving included, without
reading a row per ticket."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func, select

import vocabulary

from ...extensions import db
from ...models import SelfServiceEvent, Ticket
from .params import local_range

QUARTER = 900  # seconds
CATEGORIES = tuple(c for c in vocabulary.CATEGORIES if c in vocabulary.TRACKING_REQUIRED)


@dataclass(frozen=True)
class Row:
    """Answers given by the parcel status and tickets sent, for one category or one day."""

    key: str
    answers: int
    tickets: int

    @property
    def rate(self) -> float | None:
        """The share of questions the status answered; None when there were none."""
        asked = self.answers + self.tickets
        return self.answers / asked if asked else None


@dataclass(frozen=True)
class SelfService:
    total: Row
    by_category: list[Row]  # every category that can be answered, in the vocabulary's order
    by_day: list[Row]  # local days (ISO) with an answer or a ticket, in order


def _quarter(column):
    """The column's instant as its quarter-hour number since 1970 (UTC)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / QUARTER), Integer)
    return cast(func.strftime("%s", column), Integer) // QUARTER  # SQLite keeps instants as UTC text


def _counts(model, start: dt.datetime, end: dt.datetime) -> list[tuple[str, int, int]]:
    """(category, quarter, count) of `model`'s rows created in [start, end)."""
    quarter = _quarter(model.created_at).label("quarter")
    query = (select(model.category, quarter, func.count())
             .where(model.created_at >= start, model.created_at < end, model.category.in_(CATEGORIES))
             .group_by(model.category, quarter))
    return [(category, int(q), int(n)) for category, q, n in db.session.execute(query)]


def _local_day(quarter: int, timezone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(quarter * QUARTER, dt.UTC).astimezone(timezone).date().isoformat()


def self_service(day_from: dt.date, day_to: dt.date, *, timezone: ZoneInfo) -> SelfService:
    """Answers and tickets of the answerable categories created over the local days day_from..day_to."""
    start, end = local_range(day_from, day_to, timezone)
    tallies: dict[str, Counter] = {"answers": Counter(), "tickets": Counter()}
    days: dict[str, Counter] = {"answers": Counter(), "tickets": Counter()}
    for name, model in (("answers", SelfServiceEvent), ("tickets", Ticket)):
        for category, quarter, count in _counts(model, start, end):
            tallies[name][category] += count
            days[name][_local_day(quarter, timezone)] += count
    by_category = [Row(c, tallies["answers"][c], tallies["tickets"][c]) for c in CATEGORIES]
    by_day = [Row(day, days["answers"][day], days["tickets"][day])
              for day in sorted(set(days["answers"]) | set(days["tickets"]))]
    total = Row("", sum(r.answers for r in by_category), sum(r.tickets for r in by_category))
    return SelfService(total=total, by_category=by_category, by_day=by_day)
