"""The form the admin keeps resolution reasons with (the service checks the code and the labels)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from .admin import AdminForm


class ResolutionReasonForm(AdminForm):
    """A new reason: a code that never changes (tickets keep it) and a label per page language."""

    code = StringField(_l("Code"), validators=[InputRequired(_l("Give the reason a code.")), Length(max=32)])
    label_en = StringField(_l("English label"), validators=[InputRequired(_l("Give the English label.")),
                                                            Length(max=120)])
    label_vi = StringField(_l("Vietnamese label"), validators=[InputRequired(_l("Give the Vietnamese label.")),
                                                               Length(max=120)])
