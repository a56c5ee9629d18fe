"""sla.metrics on a small hand-built frame; every expected number below is worked out by hand.

Calendar of `finance`: Monday–Friday 08:00–17:00 in Asia/Ho_Chi_Minh, Monday 2026-03-09 a holiday.
`delivery` is 24/7 (explicit AlwaysOpen), `apps` has no calendar at all (also counts every minute).
2026-03-05 is a Thursday. The report is evaluated at NOW = Tuesday 2026-03-10 10:00 local.

ticket dept     agent seller created (local)  due              first reply      resolved        outcome
T1     delivery a1    S1     Fri 06 09:00     Fri 13:00        Fri 09:30 (30)   Fri 11:00       met
T2     delivery a2    S2     Fri 06 20:00     Sat 00:00        Sat 01:00 (300)  Sat 03:00       breached
T3     finance  a1    S1     Fri 06 16:00     Tue 11:00        Tue 09:00 (5340) -               met
T4     finance  -     S2     Mon 09 10:00     Tue 12:00        -                -               pending
T5     finance  a2    S1     Thu 05 15:00     Fri 10:00        -                -               breached
T6     delivery a2    S2     Mon 09 08:00     Mon 12:00        -                Mon 08:10 self  pending
T7     apps     -     S1     Tue 10 04:00     Tue 08:00        -                -               breached
T8     apps     a1    S2     Tue 10 09:45     Tue 13:45        -                -               pending
"""
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import sla
from sla import aggregates, business_time, metrics, ticket_report
from sla.ticket_csv import ticket_csv
from tests.unit.sla_frames import CALENDARS, FINANCE, NOW, S1, S2, TZ, frame, messages, t


