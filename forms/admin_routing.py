"""The routing rules editor: the rules as JSON, a comment, and how many days to back-test over."""
from __future__ import annotations

from flask_babel import format_number, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from .admin import AdminForm

RULES_MAX_CHARS = 500_000
COMMENT_MAX_CHARS = 500
MAX_DAYS = 365


def _rules_too_long() -> str:
    # the limit written the way the page's language writes numbers (500,000 / 500.000)
    return gettext("The rules may be at most %(count)s characters.", count=format_number(RULES_MAX_CHARS))


class RoutingRulesForm(AdminForm):
    """The service validates the rules themselves; the form only carries them, with sane sizes."""

    rules_json = TextAreaField(_l("Rules (JSON)"), validators=[
        InputRequired(_l("Paste or edit the rules JSON; it is empty.")),
        Length(max=RULES_MAX_CHARS, message=LazyString(_rules_too_long))])
    # WTForms fills %(max)s, %(min)s of these messages itself
    comment = StringField(_l("Comment"), validators=[
        Optional(), Length(max=COMMENT_MAX_CHARS, message=_l("At most %(max)s characters."))])
    days = IntegerField(_l("Back-test over the last … days"), default=30, validators=[
        InputRequired(_l("Say how many days of tickets to back-test over.")),
        NumberRange(1, MAX_DAYS, message=_l("Choose between %(min)s and %(max)s days."))])
    # the version the editor started from (0: the file's rules), so a save cannot silently undo another
    base_version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0)])
