"""The form administrators fill to issue a staff API token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length


class ApiTokenForm(FlaskForm):
    """Whose token and what it is for; the view sets the staff members to choose from."""

    user = SelectField("Staff member", choices=[], validators=[InputRequired("Choose whose token it is.")])
    name = StringField("What it is for", validators=[InputRequired("Say what the token is for."), Length(max=120)])
