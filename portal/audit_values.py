"""The fields and values of audit records as words in the page's language: "Vai trò: Nhân viên →
Trưởng nhóm", "Đang hoạt động: Có → Không", never a Python dict, JSON or a bare code. The records
keep what the services stored (codes, e-mails, ISO times); `Names` turns those into today's names."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from vocabulary import N_

from .templating import CATEGORY_LABELS, PRIORITY_LABELS, ROLE_LABELS, localtime

ANY_DEPARTMENT = "*"  # sla.ANY: a policy for every department

FIELD_LABELS = {
    "name": N_("Name"), "name_vi": N_("Vietnamese name"), "leads": N_("Team leads"), "code": N_("Code"),
    "phone": N_("Phone"), "locale": N_("Language"), "email": N_("E-mail"), "role": N_("Role"),
    "active": N_("Active"), "departments": N_("Departments"), "department": N_("Department"),
    "open_tickets_unassigned": N_("Open tickets put back in the queue"), "password": N_("Password"),
    "sessions_ended": N_("Sessions ended"), "user": N_("Staff member"), "prefix": N_("Token begins with"),
    "revoked": N_("Revoked"), "id": N_("Number"), "version": N_("Version"),
    "first_response_minutes": N_("First response within"), "at_risk_minutes": N_("At risk from"),
    "resolution_minutes": N_("Resolution within"), "first_response_due_at": N_("First response due"),
    "tickets_changed": N_("Tickets changed"), "title": N_("Title"), "body": N_("Text"), "url": N_("Address"),
    "events": N_("Events"), "delivery": N_("Delivery"), "status": N_("State"), "sellers": N_("Sellers"),
    "days": N_("Kept for (days)"), "attachments": N_("Attachments"), "phones": N_("Phone numbers"),
    "tickets": N_("Tickets"), "erased": N_("Erased"), "link_version": N_("Link key version"),
    "comment": N_("Comment"), "fallback_department": N_("Department when no rule matches"),
    "category_defaults": N_("Department per category"), "rule order": N_("Order of the rules"),
    "description": N_("Description"), "messages": N_("Messages"), "files": N_("Files"),
    "webhook_deliveries": N_("Webhook deliveries"), "audit_events": N_("Audit records"),
    "calendar": N_("Working hours"),
}

WEBHOOK_EVENT_LABELS = {
    "sla_at_risk": N_("At risk"), "sla_breached": N_("Breached"), "escalated": N_("Escalated"),
    "ticket_created": N_("Ticket created"), "ticket_replied": N_("Ticket replied"),
    "ticket_resolved": N_("Ticket resolved"),
}
DELIVERY_STATES = {"pending": N_("waiting to be sent"), "delivered": N_("delivered"), "failed": N_("failed"),
                   "refused": N_("refused")}
PASSWORD_CHANGES = {"previous": N_("the previous one"), "generated": N_("generated"),
                    "set by an administrator": N_("set by an administrator")}
LANGUAGES = {"vi": N_("Vietnamese"), "en": N_("English")}
_MINUTES = ("first_response_minutes", "at_risk_minutes", "resolution_minutes")


@dataclass
class Names:
    """Departments by code (already in the page's language) and staff by e-mail."""

    departments: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)

    def department(self, code: str | None) -> str:
        if code == ANY_DEPARTMENT:
            return _("every department")
        return self.departments.get(code or "", code or "—")

    def person(self, email: str | None) -> str:
        return self.people.get(email or "", email or "—")


def _fill(template: str, **params) -> Markup:
    """A translated template filled as HTML: the catalogue's text is trusted, every value is escaped
    unless it is markup made here."""
    return Markup(_(template)) % params


def _rule(label: str, rule_id: str) -> Markup:
    # a rule's id is what the admin named it in the JSON: shown as code, never translated
    return _fill(label, id=Markup('<code translate="no">%s</code>') % rule_id)


def field_label(key: str) -> str:
    """A field as a word; a routing summary line ("rule late-cod") as "Rule <code>late-cod</code>"."""
    if key in FIELD_LABELS:
        return _(FIELD_LABELS[key])
    for prefix, label in (("priority rule ", N_("Priority rule %(id)s")), ("rule ", N_("Rule %(id)s"))):
        if key.startswith(prefix):
            rule_id = key[len(prefix):]
            if rule_id.endswith(" description"):
                return _fill(N_("Description of %(rule)s"), rule=_rule(label, rule_id[:-len(" description")]))
            return _rule(label, rule_id)
    words = key.replace("_", " ")
    return words[:1].upper() + words[1:]


def _when(value: str) -> str:
    try:
        return localtime(dt.datetime.fromisoformat(value), "short")
    except ValueError:
        return value


def _minutes(value) -> str:
    return _("%(num)s min", num=value) if isinstance(value, int) else text(value)


def _departments(value, names: Names) -> str:
    return ", ".join(names.department(code) for code in value) if value else _("none")


def _people(value, names: Names) -> str:
    return ", ".join(names.person(email) for email in value) if value else _("nobody")


def _events(value) -> str:
    kinds = value.split(",") if isinstance(value, str) else value or []
    return ", ".join(_(WEBHOOK_EVENT_LABELS[k]) if k in WEBHOOK_EVENT_LABELS else k for k in kinds if k) or _("none")


