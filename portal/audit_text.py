"""The audit log as sentences people read, in the page's language: "Admin Quản Trị đổi lịch làm việc
của Tài chính: Giờ làm việc … → Mở cửa 24/7", with the changed fields as words underneath. An action
without its own sentence (one added later) still reads as a sentence, never as its code."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale
from flask_babel import gettext as _

from vocabulary import N_

from .audit_values import Names, field_label, value_text
from .models import AuditEvent
from .services import audit
from .templating import PRIORITY_LABELS

KIND_LABELS = {
    "seller": N_("Sellers"), "user": N_("Staff"), "api_token": N_("API tokens"), "policy": N_("SLA policies"),
    "canned_reply": N_("Canned replies"), "webhook": N_("Webhooks"), "department": N_("Departments"),
    "routing": N_("Routing rules"), "tickets": N_("Tickets"), "integration_token": N_("Integration tokens"),
    "seller_notification": N_("Seller notifications"), "resolution_reason": N_("Resolution reasons"),
}
ACTION_LABELS = {
    "seller.added": N_("Seller added"), "seller.edited": N_("Seller edited"),
    "seller.link_revoked": N_("Seller's links revoked"), "seller.link_rotated": N_("Seller's links renewed"),
    "seller.erased": N_("Seller's personal data erased"), "seller.imported": N_("Seller imported"),
    "seller.links_exported": N_("Seller links exported"),
    "user.added": N_("Staff member added"), "user.edited": N_("Staff member edited"),
    "user.deactivated": N_("Staff member deactivated"), "user.reactivated": N_("Staff member reactivated"),
    "user.password_reset": N_("Password changed"),
    "api_token.issued": N_("API token issued"), "api_token.revoked": N_("API token revoked"),
    "policy.set": N_("SLA policy set"), "policy.reapplied": N_("SLA policies applied to open tickets"),
    "canned.added": N_("Canned reply added"), "canned.switched_on": N_("Canned reply switched on"),
    "canned.switched_off": N_("Canned reply switched off"),
    "webhook.added": N_("Webhook added"), "webhook.deactivated": N_("Webhook deactivated"),
    "webhook.delivery_retried": N_("Webhook delivery sent again"),
    "department.added": N_("Department added"), "department.edited": N_("Department edited"),
    "department.calendar_set": N_("Working hours changed"),
    "routing.saved": N_("Routing rules saved"), "retention.applied": N_("Retention applied"),
    "integration_token.issued": N_("Integration token issued"),
    "integration_token.revoked": N_("Integration token revoked"),
    "seller_notification.sent_again": N_("Seller notification sent again"),
    "reason.added": N_("Resolution reason added"), "reason.renamed": N_("Resolution reason renamed"),
    "reason.switched_on": N_("Resolution reason switched on"),
    "reason.switched_off": N_("Resolution reason switched off"),
}
# what the sentence already says, or what only repeats the target
HIDDEN_FIELDS = {"id", "version"}
# fields that only repeat the target, by target kind (a resolution reason's code is its label's key)
HIDDEN_BY_KIND = {"resolution_reason": {"code"}}


def actor(event: AuditEvent, names: Names) -> str:
    """Who did it: a staff member's name, the command line or the system."""
    label = event.actor_label or "system"
    if label == "system":
        return _("System")
    if label == "cli":
        return _("The command line")
    return names.person(label)


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else _("Other")


def action_label(action: str) -> str:
    """An action for the filter menu; an action without a label by its kind ("Other change: Sellers")."""
    if action in ACTION_LABELS:
        return _(ACTION_LABELS[action])
    kind = action.split(".", 1)[0]
    return _("Other change: %(kind)s", kind=_(KIND_LABELS[kind])) if kind in KIND_LABELS else _("Other change")


def _state(event: AuditEvent) -> dict:
    return {**(event.before or {}), **(event.after or {})}


