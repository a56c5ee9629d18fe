"""Forms administrators fill: webhook endpoints."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookEndpointForm(FlaskForm):
    """The service checks the URL and the events; the form carries them (choices set by the view)."""

    url = URLField("URL", validators=[Length(max=2000)])
    events = CheckboxesField("Events", choices=[], validate_choice=False)
    secret = StringField("Secret", validators=[Optional(), Length(max=128)])


class CannedReplyForm(FlaskForm):
    """A department's canned reply; {seller_name} and {reference} are filled in when used."""

    department = SelectField("Department", choices=[], validate_choice=False)
    title = StringField("Title", validators=[InputRequired("Give the reply a title."), Length(max=120)])
    body = TextAreaField("Reply", validators=[InputRequired("Write the reply."), Length(max=5000)])
