"""Forms administrators fill for staff, departments and SLA policies (choices are set by the views)."""
from __future__ import annotations

import zoneinfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from vocabulary import PRIORITIES, PRIORITY_LABELS

from .admin import AdminForm, CheckboxesField

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))
# the values stay the priority codes; only the shown labels are translated
PRIORITY_CHOICES = [SelectChoice("*", _l("any priority")),
                    *(SelectChoice(p, _l(PRIORITY_LABELS[p])) for p in PRIORITIES)]


class StaffAddForm(AdminForm):
    """A new staff account; the service checks the e-mail, role, departments and password rules."""

    email = EmailField(_l("E-mail"), validators=[InputRequired(_l("Enter an e-mail address.")), Length(max=254)])
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    departments = CheckboxesField(_l("Departments"), choices=[], validate_choice=False)
    password = PasswordField(_l("Initial password"), validators=[InputRequired(_l("Enter an initial password.")),
                                                                 Length(max=200)])


class StaffEditForm(AdminForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    departments = CheckboxesField(_l("Departments"), choices=[], validate_choice=False)


class PasswordResetForm(AdminForm):
    """Either a new password typed by the administrator, or `generate` for a random one shown once."""

    password = PasswordField(_l("New password"), validators=[Length(max=200)])
    generate = BooleanField(_l("Generate a random password instead"))

    def validate_password(self, field):
        if not self.generate.data and not field.data:
            raise ValidationError(_l("Enter a new password, or tick “generate”."))
        if self.generate.data and field.data:
            raise ValidationError(_l("Either type a password or tick “generate”, not both."))


class NewDepartmentForm(AdminForm):
    code = StringField(_l("Code"), validators=[InputRequired(_l("Enter a code such as delivery.")), Length(max=32)])
    name = StringField(_l("Name (English)"), validators=[InputRequired(_l("Enter the department's name.")),
                                                         Length(max=120)])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[Optional(), Length(max=120)])


class DepartmentForm(AdminForm):
    name = StringField(_l("Name (English)"), validators=[InputRequired(_l("Enter the department's name.")),
                                                         Length(max=120)])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[Optional(), Length(max=120)])
    leads = CheckboxesField(_l("Leads"), choices=[], coerce=int, validate_choice=False)


class CalendarForm(AdminForm):
    """24/7, or business hours: windows per weekday, a time zone, public holidays of a country, own dates."""

    business = RadioField(_l("Opening"), choices=[SelectChoice("24/7", _l("Open 24/7")),
                                                    SelectChoice("business", _l("Business hours"))],
                          validators=[InputRequired(_l("Choose 24/7 or business hours."))])
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False)  # checked with the calendar
    country = SelectField(_l("Public holidays of"), choices=[], validate_choice=False)
    hours_0 = StringField(WEEKDAYS[0], validators=[Length(max=200)])
    hours_1 = StringField(WEEKDAYS[1], validators=[Length(max=200)])
    hours_2 = StringField(WEEKDAYS[2], validators=[Length(max=200)])
    hours_3 = StringField(WEEKDAYS[3], validators=[Length(max=200)])
    hours_4 = StringField(WEEKDAYS[4], validators=[Length(max=200)])
    hours_5 = StringField(WEEKDAYS[5], validators=[Length(max=200)])
    hours_6 = StringField(WEEKDAYS[6], validators=[Length(max=200)])
    holidays = TextAreaField(_l("Own closed days"), validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(tz, tz) for tz in sorted(zoneinfo.available_timezones())
                                 if tz not in ("localtime", "Factory")]

    def weekly_hours(self) -> dict[int, str]:
        return {day: getattr(self, f"hours_{day}").data or "" for day in range(7)}


class PolicyForm(AdminForm):
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    priority = SelectField(_l("Priority"), choices=PRIORITY_CHOICES)
    first_response_minutes = IntegerField(
        _l("First-response target (minutes)"),
        validators=[InputRequired(_l("Enter the first-response target in minutes.")),
                    NumberRange(1, 60 * 24 * 30, _l("From 1 minute to 30 days (43200)."))])
    at_risk_minutes = IntegerField(_l("At risk this many minutes before due"),
                                   validators=[Optional(), NumberRange(1, 60 * 24 * 30,
                                                                       _l("From 1 minute to 30 days (43200)."))])
    resolution_minutes = IntegerField(_l("Resolution target (minutes, optional)"),
                                      validators=[Optional(), NumberRange(1, 60 * 24 * 365,
                                                                          _l("From 1 minute to 365 days (525600)."))])


class ReapplyForm(AdminForm):
    """Re-apply today's policies to open tickets; nothing changes until `confirm` is "yes"."""

    scope = SelectField(_l("Open tickets of"), choices=[], validate_choice=False)  # a department code or "*"
    confirm = HiddenField()