def _labelled(labels: Mapping[str, str]) -> Callable[[object, Names], str]:
    return lambda value, names: _(labels[value]) if value in labels else text(value)


def _category_defaults(value, names: Names) -> str:
    """"cod_payment: finance, …" (the routing summary) as category → department names."""
    if not isinstance(value, str) or value == "none":
        return _("none") if value == "none" else text(value)
    pairs = []
    for part in value.split(", "):
        category, _sep, code = part.partition(": ")
        pairs.append(f"{CATEGORY_LABELS.get(category, category)} → {names.department(code)}" if code else part)
    return "; ".join(pairs)


def rule_line(value, names: Names) -> str:
    """A routing rule's summary ("department finance; priority high; categories cod_payment; keywords
    hoàn tiền; at least 2 tracking numbers") in words."""
    if not isinstance(value, str):
        return text(value)
    parts = []
    for part in value.split("; "):
        word, _sep, rest = part.partition(" ")
        if word == "department":
            parts.append(_fill(N_("department %(name)s"), name=names.department(rest)))
        elif word == "priority":
            parts.append(_fill(N_("priority %(name)s"), name=PRIORITY_LABELS.get(rest, rest)))
        elif word == "categories":
            labels = ", ".join(CATEGORY_LABELS.get(c, c) for c in rest.split(", "))
            parts.append(_fill(N_("categories %(names)s"), names=labels))
        elif word == "keywords":  # what the admin typed, in whatever language
            parts.append(_fill(N_("keywords %(words)s"), words=Markup('<q translate="no">%s</q>') % rest))
        elif word == "at" and rest.endswith(" tracking numbers"):
            parts.append(_fill(N_("at least %(count)s tracking numbers"), count=rest.split(" ")[1]))
        else:
            parts.append(escape(part))
    return Markup("; ").join(parts)


def _erased(value, names: Names) -> str:
    """Erasure.line() ("name=1 phone=0 tickets=3 …") as "Name: 1, …"."""
    if not isinstance(value, str):
        return text(value)
    pairs = [item.split("=", 1) for item in value.split() if "=" in item]
    return ", ".join(f"{field_label(k)}: {v}" for k, v in pairs) or text(value)


VALUES: dict[str, Callable[[object, Names], str]] = {
    "role": _labelled(ROLE_LABELS), "locale": _labelled(LANGUAGES), "status": _labelled(DELIVERY_STATES),
    "password": _labelled(PASSWORD_CHANGES), "priority": _labelled(PRIORITY_LABELS),
    "departments": _departments, "leads": _people, "user": lambda v, n: n.person(v),
    "department": lambda v, n: n.department(v), "fallback_department": lambda v, n: n.department(v),
    "events": lambda v, n: _events(v),
    "prefix": lambda v, n: Markup('<code translate="no">%s</code>…') % v,
    "category_defaults": _category_defaults, "erased": _erased,
    "calendar": lambda v, n: calendar(v) if isinstance(v, dict) else text(v),
    **{key: (lambda v, n: _minutes(v)) for key in _MINUTES},
}


def _week(weekly: Mapping[str, list]) -> str:
    """"Th 2–Th 6 08:00–17:30; Th 7 08:00–12:00": days in a row with the same hours told once."""
    names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
    runs: list[list] = []  # [first day, last day, hours]
    for day in sorted(int(d) for d in weekly):
        hours = ", ".join(f"{start}–{end}" for start, end in weekly[str(day)]) or _("closed")
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours:
            runs[-1][1] = day
        else:
            runs.append([day, day, hours])
    return "; ".join(f"{names[a]}{'–' + names[b] if b != a else ''} {hours}" for a, b, hours in runs)


def calendar(data: dict) -> str:
    """A department's stored calendar in a line: "Open 24/7", or its hours, zone and days off."""
    if data.get("kind") != "business":
        return _("Open 24/7")
    weekly = {str(day): windows for day, windows in (data.get("weekly_hours") or {}).items()}
    values = {"zone": data.get("timezone"), "days": _week(weekly), "country": data.get("country"),
              "count": len(data.get("holidays", []))}
    if values["country"]:
        if values["count"]:
            return _("Business hours in %(zone)s: %(days)s; closed on %(country)s public holidays and %(count)s "
                     "own day(s)", **values)
        return _("Business hours in %(zone)s: %(days)s; closed on %(country)s public holidays", **values)
    if values["count"]:
        return _("Business hours in %(zone)s: %(days)s; no public holidays; closed on %(count)s own day(s)",
                 **values)
    return _("Business hours in %(zone)s: %(days)s; no public holidays", **values)


def value_text(key: str, value, names: Names) -> str:
    """One value as words: by its field when the field says what it is, else by its type."""
    if value is None:
        return "—"
    if key.startswith(("rule ", "priority rule ")) and not key.endswith(" description"):
        return rule_line(value, names)
    if key in VALUES:
        return VALUES[key](value, names)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {value_text(k, v, names)}" for k, v in value.items()) or "—"
    return text(value)


def text(value) -> str:
    """A value of no particular field: yes/no, a list, a time, a number or the text itself."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value) or _("none")
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {text(v)}" for k, v in value.items()) or "—"
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        return _when(value)
    return str(value)
