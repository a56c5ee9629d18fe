"""Forms staff fill: login and ticket actions."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

import normalize
from vocabulary import PRIORITIES, PRIORITY_LABELS, STAFF_STATUS_LABELS, STATUSES

from .base import PortalForm


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(_l("Enter your e-mail.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=200)])


class StaffReplyForm(PortalForm):
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=10000)])
    internal = HiddenField()
    seen_event = HiddenField()  # the last history entry the writer saw
    confirm = HiddenField()  # "1": send although someone replied meanwhile
    attachments = MultipleFileField(_l("Add screenshots or PDF"))  # checked as the seller's (services.uploads)
    # the status set with the reply, from the button pressed ("Send and resolve"…); empty: unchanged
    status = HiddenField(validators=[Optional(), AnyOf(STATUSES, message=_l("Unknown status."))])
    # why the ticket is resolved, with "Send and resolve" (the choices and the rule: services.resolution_reasons)
    reason = SelectField(_l("Resolution reason"), choices=[], validate_choice=False,
                         validators=[Optional(), Length(max=32)])

    def validate_body(self, field):
        try:
            self.body_text = normalize.text(field.data, max_length=10000)
        except normalize.NormalizeError as exc:
            raise ValidationError(exc.text(gettext)) from None

    def clean_body(self) -> str:
        return self.body_text

    def new_status(self) -> str | None:
        return self.status.data or None

    def seen_event_id(self) -> int | None:
        raw = (self.seen_event.data or "").strip()
        return int(raw) if raw.isdigit() else None


class BulkForm(PortalForm):
    """One action for the selected tickets. The inbox's bar offers a picker per action (assignee,
    status, department); `value` is what the chosen action takes, for callers without the pickers."""

    action = SelectField(_l("Action"), choices=[SelectChoice(a, a) for a in ("assign", "status", "transfer")])
    value = StringField(_l("Value"), validators=[Optional(), Length(max=254)])
    assignee = StringField(_l("Assignee"), validators=[Optional(), Length(max=254)])
    status = StringField(_l("Status"), validators=[Optional(), Length(max=32)])
    department = StringField(_l("Department"), validators=[Optional(), Length(max=32)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    # why the tickets are resolved, with the status action (services.resolution_reasons checks it)
    resolution_reason = StringField(_l("Resolution reason"), validators=[Optional(), Length(max=32)])

    def chosen_value(self) -> str:
        """The value for the chosen action: its picker's, or `value` when given."""
        if self.value.data:
            return self.value.data.strip()
        picker = {"assign": self.assignee, "status": self.status, "transfer": self.department}[self.action.data]
        return (picker.data or "").strip()


class AssignForm(PortalForm):
    assignee = StringField(_l("Assignee e-mail"), validators=[Optional(), Length(max=254)])


class StatusForm(PortalForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s, _l(STAFF_STATUS_LABELS[s])) for s in STATUSES])
    # why the ticket is resolved; required for resolved (the choices and the rule: services.resolution_reasons)
    reason = SelectField(_l("Resolution reason"), choices=[], validate_choice=False,
                         validators=[Optional(), Length(max=32)])


class PriorityForm(PortalForm):
    priority = SelectField(_l("Priority"), choices=[SelectChoice(p, _l(PRIORITY_LABELS[p])) for p in PRIORITIES])


class TransferForm(PortalForm):
    department = SelectField(_l("Department"), choices=[])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(_l("Say why the ticket moves.")), Length(max=2000)])


class MergeForm(PortalForm):
    into = StringField(_l("Merge into reference"), validators=[InputRequired(_l("Enter the reference to merge into.")),
                                                            Length(max=32)])
