"""The form administrators fill to issue a staff API token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from .admin import AdminForm


class ApiTokenForm(AdminForm):
    """Whose token and what it is for; the view sets the staff members to choose from."""

    user = SelectField(_l("Staff member"), choices=[],
                       validators=[InputRequired(_l("Choose whose token it is."))])
    name = StringField(_l("What it is for"),
                       validators=[InputRequired(_l("Say what the token is for.")), Length(max=120)])
