"""sla.aggregates by resolution reason on a small hand-built frame: tickets, resolved, handling time
(creation to resolution) and the share reopened at least once per reason; tickets without a reason
in a "(none)" row; the dashboard's table most frequent first; chunked feeding gives the same."""
import numpy as np
import pandas as pd
import pytest

from sla import aggregates, metrics
from tests.unit.sla_frames import A1, NOW, S1, TZ, ticket


def with_reason(ref, created, resolved, reason, label, reopens=0, status=None):
    """A ticket answered ten minutes after creation, resolved at ``resolved`` (local) for ``reason``."""
    due = str(pd.Timestamp(created) + pd.Timedelta(hours=4))[:16]
    responded = str(pd.Timestamp(created) + pd.Timedelta(minutes=10))[:16]
    row = ticket(ref, "delivery", A1, S1, "delivery_delay", created, due, responded, resolved,
                 status or ("resolved" if resolved else "open"), reopens=reopens)
    return {**row, "reason": reason, "reason_label": label}


def frame() -> pd.DataFrame:
    rows = [
        # carrier delay: handling 60, 120, 300 minutes; R2 reopened twice, R3 once: 2 of 3 reopened
        with_reason("R1", "2026-03-06 09:00", "2026-03-06 10:00", "carrier_delay", "Carrier delay"),
        with_reason("R2", "2026-03-06 11:00", "2026-03-06 13:00", "carrier_delay", "Carrier delay", reopens=2),
        with_reason("R3", "2026-03-07 08:00", "2026-03-07 13:00", "carrier_delay", "Carrier delay", reopens=1),
        # wrong address: handling 30; R5 reopened and still open (it keeps its last reason, no resolution)
        with_reason("R4", "2026-03-07 09:00", "2026-03-07 09:30", "wrong_address", "Wrong address"),
        with_reason("R5", "2026-03-08 09:00", None, "wrong_address", "Wrong address", reopens=1, status="open"),
        # never resolved by staff: no reason
        with_reason("R6", "2026-03-08 10:00", None, None, None),
    ]
    out = pd.DataFrame(rows)
    for column in metrics.TIME_COLUMNS:
        out[column] = pd.to_datetime(out[column], utc=True)
    out["csat"] = out["csat"].astype(float)
    return out


EXPECTED = [
    {"reason": "(none)", "reason_label": "", "tickets": 1, "resolved": 0, "handling_median_minutes": None,
     "handling_mean_minutes": None, "reopened": 0, "reopened_share": 0.0},
    {"reason": "carrier_delay", "reason_label": "Carrier delay", "tickets": 3, "resolved": 3,
     "handling_median_minutes": 120.0, "handling_mean_minutes": 160.0, "reopened": 2, "reopened_share": 0.6667},
    {"reason": "wrong_address", "reason_label": "Wrong address", "tickets": 2, "resolved": 1,
     "handling_median_minutes": 30.0, "handling_mean_minutes": 30.0, "reopened": 1, "reopened_share": 0.5},
]


def records(table: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")]


def test_by_reason_counts_handling_and_reopen_rate():
    table = aggregates.aggregate(metrics.ticket_facts(frame(), NOW), "reason", TZ)
    assert list(table.columns) == ["reason", "reason_label", *aggregates.GROUP_COLUMNS]
    assert records(table[aggregates.REASON_COLUMNS]) == EXPECTED
    assert table["reopens"].tolist() == [0, 3, 1]  # reopenings, beside the tickets reopened


def test_the_dashboard_table_puts_the_most_frequent_reason_first_and_drops_groups_without_tickets():
    totals = aggregates.Aggregates(["reason"], TZ)
    totals.add(metrics.ticket_facts(frame(), NOW))
    # a reason seen only in the backlog (an old ticket reopened since) has no tickets of the range
    backlog = metrics.backlog_at(frame().assign(reason="app_defect", reason_label="App defect").iloc[[5]], NOW)
    totals.add_backlog(backlog)
    full = totals.table("reason")
    assert "app_defect" in full["reason"].tolist()
    table = aggregates.reason_table(full)
    assert list(table.columns) == aggregates.REASON_COLUMNS
    assert table["reason"].tolist() == ["carrier_delay", "wrong_address", "(none)"]
    assert records(table)[0] == EXPECTED[1]


def test_a_tie_in_tickets_is_ordered_by_code():
    rows = frame().iloc[[0, 3]]  # one carrier delay, one wrong address
    table = aggregates.reason_table(aggregates.aggregate(metrics.ticket_facts(rows, NOW), "reason", TZ))
    assert table["reason"].tolist() == ["carrier_delay", "wrong_address"]


@pytest.mark.parametrize("split", [1, 2, 4, 5])
def test_chunks_give_the_same_table(split):
    whole = aggregates.aggregate(metrics.ticket_facts(frame(), NOW), "reason", TZ)
    totals = aggregates.Aggregates(["reason"], TZ)
    totals.add(metrics.ticket_facts(frame().iloc[:split], NOW))
    totals.add(metrics.ticket_facts(frame().iloc[split:], NOW))
    pd.testing.assert_frame_equal(totals.table("reason")[aggregates.REASON_COLUMNS],
                                  whole[aggregates.REASON_COLUMNS])


def test_a_frame_without_reason_columns_counts_every_ticket_without_one():
    rows = frame().drop(columns=["reason", "reason_label"])
    table = aggregates.aggregate(metrics.ticket_facts(rows, NOW), "reason", TZ)
    assert table["reason"].tolist() == ["(none)"] and table["tickets"].tolist() == [6]
    assert table["reopened"].tolist() == [3] and table["reopened_share"].tolist() == [0.5]


def test_tickets_without_a_reason_come_after_the_reasons_with_as_many():
    rows = frame().iloc[[0, 5]]  # one carrier delay, one without a reason ("(none)" sorts before letters)
    table = aggregates.reason_table(aggregates.aggregate(metrics.ticket_facts(rows, NOW), "reason", TZ))
    assert table["reason"].tolist() == ["carrier_delay", "(none)"]
    assert table.index.tolist() == [0, 1]
