"""The routing rules' form editor: department rules as rows, turned into the same JSON the expert
editor sends, so the back-test, validation, versioning and audit are the JSON's own."""
from __future__ import annotations

import json
from dataclasses import asdict

from flask_babel import gettext as _

import routing
from forms.admin_routing_rows import RoutingRowsForm
from routing import form_rows
from routing.form_rows import RuleRow

from ..services import departments, routing_rules
from ..services.errors import InvalidInput
from ..templating import CATEGORY_LABELS, PRIORITY_LABELS, department_name

PREFIX = "rows"


def _department_choices() -> list[tuple[str, str]]:
    """The departments rules may send to, by the names people call them (the code when none is set)."""
    named = {department.code: department_name(department) for department in departments.all_departments()}
    return [(code, named.get(code, code)) for code in routing.DEPARTMENTS]


def _with_choices(form: RoutingRowsForm) -> RoutingRowsForm:
    choices = _department_choices()
    for entry in form.rules:
        entry.form.categories.choices = [(code, CATEGORY_LABELS.get(code, code)) for code in routing.CATEGORIES]
        entry.form.department.choices = choices
        entry.form.priority.choices = [(code, PRIORITY_LABELS.get(code, code)) for code in routing.PRIORITIES]
    return form


def _row_data(row: RuleRow) -> dict:
    data = asdict(row)
    data["keywords"] = "\n".join(row.keywords)
    data["kept"] = row.kept or ""
    return data


def build(rows: list[RuleRow], rest_json: str, *, comment: str | None = None, days: int | None = 30,
          base_version: int | None = 0) -> RoutingRowsForm:
    """A fresh form showing ``rows`` (nothing posted is read)."""
    form = RoutingRowsForm(formdata=None, prefix=PREFIX, rules=[_row_data(row) for row in rows],
                           rest_json=rest_json, comment=comment, days=days, base_version=base_version)
    return _with_choices(form)


def from_json(rules_json: str, base_version: int | None) -> RoutingRowsForm | None:
    """The form for a rule set's JSON; None when the JSON is not an object (the expert editor shows why)."""
    try:
        data = json.loads(rules_json)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    rest = {key: value for key, value in data.items() if key != "rules"}
    return build(form_rows.rows_of(data), json.dumps(rest, ensure_ascii=False), base_version=base_version)


def posted() -> RoutingRowsForm:
    """The form as posted."""
    return _with_choices(RoutingRowsForm(prefix=PREFIX))


def rows_of(form: RoutingRowsForm) -> list[RuleRow]:
    """The rows the form holds, keywords split one per line."""
    return [RuleRow(id=(entry.form.id.data or "").strip(), department=entry.form.department.data or "",
                    priority=entry.form.priority.data or "normal", categories=list(entry.form.categories.data or []),
                    keywords=form_rows.split_keywords(entry.form.keywords.data),
                    description=(entry.form.description.data or "").strip(), kept=entry.form.kept.data or None)
            for entry in form.rules]


def rearranged(form: RoutingRowsForm, action: str) -> RoutingRowsForm | None:
    """The form after "add", "remove-N", "up-N" or "down-N"; None when ``action`` is none of these."""
    rows = rows_of(form)
    verb, _sep, number = action.partition("-")
    index = int(number) if number.isdigit() else -1
    if verb == "add":
        rows.append(RuleRow(department=routing.DEPARTMENTS[0]))
    elif verb == "remove" and 0 <= index < len(rows):
        del rows[index]
    elif verb in ("up", "down"):
        rows = form_rows.move(rows, index, -1 if verb == "up" else 1)
    else:
        return None
    return build(rows, form.rest_json.data or "{}", comment=form.comment.data, days=form.days.data,
                 base_version=form.base_version.data)


def _row_errors(entry, row: RuleRow, seen: set[str]) -> bool:
    """Put each problem of one row beside its field; True when there is one."""
    if row.kept is not None:
        return False
    if not row.id:
        entry.form.id.errors = [_("Give the rule a name.")]
    elif row.id in seen:
        entry.form.id.errors = [_("Another rule has this name; rule names must differ.")]
    seen.add(row.id)
    if row.department not in routing.DEPARTMENTS:
        entry.form.department.errors = [_("Choose a department.")]
    if not (row.categories or row.keywords):
        entry.form.keywords.errors = [_("Tick a category or write a keyword: a rule without conditions would catch "
                                   "every ticket.")]
    elif any(not routing.normalize_text(keyword) for keyword in row.keywords):
        entry.form.keywords.errors = [_("A keyword has no letters or digits.")]
    return bool(entry.form.id.errors or entry.form.department.errors or entry.form.keywords.errors)


def rules_json(form: RoutingRowsForm) -> str:
    """The rule set the form describes, as the JSON the expert editor would send; InvalidInput (with the
    problems beside the fields) when a row is incomplete."""
    seen: set[str] = set()
    problems = [_row_errors(entry, row, seen) for entry, row in zip(form.rules, rows_of(form), strict=True)]
    if any(problems):
        raise InvalidInput(_("Nothing was saved; see the messages beside the rules."))
    rest = routing_rules.rules_from_text(form.rest_json.data or "{}")
    try:
        data = form_rows.with_rows(rest, rows_of(form))
    except (ValueError, RecursionError):  # a kept rule's JSON, altered on its way back
        raise InvalidInput(_("Nothing was saved: a rule kept as JSON came back damaged; reload the page.")) from None
    return json.dumps(data, ensure_ascii=False, indent=2)


def keyword_hints(form: RoutingRowsForm) -> list[list[tuple[str, str]]]:
    """For each row, its keywords that match without diacritics too, with that form ("hoàn tiền", "hoan tien")."""
    hints = []
    for entry in form.rules:
        pairs = [(keyword, form_rows.keyword_also_matches(keyword))
                 for keyword in form_rows.split_keywords(entry.form.keywords.data)]
        hints.append([(keyword, folded) for keyword, folded in pairs if folded])
    return hints