def _seller(verb: str) -> Callable[[AuditEvent, Names, str], str]:
    def describe(event: AuditEvent, names: Names, who: str) -> str:
        name = _state(event).get("name")
        text = _(verb, who=who, code=event.target_label)
        return f"{text} ({name})" if name else text
    return describe


def _reason(template: str) -> Callable[[AuditEvent, Names, str], str]:
    """A resolution reason by its label in the page's language (as it reads after the change)."""
    def describe(event: AuditEvent, names: Names, who: str) -> str:
        state = _state(event)
        label = state.get("label_vi") if str(get_locale()) == "vi" and state.get("label_vi") else state.get("label_en")
        return _(template, who=who, label=label or event.target_label)
    return describe


def _simple(template: str) -> Callable[[AuditEvent, Names, str], str]:
    return lambda event, names, who: _(template, who=who, target=event.target_label)


def _person(template: str) -> Callable[[AuditEvent, Names, str], str]:
    return lambda event, names, who: _(template, who=who, person=_person_name(event, names))


def _person_name(event: AuditEvent, names: Names) -> str:
    email = event.target_label
    name = _state(event).get("name") or names.people.get(email)
    return f"{name} ({email})" if name and name != email else email


def _token(template: str) -> Callable[[AuditEvent, Names, str], str]:
    def describe(event: AuditEvent, names: Names, who: str) -> str:
        state = _state(event)
        return _(template, who=who, name=state.get("name", ""), person=names.person(state.get("user")))
    return describe


def _policy_set(event: AuditEvent, names: Names, who: str) -> str:
    department, _sep, priority = event.target_label.partition("/")
    return _("%(who)s set the SLA policy of %(department)s for priority %(priority)s", who=who,
             department=names.department(department), priority=PRIORITY_LABELS.get(priority, priority))


def _policy_reapplied(event: AuditEvent, names: Names, who: str) -> str:
    after = event.after or {}
    return _("%(who)s applied today's SLA policies to the open tickets of %(department)s: %(count)s changed",
             who=who, department=names.department(after.get("department")), count=after.get("tickets_changed", 0))


def _canned(template: str) -> Callable[[AuditEvent, Names, str], str]:
    def describe(event: AuditEvent, names: Names, who: str) -> str:
        state = _state(event)
        return _(template, who=who, title=state.get("title", ""), department=names.department(state.get("department")))
    return describe


def _webhook(template: str) -> Callable[[AuditEvent, Names, str], str]:
    def describe(event: AuditEvent, names: Names, who: str) -> str:
        url = _state(event).get("url") or event.target_label.partition(" ")[2]
        return _(template, who=who, url=url, delivery=_state(event).get("delivery", ""))
    return describe


def _department(template: str) -> Callable[[AuditEvent, Names, str], str]:
    return lambda event, names, who: _(template, who=who, department=names.department(event.target_label))


def _calendar_set(event: AuditEvent, names: Names, who: str) -> str:
    return _("%(who)s changed the working hours of %(department)s: %(old)s → %(new)s", who=who,
             department=names.department(event.target_label),
             old=value_text("calendar", event.before, names), new=value_text("calendar", event.after, names))


def _links_exported(event: AuditEvent, names: Names, who: str) -> str:
    return _("%(who)s exported the ticket links of %(count)s seller(s)", who=who,
             count=(event.after or {}).get("sellers", 0))


def _retention(event: AuditEvent, names: Names, who: str) -> str:
    after = event.after or {}
    return _("%(who)s removed personal data from %(count)s ticket(s) closed more than %(days)s days ago", who=who,
             count=len(after.get("tickets") or []), days=after.get("days", "?"))


