"""sla.metrics on the inputs the report builders meet at the edges: columns missing or loosely typed,
reply logs that disagree with the recorded first response, runs of seller messages, repeated
references, mixed time units, and sums of many replies. Frames and calendars are built inside the
tests (mutmut imports this module once, before it switches a mutant on)."""
import datetime as dt
import math

import numpy as np
import pandas as pd

import sla
from sla import metrics

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def at(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text + "Z")


def ticket(reference: str, created: str, responded: str | None = None, due: str | None = "2026-03-10T06:00",
           resolved: str | None = None, department: str = "delivery", **extra) -> dict:
    row = {"reference": reference, "seller_code": "S1", "department": department, "category": "other",
           "priority": "normal", "status": "open", "agent": None, "created_at": at(created),
           "first_response_due_at": at(due), "first_responded_at": at(responded), "resolved_at": at(resolved),
           "self_resolved": False, "csat": float("nan")}
    row.update(extra)
    return row


def tickets(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    for column in metrics.TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def log(*rows: tuple[str, str, str | None]) -> pd.DataFrame:
    """Public messages as (reference, author kind, UTC time)."""
    return pd.DataFrame({"reference": [r[0] for r in rows], "author_kind": [r[1] for r in rows],
                         "created_at": pd.to_datetime([at(r[2]) for r in rows], utc=True)})


def finance_calendar() -> sla.BusinessCalendar:
    """Mon–Fri 08:00–17:00 in Ho Chi Minh City (UTC+7), no holidays."""
    return sla.calendar_from_dict({"kind": "business", "timezone": "Asia/Ho_Chi_Minh",
                                   "weekly_hours": {str(d): [["08:00", "17:00"]] for d in range(5)}})


# -- outcome ------------------------------------------------------------------------------------

def test_outcome_without_a_self_resolved_column_breaches_unanswered_tickets_past_due():
    frame = tickets(ticket("T1", "2026-03-10T01:00"), ticket("T2", "2026-03-10T01:00", due="2026-03-10T13:00"))
    frame = frame.drop(columns="self_resolved")
    assert metrics.sla_outcome(frame, NOW).tolist() == ["breached", "pending"]


def test_self_resolved_missing_as_nan_is_not_self_resolved():
    frame = tickets(ticket("T1", "2026-03-10T01:00", self_resolved=float("nan")),
                    ticket("T2", "2026-03-10T01:00", self_resolved=1.0))
    assert frame["self_resolved"].dtype == float
    assert metrics.sla_outcome(frame, NOW).tolist() == ["breached", "pending"]
    facts = metrics.ticket_facts(frame, NOW)
    assert facts["self_resolved"].dtype == bool
    assert facts["self_resolved"].tolist() == [False, True]


def test_a_reply_to_a_ticket_without_a_due_time_is_neither_met_nor_breached():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T02:00", due=None),
                    ticket("T2", "2026-03-10T01:00", responded="2026-03-10T02:00"))
    assert metrics.sla_outcome(frame, NOW).tolist() == ["pending", "met"]


# -- input columns ------------------------------------------------------------------------------

def test_missing_name_and_reopens_columns_come_out_as_none_and_zero():
    frame = tickets(ticket("T1", "2026-03-10T01:00"), ticket("T2", "2026-03-10T02:00"))
    assert not {"seller_name", "agent_name", "reopens"} & set(frame)
    facts = metrics.ticket_facts(frame, NOW)
    assert facts["seller_name"].tolist() == [None, None]
    assert facts["agent_name"].tolist() == [None, None]
    assert facts["reopens"].tolist() == [0, 0]
    assert facts["reopens"].dtype == np.int64


def test_csat_and_reopens_given_as_text_or_missing_are_coerced():
    frame = tickets(ticket("T1", "2026-03-10T01:00", csat="4", reopens="2"),
                    ticket("T2", "2026-03-10T01:00", csat="n/a", reopens=None),
                    ticket("T3", "2026-03-10T01:00", csat=None, reopens="x"))
    facts = metrics.ticket_facts(frame, NOW)
    assert facts["csat"].dtype == float
    assert facts["csat"].tolist()[0] == 4.0
    assert facts["csat"].isna().tolist() == [False, True, True]
    assert facts["reopens"].dtype == np.int64
    assert facts["reopens"].tolist() == [2, 0, 0]


