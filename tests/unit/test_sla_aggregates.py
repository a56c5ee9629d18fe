"""sla.aggregates on small hand-built frames: the exact figures, types and order of the per-group
tables, chunked feeding where a chunk holds only some of the groups, shares of one-ticket groups,
rounding, backlog bucket bounds and the first-response histogram's bins. Times are local
(Asia/Ho_Chi_Minh, +07:00); every ticket is in an always-open department unless said otherwise."""
import numpy as np
import pandas as pd
import pytest

from sla import aggregates, metrics
from tests.unit.sla_frames import A1, A2, NOW, S1, S2, TZ, ticket


def tickets(*rows) -> pd.DataFrame:
    out = pd.DataFrame(list(rows))
    for column in metrics.TIME_COLUMNS:
        out[column] = pd.to_datetime(out[column], utc=True)
    out["csat"] = out["csat"].astype(float)
    return out


def answered(ref, dept, created, responded, resolved=None, **extra):
    """A ticket due four hours after creation (never missed here), answered at ``responded``."""
    due = str(pd.Timestamp(created) + pd.Timedelta(hours=4))[:16]
    return ticket(ref, dept, A1, S1, "delivery_delay", created, due, responded, resolved,
                  "resolved" if resolved else "open", **extra)


def facts_of(frame: pd.DataFrame) -> pd.DataFrame:
    return metrics.ticket_facts(frame, NOW)


# -- types, order and index of a table --------------------------------------------------------------

def hour_tickets() -> pd.DataFrame:
    # created at local hours 20, 08, 09, 09 (first seen in that order), all answered and resolved
    return tickets(
        answered("H1", "delivery", "2026-03-06 20:00", "2026-03-06 20:10", "2026-03-06 21:00", csat=5),
        answered("H2", "delivery", "2026-03-07 08:00", "2026-03-07 08:20", "2026-03-07 09:00", csat=2),
        answered("H3", "finance", "2026-03-07 09:05", "2026-03-07 09:35", "2026-03-07 10:00"),
        answered("H4", "finance", "2026-03-08 09:30", "2026-03-08 09:40", "2026-03-08 10:00", self_resolved=True),
    )


def test_hour_table_is_sorted_by_hour_with_a_fresh_index():
    table = aggregates.aggregate(facts_of(hour_tickets()), "hour", TZ)
    assert table["hour"].tolist() == [8, 9, 20]
    assert table["tickets"].tolist() == [1, 2, 1]
    assert table["first_response_mean_minutes"].tolist() == [20.0, 20.0, 10.0]
    assert isinstance(table.index, pd.RangeIndex) and list(table.index) == [0, 1, 2]
    assert table.loc[0, "hour"] == 8 and table.loc[2, "hour"] == 20  # labels follow the sorted order


def test_hour_key_and_every_count_column_are_64_bit_integers():
    table = aggregates.aggregate(facts_of(hour_tickets()), "hour", TZ)
    for column in ["hour", *aggregates.COUNT_COLUMNS]:
        assert table[column].dtype == np.int64, column


def test_counts_are_written_as_whole_numbers_in_csv():
    table = aggregates.aggregate(facts_of(hour_tickets()), "department", TZ)
    lines = table[["department", "tickets", "met", "resolved", "csat_responses", "open"]].to_csv(
        index=False, lineterminator="\n").splitlines()
    assert lines == ["department,tickets,met,resolved,csat_responses,open", "delivery,2,2,2,2,0",
                     "finance,2,2,2,0,0"]
    (total,) = aggregates.aggregate(facts_of(hour_tickets()), None, TZ)[["tickets", "resolved"]].to_csv(
        index=False, header=False, lineterminator="\n").splitlines()
    assert total == "4,4"


def test_day_table_sorted_by_local_day_text():
    frame = tickets(
        answered("D1", "delivery", "2026-03-07 06:00", "2026-03-07 06:10"),  # 2026-03-06 23:00 UTC
        answered("D2", "delivery", "2026-03-06 12:00", "2026-03-06 12:10"),
        answered("D3", "delivery", "2026-03-07 07:00", "2026-03-07 07:30"),
    )
    table = aggregates.aggregate(facts_of(frame), "day", TZ)
    assert table["day"].tolist() == ["2026-03-06", "2026-03-07"]
    assert table["tickets"].tolist() == [1, 2]
    assert list(table.index) == [0, 1]


# -- chunks that hold only some of the groups ---------------------------------------------------------

def test_a_later_chunk_with_fewer_groups_adds_only_to_its_own():
    first = facts_of(tickets(
        answered("C1", "delivery", "2026-03-06 09:00", "2026-03-06 09:10", csat=4),
        answered("C2", "finance", "2026-03-06 09:00", "2026-03-06 09:20", csat=2),
    ))
    second = facts_of(tickets(answered("C3", "delivery", "2026-03-06 10:00", "2026-03-06 10:30", csat=5)))
    totals = aggregates.Aggregates(["department"], TZ)
    totals.add(first)
    totals.add(second)
    table = totals.table("department").set_index("department")
    assert table.loc["delivery", "tickets"] == 2 and table.loc["finance", "tickets"] == 1
    assert table.loc["delivery", "csat_responses"] == 2 and table.loc["finance", "csat_responses"] == 1
    assert table.loc["delivery", "csat_mean"] == 4.5 and table.loc["finance", "csat_mean"] == 2.0
    assert table.loc["finance", "csat_satisfied_share"] == 0.0
    assert table.loc["delivery", "first_response_mean_minutes"] == 20.0


