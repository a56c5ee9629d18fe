"""The routing rules as a form: one row per department rule, the rest of the rule set carried as JSON.

Choices (departments with their names, categories and priorities with their labels) are set by the
view in the page's language; the service validates the rules themselves, as it does the JSON."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from .admin import AdminForm, CheckboxesField
from .admin_routing import COMMENT_MAX_CHARS, MAX_DAYS, RULES_MAX_CHARS
from .base import PortalForm


class RuleRowForm(Form):
    """One department rule; ``kept`` holds the whole rule's JSON when the form cannot show it."""

    Meta = PortalForm.Meta

    id = StringField(_l("Rule name"), validators=[Length(max=100)])
    categories = CheckboxesField(_l("Categories (none ticked: any category)"), choices=[], validate_choice=False)
    keywords = TextAreaField(_l("Keywords (one per line; the text has any of them)"),
                             validators=[Length(max=20_000)])
    department = SelectField(_l("Sends to department"), choices=[], validate_choice=False)
    priority = SelectField(_l("Priority"), choices=[], validate_choice=False)
    description = TextAreaField(_l("Why (shown with the rule)"), validators=[Length(max=5_000)])
    kept = HiddenField()


class RoutingRowsForm(AdminForm):
    """Department rules as rows; ``rest_json`` is the rest of the rule set, unchanged by the form."""

    # no max_entries: WTForms would silently drop the rows above it (the request's size bounds them)
    rules = FieldList(FormField(RuleRowForm))
    rest_json = HiddenField(validators=[Length(max=RULES_MAX_CHARS)])
    comment = StringField(_l("Comment"), validators=[
        Optional(), Length(max=COMMENT_MAX_CHARS, message=_l("At most %(max)s characters."))])
    days = IntegerField(_l("Back-test over the last … days"), default=30, validators=[
        InputRequired(_l("Say how many days of tickets to back-test over.")),
        NumberRange(1, MAX_DAYS, message=_l("Choose between %(min)s and %(max)s days."))])
    base_version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0)])
