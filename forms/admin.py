"""Forms administrators fill: webhook endpoints, canned replies, and the base every admin form shares."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .base import PortalForm


class AdminForm(PortalForm):
    """Field errors as plain strings in the request's language. A message marked with lazy_gettext is a
    LazyString, which Jinja takes for markup and would print unescaped; a str is escaped like any text."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            field.errors = [str(error) for error in field.errors]
        return valid


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookEndpointForm(AdminForm):
    """The service checks the URL and the events; the form carries them (choices set by the view)."""

    url = URLField(_l("URL"), validators=[Length(max=2000)])
    events = CheckboxesField(_l("Events"), choices=[], validate_choice=False)
    secret = StringField(_l("Secret"), validators=[Optional(), Length(max=128)])


class CannedReplyForm(AdminForm):
    """A department's canned reply; {seller_name} and {reference} are filled in when used."""

    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the reply a title.")), Length(max=120)])
    body = TextAreaField(_l("Reply"), validators=[InputRequired(_l("Write the reply.")), Length(max=5000)])