def test_grouping_an_empty_frame_gives_no_group_numbers():
    grouping = aggregates._Grouping("department", TZ)
    numbers = grouping.groups(facts_of(tickets(answered("E1", "delivery", "2026-03-06 09:00", None))).iloc[0:0])
    assert numbers.dtype == np.intp and numbers.shape == (0,)
    assert grouping.numbers == {}


# -- rounding and shares --------------------------------------------------------------------------------

def test_means_are_rounded_to_a_tenth_and_medians_p90_are_exact():
    # first responses 10, 11 and 11 minutes: mean 10.67 → 10.7, median 11, p90 11
    frame = tickets(
        answered("R1", "delivery", "2026-03-06 09:00", "2026-03-06 09:10", "2026-03-06 09:20"),
        answered("R2", "delivery", "2026-03-06 09:00", "2026-03-06 09:11", "2026-03-06 09:21"),
        answered("R3", "delivery", "2026-03-06 09:00", "2026-03-06 09:11", "2026-03-06 09:21"),
    )
    (row,) = aggregates.aggregate(facts_of(frame), None, TZ).to_dict(orient="records")
    assert row["first_response_mean_minutes"] == 10.7 and row["first_response_business_mean_minutes"] == 10.7
    assert row["first_response_median_minutes"] == 11.0 and row["first_response_p90_minutes"] == 11.0
    assert row["handling_mean_minutes"] == 20.7 and row["handling_business_mean_minutes"] == 20.7
    assert row["handling_median_minutes"] == 21.0


def test_shares_of_a_group_with_one_ticket():
    frame = tickets(
        answered("O1", "delivery", "2026-03-06 09:00", None, "2026-03-06 09:05", self_resolved=True),
        answered("O2", "finance", "2026-03-06 09:00", "2026-03-06 09:30", "2026-03-06 10:00", csat=4),
    )
    table = aggregates.aggregate(facts_of(frame), "department", TZ).set_index("department")
    assert table.loc["delivery", "self_resolved_share"] == 1.0
    assert table.loc["finance", "self_resolved_share"] == 0.0
    assert table.loc["finance", "met_share"] == 1.0 and table.loc["finance", "csat_satisfied_share"] == 1.0
    assert np.isnan(table.loc["delivery", "met_share"])  # pending: neither met nor breached


def test_unknown_grouping_names_the_known_ones():
    message = r"^unknown grouping 'week'; use one of department, agent, category, day, hour, seller, reason$"
    with pytest.raises(ValueError, match=message):
        aggregates.Aggregates(["department", "week"], TZ)
    with pytest.raises(ValueError, match=message):
        aggregates.grouped_table(tickets(answered("U1", "delivery", "2026-03-06 09:00", None)), "week", NOW, TZ)


def test_agent_and_seller_groups_keep_both_key_columns():
    frame = tickets(
        ticket("G1", "delivery", A2, S2, "delivery_delay", "2026-03-06 09:00", "2026-03-06 13:00", None, None, "open"),
        ticket("G2", "delivery", None, S1, "delivery_delay", "2026-03-06 09:00", "2026-03-06 13:00", None, None,
               "open"),
    )
    agents = aggregates.aggregate(facts_of(frame), "agent", TZ)
    assert agents[["agent", "agent_name"]].values.tolist() == [["(none)", ""], ["a2@x.test", "Lê Văn Đức"]]
    sellers = aggregates.aggregate(facts_of(frame), "seller", TZ)
    assert sellers[["seller_code", "seller_name"]].values.tolist() == [["S1", S1], ["S2", S2]]


# -- backlog buckets and histogram bins ------------------------------------------------------------------

@pytest.mark.parametrize(("age", "bucket"), [
    (0.0, "backlog_under_4h"), (239.9, "backlog_under_4h"), (240.0, "backlog_4h_to_24h"),
    (1439.9, "backlog_4h_to_24h"), (1440.0, "backlog_1d_to_3d"), (4319.9, "backlog_1d_to_3d"),
    (4320.0, "backlog_over_3d"), (10**7, "backlog_over_3d"),
])
def test_backlog_bucket_bounds_are_lower_inclusive(age, bucket):
    backlog = pd.DataFrame({"department": ["delivery", "delivery"], "age_minutes": [age, np.nan],
                            "created_at": pd.to_datetime(["2026-03-06T02:00Z"] * 2, utc=True)})
    totals = aggregates.Aggregates(["department"], TZ)
    totals.add_backlog(backlog)
    (row,) = totals.table("department").to_dict(orient="records")
    assert {c: row[c] for c in aggregates.BACKLOG_BUCKETS} == {c: int(c == bucket) for c in aggregates.BACKLOG_BUCKETS}
    assert row["tickets"] == 0


def test_histogram_bins_are_lower_inclusive_and_a_reply_before_creation_counts_as_quick():
    minutes = [-5.0, 0.0, 14.9, 15.0, 29.9, 30.0, 60.0, 119.9, 120.0, 240.0, 480.0, 1439.9, 1440.0, 99999.0, np.nan]
    facts = pd.DataFrame({"first_response_minutes": minutes})
    histogram = aggregates.first_response_histogram(facts)
    assert histogram["bucket"].tolist() == ["<15m", "15–30m", "30–60m", "1–2h", "2–4h", "4–8h", "8–24h", "≥24h"]
    assert histogram["tickets"].tolist() == [3, 2, 1, 2, 1, 1, 2, 2]