def test_a_ticket_without_replies_has_zero_replies_zero_totals_and_no_mean():
    frame = tickets(ticket("T1", "2026-03-10T01:00"), ticket("T2", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    facts = metrics.ticket_facts(frame, NOW)
    assert facts["responses"].dtype == np.int64
    assert facts["responses"].tolist() == [0, 1]
    assert facts["response_total_minutes"].tolist() == [0.0, 30.0]
    assert facts["response_total_business_minutes"].tolist() == [0.0, 30.0]
    assert facts["response_mean_minutes"].isna().tolist() == [True, False]


def test_handling_business_minutes_skip_the_weekend_of_the_department_calendar():
    # Fri 16:00 local (09:00 UTC) to Mon 09:00 local (02:00 UTC): 3,900 wall minutes, 120 business.
    frame = tickets(ticket("T1", "2026-03-06T09:00", responded="2026-03-09T02:00", resolved="2026-03-09T02:00",
                           department="finance"))
    facts = metrics.ticket_facts(frame, NOW, calendars={"finance": finance_calendar()})
    assert facts["handling_minutes"].tolist() == [3900.0]
    assert facts["handling_business_minutes"].tolist() == [120.0]
    assert facts["first_response_business_minutes"].tolist() == [120.0]
    assert facts["response_total_business_minutes"].tolist() == [120.0]


# -- the reply log ------------------------------------------------------------------------------

def test_message_times_without_a_zone_are_read_as_utc():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "staff", "2026-03-10T01:30"),
                   ("T1", "seller", "2026-03-10T02:00"), ("T1", "staff", "2026-03-10T02:20"))
    messages["created_at"] = messages["created_at"].dt.tz_localize(None)
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["responses"].tolist() == [2]
    assert facts["response_total_minutes"].tolist() == [50.0]


def test_three_replies_are_summed_as_pandas_sums_them():
    # 6, 12 and 18 seconds: 0.1 + 0.2 + 0.3 minutes, which a plain running sum makes 0.6000000000000001.
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:00:06"),
                    ticket("T2", "2026-03-10T01:00", responded="2026-03-10T01:00:06"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "staff", "2026-03-10T01:00:06"),
                   ("T1", "seller", "2026-03-10T02:00"), ("T1", "staff", "2026-03-10T02:00:12"),
                   ("T1", "seller", "2026-03-10T03:00"), ("T1", "staff", "2026-03-10T03:00:18"),
                   ("T2", "seller", "2026-03-10T01:00"), ("T2", "staff", "2026-03-10T01:00:06"))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["responses"].tolist() == [3, 1]
    assert facts["response_total_minutes"].tolist() == [0.6, 0.1]
    assert facts["response_total_business_minutes"].tolist() == [0.6, 0.1]


def test_a_staff_reply_logged_without_a_time_counts_but_adds_no_minutes():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "staff", "2026-03-10T01:30"),
                   ("T1", "seller", "2026-03-10T02:00"), ("T1", "staff", None))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["responses"].tolist() == [2]
    assert facts["response_total_minutes"].tolist() == [30.0]
    assert facts["response_total_business_minutes"].tolist() == [30.0]


def test_logged_staff_replies_replace_the_recorded_first_response():
    # The recorded first response (01:30) has no public message: the log alone says what was answered.
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "seller", "2026-03-10T02:00"),
                   ("T1", "staff", "2026-03-10T02:20"))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["responses"].tolist() == [1]
    assert facts["response_total_minutes"].tolist() == [80.0]


def test_a_reply_answers_the_first_of_several_unanswered_seller_messages():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "staff", "2026-03-10T01:30"),
                   ("T1", "seller", "2026-03-10T02:00"), ("T1", "seller", "2026-03-10T02:10"),
                   ("T1", "staff", "2026-03-10T02:40"))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["response_total_minutes"].tolist() == [70.0]
    assert facts["responses"].tolist() == [2]


def test_the_creation_is_the_first_seller_message_even_when_the_log_starts_later():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    messages = log(("T1", "seller", "2026-03-10T01:10"), ("T1", "staff", "2026-03-10T01:30"))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["response_total_minutes"].tolist() == [30.0]


def test_an_unanswered_message_of_one_ticket_never_starts_the_next_tickets_reply():
    frame = tickets(ticket("T1", "2026-03-10T01:00"), ticket("T2", "2026-03-10T03:00", responded="2026-03-10T03:30"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "seller", "2026-03-10T02:00"),
                   ("T2", "seller", "2026-03-10T03:00"), ("T2", "staff", "2026-03-10T03:30"))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts["responses"].tolist() == [0, 1]
    assert facts["response_total_minutes"].tolist() == [0.0, 30.0]


