"""Per-group tables of ticket facts (:func:`aggregate`; :class:`Aggregates` chunk by chunk) and the
first-response histogram; the measures themselves are defined in :mod:`sla.metrics`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .calendars import Calendar
from .metrics import ticket_facts

BACKLOG_BUCKETS = {  # column: [lower, upper) age in minutes
    "backlog_under_4h": (0, 4 * 60),
    "backlog_4h_to_24h": (4 * 60, 24 * 60),
    "backlog_1d_to_3d": (24 * 60, 72 * 60),
    "backlog_over_3d": (72 * 60, np.inf),
}
GROUP_COLUMNS = ["tickets", "met", "breached", "pending", "met_share", "first_response_median_minutes",
                 "first_response_mean_minutes", "first_response_p90_minutes", "csat_mean", "csat_satisfied_share",
                 "self_resolved", "handling_mean_minutes",
                 "first_response_business_median_minutes", "first_response_business_mean_minutes",
                 "first_response_business_p90_minutes", "responses", "response_mean_minutes",
                 "response_business_mean_minutes", "resolved", "handling_median_minutes",
                 "handling_business_mean_minutes", "reopens", "self_resolved_share", "csat_responses",
                 "open", *BACKLOG_BUCKETS, "reopened", "reopened_share"]
COUNT_COLUMNS = ["tickets", "met", "breached", "pending", "self_resolved", "responses", "resolved", "reopens",
                 "csat_responses", "open", *BACKLOG_BUCKETS, "reopened"]
GROUPINGS = {"department": ["department"], "agent": ["agent", "agent_name"], "category": ["category"],
             "day": ["day"], "hour": ["hour"], "seller": ["seller_code", "seller_name"],
             "reason": ["reason", "reason_label"]}
# what the dashboard shows per resolution reason (the CSV has every column)
REASON_COLUMNS = ["reason", "reason_label", "tickets", "resolved", "handling_median_minutes", "handling_mean_minutes",
                  "reopened", "reopened_share"]
HISTOGRAM_BINS = (  # first-response distribution: label, [lower, upper) minutes
    ("<15m", 0, 15), ("15–30m", 15, 30), ("30–60m", 30, 60), ("1–2h", 60, 120),
    ("2–4h", 120, 240), ("4–8h", 240, 480), ("8–24h", 480, 1440), ("≥24h", 1440, np.inf),
)

_COUNTED = ["tickets", "met", "breached", "pending", "self_resolved", "resolved", "reopens", "responses",
            "csat_responses", "csat_satisfied", "open", *BACKLOG_BUCKETS, "reopened"]
# Minute values kept per ticket, in order: their medians, p90 and means are pandas' own (sums with
# Kahan's compensation, which depend on the order of the values), so a report fed in chunks gives
# the same figures to the last digit as one over all its tickets at once.
_KEPT = {"response": "first_response_minutes", "response_business": "first_response_business_minutes",
         "handling": "handling_minutes", "handling_business": "handling_business_minutes",
         "response_total": "response_total_minutes", "response_total_business": "response_total_business_minutes"}


def _local(created: pd.Series, timezone: str) -> pd.Series:
    return created.dt.tz_convert(timezone)


def _key_arrays(frame: pd.DataFrame, by: str | None, timezone: str) -> list[np.ndarray]:
    """The group key columns of each row: local creation day (as days since 1970-01-01) or hour, or
    the text columns with '(none)' for a missing first key and '' for a missing second one."""
    if by is None:
        return []
    if by == "day":
        days = _local(frame["created_at"], timezone).dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        return [days.view("int64")]
    if by == "hour":
        return [_local(frame["created_at"], timezone).dt.hour.to_numpy()]
    keys = GROUPINGS[by]
    return [frame[column].astype(object).fillna("(none)" if column == keys[0] else "").to_numpy(dtype=object)
            for column in keys]


class _Grouping:
    """One grouping's state: a number per group key (in order of first appearance), the counts and
    CSAT sum per group number, and the group number of every ticket added, chunk by chunk."""

    def __init__(self, by: str | None, timezone: str) -> None:
        self.by, self.timezone = by, timezone
        self.numbers: dict[tuple, int] = {}
        self.counts = np.zeros((0, len(_COUNTED)), dtype=np.int64)
        self.csat = np.zeros(0)  # ratings are whole numbers: their sum is exact in any order
        self.groups_of_tickets: list[np.ndarray] = []

    def groups(self, frame: pd.DataFrame) -> np.ndarray:
        """The group number of each row, numbering keys not seen before."""
        arrays = _key_arrays(frame, self.by, self.timezone)
        if not arrays:
            keys, codes = [()], np.zeros(len(frame), dtype=np.intp)
        else:
            parts = [pd.factorize(array, use_na_sentinel=False) for array in arrays]
            combined = parts[0][0].astype(np.int64)
            for part_codes, distinct in parts[1:]:
                combined = combined * len(distinct) + part_codes
            codes, distinct_combined = pd.factorize(combined)
            keys = []
            for value in distinct_combined.tolist():
                key = []
                for _codes, distinct in reversed(parts):
                    value, position = divmod(value, len(distinct))
                    key.append(distinct[position])
                keys.append(tuple(reversed(key)))
        numbers = np.array([self.numbers.setdefault(key, len(self.numbers)) for key in keys], dtype=np.intp)
        grown = len(self.numbers) - len(self.counts)
        if grown > 0:
            self.counts = np.vstack([self.counts, np.zeros((grown, len(_COUNTED)), dtype=np.int64)])
            self.csat = np.concatenate([self.csat, np.zeros(grown)])
        return numbers[codes] if len(codes) else np.zeros(0, dtype=np.intp)

    def add(self, groups: np.ndarray, counted: dict[str, np.ndarray], csat: np.ndarray) -> None:
        size = len(self.numbers)
        for j, name in enumerate(_COUNTED):
            if name in counted:
                self.counts[:, j] += np.bincount(groups, weights=counted[name], minlength=size).astype(np.int64)
        self.csat += np.bincount(groups, weights=np.where(np.isnan(csat), 0.0, csat), minlength=size)
        if self.by is not None:  # one group over everything: its number need not be kept
            self.groups_of_tickets.append(groups.astype(np.int32))

    def add_backlog(self, groups: np.ndarray, age: np.ndarray) -> None:
        for column, (low, high) in BACKLOG_BUCKETS.items():
            inside = (age >= low) & (age < high)
            self.counts[:, _COUNTED.index(column)] += np.bincount(groups[inside], minlength=len(self.numbers))

    def key_frame(self) -> pd.DataFrame:
        columns = GROUPINGS[self.by]
        keys = list(self.numbers)
        frame = pd.DataFrame({column: [key[i] for key in keys] for i, column in enumerate(columns)})
        if self.by == "day":
            days = np.array(frame["day"].to_numpy(dtype=np.int64), dtype="datetime64[D]")
            frame["day"] = np.datetime_as_string(days, unit="D").astype(object)
        elif self.by == "hour":
            frame["hour"] = frame["hour"].astype(int)
        return frame


class Aggregates:
    """Aggregates of ticket facts for one or more groupings (``by`` values of GROUPINGS, None for one
    row over everything), fed chunk by chunk with :meth:`add` and, for the backlog columns,
    :meth:`add_backlog`; :meth:`table` gives what :func:`aggregate` gives over all the chunks at
    once, to the last digit. Memory (:attr:`nbytes`): the totals of each group, plus six minute
    values (48 bytes) and a group number per grouping but the overall one (4 bytes) per ticket."""

    def __init__(self, bys: Iterable[str | None], timezone: str) -> None:
        bys = list(bys)
        for by in bys:
            if by is not None and by not in GROUPINGS:
                raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
        self.timezone = timezone
        self.groupings = {by: _Grouping(by, timezone) for by in bys}
        self.kept: list[np.ndarray] = []  # per chunk: one row per _KEPT column, one column per ticket
        self.histogram_counts = np.zeros(len(HISTOGRAM_BINS), dtype=np.int64)
        self.unanswered = 0

    @property
    def nbytes(self) -> int:
        """Bytes held for the tickets added so far (group totals and keys aside)."""
        return (sum(chunk.nbytes for chunk in self.kept)
                + sum(g.nbytes for grouping in self.groupings.values() for g in grouping.groups_of_tickets))

    def add(self, facts: pd.DataFrame) -> None:
        """Fold in a chunk of :func:`ticket_facts` (all columns but the backlog's)."""
        if facts.empty:
            return
        outcome = facts["outcome"].to_numpy(dtype=object)
        csat = facts["csat"].to_numpy(dtype=float)
        counted = {
            "tickets": np.ones(len(facts)),
            "met": outcome == "met",
            "breached": outcome == "breached",
            "pending": outcome == "pending",
            "self_resolved": facts["self_resolved"].to_numpy(dtype=bool),
            "resolved": facts["resolved_at"].notna().to_numpy(),
            "reopens": facts["reopens"].to_numpy(dtype=float),
            "reopened": facts["reopens"].to_numpy(dtype=float) > 0,
            "responses": facts["responses"].to_numpy(dtype=float),
            "csat_responses": ~np.isnan(csat),
            "csat_satisfied": csat >= 4,
            "open": facts["is_open"].to_numpy(dtype=bool),
        }
        self.kept.append(np.array([facts[column].to_numpy(dtype=float) for column in _KEPT.values()]))
        for grouping in self.groupings.values():
            grouping.add(grouping.groups(facts), counted, csat)
        self.histogram_counts += first_response_histogram(facts)["tickets"].to_numpy()
        self.unanswered += int(facts["first_response_minutes"].isna().sum())

    def add_backlog(self, backlog: pd.DataFrame) -> None:
        """Count tickets in the backlog columns by ``age_minutes`` (rows where it is NaN are not in
        the backlog); they need the grouping columns and ``created_at``, nothing else. Groups seen
        only here get rows with no tickets."""
        backlog = backlog[backlog["age_minutes"].notna()]
        if backlog.empty:
            return
        age = backlog["age_minutes"].to_numpy(dtype=float)
        for grouping in self.groupings.values():
            grouping.add_backlog(grouping.groups(backlog), age)

    def _kept(self, name: str) -> np.ndarray:
        """One kept column over every chunk: a column at a time, so that finishing a report needs
        little more memory than the kept values themselves."""
        row = list(_KEPT).index(name)
        return np.concatenate([chunk[row] for chunk in self.kept]) if self.kept else np.zeros(0)

    def _groups(self, grouping: _Grouping) -> np.ndarray:
        if grouping.by is None:
            return np.zeros(sum(chunk.shape[1] for chunk in self.kept), dtype=np.int32)
        return np.concatenate(grouping.groups_of_tickets) if grouping.groups_of_tickets else np.zeros(0, np.int32)

    def table(self, by: str | None) -> pd.DataFrame:
        """The group column(s), then GROUP_COLUMNS, one row per group sorted by the group columns."""
        grouping = self.groupings[by]
        size = len(grouping.numbers)
        if by is None and size == 0:  # one row over everything, even over nothing
            return pd.DataFrame([{c: 0 if c in COUNT_COLUMNS else np.nan for c in GROUP_COLUMNS}])[GROUP_COLUMNS]
        result = pd.DataFrame(grouping.counts, columns=_COUNTED)
        groups, every = self._groups(grouping), range(size)

        def per_group(name: str) -> pd.core.groupby.SeriesGroupBy:
            return pd.Series(self._kept(name)).groupby(groups)

        for name, prefix in (("response", "first_response"), ("response_business", "first_response_business")):
            values = per_group(name)
            result[f"{prefix}_median_minutes"] = values.median().reindex(every).round(1)
            result[f"{prefix}_mean_minutes"] = values.mean().reindex(every).round(1)
            result[f"{prefix}_p90_minutes"] = values.quantile(0.9).reindex(every).round(1)
        handling = per_group("handling")
        result["handling_mean_minutes"] = handling.mean().reindex(every).round(1)
        result["handling_median_minutes"] = handling.median().reindex(every).round(1)
        result["handling_business_mean_minutes"] = per_group("handling_business").mean().reindex(every).round(1)
        replies = result["responses"].where(result["responses"] > 0)
        for name, column in (("response_total", "response_mean_minutes"),
                             ("response_total_business", "response_business_mean_minutes")):
            result[column] = (per_group(name).sum().reindex(every) / replies).round(1)
        rated = result["csat_responses"].where(result["csat_responses"] > 0)
        result["csat_mean"] = (pd.Series(grouping.csat) / rated).round(2)
        result["csat_satisfied_share"] = (result["csat_satisfied"] / rated).round(4)
        decided = result["met"] + result["breached"]
        result["met_share"] = (result["met"] / decided.where(decided > 0)).round(4)
        every_ticket = result["tickets"].where(result["tickets"] > 0)
        result["self_resolved_share"] = (result["self_resolved"] / every_ticket).round(4)
        result["reopened_share"] = (result["reopened"] / every_ticket).round(4)
        if by is None:
            return result[GROUP_COLUMNS]
        keys = grouping.key_frame()
        result = pd.concat([keys, result], axis=1).sort_values(GROUPINGS[by], kind="stable", ignore_index=True)
        return result[GROUPINGS[by] + GROUP_COLUMNS]

    def histogram(self) -> pd.DataFrame:
        """Answered tickets per first-response bucket over every chunk (see first_response_histogram)."""
        return pd.DataFrame({"bucket": [label for label, _low, _high in HISTOGRAM_BINS],
                             "tickets": self.histogram_counts.astype(int)})


def aggregate(facts: pd.DataFrame, by: str | None, timezone: str) -> pd.DataFrame:
    """Aggregates of :func:`ticket_facts` per group (``by`` one of GROUPINGS; None: one row over
    everything, without group columns): the group column(s), then GROUP_COLUMNS. The backlog
    columns count the given tickets still open at the facts' ``now``."""
    totals = Aggregates([by], timezone)
    totals.add(facts)
    totals.add_backlog(facts)
    return totals.table(by)


def grouped_table(frame: pd.DataFrame, by: str, now: dt.datetime, timezone: str,
                  messages: pd.DataFrame | None = None,
                  calendars: Mapping[str, Calendar] | None = None) -> pd.DataFrame:
    """Aggregates of a ticket frame per group: the group column(s), then GROUP_COLUMNS."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    return aggregate(ticket_facts(frame, now, messages, calendars), by, timezone)


def reason_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a by-reason table (``Aggregates.table("reason")``) that have tickets in the
    range, with REASON_COLUMNS only, the most frequent reason first (then by code, tickets without
    a reason after the others with as many): tickets, how many are resolved, their handling time
    (creation to resolution) and the share reopened at least once."""
    rows = table[table["tickets"] > 0][REASON_COLUMNS]
    order = rows.assign(_unnamed=rows["reason"] == "(none)")
    order = order.sort_values(["tickets", "_unnamed", "reason"], ascending=[False, True, True], kind="stable")
    return rows.loc[order.index].reset_index(drop=True)


def first_response_histogram(facts: pd.DataFrame) -> pd.DataFrame:
    """Answered tickets per first-response bucket (wall-clock): columns bucket, tickets."""
    minutes = facts["first_response_minutes"].dropna().clip(lower=0)
    edges = [low for _label, low, _high in HISTOGRAM_BINS] + [np.inf]
    labels = [label for label, _low, _high in HISTOGRAM_BINS]
    buckets = pd.cut(minutes, bins=edges, labels=labels, right=False)
    counts = buckets.value_counts(sort=False).reindex(labels, fill_value=0)
    return pd.DataFrame({"bucket": labels, "tickets": counts.to_numpy().astype(int)})