def records(table: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts with None for missing values, floats compared as written."""
    out = []
    for row in table.astype(object).to_dict(orient="records"):
        out.append({k: None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))
                    else (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


# -- business time --------------------------------------------------------------------------------

def test_business_minutes_skip_nights_weekend_and_holiday():
    start = pd.Series([t("2026-03-06 16:00"), t("2026-03-06 18:00"), t("2026-03-07 09:00"), t("2026-03-10 09:00"),
                       t("2026-03-06 16:00"), pd.NaT])
    end = pd.Series([t("2026-03-10 09:00"), t("2026-03-09 12:00"), t("2026-03-10 08:30"), t("2026-03-06 16:00"),
                     t("2026-03-06 16:45"), t("2026-03-06 16:45")])
    got = business_time.business_minutes(FINANCE, start, end)
    # Fri 16-17 (60) + Tue 08-09 (60); all closed (evening, weekend, holiday); Tue 08:00-08:30; reversed;
    # inside one window; missing start
    assert got.tolist()[:5] == [120.0, 0.0, 30.0, -120.0, 45.0]
    assert math.isnan(got.iloc[5])


def test_business_minutes_agree_with_the_calendar_pair_by_pair():
    vn = sla.calendar_from_dict({"kind": "business", "country": "VN"})  # default hours, public holidays
    rng = np.random.default_rng(7)
    base = pd.Timestamp("2026-01-20T00:00Z")
    start = pd.Series(base + pd.to_timedelta(rng.integers(0, 60 * 24 * 40, 200), unit="min"))
    end = start + pd.to_timedelta(rng.integers(0, 60 * 24 * 20, 200), unit="min")
    got = business_time.business_minutes(vn, start, end)
    want = [vn.business_time_between(a, b).total_seconds() / 60 for a, b in zip(start, end, strict=True)]
    assert np.allclose(got.to_numpy(), want)


def test_always_open_business_minutes_are_wall_minutes():
    start, end = pd.Series([t("2026-03-07 09:00")]), pd.Series([t("2026-03-09 09:00")])
    assert business_time.business_minutes(sla.AlwaysOpen(), start, end).tolist() == [2880.0]
    assert business_time.business_minutes(None, start, end).tolist() == [2880.0]


# -- outcomes -------------------------------------------------------------------------------------

def test_outcome_pending_versus_breached_at_now():
    got = metrics.sla_outcome(frame(), NOW).tolist()
    assert got == ["met", "breached", "met", "pending", "breached", "pending", "breached", "pending"]
    # an hour earlier T7 (due 08:00) was still pending; two hours later T4 (due 12:00) is breached
    assert metrics.sla_outcome(frame(), NOW - dt.timedelta(hours=2, minutes=1))[6] == "pending"
    assert metrics.sla_outcome(frame(), NOW + dt.timedelta(hours=2))[3] == "breached"
    # self-resolved before anyone answered stays pending even when past due
    assert metrics.sla_outcome(frame(), NOW + dt.timedelta(days=30))[5] == "pending"


# -- per ticket -----------------------------------------------------------------------------------

EXPECTED_TICKETS = [
    {"reference": "T1", "seller_code": "S1", "department": "delivery", "category": "delivery_delay",
     "priority": "normal", "status": "resolved", "agent": "a1@x.test", "created_at": "2026-03-06T09:00:00+07:00",
     "first_response_due_at": "2026-03-06T13:00:00+07:00", "first_responded_at": "2026-03-06T09:30:00+07:00",
     "first_response_minutes": 30.0, "sla_met": "true", "resolved_at": "2026-03-06T11:00:00+07:00",
     "handling_minutes": 120.0, "csat": 5, "seller_name": S1, "agent_name": "Trần Thu",
     "first_response_business_minutes": 30.0, "handling_business_minutes": 120.0, "responses": 2,
     "response_mean_minutes": 25.0, "response_business_mean_minutes": 25.0, "reopens": 0, "self_resolved": "false"},
    {"reference": "T2", "seller_code": "S2", "department": "delivery", "category": "delivery_delay",
     "priority": "normal", "status": "closed", "agent": "a2@x.test", "created_at": "2026-03-06T20:00:00+07:00",
     "first_response_due_at": "2026-03-07T00:00:00+07:00", "first_responded_at": "2026-03-07T01:00:00+07:00",
     "first_response_minutes": 300.0, "sla_met": "false", "resolved_at": "2026-03-07T03:00:00+07:00",
     "handling_minutes": 420.0, "csat": 3, "seller_name": S2, "agent_name": "Lê Văn Đức",
     "first_response_business_minutes": 300.0, "handling_business_minutes": 420.0, "responses": 2,
     "response_mean_minutes": 165.0, "response_business_mean_minutes": 165.0, "reopens": 1,
     "self_resolved": "false"},
    {"reference": "T3", "seller_code": "S1", "department": "finance", "category": "finance",
     "priority": "normal", "status": "open", "agent": "a1@x.test", "created_at": "2026-03-06T16:00:00+07:00",
     "first_response_due_at": "2026-03-10T11:00:00+07:00", "first_responded_at": "2026-03-10T09:00:00+07:00",
     "first_response_minutes": 5340.0, "sla_met": "true", "resolved_at": "", "handling_minutes": None,
     "csat": None, "seller_name": S1, "agent_name": "Trần Thu", "first_response_business_minutes": 120.0,
     "handling_business_minutes": None, "responses": 1, "response_mean_minutes": 5340.0,
     "response_business_mean_minutes": 120.0, "reopens": 0, "self_resolved": "false"},
    {"reference": "T4", "seller_code": "S2", "department": "finance", "category": "finance",
     "priority": "normal", "status": "new", "agent": "", "created_at": "2026-03-09T10:00:00+07:00",
     "first_response_due_at": "2026-03-10T12:00:00+07:00", "first_responded_at": "",
     "first_response_minutes": None, "sla_met": "", "resolved_at": "", "handling_minutes": None, "csat": None,
     "seller_name": S2, "agent_name": "", "first_response_business_minutes": None,
     "handling_business_minutes": None, "responses": 0, "response_mean_minutes": None,
     "response_business_mean_minutes": None, "reopens": 0, "self_resolved": "false"},
    {"reference": "T5", "seller_code": "S1", "department": "finance", "category": "finance",
     "priority": "normal", "status": "open", "agent": "a2@x.test", "created_at": "2026-03-05T15:00:00+07:00",
     "first_response_due_at": "2026-03-06T10:00:00+07:00", "first_responded_at": "",
     "first_response_minutes": None, "sla_met": "false", "resolved_at": "", "handling_minutes": None,
     "csat": None, "seller_name": S1, "agent_name": "Lê Văn Đức", "first_response_business_minutes": None,
     "handling_business_minutes": None, "responses": 0, "response_mean_minutes": None,
     "response_business_mean_minutes": None, "reopens": 0, "self_resolved": "false"},
    {"reference": "T6", "seller_code": "S2", "department": "delivery", "category": "delivery_delay",
     "priority": "normal", "status": "resolved", "agent": "a2@x.test", "created_at": "2026-03-09T08:00:00+07:00",
     "first_response_due_at": "2026-03-09T12:00:00+07:00", "first_responded_at": "",
     "first_response_minutes": None, "sla_met": "", "resolved_at": "2026-03-09T08:10:00+07:00",
     "handling_minutes": 10.0, "csat": 4, "seller_name": S2, "agent_name": "Lê Văn Đức",
     "first_response_business_minutes": None, "handling_business_minutes": 10.0, "responses": 0,
     "response_mean_minutes": None, "response_business_mean_minutes": None, "reopens": 0, "self_resolved": "true"},
    {"reference": "T7", "seller_code": "S1", "department": "apps", "category": "app_bug",
     "priority": "normal", "status": "new", "agent": "", "created_at": "2026-03-10T04:00:00+07:00",
     "first_response_due_at": "2026-03-10T08:00:00+07:00", "first_responded_at": "",
     "first_response_minutes": None, "sla_met": "false", "resolved_at": "", "handling_minutes": None,
     "csat": None, "seller_name": S1, "agent_name": "", "first_response_business_minutes": None,
     "handling_business_minutes": None, "responses": 0, "response_mean_minutes": None,
     "response_business_mean_minutes": None, "reopens": 0, "self_resolved": "false"},
    {"reference": "T8", "seller_code": "S2", "department": "apps", "category": "app_bug",
     "priority": "normal", "status": "new", "agent": "a1@x.test", "created_at": "2026-03-10T09:45:00+07:00",
     "first_response_due_at": "2026-03-10T13:45:00+07:00", "first_responded_at": "",
     "first_response_minutes": None, "sla_met": "", "resolved_at": "", "handling_minutes": None, "csat": None,
     "seller_name": S2, "agent_name": "Trần Thu", "first_response_business_minutes": None,
     "handling_business_minutes": None, "responses": 0, "response_mean_minutes": None,
     "response_business_mean_minutes": None, "reopens": 0, "self_resolved": "false"},
]


def test_ticket_table_every_column():
    table = ticket_report.ticket_table(frame(), NOW, TZ, messages(), CALENDARS)
    assert list(table.columns) == ticket_report.TICKET_COLUMNS
    assert records(table) == EXPECTED_TICKETS


def test_ticket_table_without_message_log_uses_creation_and_first_response():
    table = ticket_report.ticket_table(frame(), NOW, TZ, calendars=CALENDARS).set_index("reference")
    assert table["responses"].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    assert table.loc[["T1", "T2", "T3"], "response_mean_minutes"].tolist() == [30.0, 300.0, 5340.0]
    assert table.loc[["T1", "T2", "T3"], "response_business_mean_minutes"].tolist() == [30.0, 300.0, 120.0]


def test_staff_reply_logged_without_first_response_time_still_counts():
    # a log that lacks T3's reply: the recorded first response stands in for it
    log = messages()
    log = log[~((log["reference"] == "T3") & (log["author_kind"] == "staff"))]
    table = ticket_report.ticket_table(frame(), NOW, TZ, log, CALENDARS).set_index("reference")
    assert table.loc["T3", "responses"] == 1 and table.loc["T3", "response_business_mean_minutes"] == 120.0


def test_csv_of_ticket_table_writes_empty_cells_for_missing_values():
    text = ticket_report.ticket_table(frame(), NOW, TZ, messages(), CALENDARS).to_csv(index=False, lineterminator="\n")
    lines = text.splitlines()
    assert lines[4] == ("T4,S2,finance,finance,normal,new,,2026-03-09T10:00:00+07:00,2026-03-10T12:00:00+07:00,,,,,,,"
                        "Shop Hoa Mai,,,,0,,,0,false")
    assert lines[1].startswith("T1,S1,delivery,delivery_delay,normal,resolved,a1@x.test,2026-03-06T09:00:00+07:00,")


# -- per group ------------------------------------------------------------------------------------

NAN = None
EMPTY_BACKLOG = {"backlog_under_4h": 0, "backlog_4h_to_24h": 0, "backlog_1d_to_3d": 0, "backlog_over_3d": 0}
NO_RESPONSE = {"first_response_median_minutes": NAN, "first_response_mean_minutes": NAN,
               "first_response_p90_minutes": NAN, "first_response_business_median_minutes": NAN,
               "first_response_business_mean_minutes": NAN, "first_response_business_p90_minutes": NAN,
               "responses": 0, "response_mean_minutes": NAN, "response_business_mean_minutes": NAN}
NO_RESOLUTION = {"resolved": 0, "handling_mean_minutes": NAN, "handling_median_minutes": NAN,
                 "handling_business_mean_minutes": NAN}
NO_CSAT = {"csat_mean": NAN, "csat_satisfied_share": NAN, "csat_responses": 0}

EXPECTED_DEPARTMENTS = [
    {"department": "apps", "tickets": 2, "met": 0, "breached": 1, "pending": 1, "met_share": 0.0,
     **NO_RESPONSE, **NO_RESOLUTION, **NO_CSAT, "self_resolved": 0, "self_resolved_share": 0.0, "reopens": 0,
     "reopened": 0, "reopened_share": 0.0,
     "open": 2, **EMPTY_BACKLOG, "backlog_under_4h": 1, "backlog_4h_to_24h": 1},
    {"department": "delivery", "tickets": 3, "met": 1, "breached": 1, "pending": 1, "met_share": 0.5,
     # first responses 30 and 300: p90 = 30 + 0.9 * 270
     "first_response_median_minutes": 165.0, "first_response_mean_minutes": 165.0,
     "first_response_p90_minutes": 273.0, "first_response_business_median_minutes": 165.0,
     "first_response_business_mean_minutes": 165.0, "first_response_business_p90_minutes": 273.0,
     # replies 30, 20 (T1) and 300, 30 (T2): 380 / 4
     "responses": 4, "response_mean_minutes": 95.0, "response_business_mean_minutes": 95.0,
     # handling 120, 420, 10
     "resolved": 3, "handling_mean_minutes": 183.3, "handling_median_minutes": 120.0,
     "handling_business_mean_minutes": 183.3,
     "csat_mean": 4.0, "csat_satisfied_share": 0.6667, "csat_responses": 3,
     "self_resolved": 1, "self_resolved_share": 0.3333, "reopens": 1,
     "reopened": 1, "reopened_share": 0.3333, "open": 0, **EMPTY_BACKLOG},
    {"department": "finance", "tickets": 3, "met": 1, "breached": 1, "pending": 1, "met_share": 0.5,
     "first_response_median_minutes": 5340.0, "first_response_mean_minutes": 5340.0,
     "first_response_p90_minutes": 5340.0, "first_response_business_median_minutes": 120.0,
     "first_response_business_mean_minutes": 120.0, "first_response_business_p90_minutes": 120.0,
     "responses": 1, "response_mean_minutes": 5340.0, "response_business_mean_minutes": 120.0,
     **NO_RESOLUTION, **NO_CSAT, "self_resolved": 0, "self_resolved_share": 0.0, "reopens": 0,
     "reopened": 0, "reopened_share": 0.0,
     # ages at now: T3 90 h, T4 24 h (lower bound of 1-3 days), T5 115 h
     "open": 3, **EMPTY_BACKLOG, "backlog_1d_to_3d": 1, "backlog_over_3d": 2},
]

EXPECTED_AGENTS = [
    {"agent": "(none)", "agent_name": "", "tickets": 2, "met": 0, "breached": 1, "pending": 1, "met_share": 0.0,
     **NO_RESPONSE, **NO_RESOLUTION, **NO_CSAT, "self_resolved": 0, "self_resolved_share": 0.0, "reopens": 0,
     "reopened": 0, "reopened_share": 0.0,
     "open": 2, **EMPTY_BACKLOG, "backlog_4h_to_24h": 1, "backlog_1d_to_3d": 1},
    {"agent": "a1@x.test", "agent_name": "Trần Thu", "tickets": 3, "met": 2, "breached": 0, "pending": 1,
     "met_share": 1.0,
     # first responses 30 and 5340 (business 30 and 120)
     "first_response_median_minutes": 2685.0, "first_response_mean_minutes": 2685.0,
     "first_response_p90_minutes": 4809.0, "first_response_business_median_minutes": 75.0,
     "first_response_business_mean_minutes": 75.0, "first_response_business_p90_minutes": 111.0,
     # replies 30, 20, 5340 (business 30, 20, 120)
     "responses": 3, "response_mean_minutes": 1796.7, "response_business_mean_minutes": 56.7,
     "resolved": 1, "handling_mean_minutes": 120.0, "handling_median_minutes": 120.0,
     "handling_business_mean_minutes": 120.0, "csat_mean": 5.0, "csat_satisfied_share": 1.0, "csat_responses": 1,
     "self_resolved": 0, "self_resolved_share": 0.0, "reopens": 0, "reopened": 0, "reopened_share": 0.0,
     "open": 2, **EMPTY_BACKLOG, "backlog_under_4h": 1, "backlog_over_3d": 1},
    {"agent": "a2@x.test", "agent_name": "Lê Văn Đức", "tickets": 3, "met": 0, "breached": 2, "pending": 1,
     "met_share": 0.0, "first_response_median_minutes": 300.0, "first_response_mean_minutes": 300.0,
     "first_response_p90_minutes": 300.0, "first_response_business_median_minutes": 300.0,
     "first_response_business_mean_minutes": 300.0, "first_response_business_p90_minutes": 300.0,
     "responses": 2, "response_mean_minutes": 165.0, "response_business_mean_minutes": 165.0,
     "resolved": 2, "handling_mean_minutes": 215.0, "handling_median_minutes": 215.0,
     "handling_business_mean_minutes": 215.0, "csat_mean": 3.5, "csat_satisfied_share": 0.5, "csat_responses": 2,
     "self_resolved": 1, "self_resolved_share": 0.3333, "reopens": 1, "reopened": 1, "reopened_share": 0.3333,
     "open": 1, **EMPTY_BACKLOG, "backlog_over_3d": 1},
]


def grouped(by):
    return aggregates.grouped_table(frame(), by, NOW, TZ, messages(), CALENDARS)


def test_grouped_by_department_every_column():
    table = grouped("department")
    assert list(table.columns) == ["department", *aggregates.GROUP_COLUMNS]
    assert records(table) == [{k: row[k] for k in table.columns} for row in EXPECTED_DEPARTMENTS]


def test_grouped_by_agent_every_column():
    table = grouped("agent")
    assert list(table.columns) == ["agent", "agent_name", *aggregates.GROUP_COLUMNS]
    assert records(table) == [{k: row[k] for k in table.columns} for row in EXPECTED_AGENTS]


def test_grouped_by_category_matches_departments_here():
    table = grouped("category")
    assert table["category"].tolist() == ["app_bug", "delivery_delay", "finance"]
    expected = [{k: v for k, v in row.items() if k != "department"} for row in EXPECTED_DEPARTMENTS]
    assert [{k: v for k, v in row.items() if k != "category"} for row in records(table)] == [
        {k: row[k] for k in aggregates.GROUP_COLUMNS} for row in expected]


def test_grouped_by_local_day():
    table = grouped("day").set_index("day")
    # T7 was created Tuesday 04:00 local, which is Monday 21:00 UTC: it counts on Tuesday
    assert table["tickets"].to_dict() == {"2026-03-05": 1, "2026-03-06": 3, "2026-03-09": 2, "2026-03-10": 2}
    assert table["met"].tolist() == [0, 2, 0, 0]
    assert table["breached"].tolist() == [1, 1, 0, 1]
    assert table["pending"].tolist() == [0, 0, 2, 1]
    assert records(table[["met_share"]]) == [{"met_share": 0.0}, {"met_share": 0.6667}, {"met_share": None},
                                             {"met_share": 0.0}]
    friday = table.loc["2026-03-06"]
    # first responses 30, 300, 5340: p90 = 300 + 0.8 * 5040; business 30, 300, 120: p90 = 120 + 0.8 * 180
    assert friday[["first_response_median_minutes", "first_response_mean_minutes",
                   "first_response_p90_minutes"]].tolist() == [300.0, 1890.0, 4332.0]
    assert friday[["first_response_business_median_minutes", "first_response_business_mean_minutes",
                   "first_response_business_p90_minutes"]].tolist() == [120.0, 150.0, 264.0]
    # replies 30, 20, 300, 30, 5340 = 5720 / 5; business 30, 20, 300, 30, 120 = 500 / 5
    assert friday[["responses", "response_mean_minutes", "response_business_mean_minutes"]].tolist() == [
        5, 1144.0, 100.0]


def test_grouped_by_local_hour():
    table = grouped("hour").set_index("hour")
    assert table["tickets"].to_dict() == {4: 1, 8: 1, 9: 2, 10: 1, 15: 1, 16: 1, 20: 1}
    assert table["breached"].to_dict() == {4: 1, 8: 0, 9: 0, 10: 0, 15: 1, 16: 0, 20: 1}


def test_grouped_by_seller_keeps_names():
    table = grouped("seller")
    assert records(table[["seller_code", "seller_name", "tickets", "met", "breached", "pending", "reopens",
                          "csat_mean"]]) == [
        {"seller_code": "S1", "seller_name": S1, "tickets": 4, "met": 2, "breached": 2, "pending": 0,
         "reopens": 0, "csat_mean": 5.0},
        {"seller_code": "S2", "seller_name": S2, "tickets": 4, "met": 0, "breached": 1, "pending": 3,
         "reopens": 1, "csat_mean": 3.5},
    ]


def test_totals_over_everything():
    facts = metrics.ticket_facts(frame(), NOW, messages(), CALENDARS)
    (row,) = records(aggregates.aggregate(facts, None, TZ))
    assert row["tickets"] == 8 and (row["met"], row["breached"], row["pending"]) == (2, 3, 3)
    assert row["met_share"] == 0.4
    assert row["csat_mean"] == 4.0 and row["csat_satisfied_share"] == 0.6667
    assert row["self_resolved_share"] == 0.125 and row["reopens"] == 1 and row["open"] == 5
    assert [row[c] for c in aggregates.BACKLOG_BUCKETS] == [1, 1, 1, 2]


def test_first_response_histogram():
    facts = metrics.ticket_facts(frame(), NOW, messages(), CALENDARS)
    histogram = aggregates.first_response_histogram(facts)
    assert dict(zip(histogram["bucket"], histogram["tickets"], strict=True)) == {
        "<15m": 0, "15–30m": 0, "30–60m": 1, "1–2h": 0, "2–4h": 0, "4–8h": 1, "8–24h": 0, "≥24h": 1}


# -- empty input and bad grouping ---------------------------------------------------------------

@pytest.mark.parametrize("by", sorted(aggregates.GROUPINGS))
def test_empty_input_gives_headers_and_no_rows(by):
    empty = frame().iloc[0:0]
    table = aggregates.grouped_table(empty, by, NOW, TZ, messages().iloc[0:0], CALENDARS)
    assert list(table.columns) == aggregates.GROUPINGS[by] + aggregates.GROUP_COLUMNS and table.empty
    header = aggregates.grouped_table(empty, by, NOW, TZ).to_csv(index=False).strip()
    assert header == ",".join(aggregates.GROUPINGS[by] + aggregates.GROUP_COLUMNS)


def test_empty_ticket_table_and_totals():
    empty = frame().iloc[0:0]
    table = ticket_report.ticket_table(empty, NOW, TZ, calendars=CALENDARS)
    assert list(table.columns) == ticket_report.TICKET_COLUMNS and table.empty
    (row,) = records(aggregates.aggregate(metrics.ticket_facts(empty, NOW), None, TZ))
    assert row["tickets"] == 0 and row["met_share"] is None and row["open"] == 0
    assert aggregates.first_response_histogram(metrics.ticket_facts(empty, NOW))["tickets"].sum() == 0


def test_unknown_grouping_is_refused():
    with pytest.raises(ValueError, match="unknown grouping"):
        aggregates.grouped_table(frame(), "week", NOW, TZ)


@pytest.mark.parametrize("by", [*sorted(aggregates.GROUPINGS), None])
def test_aggregates_fed_in_chunks_equal_aggregating_everything(by):
    whole = metrics.ticket_facts(frame(), NOW, messages(), CALENDARS)
    totals = aggregates.Aggregates([by], TZ)
    for i in (0, 3, 6):
        chunk = metrics.ticket_facts(frame().iloc[i:i + 3], NOW, messages(), CALENDARS)
        totals.add(chunk)
        totals.add_backlog(chunk)
    pd.testing.assert_frame_equal(totals.table(by), aggregates.aggregate(whole, by, TZ))


def test_one_pass_serves_several_groupings_histogram_and_unanswered():
    facts = metrics.ticket_facts(frame(), NOW, messages(), CALENDARS)
    totals = aggregates.Aggregates([None, "department", "agent"], TZ)
    totals.add(facts.iloc[:4])
    totals.add(facts.iloc[4:])
    totals.add_backlog(facts)
    assert records(totals.table("department")) == records(grouped("department"))
    assert records(totals.table("agent")) == records(grouped("agent"))
    pd.testing.assert_frame_equal(totals.table(None), aggregates.aggregate(facts, None, TZ))
    pd.testing.assert_frame_equal(totals.histogram(), aggregates.first_response_histogram(facts))
    assert totals.unanswered == 5  # T4–T8


def random_facts(rng: np.random.Generator, n: int, sellers: int) -> pd.DataFrame:
    """Facts of n made-up tickets spread over many sellers, with missing values everywhere."""
    base = pd.Timestamp("2026-03-01T00:00Z")
    created = base + pd.to_timedelta(rng.integers(0, 30 * 24 * 3600, n), unit="s")
    def later(share, upto):
        times = pd.Series(created + pd.to_timedelta(rng.integers(0, upto, n), unit="s"))
        return times.where(pd.Series(rng.random(n) < share))
    status = rng.choice(["new", "open", "waiting_on_seller", "resolved", "closed"], n)
    seller = rng.integers(0, sellers, n)
    out = pd.DataFrame({
        "reference": [f"R{i}" for i in range(n)], "seller_code": [f"S{s:04d}" for s in seller],
        "seller_name": [f"Shop {s}" for s in seller], "department": rng.choice(["delivery", "finance", "apps"], n),
        "category": rng.choice(["delivery_delay", "finance", "app_bug", "other"], n), "priority": "normal",
        "status": status, "agent": rng.choice(["a1@x.test", "a2@x.test", None], n), "agent_name": None,
        "created_at": pd.Series(created), "first_response_due_at": pd.Series(created + pd.Timedelta(hours=4)),
        "first_responded_at": later(0.8, 12 * 3600), "resolved_at": later(0.5, 3 * 24 * 3600),
        "self_resolved": rng.random(n) < 0.05, "csat": np.where(rng.random(n) < 0.3, rng.integers(1, 6, n), np.nan),
        "reopens": rng.integers(0, 2, n)})
    return metrics.ticket_facts(out, NOW + dt.timedelta(days=30), calendars=CALENDARS)


@pytest.mark.parametrize("by", ["seller", "day", "department"])
def test_chunked_aggregates_match_plain_pandas_over_many_groups(by):
    facts = random_facts(np.random.default_rng(11), 6000, sellers=900)
    totals = aggregates.Aggregates([by], TZ)
    for start in range(0, len(facts), 700):
        totals.add(facts.iloc[start:start + 700])
    table = totals.table(by)
    keys = aggregates.GROUPINGS[by]
    data = facts.assign(day=facts["created_at"].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d"))
    data = data.assign(**{k: data[k].astype(object).fillna("(none)" if k == keys[0] else "") for k in keys})
    groups = data.groupby(keys if len(keys) > 1 else keys[0], sort=True)
    assert table[keys].values.tolist() == [list(k) if isinstance(k, tuple) else [k] for k in groups.groups]
    assert table["tickets"].tolist() == groups.size().tolist()
    assert table["met"].tolist() == groups["outcome"].apply(lambda o: (o == "met").sum()).tolist()
    for column, series, how in (("first_response_median_minutes", "first_response_minutes", "median"),
                                ("first_response_business_p90_minutes", "first_response_business_minutes", "p90"),
                                ("handling_median_minutes", "handling_minutes", "median"),
                                ("handling_mean_minutes", "handling_minutes", "mean")):
        column_groups = groups[series]
        want = (column_groups.quantile(0.9) if how == "p90" else getattr(column_groups, how)()).round(1)
        np.testing.assert_array_equal(table[column].to_numpy(), want.to_numpy(), err_msg=column)
    assert table["reopens"].tolist() == groups["reopens"].sum().tolist()
    np.testing.assert_allclose(table["csat_mean"], groups["csat"].mean().round(2))
    if by == "seller":
        assert len(table) > 850  # a group for nearly every seller


def test_aggregates_keep_52_bytes_per_ticket_for_one_grouping():
    facts = random_facts(np.random.default_rng(3), 5000, sellers=50)
    totals = aggregates.Aggregates(["department"], TZ)
    for start in range(0, len(facts), 1000):
        totals.add(facts.iloc[start:start + 1000])
    assert totals.nbytes == 52 * len(facts)
    assert totals.nbytes < facts.memory_usage(deep=True).sum() / 10  # the facts themselves: ~700 bytes a ticket


# -- the backlog at a moment ------------------------------------------------------------------------

def test_open_at_a_moment_and_age_then():
    tickets = frame()
    as_of = pd.Timestamp("2026-03-09 09:00+07:00")
    # T1, T2 resolved before; T6 created before and resolved after (08:10 the same day: before, so out);
    # T3, T5 open since before; T4 (10:00), T7, T8 created after
    assert metrics.open_at(tickets, as_of).tolist() == [False, False, True, False, True, False, False, False]
    assert metrics.open_at(tickets, pd.Timestamp("2026-03-09 08:05+07:00"))[5]  # T6 not resolved yet then
    backlog = metrics.backlog_at(tickets, as_of)
    assert backlog["reference"].tolist() == ["T3", "T5"]
    assert backlog["age_minutes"].tolist() == [(2 * 24 + 17) * 60, (3 * 24 + 18) * 60]


def test_backlog_counts_groups_seen_only_there():
    facts = metrics.ticket_facts(frame(), NOW, messages(), CALENDARS)
    totals = aggregates.Aggregates(["department", None], TZ)
    totals.add(facts[facts["department"] != "finance"])
    totals.add_backlog(metrics.backlog_at(frame(), NOW))
    finance = totals.table("department").set_index("department").loc["finance"]
    assert finance["tickets"] == 0 and finance["open"] == 0
    assert [finance[c] for c in aggregates.BACKLOG_BUCKETS] == [0, 0, 1, 2]
    assert [totals.table(None).iloc[0][c] for c in aggregates.BACKLOG_BUCKETS] == [1, 1, 1, 2]


# -- the per-ticket CSV ---------------------------------------------------------------------------

def odd_tickets() -> pd.DataFrame:
    """Tickets with everything that could trip a CSV writer up: separators, quotes and line breaks
    in names, missing values, negative and huge minutes, a half rating, times in the small hours."""
    out = frame()
    out.loc[0, "seller_name"] = 'Shop "Hoa", Mai'
    out.loc[1, "agent_name"] = "Lê\nVăn"
    out.loc[2, "seller_code"] = "S,3"
    out.loc[3, "reference"] = 'T"4'
    out.loc[4, "first_responded_at"] = out.loc[4, "created_at"] - pd.Timedelta(seconds=2)  # -0.0 after rounding
    out.loc[5, "resolved_at"] = out.loc[5, "created_at"] + pd.Timedelta(minutes=10**8, seconds=3)
    out.loc[6, "csat"] = 2.5
    out.loc[7, "created_at"] = pd.Timestamp("2026-03-09 17:00:00.999999Z")  # 23:59:59 local, cut to the second
    return out


@pytest.mark.parametrize("timezone", [TZ, "America/New_York", "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("header", [True, False])
def test_ticket_csv_is_the_text_of_to_csv(timezone, header):
    for tickets in (frame(), odd_tickets(), frame().iloc[0:0]):
        facts = metrics.ticket_facts(tickets, NOW, messages(), CALENDARS)
        want = ticket_report.format_tickets(facts, timezone).to_csv(index=False, header=header, lineterminator="\r\n")
        assert ticket_csv(facts, timezone, header) == want


def test_ticket_csv_across_a_daylight_saving_change():
    tickets = frame()
    tickets["created_at"] = pd.to_datetime(["2026-03-08T06:59:59Z", "2026-03-08T07:00:00Z"] * 4, utc=True)
    facts = metrics.ticket_facts(tickets, NOW, calendars=CALENDARS)
    text = ticket_csv(facts, "America/New_York")
    assert ",2026-03-08T01:59:59-05:00," in text and ",2026-03-08T03:00:00-04:00," in text
    assert text == ticket_report.format_tickets(facts, "America/New_York").to_csv(index=False, lineterminator="\r\n")
