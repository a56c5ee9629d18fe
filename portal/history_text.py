"""A ticket's history as sentences people read, in the page's language: "Hệ thống giao cho Agent 1
vì ít việc nhất", never an event code or its JSON. The history rows keep codes (departments,
statuses, e-mails) as they were; `Names` turns those into the names of today."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import gettext as _

from .models import Event
from .templating import CATEGORY_LABELS, PRIORITY_LABELS, SHIPMENT_STATUS_LABELS, STAFF_STATUS_LABELS, localtime


@dataclass
class Names:
    """What the sentences name: departments by code (already in the page's language), staff by id
    and by e-mail."""

    departments: Mapping[str, str] = field(default_factory=dict)
    users_by_id: Mapping[int, str] = field(default_factory=dict)
    users_by_email: Mapping[str, str] = field(default_factory=dict)

    def department(self, code: str | None) -> str:
        return self.departments.get(code or "", code or "—")

    def user(self, user_id: int | None = None, email: str | None = None) -> str | None:
        if user_id is not None and user_id in self.users_by_id:
            return self.users_by_id[user_id]
        if email:
            return self.users_by_email.get(email, email)
        return None


def actor(event: Event) -> str:
    """Who did it: a staff member's name, the seller, the system or the SLA clock."""
    label = event.actor_label or "system"
    if label == "system":
        return _("System")
    if label == "sla":
        return _("The SLA clock")
    if label.startswith("seller "):
        return _("The seller")
    return label


def _status(code: str | None) -> str:
    return STAFF_STATUS_LABELS.get(code or "", code or "—")


def _created(e: Event, d: dict, names: Names) -> str:
    files = d.get("attachments") or 0
    text = _("%(who)s wrote the ticket about %(category)s", who=actor(e),
             category=CATEGORY_LABELS.get(d.get("category", ""), d.get("category", "")))
    return text + (" " + _("with %(count)s file(s)", count=files) if files else "")


def _routed(e: Event, d: dict, names: Names) -> str:
    return _("Routed to %(department)s with priority %(priority)s", department=names.department(d.get("department")),
             priority=PRIORITY_LABELS.get(d.get("priority", ""), d.get("priority", "")))


def _assigned(e: Event, d: dict, names: Names) -> str:
    who = names.user(d.get("assignee_id"), d.get("assignee"))
    if who is None:
        if d.get("reason") == "assignee deactivated":
            return _("%(who)s took the ticket off %(previous)s, whose account was closed", who=actor(e),
                     previous=names.user(email=d.get("previous")) or "—")
        return _("%(who)s left the ticket unassigned", who=actor(e))
    if d.get("reason") == "least loaded agent":
        return _("%(who)s assigned it to %(assignee)s, who had the fewest open tickets", who=actor(e), assignee=who)
    return _("%(who)s assigned it to %(assignee)s", who=actor(e), assignee=who)


def _replied(e: Event, d: dict, names: Names) -> str:
    files = d.get("attachments") or 0
    if d.get("by") == "seller":
        text = _("%(who)s replied", who=actor(e))
    else:
        text = _("%(who)s replied to the seller", who=actor(e))
    return text + (" " + _("with %(count)s file(s)", count=files) if files else "")


def _reason(d: dict) -> str:
    """The resolution reason as it was labelled when chosen, in the page's language."""
    vietnamese = str(get_locale() or "en") == "vi"
    return (d.get("reason_vi") if vietnamese else d.get("reason_en")) or d.get("reason_en") or d.get("reason", "")


def _status_changed(e: Event, d: dict, names: Names) -> str:
    if d.get("self_resolved"):
        return _("%(who)s said the problem is solved", who=actor(e))
    if d.get("reopened"):
        return _("%(who)s reopened the ticket", who=actor(e))
    if d.get("new") == "resolved" and d.get("reason"):
        return _("%(who)s resolved the ticket (from %(old)s): %(reason)s", who=actor(e), old=_status(d.get("old")),
                 reason=_reason(d))
    return _("%(who)s changed the status from %(old)s to %(new)s", who=actor(e), old=_status(d.get("old")),
             new=_status(d.get("new")))


def _priority_changed(e: Event, d: dict, names: Names) -> str:
    return _("%(who)s changed the priority from %(old)s to %(new)s", who=actor(e),
             old=PRIORITY_LABELS.get(d.get("old", ""), d.get("old", "")),
             new=PRIORITY_LABELS.get(d.get("new", ""), d.get("new", "")))


def _transferred(e: Event, d: dict, names: Names) -> str:
    return _("%(who)s moved the ticket from %(old)s to %(new)s: %(reason)s", who=actor(e),
             old=names.department(d.get("old")), new=names.department(d.get("new")), reason=d.get("reason", ""))


def _merged(e: Event, d: dict, names: Names) -> str:
    if d.get("into"):
        return _("%(who)s merged this ticket into %(reference)s", who=actor(e), reference=d["into"])
    return _("%(who)s merged %(reference)s into this ticket", who=actor(e), reference=d.get("absorbed", ""))


def _rated(e: Event, d: dict, names: Names) -> str:
    return _("%(who)s rated the answer %(score)s out of 5", who=actor(e), score=d.get("score", "?"))


def _policy_applied(e: Event, d: dict, names: Names) -> str:
    return _("%(who)s applied the new SLA policy: first response due %(new)s instead of %(old)s", who=actor(e),
             new=_when(d.get("new_due")), old=_when(d.get("old_due")))


def _sla_at_risk(e: Event, d: dict, names: Names) -> str:
    return _("The first response is at risk: due %(due)s", due=_when(d.get("due_at")))


def _sla_breached(e: Event, d: dict, names: Names) -> str:
    text = _("The first response missed its target (due %(due)s)", due=_when(d.get("due_at")))
    return text + ("; " + _("priority raised") if d.get("priority_raised") else "")


def _escalated(e: Event, d: dict, names: Names) -> str:
    if d.get("to") == "managers":
        return _("Escalated to the managers: still unanswered long after the due time")
    return _("Escalated to the team leads")


def _note_added(e: Event, d: dict, names: Names) -> str:
    return _("%(who)s added an internal note", who=actor(e))


def _parcel_delivered(e: Event, d: dict, names: Names) -> str:
    return _("The carrier reported parcel %(number)s as delivered (“%(event)s”)", number=d.get("tracking_number", ""),
             event=d.get("event") or SHIPMENT_STATUS_LABELS["delivered"])


def _lead_requested(e: Event, d: dict, names: Names) -> str:
    if d.get("trigger") == "reopened":
        return _("%(who)s asked a team lead to look, after reopening the ticket twice", who=actor(e))
    return _("%(who)s asked a team lead to look, after the promised time passed", who=actor(e))


def _when(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return localtime(dt.datetime.fromisoformat(value), "short")
    except ValueError:
        return value


SENTENCES: dict[str, Callable[[Event, dict, Names], str]] = {
    "created": _created, "routed": _routed, "assigned": _assigned, "replied": _replied,
    "note_added": _note_added, "status_changed": _status_changed, "priority_changed": _priority_changed,
    "transferred": _transferred, "merged": _merged, "rated": _rated, "policy_applied": _policy_applied,
    "sla_at_risk": _sla_at_risk, "sla_breached": _sla_breached, "escalated": _escalated,
    "parcel_delivered": _parcel_delivered, "lead_requested": _lead_requested,
}


def sentence(event: Event, names: Names) -> str:
    """The event as one sentence; a kind without its own sentence says who changed something."""
    describe = SENTENCES.get(event.kind)
    if describe is None:
        return _("%(who)s changed the ticket", who=actor(event))
    return describe(event, event.data, names)


def names_for(events: list[Event], departments: Mapping[str, object], users: list[tuple[int, str, str]],
              department_name: Callable[[object], str]) -> Names:
    """Names for these events from the departments (by code) and staff (id, e-mail, name) the
    service read."""
    return Names(departments={code: department_name(d) for code, d in departments.items()},
                 users_by_id={uid: name for uid, _email, name in users},
                 users_by_email={email: name for _uid, email, name in users})
