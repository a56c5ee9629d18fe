"""The small hand-built ticket frame and message log of tests/unit/test_sla_metrics.py (its docstring
tabulates them, with every expected figure), shared with tests/unit/test_sla_cells.py."""
import datetime as dt

import pandas as pd

import sla
from sla import metrics

TZ = "Asia/Ho_Chi_Minh"
NOW = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)  # 10:00 local
FINANCE = sla.calendar_from_dict({
    "kind": "business", "timezone": TZ,
    "weekly_hours": {str(d): [["08:00", "17:00"]] for d in range(5)},
    "holidays": ["2026-03-09"],
})
CALENDARS = {"delivery": sla.AlwaysOpen(), "finance": FINANCE}
S1, S2 = "Cửa hàng Bình An", "Shop Hoa Mai"
A1, A2 = ("a1@x.test", "Trần Thu"), ("a2@x.test", "Lê Văn Đức")


def t(local: str | None) -> pd.Timestamp:
    return pd.NaT if local is None else pd.Timestamp(local + "+07:00").tz_convert("UTC")


def ticket(ref, dept, agent, seller, category, created, due, responded, resolved, status, self_resolved=False,
           csat=None, reopens=0):
    return {"reference": ref, "seller_code": "S1" if seller == S1 else "S2", "seller_name": seller,
            "department": dept, "category": category, "priority": "normal", "status": status,
            "agent": agent[0] if agent else None, "agent_name": agent[1] if agent else None,
            "created_at": t(created), "first_response_due_at": t(due), "first_responded_at": t(responded),
            "resolved_at": t(resolved), "self_resolved": self_resolved, "csat": csat, "reopens": reopens}


def frame() -> pd.DataFrame:
    rows = [
        ticket("T1", "delivery", A1, S1, "delivery_delay", "2026-03-06 09:00", "2026-03-06 13:00",
               "2026-03-06 09:30", "2026-03-06 11:00", "resolved", csat=5),
        ticket("T2", "delivery", A2, S2, "delivery_delay", "2026-03-06 20:00", "2026-03-07 00:00",
               "2026-03-07 01:00", "2026-03-07 03:00", "closed", csat=3, reopens=1),
        ticket("T3", "finance", A1, S1, "finance", "2026-03-06 16:00", "2026-03-10 11:00",
               "2026-03-10 09:00", None, "open"),
        ticket("T4", "finance", None, S2, "finance", "2026-03-09 10:00", "2026-03-10 12:00", None, None, "new"),
        ticket("T5", "finance", A2, S1, "finance", "2026-03-05 15:00", "2026-03-06 10:00", None, None, "open"),
        ticket("T6", "delivery", A2, S2, "delivery_delay", "2026-03-09 08:00", "2026-03-09 12:00", None,
               "2026-03-09 08:10", "resolved", self_resolved=True, csat=4),
        ticket("T7", "apps", None, S1, "app_bug", "2026-03-10 04:00", "2026-03-10 08:00", None, None, "new"),
        ticket("T8", "apps", A1, S2, "app_bug", "2026-03-10 09:45", "2026-03-10 13:45", None, None, "new"),
    ]
    out = pd.DataFrame(rows)
    for column in metrics.TIME_COLUMNS:
        out[column] = pd.to_datetime(out[column], utc=True)
    out["csat"] = out["csat"].astype(float)
    return out


def messages() -> pd.DataFrame:
    rows = [
        ("T1", "seller", "2026-03-06 09:00"), ("T1", "staff", "2026-03-06 09:30"),   # 30
        ("T1", "seller", "2026-03-06 10:00"), ("T1", "staff", "2026-03-06 10:20"),   # 20
        ("T1", "staff", "2026-03-06 10:25"),                                         # follow-up: not counted
        ("T2", "seller", "2026-03-06 20:00"), ("T2", "staff", "2026-03-07 01:00"),   # 300
        ("T2", "seller", "2026-03-07 02:00"), ("T2", "staff", "2026-03-07 02:30"),   # 30 (after the reopen)
        ("T3", "seller", "2026-03-06 16:00"), ("T3", "staff", "2026-03-10 09:00"),   # 5340 wall, 120 business
        ("T4", "seller", "2026-03-09 10:00"),
        ("T5", "seller", "2026-03-05 15:00"), ("T5", "seller", "2026-03-06 09:00"),  # never answered
        ("T6", "seller", "2026-03-09 08:00"),
        ("T7", "seller", "2026-03-10 04:00"), ("T7", "system", "2026-03-10 04:01"),  # system: ignored
        ("T8", "seller", "2026-03-10 09:45"),
    ]
    return pd.DataFrame({"reference": [r[0] for r in rows], "author_kind": [r[1] for r in rows],
                         "created_at": pd.to_datetime([t(r[2]) for r in rows], utc=True)})
