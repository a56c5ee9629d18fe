"""Departments: names, leads and business calendars. Every change is audited."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import sla

from ..extensions import db
from ..models import Department, User
from . import audit
from .actor import Actor, actor_fields
from .errors import InvalidInput, NotFound

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_NAME = 120
MAX_HOLIDAYS = 366
_WINDOW_SPLIT = re.compile(r"[,;\n]+")
_WINDOW_RE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")
_DATE_SPLIT = re.compile(r"[\s,;]+")


def by_code(code: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(_l("No department %(code)s.", code=code))
    return department


def all_departments() -> list[Department]:
    """Every department in code order."""
    return list(db.session.scalars(select(Department).order_by(Department.code)))


def codes() -> list[str]:
    """Every department's code, in order."""
    return list(db.session.scalars(select(Department.code).order_by(Department.code)))


def _audit(action: str, department: Department, before: dict | None, after: dict | None, *, actor: Actor,
           now: dt.datetime) -> None:
    audit.record(action, "department", department.code, before=before, after=after, now=now,
                 **actor_fields(actor))


# --- names and leads ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    leads: list[User]
    agents: int
    calendar: dict  # calendar_to_dict form; {"kind": "24/7"} when open all the time


def _active_leads() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "lead", User.active.is_(True))
                                   .order_by(User.name, User.id)))


def lead_choices() -> list[tuple[int, str]]:
    """(id, "name <email>") of every active lead, for the form."""
    return [(u.id, f"{u.name} <{u.email}>") for u in _active_leads()]


def overview() -> list[DepartmentRow]:
    """Every department with its active leads, its number of active agents and its calendar."""
    users = list(db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(("lead", "agent")))
                                    .order_by(User.name, User.id)))
    rows = []
    for department in db.session.scalars(select(Department).order_by(Department.code)):
        members = [u for u in users if any(d.id == department.id for d in u.departments)]
        rows.append(DepartmentRow(department, [u for u in members if u.role == "lead"],
                                  sum(1 for u in members if u.role == "agent"),
                                  department.calendar_data or {"kind": "24/7"}))
    return rows


CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


