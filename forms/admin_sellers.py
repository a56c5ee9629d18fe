"""Forms of the sellers section of the administration: a seller, an import file, an import's confirmation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from .admin import AdminForm

# each language named in its own words, as on the language switch
LOCALE_CHOICES = [SelectChoice("vi", "Tiếng Việt (vi)"), SelectChoice("en", "English (en)")]


class SellerForm(AdminForm):
    """The service checks the values (services.sellers.clean_seller) and reports every field's problem at once."""

    code = StringField(_l("Seller code"), render_kw={"autocomplete": "off", "maxlength": 64})
    name = StringField(_l("Shop name"), render_kw={"maxlength": 200})
    phone = TelField(_l("Phone"), render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": 32})
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, default="vi", validate_choice=False)


class SellerImportForm(AdminForm):
    """A CSV (UTF-8) or XLSX file with columns code, name and optionally phone, locale."""

    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a CSV or XLSX file."))],
                     render_kw={"accept": ".csv,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class ConfirmImportForm(AdminForm):
    """Names a pending import and the preview the user saw (its digest)."""

    import_id = HiddenField(validators=[InputRequired(_l("This import is unknown: upload the file again."))])
    digest = HiddenField(validators=[InputRequired(_l("The preview is missing: upload the file again."))])


class ForgetSellerForm(AdminForm):
    """Erasing a seller's personal data cannot be undone: the admin types the seller's code to confirm."""

    confirm_code = StringField(_l("Type the seller code to confirm"),
                               render_kw={"autocomplete": "off", "maxlength": 64})
