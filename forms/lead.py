"""The seller's request that a team lead look at a ticket."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, ValidationError

import normalize

from .base import PortalForm

# as long as portal.models.leads.MAX_REASON, which the service checks again
REASON_MAX = 500


class LeadRequestForm(PortalForm):
    reason = TextAreaField(_l("Why should a team lead look?"),
                           validators=[InputRequired(_l("Say in a few words what is still wrong."))])

    def validate_reason(self, field):
        try:
            self.reason_text = normalize.text(field.data, max_length=REASON_MAX)
        except normalize.NormalizeError as exc:
            raise ValidationError(exc.text(gettext)) from None
        if not self.reason_text:
            raise ValidationError(_l("Say in a few words what is still wrong."))
