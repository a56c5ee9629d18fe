"""WTForms' own messages ("This field is required.", "Not a valid choice.", …), listed so that
`make translations-update` keeps them in the portal's catalogue: WTForms ships no Vietnamese, and
`forms.base.PortalForm` has WTForms translate them with the portal's catalogue instead of its own.
The list is WTForms' message template (`wtforms/locale/wtforms.pot`); a test keeps the two equal."""


def gettext(message: str) -> str:
    """A mark for the extractor; WTForms does the translating at run time."""
    return message


def ngettext(singular: str, plural: str, _n: int) -> tuple[str, str]:
    return singular, plural


MESSAGES = (
    gettext("Invalid field name '%s'."),
    gettext("Field must be equal to %(other_name)s."),
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 2),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 2),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 2),
    gettext("Field must be between %(min)d and %(max)d characters long."),
    gettext("Number must be at least %(min)s."),
    gettext("Number must be at most %(max)s."),
    gettext("Number must be between %(min)s and %(max)s."),
    gettext("Date must be at least %(min)s."),
    gettext("Date must be at most %(max)s."),
    gettext("Date must be between %(min)s and %(max)s."),
    gettext("This field is required."),
    gettext("Invalid input."),
    gettext("Invalid email address."),
    gettext("Invalid IP address."),
    gettext("Invalid Mac address."),
    gettext("Invalid URL."),
    gettext("Invalid UUID."),
    gettext("Invalid value, must be one of: %(values)s."),
    gettext("Invalid value, can't be any of: %(values)s."),
    gettext("This field cannot be edited."),
    gettext("This field is disabled and cannot have a value."),
    gettext("Invalid CSRF Token."),
    gettext("CSRF token missing."),
    gettext("CSRF failed."),
    gettext("CSRF token expired."),
    gettext("Invalid Choice: could not coerce."),
    gettext("Choices cannot be None."),
    gettext("Not a valid choice."),
    gettext("Invalid choice(s): one or more data inputs could not be coerced."),
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 2),
    gettext("Not a valid datetime value."),
    gettext("Not a valid date value."),
    gettext("Not a valid time value."),
    gettext("Not a valid week value."),
    gettext("Not a valid integer value."),
    gettext("Not a valid decimal value."),
    gettext("Not a valid float value."),
)
