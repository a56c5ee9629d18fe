"""Sellers exported with their links, as CSV (the header in English column names or Vietnamese
labels, which an import reads back)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sla.cells import csv_text

from ..extensions import db
from ..models import Seller, User
from . import audit, links
from .errors import InvalidInput

EXPORT_COLUMNS = ("code", "name", "phone", "locale", "link")
# the header of an export asked for in Vietnamese (the column names are the default); an import reads
# these labels back as the columns they name, so such a file imports as it is
EXPORT_LABELS = {"code": _l("Seller code"), "name": _l("Shop name"), "phone": _l("Phone"), "locale": _l("Language"),
                 "link": _l("Link")}
HEADER_LANGUAGES = ("en", "vi")


def _labels(lang: str) -> dict[str, str]:
    with force_locale(lang):
        return {name: str(label) for name, label in EXPORT_LABELS.items()}


def column_reader():
    """A function giving the column a file's header cell names: its text in lower case, or the
    column whose Vietnamese export label it is."""
    aliases = {label.lower(): name for name, label in _labels("vi").items()}

    def column(cell: str | None) -> str:
        name = (cell or "").strip().lower()
        return aliases.get(name, name)

    return column


def export_links(secret_key: str, base_url: str, *, now: dt.datetime, actor: User | None = None,
                 actor_label: str | None = None, lang: str | None = None) -> Iterator[str]:
    """Every seller with a working link, as CSV text chunks: a UTF-8 BOM (for Excel), the header (the
    column names, or their labels when `lang` is vi), the rows in code order, text that starts like a
    formula marked with a leading ' (sla.cells). The sellers are read and the export recorded
    (`seller.links_exported`, committed) before this returns, so the streaming holds no database
    transaction."""
    lang = lang or "en"
    if lang not in HEADER_LANGUAGES:
        raise InvalidInput(_l("The header language is en or vi."), {"headers": [_l("Use en or vi.")]})
    header = EXPORT_COLUMNS if lang == "en" else tuple(_labels(lang)[name] for name in EXPORT_COLUMNS)
    rows = db.session.execute(select(Seller.id, Seller.code, Seller.name, Seller.phone, Seller.locale,
                                     Seller.link_version).order_by(Seller.code)).all()
    audit.record("seller.links_exported", "seller", "all sellers", before=None, after={"sellers": len(rows)},
                 now=now, actor=actor, actor_label=actor_label)
    db.session.commit()
    return _export_chunks(rows, links.url_maker(secret_key, base_url), header)


def _export_chunks(rows, url, header=EXPORT_COLUMNS) -> Iterator[str]:
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(cell) for cell in header])
    for i, (seller_id, code, name, phone, locale, version) in enumerate(rows, start=1):
        # every text through the formula guard: codes and phones come from imports as well as forms
        writer.writerow([csv_text(cell) for cell in (code, name, phone or "", locale, url(seller_id, version))])
        if i % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
