"""Forms of the sellers section of the administration: a seller, an import file, an import's confirmation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

LOCALE_CHOICES = [SelectChoice("vi", "Tiếng Việt (vi)"), SelectChoice("en", "English (en)")]


class SellerForm(FlaskForm):
    """The service checks the values (services.sellers.clean_seller) and reports every field's problem at once."""

    code = StringField("Seller code", render_kw={"autocomplete": "off", "maxlength": 64})
    name = StringField("Shop name", render_kw={"maxlength": 200})
    phone = TelField("Phone", render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": 32})
    locale = SelectField("Language", choices=LOCALE_CHOICES, default="vi", validate_choice=False)


class SellerImportForm(FlaskForm):
    """A CSV (UTF-8) or XLSX file with columns code, name and optionally phone, locale."""

    file = FileField("CSV or XLSX file", validators=[FileRequired("Choose a CSV or XLSX file.")],
                     render_kw={"accept": ".csv,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class ConfirmImportForm(FlaskForm):
    """Names a pending import and the preview the user saw (its digest)."""

    import_id = HiddenField(validators=[InputRequired("This import is unknown: upload the file again.")])
    digest = HiddenField(validators=[InputRequired("The preview is missing: upload the file again.")])
