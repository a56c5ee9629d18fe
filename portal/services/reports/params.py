"""What a report is asked for: its days in the portal's time zone and their range in UTC, its
grouping, its department and the language of its header row, each checked (InvalidInput names what
is wrong)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sla import aggregates
from sla.timeutil import convertible_days, day_start

from ...extensions import db
from ...models import Department
from ..errors import InvalidInput

BYS = ("ticket", *aggregates.GROUPINGS)
GROUPED = tuple(aggregates.GROUPINGS)
MAX_DAYS = 3660
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The column names are the contract and the default header row. A person may ask for the header in
# Vietnamese instead: these labels, translated (English ones serve as the catalogue's keys only).
HEADER_LANGUAGES = ("en", "vi")
COLUMN_LABELS = {
    "reference": _l("Reference"), "seller_code": _l("Seller code"), "seller_name": _l("Seller name"),
    "department": _l("Department"), "category": _l("Category"), "priority": _l("Priority"), "status": _l("Status"),
    "agent": _l("Assignee"), "agent_name": _l("Assignee name"), "day": _l("Day"), "hour": _l("Hour"),
    "created_at": _l("Created"), "first_response_due_at": _l("First response due"),
    "first_responded_at": _l("First responded at"), "first_response_minutes": _l("First response (minutes)"),
    "sla_met": _l("SLA met"), "resolved_at": _l("Resolved at"), "handling_minutes": _l("Handling time (minutes)"),
    "csat": _l("CSAT score"),
    "first_response_business_minutes": _l("First response in business time (minutes)"),
    "handling_business_minutes": _l("Handling time in business time (minutes)"),
    "responses": _l("Responses"), "response_mean_minutes": _l("Mean response time (minutes)"),
    "response_business_mean_minutes": _l("Mean response time in business time (minutes)"),
    "reopens": _l("Reopens"), "self_resolved": _l("Self-resolved"),
    "tickets": _l("Tickets"), "met": _l("Met"), "breached": _l("Breached"), "pending": _l("Pending"),
    "met_share": _l("Met share"), "first_response_median_minutes": _l("Median first response (minutes)"),
    "first_response_mean_minutes": _l("Mean first response (minutes)"),
    "first_response_p90_minutes": _l("90th percentile first response (minutes)"), "csat_mean": _l("Mean CSAT"),
    "csat_satisfied_share": _l("Share of CSAT 4 or 5"), "handling_mean_minutes": _l("Mean handling time (minutes)"),
    "first_response_business_median_minutes": _l("Median first response in business time (minutes)"),
    "first_response_business_mean_minutes": _l("Mean first response in business time (minutes)"),
    "first_response_business_p90_minutes": _l("90th percentile first response in business time (minutes)"),
    "resolved": _l("Resolved"), "handling_median_minutes": _l("Median handling time (minutes)"),
    "handling_business_mean_minutes": _l("Mean handling time in business time (minutes)"),
    "self_resolved_share": _l("Self-resolved share"), "csat_responses": _l("CSAT ratings"),
    "open": _l("Open tickets"), "backlog_under_4h": _l("Backlog under 4 h"), "backlog_4h_to_24h": _l("Backlog 4–24 h"),
    "backlog_1d_to_3d": _l("Backlog 1–3 days"), "backlog_over_3d": _l("Backlog over 3 days"),
    "reason": _l("Resolution reason"), "reason_label": _l("Resolution reason label"),
    "reopened": _l("Reopened tickets"), "reopened_share": _l("Reopen rate"),
}
ABOUT_LABELS = {"parameter": _l("Parameter"), "value": _l("Value"), "from": _l("From"), "to": _l("To"),
                "by": _l("Grouped by"), "department": _l("Department"), "time zone": _l("Time zone"),
                "generated at": _l("Generated at")}


def check_header_language(lang: str | None) -> str:
    """`lang` as a header language: en (the column names, also for None) or vi."""
    lang = lang or "en"
    if lang not in HEADER_LANGUAGES:
        raise InvalidInput(_l("The header language is en or vi."), {"headers": [_l("Use en or vi.")]})
    return lang


def header_labels(lang: str | None, labels: dict = COLUMN_LABELS) -> dict[str, str] | None:
    """Column name -> header text in `lang`; None for English, whose header is the column names."""
    if check_header_language(lang) == "en":
        return None
    with force_locale(lang):
        return {name: str(label) for name, label in labels.items()}


def check_days(days: dict[str, dt.date], timezone: ZoneInfo) -> None:
    """InvalidInput naming every one of `days` (parameter name -> local day) outside the days whose
    times the calendar holds in UTC (sla.timeutil.convertible_days): such a day cannot become the
    instants a report is read by."""
    first, last = convertible_days(timezone)
    outside = [name for name, day in days.items() if not first <= day <= last]
    if outside:
        raise InvalidInput(
            _l("Report dates must be between %(first)s and %(last)s, the days of %(zone)s whose times the "
               "calendar can hold.", first=first.isoformat(), last=last.isoformat(), zone=str(timezone)),
            {name: [_l("Choose a day from %(first)s to %(last)s.", first=first.isoformat(), last=last.isoformat())]
             for name in outside})


def local_range(day_from: dt.date, day_to: dt.date, timezone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants [start, end) covering local days day_from..day_to, both inclusive. InvalidInput
    for a day the conversion cannot hold (check_days), a reversed or a too long range."""
    check_days({"from": day_from, "to": day_to}, timezone)
    if day_to < day_from:
        raise InvalidInput(_l("The end date is before the start date."), {"to": [_l("Before the start date.")]})
    if (day_to - day_from).days > MAX_DAYS:
        raise InvalidInput(_l("Choose a range of at most ten years."), {"to": [_l("Range too long.")]})
    return day_start(day_from, timezone), day_start(day_to + dt.timedelta(days=1), timezone)


def parse_day(raw: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise InvalidInput(_l("%(name)s must be a date like 2026-11-23.", name=name),
                           {name: [_l("Use YYYY-MM-DD.")]}) from None


def parse_range(raw_from: str | None, raw_to: str | None, *, today: dt.date, timezone: ZoneInfo,
                days: int = 7) -> tuple[dt.date, dt.date]:
    """The local days of `from` and `to` parameters (YYYY-MM-DD; either may be missing): `to` is
    today by default, `from` the `days`-day range ending on `to`, cut at the first day the calendar
    holds. InvalidInput for a malformed date or one outside check_days; the range itself is checked
    by local_range."""
    day_to = parse_day(raw_to, "to") if raw_to else today
    if raw_from:
        return parse_day(raw_from, "from"), day_to
    check_days({"to": day_to}, timezone)
    first, _last = convertible_days(timezone)
    return day_to - dt.timedelta(days=min(days - 1, (day_to - first).days)), day_to


def check_by(by: str, allowed: tuple[str, ...] = BYS) -> str:
    if by not in allowed:
        raise InvalidInput(_l("by must be one of %(values)s.", values=", ".join(allowed)),
                           {"by": [_l("Unknown grouping.")]})
    return by


def department_codes() -> list[str]:
    return list(db.session.scalars(select(Department.code).order_by(Department.code)))


def departments_by_code() -> dict[str, Department]:
    """Every department by its code, in code order: reports name them as people do."""
    return {d.code: d for d in db.session.scalars(select(Department).order_by(Department.code))}


def find_department(code: str | None) -> int | None:
    """The id of the department with this code, None for none given; InvalidInput for an unknown code."""
    if not code:
        return None
    found = db.session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise InvalidInput(_l("Unknown department %(code)s.", code=code), {"department": [_l("Unknown department.")]})
    return found