def test_tickets_without_logged_messages_keep_their_recorded_first_response_beside_logged_ones():
    calendars = {"finance": finance_calendar()}
    # T2: Mon 16:30 local to Tue 08:30 local, 960 wall minutes, 60 business; nothing logged for it.
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"),
                    ticket("T2", "2026-03-09T09:30", responded="2026-03-10T01:30", department="finance"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "staff", "2026-03-10T01:30"))
    facts = metrics.ticket_facts(frame, NOW, messages, calendars)
    assert facts["responses"].tolist() == [1, 1]
    assert facts["response_total_minutes"].tolist() == [30.0, 960.0]
    assert facts["response_total_business_minutes"].tolist() == [30.0, 60.0]


def test_reply_times_keep_the_finest_time_unit_of_frame_and_log():
    early = (pd.Timedelta(minutes=30) - pd.Timedelta(250, "ns")).total_seconds() / 60
    late = (pd.Timedelta(minutes=30) + pd.Timedelta(250, "ns")).total_seconds() / 60

    def frame_in(created_unit: str, responded_unit: str) -> pd.DataFrame:
        frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
        frame["created_at"] = frame["created_at"].astype(f"datetime64[{created_unit}, UTC]")
        frame["first_responded_at"] = frame["first_responded_at"].astype(f"datetime64[{responded_unit}, UTC]")
        return frame

    created_fine = frame_in("ns", "us")
    created_fine["created_at"] += pd.Timedelta(250, "ns")
    answered = log(("T1", "staff", "2026-03-10T01:30"))
    answered["created_at"] = answered["created_at"].astype("datetime64[us, UTC]")
    assert metrics.ticket_facts(created_fine, NOW, answered)["response_total_minutes"].tolist() == [early]

    responded_fine = frame_in("us", "ns")
    responded_fine["first_responded_at"] += pd.Timedelta(250, "ns")
    asked = log(("T1", "seller", "2026-03-10T01:00"))
    asked["created_at"] = asked["created_at"].astype("datetime64[us, UTC]")
    assert metrics.ticket_facts(responded_fine, NOW, asked)["response_total_minutes"].tolist() == [late]

    logged_fine = log(("T1", "staff", "2026-03-10T01:30"))
    logged_fine["created_at"] = logged_fine["created_at"].astype("datetime64[ns, UTC]") + pd.Timedelta(250, "ns")
    result = metrics.ticket_facts(frame_in("us", "us"), NOW, logged_fine)["response_total_minutes"].tolist()
    assert result == [late]


# -- repeated references ------------------------------------------------------------------------

def test_rows_repeating_a_reference_share_its_logged_replies():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"),
                    ticket("T2", "2026-03-10T02:00", responded="2026-03-10T02:10"),
                    ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"))
    messages = log(("T1", "seller", "2026-03-10T01:00"), ("T1", "staff", "2026-03-10T01:30"),
                   ("T1", "seller", "2026-03-10T02:00"), ("T1", "staff", "2026-03-10T02:20"),
                   ("T2", "seller", "2026-03-10T02:00"), ("T2", "staff", "2026-03-10T02:10"))
    facts = metrics.ticket_facts(frame, NOW, messages)
    assert facts.index.tolist() == [0, 1, 2]
    assert facts["responses"].tolist() == [2, 1, 2]
    assert facts["response_total_minutes"].tolist() == [50.0, 10.0, 50.0]
    assert facts["response_total_business_minutes"].tolist() == [50.0, 10.0, 50.0]


def test_rows_repeating_a_reference_stand_alone_without_a_message_log():
    frame = tickets(ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:30"),
                    ticket("T1", "2026-03-10T01:00", responded="2026-03-10T01:45"),
                    ticket("T1", "2026-03-10T01:00"))
    empty_log = log()
    for messages in (None, empty_log):
        facts = metrics.ticket_facts(frame, NOW, messages)
        assert facts["responses"].tolist() == [1, 1, 0]
        assert facts["response_total_minutes"].tolist() == [30.0, 45.0, 0.0]
        assert [None if math.isnan(v) else v for v in facts["response_mean_minutes"]] == [30.0, 45.0, None]
