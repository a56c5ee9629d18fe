"""The words of an export's values in a language: a file asked for in Vietnamese (`lang=vi`) says
"Tài chính" and "Quá hạn" where the contract's file says `finance` and `false`. Numbers, days and
times are never translated. Each column's words are one small mapping from the contract's cell text,
applied per column (per distinct value), never per cell."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import vocabulary

from ...extensions import db
from ...models import ResolutionReason
from .params import check_header_language, departments_by_code

# the statuses as a manager reads them in a file (capitalised like the other words of a cell)
STATUS_WORDS = {"new": _l("New"), "open": _l("Open"), "waiting_on_seller": _l("Waiting on seller"),
                "resolved": _l("Resolved"), "closed": _l("Closed")}
# sla_met: 'true', 'false', '' while pending
OUTCOME_WORDS = {"true": _l("Met"), "false": _l("Breached"), "": _l("Pending")}
FLAG_WORDS = {"true": _l("Yes"), "false": _l("No")}


def value_words(lang: str | None) -> dict[str, dict[str, str]] | None:
    """Column -> {the contract's cell text: its words in `lang`}; None for English, whose values are
    the contract's codes. Departments are named as the pages name them (name_vi in Vietnamese), and
    resolution reasons by their Vietnamese labels."""
    if check_header_language(lang) == "en":
        return None
    with force_locale(lang):
        return {
            "department": {code: d.name_vi or d.name for code, d in departments_by_code().items()},
            "category": {code: _(label) for code, label in vocabulary.CATEGORY_LABELS.items()},
            "priority": {code: _(label) for code, label in vocabulary.PRIORITY_LABELS.items()},
            "status": {code: str(label) for code, label in STATUS_WORDS.items()},
            "sla_met": {cell: str(label) for cell, label in OUTCOME_WORDS.items()},
            "self_resolved": {cell: str(label) for cell, label in FLAG_WORDS.items()},
            # a reason's label as the CSV writes it (English) -> its label in the language, when it has one
            "reason_label": {en: vi for en, vi in db.session.execute(select(ResolutionReason.label_en,
                                                                            ResolutionReason.label_vi)) if vi},
        }