SENTENCES: dict[str, Callable[[AuditEvent, Names, str], str]] = {
    "seller.added": _seller(N_("%(who)s added seller %(code)s")),
    "seller.edited": _seller(N_("%(who)s edited seller %(code)s")),
    "seller.imported": _seller(N_("%(who)s imported seller %(code)s")),
    "seller.link_revoked": _seller(N_("%(who)s revoked the ticket links of seller %(code)s")),
    "seller.link_rotated": _seller(N_("%(who)s renewed the ticket links of seller %(code)s")),
    "seller.erased": _seller(N_("%(who)s erased the personal data of seller %(code)s")),
    "seller.links_exported": _links_exported,
    "user.added": _person(N_("%(who)s added staff member %(person)s")),
    "user.edited": _person(N_("%(who)s edited staff member %(person)s")),
    "user.deactivated": _person(N_("%(who)s deactivated the account of %(person)s")),
    "user.reactivated": _person(N_("%(who)s reactivated the account of %(person)s")),
    "user.password_reset": _person(N_("%(who)s changed the password of %(person)s")),
    "api_token.issued": _token(N_("%(who)s issued the API token “%(name)s” for %(person)s")),
    "api_token.revoked": _token(N_("%(who)s revoked the API token “%(name)s” of %(person)s")),
    "policy.set": _policy_set, "policy.reapplied": _policy_reapplied,
    "canned.added": _canned(N_("%(who)s added the canned reply “%(title)s” for %(department)s")),
    "canned.switched_on": _canned(N_("%(who)s switched on the canned reply “%(title)s” of %(department)s")),
    "canned.switched_off": _canned(N_("%(who)s switched off the canned reply “%(title)s” of %(department)s")),
    "webhook.added": _webhook(N_("%(who)s added the webhook %(url)s")),
    "webhook.deactivated": _webhook(N_("%(who)s deactivated the webhook %(url)s")),
    "webhook.delivery_retried": _webhook(N_("%(who)s sent delivery %(delivery)s to %(url)s again")),
    "department.added": _department(N_("%(who)s added the department %(department)s")),
    "department.edited": _department(N_("%(who)s edited the department %(department)s")),
    "department.calendar_set": _calendar_set,
    "routing.saved": _simple(N_("%(who)s saved the routing rules as %(target)s")),
    "retention.applied": _retention,
    "integration_token.issued": _simple(N_("%(who)s issued the integration token “%(target)s”")),
    "integration_token.revoked": _simple(N_("%(who)s revoked the integration token “%(target)s”")),
    "seller_notification.sent_again": _simple(N_("%(who)s sent seller notification %(target)s again")),
    "reason.added": _reason(N_("%(who)s added the resolution reason “%(label)s”")),
    "reason.renamed": _reason(N_("%(who)s renamed the resolution reason “%(label)s”")),
    "reason.switched_on": _reason(N_("%(who)s switched on the resolution reason “%(label)s”")),
    "reason.switched_off": _reason(N_("%(who)s switched off the resolution reason “%(label)s”")),
}
# actions whose sentence already tells the whole change
WHOLE_IN_SENTENCE = {"department.calendar_set", "seller.links_exported", "retention.applied"}


def sentence(event: AuditEvent, names: Names) -> str:
    """The event as one sentence; an action without its own sentence says who changed what."""
    who = actor(event, names)
    describe = SENTENCES.get(event.action)
    if describe is None:
        return _("%(who)s made a change (%(what)s): %(target)s", who=who, what=kind_label(event.target_kind),
                 target=event.target_label)
    return describe(event, names, who)


def changes(event: AuditEvent, names: Names) -> list[tuple[str, str, str]]:
    """(field, before, after) in words for every field that changed and the sentence does not tell."""
    if event.action in WHOLE_IN_SENTENCE:
        return []
    return [(field_label(key), value_text(key, old, names), value_text(key, new, names))
            for key, old, new in audit.changes(event.before, event.after)
            if key not in HIDDEN_FIELDS and key not in HIDDEN_BY_KIND.get(event.target_kind, ())]


def names_for(departments: dict[str, object], people: dict[str, str],
              department_name: Callable[[object], str]) -> Names:
    """Names for the audit sentences from the departments (by code) and staff (by e-mail) the service read."""
    return Names(departments={code: department_name(d) for code, d in departments.items()}, people=people)
