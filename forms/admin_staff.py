"""Forms administrators fill for staff, departments and SLA policies (choices are set by the views)."""
from __future__ import annotations

import zoneinfo

from flask_wtf import FlaskForm
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

from .admin import CheckboxesField

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PRIORITY_CHOICES = [SelectChoice("*", "any priority")] + [SelectChoice(p, p) for p in ("normal", "high", "urgent")]


class StaffAddForm(FlaskForm):
    """A new staff account; the service checks the e-mail, role, departments and password rules."""

    email = EmailField("E-mail", validators=[InputRequired("Enter an e-mail address."), Length(max=254)])
    name = StringField("Name", validators=[InputRequired("Enter a name."), Length(max=120)])
    role = SelectField("Role", choices=[], validate_choice=False)
    departments = CheckboxesField("Departments", choices=[], validate_choice=False)
    password = PasswordField("Initial password", validators=[InputRequired("Enter an initial password."),
                                                              Length(max=200)])


class StaffEditForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Enter a name."), Length(max=120)])
    role = SelectField("Role", choices=[], validate_choice=False)
    departments = CheckboxesField("Departments", choices=[], validate_choice=False)


class PasswordResetForm(FlaskForm):
    """Either a new password typed by the administrator, or `generate` for a random one shown once."""

    password = PasswordField("New password", validators=[Length(max=200)])
    generate = BooleanField("Generate a random password instead")

    def validate_password(self, field):
        if not self.generate.data and not field.data:
            raise ValidationError("Enter a new password, or tick “generate”.")
        if self.generate.data and field.data:
            raise ValidationError("Either type a password or tick “generate”, not both.")


class NewDepartmentForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Enter a code such as delivery."), Length(max=32)])
    name = StringField("Name (English)", validators=[InputRequired("Enter the department's name."),
                                                     Length(max=120)])
    name_vi = StringField("Name (Vietnamese)", validators=[Optional(), Length(max=120)])


class DepartmentForm(FlaskForm):
    name = StringField("Name (English)", validators=[InputRequired("Enter the department's name."),
                                                     Length(max=120)])
    name_vi = StringField("Name (Vietnamese)", validators=[Optional(), Length(max=120)])
    leads = CheckboxesField("Leads", choices=[], coerce=int, validate_choice=False)


class CalendarForm(FlaskForm):
    """24/7, or business hours: windows per weekday, a time zone, public holidays of a country, own dates."""

    business = RadioField("Opening", choices=[SelectChoice("24/7", "Open 24/7"),
                                                SelectChoice("business", "Business hours")],
                          validators=[InputRequired("Choose 24/7 or business hours.")])
    timezone = SelectField("Time zone", choices=[], validate_choice=False)  # checked with the calendar
    country = SelectField("Public holidays of", choices=[], validate_choice=False)
    hours_0 = StringField(WEEKDAYS[0], validators=[Length(max=200)])
    hours_1 = StringField(WEEKDAYS[1], validators=[Length(max=200)])
    hours_2 = StringField(WEEKDAYS[2], validators=[Length(max=200)])
    hours_3 = StringField(WEEKDAYS[3], validators=[Length(max=200)])
    hours_4 = StringField(WEEKDAYS[4], validators=[Length(max=200)])
    hours_5 = StringField(WEEKDAYS[5], validators=[Length(max=200)])
    hours_6 = StringField(WEEKDAYS[6], validators=[Length(max=200)])
    holidays = TextAreaField("Own closed days", validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(tz, tz) for tz in sorted(zoneinfo.available_timezones())
                                 if tz not in ("localtime", "Factory")]

    def weekly_hours(self) -> dict[int, str]:
        return {day: getattr(self, f"hours_{day}").data or "" for day in range(7)}


class PolicyForm(FlaskForm):
    department = SelectField("Department", choices=[], validate_choice=False)
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)
    first_response_minutes = IntegerField(
        "First-response target (minutes)",
        validators=[InputRequired("Enter the first-response target in minutes."),
                    NumberRange(1, 60 * 24 * 30, "From 1 minute to 30 days (43200).")])
    at_risk_minutes = IntegerField("At risk this many minutes before due",
                                   validators=[Optional(), NumberRange(1, 60 * 24 * 30,
                                                                       "From 1 minute to 30 days (43200).")])
    resolution_minutes = IntegerField("Resolution target (minutes, optional)",
                                      validators=[Optional(), NumberRange(1, 60 * 24 * 365,
                                                                          "From 1 minute to 365 days (525600).")])


class ReapplyForm(FlaskForm):
    """Re-apply today's policies to open tickets; nothing changes until `confirm` is "yes"."""

    scope = SelectField("Open tickets of", choices=[], validate_choice=False)  # a department code or "*"
    confirm = HiddenField()
