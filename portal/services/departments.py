"""Departments and their business calendars."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

import sla

from ..extensions import db
from ..models import Department
from .errors import InvalidInput, NotFound


def by_code(code: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"No department {code}.")
    return department


def set_calendar(code: str, business: bool, timezone: str, holidays: list[str]) -> dict | None:
    """Open the department 24/7, or on the standard business week (Mon–Fri 08:00–17:30, Sat
    08:00–12:00) with Vietnam's public holidays plus `holidays` (YYYY-MM-DD), in `timezone`.
    New tickets use it at once; existing due times stay. Returns the stored calendar. Commits."""
    department = by_code(code)
    if not business:
        department.calendar_json = None
        db.session.commit()
        return None
    try:
        extra = [dt.date.fromisoformat(d) for d in holidays]
        calendar = sla.BusinessCalendar.standard(timezone=timezone, extra_holidays=extra)
    except ValueError as exc:
        raise InvalidInput(f"Invalid calendar: {exc}") from None
    data = sla.calendar_to_dict(calendar)
    department.calendar_json = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    return data
