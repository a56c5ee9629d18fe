"""Honest promises: what "we answer within 4 hours" means for each kind of problem, in the words of
the department that answers it, and why a ticket's promised time falls on a later working day."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_skeleton, get_day_names
from flask_babel import get_locale, ngettext, pgettext
from flask_babel import gettext as _
from sqlalchemy import select

import routing
import sla
from sla import promise
from vocabulary import CATEGORIES

from ..extensions import db
from ..models import Department, Ticket
from . import policies
from .runtime import Runtime, calendar_for

# the short day names of a working week, Monday first, as the promise line writes them
_SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# a day further back or ahead than this is named with its date, not only its weekday
_WEEK = dt.timedelta(days=6)


@dataclass(frozen=True)
class CategoryPromise:
    """The promise the form states for one category: the team that answers it by default, and the
    sentence, e.g. "The Finance team answers within 4 working hours — Mon–Fri 08:00–17:30, Sat 08:00–12:00"."""

    category: str
    department: str
    text: str


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def team_name(department: Department) -> str:
    """The department's name in the page's language."""
    return department.name_vi if _language() == "vi" and department.name_vi else department.name


def short_day_names() -> list[str]:
    """Monday to Sunday, short, in the page's language ("Mon", "Thứ 2")."""
    return [pgettext("weekday", day) for day in _SHORT_DAYS]


def _duration(amount: dt.timedelta, working: bool) -> str:
    """A target as people say it: "4 working hours", "30 working minutes", "1 h 30 min of working time"."""
    _sign, hours, minutes = sla.duration_parts(amount)
    if minutes == 0:
        if working:
            return ngettext("%(num)s working hour", "%(num)s working hours", hours)
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    if hours == 0:
        if working:
            return ngettext("%(num)s working minute", "%(num)s working minutes", minutes)
        return ngettext("%(num)s minute", "%(num)s minutes", minutes)
    if working:
        return _("%(hours)s h %(minutes)s min of working time", hours=hours, minutes=f"{minutes:02d}")
    return _("%(hours)s h %(minutes)s min", hours=hours, minutes=f"{minutes:02d}")


def working_hours(calendar: sla.Calendar, rt: Runtime) -> str:
    """The calendar's working week as one line in the page's language; its zone is named when it
    is not the portal's. A 24/7 calendar says so."""
    if not isinstance(calendar, sla.BusinessCalendar):
        return _("open 24/7")
    text = promise.working_hours_text(calendar.weekly_hours, short_day_names())
    if calendar.timezone != rt.timezone.key:
        return _("%(hours)s (%(zone)s time)", hours=text, zone=calendar.timezone)
    return text


def promise_text(department: Department, policy: sla.Policy, rt: Runtime) -> str:
    """The promise of one department and policy as the seller form states it."""
    calendar = calendar_for(department.calendar_json)
    team = team_name(department)
    if isinstance(calendar, sla.BusinessCalendar):
        return _("The %(team)s team answers within %(duration)s — %(hours)s", team=team,
                 duration=_duration(policy.first_response, True), hours=working_hours(calendar, rt))
    return _("The %(team)s team answers within %(duration)s — day and night, 24/7", team=team,
             duration=_duration(policy.first_response, False))


def form_promises(rt: Runtime) -> list[CategoryPromise]:
    """The promise of every category, as it would be for a ticket with no telling words: the
    category's default department (by today's routing rules) and its policy for that priority.
    Categories whose department is not set up are left out."""
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    found = []
    for category in CATEGORIES:
        decision = routing.route(routing.TicketFacts(category=category, description=""), rt.ruleset)
        department = departments.get(decision.department)
        if department is None:
            continue
        policy = policies.policy_for(decision.department, decision.priority, rt)
        found.append(CategoryPromise(category, department.code, promise_text(department, policy, rt)))
    return found


def _day(local: dt.datetime, now_local: dt.datetime) -> str:
    """A weekday as the sentence names it ("Friday"), with its date when not within a week of now."""
    name = get_day_names("wide", locale=_language())[local.weekday()]
    if abs(local.date() - now_local.date()) > _WEEK:
        return f"{name} {format_skeleton('yMMMd', local.date(), locale=_language())}"
    return name


def later_day_note(ticket: Ticket, *, now: dt.datetime) -> str | None:
    """Why the ticket's promised time falls on a later working day than the day the seller wrote,
    from its department's calendar; None when it does not, once answered, and once no longer open."""
    if ticket.first_responded_at is not None or not ticket.is_open:
        return None
    calendar = calendar_for(ticket.department.calendar_json)
    why = promise.later_day(ticket.created_at, ticket.first_response_due_at, calendar)
    if why is None:
        return None
    now_local = now.astimezone(why.written_at.tzinfo)
    values = {"team": team_name(ticket.department), "day": _day(why.written_at, now_local),
              "resume": f"{_day(why.resumes_at, now_local)} {promise.clock_text(why.resumes_at.time())}"}
    if why.reason == promise.CLOSED_DAY:
        return _("You wrote on %(day)s, a day the %(team)s team does not work; it answers from %(resume)s.", **values)
    if why.reason == promise.HOLIDAY:
        return _("You wrote on %(day)s, a holiday for the %(team)s team; it answers from %(resume)s.", **values)
    close = promise.clock_text(why.closes_at, end=True) if why.closes_at is not None else ""
    if why.reason == promise.AFTER_CLOSE:
        return _("You wrote after %(close)s on %(day)s, when the %(team)s team had closed; it answers from %(resume)s.",
                 close=close, **values)
    # the target the promise was made with, measured on the calendar (a later policy does not change it)
    target = calendar.business_time_between(ticket.created_at, ticket.first_response_due_at)
    return _("You wrote at %(time)s on %(day)s, less than %(duration)s before the %(team)s team closes at %(close)s; "
             "the rest of the time counts from %(resume)s.", time=promise.clock_text(why.written_at.time()),
             duration=_duration(target, True), close=close, **values)