def add_department(code: str, name: str, name_vi: str | None, *, actor: Actor, now: dt.datetime) -> Department:
    """Create a department (a lower-case code such as `delivery`, names in English and Vietnamese).
    Routing rules and staff can then point at it. Audited as department.added; committed."""
    code, name, name_vi = (code or "").strip().lower(), (name or "").strip(), (name_vi or "").strip() or None
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code):
        errors["code"] = [_l("A code is 2–32 lower-case letters, digits, dashes or underscores, starting with a "
                             "letter.")]
    elif db.session.scalar(select(Department.id).where(Department.code == code)):
        errors["code"] = [_l("Department %(code)s already exists.", code=code)]
    if not name:
        errors["name"] = [_l("Enter the department's name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_l("The name may have at most %(max)s characters.", max=MAX_NAME)]
    if name_vi and len(name_vi) > MAX_NAME:
        errors["name_vi"] = [_l("The name may have at most %(max)s characters.", max=MAX_NAME)]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    department = Department(code=code, name=name, name_vi=name_vi)
    db.session.add(department)
    db.session.flush()
    _audit("department.added", department, None, {"name": name, "name_vi": name_vi}, actor=actor, now=now)
    db.session.commit()
    return department


def _names_and_leads(department: Department) -> dict:
    leads = [u.email for u in _active_leads() if any(d.id == department.id for d in u.departments)]
    return {"name": department.name, "name_vi": department.name_vi, "leads": sorted(leads)}


def details(code: str) -> DepartmentRow:
    """One department as in `overview`."""
    department = by_code(code)
    return next(row for row in overview() if row.department.id == department.id)


def edit_department(code: str, name: str, name_vi: str | None, lead_ids: list[int], *, actor: Actor,
                    now: dt.datetime) -> Department:
    """Rename the department (English and Vietnamese) and choose its leads among the active users
    with the lead role: a chosen lead joins the department, a lead not chosen leaves it. A lead
    keeps at least one department. Audited as department.edited; committed."""
    department = by_code(code)
    errors: dict[str, list[str]] = {}
    name, name_vi = (name or "").strip(), (name_vi or "").strip() or None
    if not name:
        errors["name"] = [_l("Enter the department's name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_l("The name may have at most %(max)s characters.", max=MAX_NAME)]
    if name_vi and len(name_vi) > MAX_NAME:
        errors["name_vi"] = [_l("The name may have at most %(max)s characters.", max=MAX_NAME)]
    candidates = {u.id: u for u in _active_leads()}
    chosen = set(lead_ids)
    if chosen - set(candidates):
        errors["leads"] = [_l("Choose leads among the active users with the lead role.")]
    else:
        stranded = [u.name for uid, u in candidates.items() if uid not in chosen
                    and [d.id for d in u.departments] == [department.id]]
        if stranded:
            errors["leads"] = [_l("%(names)s lead(s) no other department: give them another department on the "
                                  "Staff page first.", names=", ".join(stranded))]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    before = _names_and_leads(department)
    department.name, department.name_vi = name, name_vi
    for uid, user in candidates.items():
        member = any(d.id == department.id for d in user.departments)
        if uid in chosen and not member:
            user.departments = [*user.departments, department]
        elif uid not in chosen and member:
            user.departments = [d for d in user.departments if d.id != department.id]
    after = _names_and_leads(department)
    if after != before:
        _audit("department.edited", department, before, after, actor=actor, now=now)
    db.session.commit()
    return department


# --- business calendars -------------------------------------------------------------------------

def _parse_clock(text: str) -> dt.time:
    if text in ("24:00",):
        return dt.time(0)
    hours, minutes = (int(part) for part in text.split(":"))
    return dt.time(hours, minutes)  # ValueError for 25:00 or 08:61


def parse_windows(text: str | None) -> list[tuple[dt.time, dt.time]]:
    """Open windows of one day typed as "08:00-12:00, 13:00-17:30" (empty: closed; "24:00" is
    midnight at the end of the day). Raises ValueError with a message for the person who typed it."""
    windows = []
    for part in _WINDOW_SPLIT.split(text or ""):
        if not part.strip():
            continue
        match = _WINDOW_RE.match(part)
        if not match:
            raise ValueError(_("“%(text)s” is not a window such as 08:00-17:30.", text=part.strip()[:40]))
        try:
            start, end = _parse_clock(match.group(1)), _parse_clock(match.group(2))
        except ValueError:
            raise ValueError(_("“%(text)s” has a time that does not exist.", text=part.strip()[:40])) from None
        if end != dt.time(0) and start >= end:
            raise ValueError(_("“%(text)s” must start before it ends.", text=part.strip()[:40]))
        windows.append((start, end))
    spans = sorted((_minutes(start), _minutes(end) or 24 * 60) for start, end in windows)
    if any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)):
        raise ValueError(_("“%(text)s”: the windows overlap.", text=(text or "").strip()[:80]))
    return windows


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def format_windows(windows: list) -> str:
    """The text parse_windows reads, from calendar_to_dict's [["08:00", "17:30"], …]."""
    return ", ".join(f"{start}-{end}" for start, end in windows)


def parse_dates(text: str | None) -> list[str]:
    """ISO dates typed one per line (or separated by commas or spaces)."""
    return [part for part in _DATE_SPLIT.split(text or "") if part]


def _weekly(weekly_hours: Mapping[int, str]) -> dict[int, list[tuple[dt.time, dt.time]]]:
    errors: dict[str, list[str]] = {}
    weekly = {}
    for weekday, text in weekly_hours.items():
        try:
            weekly[weekday] = parse_windows(text)
        except ValueError as exc:
            errors[f"hours_{weekday}"] = [str(exc)]
    if not errors and not any(weekly.values()):
        errors["hours_0"] = [_l("Open at least one day, or choose 24/7.")]
    if errors:
        raise _invalid_calendar(errors)
    return weekly


def _holiday_dates(holidays: list[str]) -> list[dt.date]:
    if len(holidays) > MAX_HOLIDAYS:
        raise InvalidInput(_l("Invalid calendar: %(problems)s",
                              problems=_("at most %(max)s own holidays.", max=MAX_HOLIDAYS)),
                           {"holidays": [_l("At most %(max)s dates.", max=MAX_HOLIDAYS)]})
    days = []
    for text in holidays:
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            raise _invalid_calendar({"holidays": [_("“%(text)s” is not a date such as 2027-02-12.",
                                                    text=text[:40])]}) from None
    return days


def _invalid_calendar(errors: dict[str, list[str]]) -> InvalidInput:
    return InvalidInput(_l("Invalid calendar: %(problems)s", problems="; ".join(str(v[0]) for v in errors.values())),
                        errors)


def _check_place(timezone: str, country: str | None) -> None:
    """The time zone and the holiday country, refused with a message in the reader's language (the
    calendar itself would refuse them too, in its own words)."""
    errors: dict[str, list[str]] = {}
    try:
        ZoneInfo(timezone or "")
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [_("unknown timezone “%(zone)s”", zone=(timezone or "")[:60])]
    if country:
        try:
            holidays_lib.country_holidays(country)
        except NotImplementedError:
            errors["country"] = [_("no public holiday data for country “%(country)s”", country=country[:20])]
    if errors:
        raise _invalid_calendar(errors)


def _calendar_field(message: str) -> str:
    """The form field a calendar error is about."""
    weekday = re.search(r"weekday (\d)", message)
    if weekday:
        return f"hours_{weekday.group(1)}"
    return next((f for f in ("timezone", "country", "holidays") if f[:-1] in message), "hours_0")


def set_calendar(code: str, business: bool, timezone: str, holidays: list[str], *,
                 weekly_hours: Mapping[int, str] | None = None, country: str | None = sla.DEFAULT_COUNTRY,
                 actor: Actor, now: dt.datetime) -> dict | None:
    """Open the department 24/7, or on business hours in `timezone`: `weekly_hours` maps weekdays
    (0 = Monday) to windows typed as "08:00-12:00, 13:00-17:30" (default: the standard week,
    Mon–Fri 08:00–17:30 and Sat 08:00–12:00), closed on `country`'s public holidays (Vietnam by
    default, None for none) and on `holidays` (YYYY-MM-DD). New tickets use it at once; existing
    due times stay. Audited as department.calendar_set. Returns the stored calendar. Commits."""
    department = by_code(code)
    before = department.calendar_data or {"kind": "24/7"}
    data = None
    if business:
        weekly = None if weekly_hours is None else _weekly(weekly_hours)
        extra = _holiday_dates(holidays)
        _check_place(timezone, country or None)
        try:
            calendar = sla.BusinessCalendar.standard(timezone=timezone, country=country or None,
                                                     extra_holidays=extra, weekly_hours=weekly)
        except ValueError as exc:
            raise _invalid_calendar({_calendar_field(str(exc)): [str(exc)]}) from None
        data = sla.calendar_to_dict(calendar)
    department.calendar_json = None if data is None else json.dumps(data, ensure_ascii=False)
    after = data or {"kind": "24/7"}
    if after != before:
        _audit("department.calendar_set", department, before, after, actor=actor, now=now)
    db.session.commit()
    return data


def calendar_form_values(department: Department, default_timezone: str) -> dict:
    """The calendar as the admin form shows it (the standard week when the department is 24/7)."""
    data = department.calendar_data
    business = data is not None and data.get("kind") == "business"
    data = data if business else sla.calendar_to_dict(sla.BusinessCalendar.standard(timezone=default_timezone))
    weekly = data.get("weekly_hours") or {}
    values = {"business": "business" if business else "24/7", "timezone": data.get("timezone", default_timezone),
              "country": data.get("country") or "", "holidays": "\n".join(data.get("holidays", []))}
    values.update({f"hours_{day}": format_windows(weekly.get(str(day), [])) for day in range(7)})
    return values


def country_choices() -> list[tuple[str, str]]:
    """(ISO code, "code") of every country the holidays package knows, VN first."""
    codes = sorted(holidays_lib.list_supported_countries())
    return [(sla.DEFAULT_COUNTRY, sla.DEFAULT_COUNTRY)] + [(c, c) for c in codes if c != sla.DEFAULT_COUNTRY]


def upcoming_closures(calendar: dict, today: dt.date, days: int = 365) -> list[tuple[dt.date, str]]:
    """Public and own holidays of a business calendar in the next `days` days: (date, name)."""
    if calendar.get("kind") != "business":
        return []
    until = today + dt.timedelta(days=days)
    found: dict[dt.date, str] = {}
    country = calendar.get("country")
    if country:
        years, language = range(today.year, until.year + 1), _holiday_language(country)
        for day, name in holidays_lib.country_holidays(country, years=years, language=language).items():
            found[day] = name
    for text in calendar.get("holidays", []):
        found.setdefault(dt.date.fromisoformat(text), _("Own holiday"))
    return sorted((day, name) for day, name in found.items() if today <= day <= until)


def _language() -> str:
    return str(get_locale() or "en")


def _holiday_language(country: str) -> str | None:
    """The language of holiday names: the reader's when the country's data has it, else English."""
    try:
        supported = holidays_lib.country_holidays(country).supported_languages
    except NotImplementedError:
        return None
    wanted = "vi" if _language() == "vi" else "en_US"
    return wanted if wanted in supported else "en_US" if "en_US" in supported else None


def calendar_summary(calendar: dict) -> str:
    """One line describing a stored calendar in the reader's language, e.g. "Business hours in
    Asia/Ho_Chi_Minh: Mon 08:00-17:30 …"."""
    if calendar.get("kind") != "business":
        return _("Open 24/7")
    weekly = calendar.get("weekly_hours") or {}
    names = get_day_names("abbreviated", locale=_language())
    days = "; ".join(f"{names[int(day)]} {format_windows(windows)}"
                     for day, windows in sorted(weekly.items(), key=lambda item: int(item[0])))
    values = {"zone": calendar.get("timezone"), "days": days, "country": calendar.get("country"),
              "count": len(calendar.get("holidays", []))}
    if values["country"]:
        if values["count"]:
            return _("Business hours in %(zone)s: %(days)s; closed on %(country)s public holidays and %(count)s "
                     "own day(s)", **values)
        return _("Business hours in %(zone)s: %(days)s; closed on %(country)s public holidays", **values)
    if values["count"]:
        return _("Business hours in %(zone)s: %(days)s; no public holidays; closed on %(count)s own day(s)",
                 **values)
    return _("Business hours in %(zone)s: %(days)s; no public holidays", **values)
