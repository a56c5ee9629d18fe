"""sla.metrics at its boundaries: a reply exactly at the due time is in time, a first response at
the creation instant is a counted reply of zero minutes, a ticket due exactly now is breached."""
import datetime as dt

import pandas as pd

from sla import metrics

NOW = pd.Timestamp("2026-03-10T03:00Z")


def tickets(*rows: tuple) -> pd.DataFrame:
    """Rows of (reference, created, due, responded, status, self_resolved) in UTC text or None."""
    def at(text):
        return pd.NaT if text is None else pd.Timestamp(text + "Z")

    frame = pd.DataFrame({
        "reference": [r[0] for r in rows], "seller_code": "S1", "department": "delivery", "category": "other",
        "priority": "normal", "status": [r[4] for r in rows], "agent": None,
        "created_at": [at(r[1]) for r in rows], "first_response_due_at": [at(r[2]) for r in rows],
        "first_responded_at": [at(r[3]) for r in rows], "resolved_at": pd.NaT,
        "self_resolved": [r[5] for r in rows], "csat": float("nan"),
    })
    for column in metrics.TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def test_a_reply_exactly_at_the_due_time_is_met_and_a_second_later_breached():
    frame = tickets(("T1", "2026-03-10T01:00", "2026-03-10T02:00", "2026-03-10T02:00", "open", False),
                    ("T2", "2026-03-10T01:00", "2026-03-10T02:00", "2026-03-10T02:00:01", "open", False))
    assert metrics.sla_outcome(frame, NOW).tolist() == ["met", "breached"]


def test_unanswered_and_due_exactly_now_is_breached_unless_self_resolved():
    frame = tickets(("T1", "2026-03-10T01:00", "2026-03-10T03:00", None, "open", False),
                    ("T2", "2026-03-10T01:00", "2026-03-10T03:00:01", None, "open", False),
                    ("T3", "2026-03-10T01:00", "2026-03-10T02:00", None, "resolved", True),
                    ("T4", "2026-03-10T01:00", "2026-03-10T02:00", None, "resolved", None))
    assert metrics.sla_outcome(frame, NOW.to_pydatetime()).tolist() == ["breached", "pending", "pending", "breached"]


def test_a_first_response_at_the_creation_instant_is_a_reply_of_zero_minutes():
    frame = tickets(("T1", "2026-03-10T01:00", "2026-03-10T02:00", "2026-03-10T01:00", "open", False),
                    ("T2", "2026-03-10T01:00", "2026-03-10T02:00", "2026-03-10T00:59", "open", False),
                    ("T3", "2026-03-10T01:00", "2026-03-10T02:00", None, "open", False))
    facts = metrics.ticket_facts(frame, NOW.to_pydatetime())
    assert facts["responses"].tolist() == [1, 0, 0]
    assert facts["first_response_minutes"].tolist()[:2] == [0.0, -1.0]
    assert facts["response_mean_minutes"].tolist()[0] == 0.0
    assert facts["response_mean_minutes"].isna().tolist() == [False, True, True]
    assert facts["outcome"].tolist() == ["met", "met", "breached"]


def test_open_at_is_strict_about_creation_and_resolution():
    moment = dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)
    frame = tickets(("T1", "2026-03-10T02:00", None, None, "open", False),
                    ("T2", "2026-03-10T01:00", None, None, "resolved", False),
                    ("T3", "2026-03-10T01:00", None, None, "resolved", False),
                    ("T4", "2026-03-10T01:00", None, None, "waiting_on_seller", False))
    frame["resolved_at"] = pd.to_datetime([pd.NaT, pd.Timestamp("2026-03-10T02:00Z"),
                                           pd.Timestamp("2026-03-10T02:00:01Z"), pd.NaT], utc=True)
    assert metrics.open_at(frame, moment).tolist() == [False, False, True, True]
    assert metrics.backlog_at(frame, moment)["age_minutes"].tolist() == [60.0, 60.0]
