"""A ticket's routing explanation as a sentence in the page's language: "Gửi đến Giao hàng theo quy
tắc pickup vì mô tả có “chưa lấy hàng”; độ ưu tiên Cao theo quy tắc urgent (bộ quy tắc v3)". The
ticket keeps the engine's English text (routing.route writes it, and it stays as it was when the
ticket was routed); this reads it back, part by part. A text of another form is shown as it is."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

from .templating import CATEGORY_LABELS, PRIORITY_LABELS

_WHOLE = re.compile(r"(?P<department>[\w-]+): (?P<why>.+?)(?:; priority (?P<priority>\w+) by (?P<reason>.+?))?"
                    r" \(rules (?P<version>[^()]+)\)\Z", re.DOTALL)
_BY_RULE = re.compile(r"rule (?P<id>.+?) matched (?P<evidence>.+)\Z", re.DOTALL)
_BY_CATEGORY = re.compile(r"category (?P<category>\w+)(?: \(no keyword rule matched\)|, no rule matched)\Z")
_CATEGORY = re.compile(r"category (?P<category>\w+)\Z")
_TRACKING = re.compile(r"(?P<count>\d+) tracking numbers\Z")


def _evidence(text: str) -> str:
    """"'chưa lấy' and 3 tracking numbers" or "category cod_payment" as words."""
    found = _CATEGORY.match(text)
    if found:
        category = found["category"]
        return _("the category is %(category)s", category=CATEGORY_LABELS.get(category, category))
    parts = []
    for part in text.split(" and "):
        tracking = _TRACKING.match(part)
        if tracking:
            parts.append(_("it has %(count)s tracking numbers", count=tracking["count"]))
        elif part.startswith("'") and part.endswith("'"):
            parts.append(_("the text says “%(keyword)s”", keyword=part[1:-1]))
        else:
            parts.append(part)
    return (" " + _("and") + " ").join(parts)


def _why(text: str, department: str) -> str | None:
    by_rule = _BY_RULE.match(text)
    if by_rule:
        return _("Sent to %(department)s by rule %(rule)s because %(evidence)s", department=department,
                 rule=by_rule["id"], evidence=_evidence(by_rule["evidence"]))
    by_category = _BY_CATEGORY.match(text)
    if by_category:
        category = by_category["category"]
        label = CATEGORY_LABELS.get(category, category)
        if text.endswith("(no keyword rule matched)"):
            return _("Sent to %(department)s, the department for %(category)s: no keyword rule matched",
                     department=department, category=label)
        return _("Sent to %(department)s, where tickets go when no rule matches (%(category)s)",
                 department=department, category=label)
    return None


def _priority(priority: str, reason: str) -> str | None:
    label = PRIORITY_LABELS.get(priority, priority)
    by_rule = _BY_RULE.match(reason)
    if by_rule:
        return _("priority %(priority)s by rule %(rule)s because %(evidence)s", priority=label, rule=by_rule["id"],
                 evidence=_evidence(by_rule["evidence"]))
    if reason.startswith("rule "):
        return _("priority %(priority)s by rule %(rule)s", priority=label, rule=reason[len("rule "):])
    return None


def sentence(explanation: str | None, department_name: Callable[[str], str]) -> str:
    """The explanation in the page's language; `department_name` names a department by its code."""
    whole = _WHOLE.match(explanation or "")
    if whole is None:
        return explanation or "—"
    told = _why(whole["why"], department_name(whole["department"]))
    if told is None:
        return explanation
    if whole["priority"]:
        priority = _priority(whole["priority"], whole["reason"])
        if priority is None:
            return explanation
        told += "; " + priority
    return _("%(sentence)s (rules %(version)s)", sentence=told, version=whole["version"])
