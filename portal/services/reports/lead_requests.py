"""How often sellers asked a team lead to look, per department, over a report's range: a figure for
the dashboard beside the breaches that usually lead to it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from ...extensions import db
from ...models import Department, LeadRequest
from .params import find_department, local_range


@dataclass(frozen=True)
class LeadRequestCount:
    department: str  # code
    name: str
    name_vi: str | None
    requests: int
    after_breach: int
    after_reopening: int


def per_department(day_from: dt.date, day_to: dt.date, *, timezone: ZoneInfo,
                   department: str | None = None) -> list[LeadRequestCount]:
    """Requests made on local days day_from..day_to (both inclusive), per department that had any,
    by department code; only `department` when one is given (InvalidInput for an unknown code)."""
    start, end = local_range(day_from, day_to, timezone)
    department_id = find_department(department)
    breached = func.sum(case((LeadRequest.trigger == "breached", 1), else_=0))
    query = (select(Department.code, Department.name, Department.name_vi, func.count(LeadRequest.id), breached)
             .join(Department, Department.id == LeadRequest.department_id)
             .where(LeadRequest.created_at >= start, LeadRequest.created_at < end)
             .group_by(Department.code, Department.name, Department.name_vi).order_by(Department.code))
    if department_id is not None:
        query = query.where(LeadRequest.department_id == department_id)
    return [LeadRequestCount(code, name, name_vi, count, int(after_breach or 0), count - int(after_breach or 0))
            for code, name, name_vi, count, after_breach in db.session.execute(query)]
