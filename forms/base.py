"""The base of every form of the portal."""
from __future__ import annotations

from flask_babel import get_translations
from flask_wtf import FlaskForm


class _PortalCatalog:
    """WTForms' own messages through the portal's catalogue: it has them in Vietnamese (WTForms
    ships no Vietnamese), and it is found once per request, where Flask-WTF loads WTForms'
    catalogue from disk again for every form."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


_CATALOG = _PortalCatalog()


class PortalForm(FlaskForm):
    """Flask-WTF's form (CSRF included) with WTForms' messages in the page's language."""

    class Meta:
        def get_translations(self, form):
            return _CATALOG
