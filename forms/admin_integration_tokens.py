"""The form administrators fill to make an integration token (the carrier's parcel feed)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from .admin import AdminForm


class IntegrationTokenForm(AdminForm):
    """What the token is for."""

    name = StringField(_l("What it is for"),
                       validators=[InputRequired(_l("Say what the token is for.")), Length(max=120)])
