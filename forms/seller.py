"""Forms a seller fills on their link page."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

import normalize
from normalize import DESCRIPTION_MAX, DESCRIPTION_MIN
from vocabulary import CATEGORIES, CATEGORY_CHOICE_LABELS, TRACKING_REQUIRED

from .base import PortalForm

CATEGORY_CHOICES = [SelectChoice(category, _l(CATEGORY_CHOICE_LABELS[category])) for category in CATEGORIES]


class _Normalizing:
    """Mixin for forms whose fields keep the raw text on error and expose normalised values."""

    def _normalized(self, field, fn):
        try:
            return fn(field.data)
        except normalize.NormalizeError as exc:
            raise ValidationError(exc.text(gettext)) from None


class TicketForm(_Normalizing, PortalForm):
    category = SelectField(_l("What is the problem about?"), choices=CATEGORY_CHOICES,
                           validators=[InputRequired(_l("Choose what the problem is about."))])
    tracking_numbers = TextAreaField(_l("Tracking numbers"))
    description = TextAreaField(_l("What happened?"), validators=[InputRequired(_l("Tell us what happened."))])
    contact_phone = StringField(_l("Phone we can call you on"))
    attachments = MultipleFileField(_l("Screenshots or PDF"))
    # hidden, so never labelled; an explicit label also spares building the form a translation (a
    # submission reads its seller, who may set the page's language, only when it writes)
    submission_key = HiddenField(label="")

    def validate_tracking_numbers(self, field):
        numbers = self._normalized(field, normalize.tracking_numbers)
        if not numbers and self.category.data in TRACKING_REQUIRED:
            raise ValidationError(_l("Enter at least one tracking number for this kind of problem."))
        self.tracking_list = numbers

    def validate_description(self, field):
        value = self._normalized(field, lambda v: normalize.text(v, max_length=DESCRIPTION_MAX))
        if len(value) < DESCRIPTION_MIN:
            raise ValidationError(_l("Please describe the problem in at least %(count)s characters.",
                                     count=DESCRIPTION_MIN))
        self.description_text = value

    def validate_contact_phone(self, field):
        self.phone_value = self._normalized(field, normalize.phone)

    def validate_submission_key(self, field):
        if field.data and (len(field.data) > 64 or not field.data.replace("-", "").isalnum()):
            raise ValidationError(_l("The form is damaged; please reload the page."))


class ReplyForm(_Normalizing, PortalForm):
    body = TextAreaField(_l("Your message"), validators=[InputRequired(_l("Write a message."))])
    attachments = MultipleFileField(_l("Add screenshots or PDF"))

    def validate_body(self, field):
        self.body_text = self._normalized(field, lambda v: normalize.text(v, max_length=DESCRIPTION_MAX))
        if not self.body_text:
            raise ValidationError(_l("Write a message."))


class RatingForm(_Normalizing, PortalForm):
    score = IntegerField(_l("How satisfied are you?"), validators=[
        InputRequired(_l("Choose a rating from 1 to 5.")), NumberRange(1, 5, _l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"))

    def validate_comment(self, field):
        self.comment_text = self._normalized(field, lambda v: normalize.text(v, max_length=2000)) or None


class SelfResolveForm(PortalForm):
    pass
