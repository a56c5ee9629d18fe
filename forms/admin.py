"""Forms administrators fill: webhook endpoints."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, URLField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookEndpointForm(FlaskForm):
    """The service checks the URL and the events; the form carries them (choices set by the view)."""

    url = URLField("URL", validators=[Length(max=2000)])
    events = CheckboxesField("Events", choices=[], validate_choice=False)
    secret = StringField("Secret", validators=[Optional(), Length(max=128)])
