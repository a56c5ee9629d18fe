"""Sellers: find, add and edit them, revoke their links, import them in bulk (preview first, then
confirm) and export them with their links. Every change is recorded in the audit trail."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import string
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

import normalize
from sla.cells import csv_text, csv_value

from ..extensions import db
from ..models import Seller, User
from . import audit, links
from .errors import Conflict, InvalidInput, NotFound

LOCALES = ("vi", "en")
PAGE_SIZE = 50


@dataclass(frozen=True)
class SellerData:
    code: str
    name: str
    phone: str | None = None
    locale: str = "vi"


def clean_seller(code: str | None, name: str | None, phone: str | None, locale: str | None) -> SellerData:
    """Validated, normalised seller fields. Raises InvalidInput with every field's problem."""
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    for key, fn in (("code", normalize.seller_code), ("phone", normalize.phone),
                    ("name", lambda v: normalize.text(v, max_length=200))):
        try:
            values[key] = fn({"code": code, "phone": phone, "name": name}[key])
        except normalize.NormalizeError as exc:
            errors[key] = [exc.text(_)]
    if "name" in values and not values["name"]:
        errors["name"] = [_l("A seller needs a name.")]
    chosen = (locale or "vi").strip().lower()
    if chosen not in LOCALES:
        errors["locale"] = [_l("Locale is vi or en.")]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    return SellerData(values["code"], values["name"], values["phone"], chosen)


def _state(seller: Seller) -> dict:
    return {"code": seller.code, "name": seller.name, "phone": seller.phone, "locale": seller.locale}


def _taken(code: str) -> InvalidInput:
    message = _l("Seller %(code)s already exists.", code=code)
    return InvalidInput(message, {"code": [message]})


def _commit_or_taken(code: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same code was added by someone else a moment ago
        db.session.rollback()
        raise _taken(code) from None


def add_seller(data: SellerData, *, now: dt.datetime, actor: User | None = None,
               actor_label: str | None = None) -> Seller:
    """Create a seller and record `seller.added`, committed together. InvalidInput when the code is taken."""
    if db.session.scalar(select(Seller.id).where(Seller.code == data.code)):
        raise _taken(data.code)
    seller = Seller(**asdict(data), created_at=now, updated_at=now)
    db.session.add(seller)
    audit.record("seller.added", "seller", data.code, before=None, after=asdict(data), now=now, actor=actor,
                 actor_label=actor_label)
    _commit_or_taken(data.code)
    return seller


def get(seller_id: int) -> Seller:
    """The seller with this id; NotFound otherwise."""
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(_l("No such seller."))
    return seller


def edit_seller(seller_id: int, data: SellerData, *, now: dt.datetime, actor: User | None = None,
                actor_label: str | None = None) -> bool:
    """Replace a seller's code, name, phone and locale and record `seller.edited`; False when nothing
    differed (then nothing is recorded). Links stay valid: they carry the seller's id, not the code."""
    seller = get(seller_id)
    before, after = _state(seller), asdict(data)
    if before == after:
        return False
    if data.code != seller.code and db.session.scalar(select(Seller.id).where(Seller.code == data.code)):
        raise _taken(data.code)
    seller.code, seller.name, seller.phone, seller.locale = data.code, data.name, data.phone, data.locale
    seller.updated_at = now
    audit.record("seller.edited", "seller", data.code, before=before, after=after, now=now, actor=actor,
                 actor_label=actor_label)
    _commit_or_taken(data.code)
    return True


def _new_link_version(seller: Seller, action: str, now: dt.datetime, actor: User | None,
                      actor_label: str | None) -> int:
    before = seller.link_version
    version = links.bump_version(seller)
    audit.record(action, "seller", seller.code, before={"link_version": before}, after={"link_version": version},
                 now=now, actor=actor, actor_label=actor_label)
    db.session.commit()
    return version


def revoke_links(seller: Seller, *, now: dt.datetime, actor: User | None = None,
                 actor_label: str | None = None) -> int:
    """Invalidate every link issued so far (they then answer 410) and record `seller.link_revoked`.
    Returns the new key version; the next link issued carries it. Commits."""
    return _new_link_version(seller, "seller.link_revoked", now, actor, actor_label)


def rotate_link(seller: Seller, *, now: dt.datetime, actor: User | None = None,
                actor_label: str | None = None) -> int:
    """Replace the seller's link: old links stop working and a new one is handed out at once.
    Records `seller.link_rotated`; returns the new key version. Commits."""
    return _new_link_version(seller, "seller.link_rotated", now, actor, actor_label)


def by_code(code: str) -> Seller | None:
    return db.session.scalar(select(Seller).where(Seller.code == code))


# --- finding sellers -------------------------------------------------------------------------

def _fold_table() -> dict[str, str]:
    """Latin letters with diacritics (Vietnamese included) mapped to their plain lower-case letter."""
    table = {"Đ": "d", "đ": "d"}
    for block in (range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        for point in block:
            letter = chr(point)
            base = unicodedata.normalize("NFD", letter)[0]
            if base != letter and base.isascii() and base.isalpha():
                table[letter] = base.lower()
    return table


_FOLD = _fold_table()
_FOLD_TRANSLATION = str.maketrans(_FOLD)
# each plain letter with every accented form of it, in both cases: 'a' -> 'AaÀÁÂ…ạặ'
_SPELLINGS = {letter: "".join(sorted({letter, letter.upper(), *(k for k, v in _FOLD.items() if v == letter)}))
              for letter in string.ascii_lowercase}


def fold(text: str | None) -> str | None:
    """Lower-case text without diacritics: 'Cửa hàng Bình An' -> 'cua hang binh an'."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).translate(_FOLD_TRANSLATION).lower()


def _name_contains(query: str):
    """A condition: the seller's name contains `query`, whatever the case and diacritics of either.
    Every letter of the folded query becomes the set of its spellings, matched by the database's own
    pattern engine (a GLOB in SQLite, a regular expression in PostgreSQL): no per-row function call."""
    folded = fold(query)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # a backslash before any other non-alphanumeric character makes it literal
        pattern = "".join(f"[{_SPELLINGS[ch]}]" if ch in _SPELLINGS else ch if ch.isalnum() else "\\" + ch
                          for ch in folded)
        return Seller.name.regexp_match(pattern)
    if dialect == "sqlite":
        pattern = "".join(f"[{_SPELLINGS[ch]}]" if ch in _SPELLINGS else f"[{ch}]" if ch in "*?[" else ch
                          for ch in folded)
        return Seller.name.op("GLOB")(f"*{pattern}*")
    return func.lower(Seller.name).contains(folded, autoescape=True)


@dataclass(frozen=True)
class SellerPage:
    sellers: list[Seller]
    next_after: str | None  # the code to continue after, when there are more


def search(query: str | None, *, after: str | None = None, limit: int = PAGE_SIZE) -> SellerPage:
    """One page of sellers in code order, after the code `after` (keyset paging: the cost of a page
    does not grow with its depth). `query` matches part of the code, of the name without regard to
    case or diacritics, or of the phone number."""
    statement = select(Seller).order_by(Seller.code).limit(limit + 1)
    if after:
        statement = statement.where(Seller.code > after)
    query = (query or "").strip()[:100]
    if query:
        matches = [func.lower(Seller.code).contains(query.lower(), autoescape=True)]
        digits = re.sub(r"[\s.\-()]", "", query)
        if re.fullmatch(r"\+?[0-9]{3,15}", digits):
            matches.append(Seller.phone.contains(digits.lstrip("+"), autoescape=True))
        matches.append(_name_contains(query))
        statement = statement.where(or_(*matches))
    rows = list(db.session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return SellerPage(rows, rows[-1].code if more else None)


def count() -> int:
    """How many sellers there are."""
    return db.session.scalar(select(func.count(Seller.id))) or 0


# --- bulk import: read, classify (nothing written), then apply -----------------------------------

RawRow = tuple[int, str, str, str, str]  # line, code, name, phone, locale exactly as in the file
_IMPORT_ACTIONS = ("add", "update", "unchanged", "reject")


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    def summary(self) -> str:
        return f"added={self.added} updated={self.updated} unchanged={self.unchanged} rejected={len(self.rejected)}"


@dataclass(frozen=True)
class PlannedRow:
    line: int
    action: str  # add, update, unchanged or reject
    code: str
    data: SellerData | None = None  # the cleaned values, except for rejected rows
    before: dict | None = None  # the seller as stored, for update and unchanged rows
    reason: str = ""  # why a row is rejected, in the reader's language
    problem: str = ""  # the same in words that do not depend on the language: the fields at fault

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        return audit.changes(self.before, asdict(self.data)) if self.data else []


@dataclass
class ImportPlan:
    """What an import would do, row by row, against the database as it was read."""

    rows: list[PlannedRow]
    sellers: dict[str, Seller]  # the existing sellers the file names, by code

    def of(self, action: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(_IMPORT_ACTIONS, 0)
        for row in self.rows:
            found[row.action] += 1
        return found

    def digest(self) -> str:
        """A fingerprint of the plan: equal digests mean an import would do exactly the same."""
        rows = [[r.line, r.action, r.code, r.before, asdict(r.data) if r.data else None, r.problem] for r in self.rows]
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:32]

    def report(self) -> ImportReport:
        counts = self.counts()
        return ImportReport(added=counts["add"], updated=counts["update"], unchanged=counts["unchanged"],
                            rejected=[(r.line, r.reason) for r in self.of("reject")])


def _too_many(max_rows: int) -> InvalidInput:
    return InvalidInput(_l("The file has more than %(max)s sellers: split it, or use `flask sellers import`.",
                           max=max_rows))


def parse_csv(text: str, *, max_rows: int | None = None) -> list[RawRow]:
    """The rows of CSV text with a header naming at least code and name (phone and locale optional,
    other columns ignored), numbered as the file's lines; a cell the export marked as text
    (sla.cells.csv_text) is read without its mark. InvalidInput for a missing header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    column = _column_reader()
    try:
        headers = {column(h) for h in reader.fieldnames or []}
        if not {"code", "name"} <= headers:
            raise InvalidInput(_l("The CSV needs a header row with at least the columns code and name."))
        rows: list[RawRow] = []
        for line, raw in enumerate(reader, start=2):
            row = {column(k): csv_value((v or "").strip()) for k, v in raw.items() if isinstance(v, str) or v is None}
            rows.append((line, row.get("code", ""), row.get("name", ""), row.get("phone", ""), row.get("locale", "")))
            if max_rows is not None and len(rows) > max_rows:
                raise _too_many(max_rows)
    except csv.Error as exc:
        raise InvalidInput(_l("The CSV cannot be read near line %(line)s: %(error)s.", line=reader.line_num,
                              error=exc)) from None
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or code typed as a number
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_xlsx(data: bytes, *, max_rows: int | None = None) -> list[RawRow]:
    """The rows of the first sheet of an XLSX workbook, laid out like the CSV (header in row 1),
    numbered as the sheet's rows; empty rows are skipped. InvalidInput for an unreadable workbook."""
    from openpyxl import load_workbook

    unreadable = InvalidInput(_l("The file is not a readable XLSX workbook: save it again from Excel, or upload CSV."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign file fails in many ways (zip, XML, openpyxl's own)
        raise unreadable from None
    try:
        sheet_rows = workbook.worksheets[0].iter_rows(values_only=True) if workbook.worksheets else iter(())
        column = _column_reader()
        header = [column(_cell_text(v)) for v in next(sheet_rows, ())]
        if not {"code", "name"} <= set(header):
            raise InvalidInput(_l("The sheet needs a header row with at least the columns code and name."))
        columns = {name: header.index(name) for name in ("code", "name", "phone", "locale") if name in header}
        rows: list[RawRow] = []
        for line, values in enumerate(sheet_rows, start=2):
            cells = {name: _cell_text(values[i]) if i < len(values) else "" for name, i in columns.items()}
            if not any(cells.values()):
                continue
            rows.append((line, cells["code"], cells["name"], cells.get("phone", ""), cells.get("locale", "")))
            if max_rows is not None and len(rows) > max_rows:
                raise _too_many(max_rows)
    except InvalidInput:
        raise
    except Exception:
        raise unreadable from None
    finally:
        workbook.close()
    return rows


def parse_upload(filename: str, data: bytes, *, max_rows: int | None = None) -> list[RawRow]:
    """The rows of an uploaded CSV (UTF-8) or XLSX file, told apart by content and name."""
    name = (filename or "").lower()
    if not data:
        raise InvalidInput(_l("The file is empty."))
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return parse_xlsx(data, max_rows=max_rows)
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(_l("Old .xls workbooks cannot be read: save the sheet as .xlsx or as CSV UTF-8."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = _l("The file is not UTF-8 text: in Excel choose “CSV UTF-8”, or upload the .xlsx.")
        raise InvalidInput(message) from None
    return parse_csv(text, max_rows=max_rows)


def _existing(codes: Iterable[str]) -> dict[str, Seller]:
    codes, found = list(codes), {}
    for start in range(0, len(codes), 500):
        for seller in db.session.scalars(select(Seller).where(Seller.code.in_(codes[start:start + 500]))):
            found[seller.code] = seller
    return found


def classify(rows: Iterable[RawRow]) -> ImportPlan:
    """Decide for each row whether it adds, updates or leaves a seller unchanged, or is rejected
    (invalid field, or a code the file already had). Reads the database, writes nothing."""
    checked: list[tuple[int, str, SellerData | None, str, str]] = []
    seen: set[str] = set()
    for line, code, name, phone, locale in rows:
        try:
            data = clean_seller(code, name, phone, locale or None)
        except InvalidInput as exc:
            checked.append((line, code, None, exc.message, ",".join(sorted(exc.fields))))
            continue
        if data.code in seen:
            checked.append((line, data.code, None, _("code %(code)s appears twice in the file", code=data.code),
                            "duplicate"))
            continue
        seen.add(data.code)
        checked.append((line, data.code, data, "", ""))
    existing = _existing(seen)
    planned = []
    for line, code, data, reason, problem in checked:
        seller = existing.get(code)
        if data is None:
            planned.append(PlannedRow(line, "reject", code, reason=reason, problem=problem))
        elif seller is None:
            planned.append(PlannedRow(line, "add", code, data))
        else:
            before = _state(seller)
            planned.append(PlannedRow(line, "unchanged" if before == asdict(data) else "update", code, data, before))
    return ImportPlan(planned, existing)


def apply_plan(plan: ImportPlan, *, now: dt.datetime, actor: User | None = None,
               actor_label: str | None = None) -> ImportReport:
    """Write a plan made by `classify` in this transaction: one `seller.imported` audit event per seller
    added or updated, all committed together. Conflict (nothing written) when another change added
    one of the codes meanwhile."""
    for row in plan.rows:
        if row.action == "add":
            db.session.add(Seller(**asdict(row.data), created_at=now, updated_at=now))
        elif row.action == "update":
            seller = plan.sellers[row.code]
            seller.name, seller.phone, seller.locale = row.data.name, row.data.phone, row.data.locale
            seller.updated_at = now
        else:
            continue
        audit.record("seller.imported", "seller", row.code, before=row.before, after=asdict(row.data), now=now,
                     actor=actor, actor_label=actor_label)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Some of these sellers were added by someone else meanwhile; nothing was imported. "
                          "Check the preview again.")) from None
    return plan.report()


def import_sellers(text: str, *, now: dt.datetime, actor: User | None = None,
                   actor_label: str | None = None) -> ImportReport:
    """Add or update sellers from CSV text with columns code,name[,phone][,locale]. Valid rows are
    committed together; each bad row is rejected with its line number and reason."""
    return apply_plan(classify(parse_csv(text)), now=now, actor=actor, actor_label=actor_label)


# --- pending imports: the previewed file's rows, kept on disk until confirmed ---------------------

PENDING_TTL = dt.timedelta(hours=1)
_PENDING_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_UNKNOWN = _l("This import is unknown or was already done: upload the file again.")


@dataclass(frozen=True)
class PendingImport:
    import_id: str
    filename: str
    created_at: dt.datetime
    rows: list[RawRow]


def _sweep_pending(directory: Path, now: dt.datetime) -> None:
    oldest = (now - PENDING_TTL).timestamp()
    for path in directory.iterdir():
        if path.suffix in (".json", ".tmp"):
            try:
                if path.stat().st_mtime < oldest:
                    path.unlink()
            except OSError:
                pass  # another worker swept it first


def save_pending(directory: str | Path, rows: list[RawRow], *, filename: str, user_id: int,
                 now: dt.datetime) -> str:
    """Keep the rows of an uploaded file for `PENDING_TTL` for this user only; returns the import id.
    Stale pending imports are removed on the way."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _sweep_pending(directory, now)
    import_id = secrets.token_urlsafe(18)
    payload = {"user_id": user_id, "filename": (filename or "")[:200], "created_at": now.isoformat(), "rows": rows}
    # written whole under a temporary name (readable by the owner only), then renamed into place
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, suffix=".tmp", delete=False) as file:
        json.dump(payload, file, ensure_ascii=False)
    os.replace(file.name, directory / f"{import_id}.json")
    return import_id


def _read_pending(directory: str | Path, import_id: str, user_id: int) -> tuple[Path, dict]:
    if not _PENDING_ID.fullmatch(import_id or ""):
        raise NotFound(_UNKNOWN)
    path = Path(directory) / f"{import_id}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(_UNKNOWN) from None
    if not isinstance(payload, dict) or payload.get("user_id") != user_id:
        raise NotFound(_UNKNOWN)
    return path, payload


def load_pending(directory: str | Path, import_id: str, *, user_id: int, now: dt.datetime) -> PendingImport:
    """The pending import `import_id` of this user. NotFound for a malformed, unknown, foreign or
    expired id (an expired one is removed)."""
    path, payload = _read_pending(directory, import_id, user_id)
    try:
        created_at = dt.datetime.fromisoformat(payload["created_at"])
        rows = [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in payload["rows"]]
    except (KeyError, TypeError, ValueError, IndexError):
        raise NotFound(_UNKNOWN) from None
    if now - created_at > PENDING_TTL:
        path.unlink(missing_ok=True)
        raise NotFound(_l("This import preview has expired: upload the file again."))
    return PendingImport(import_id, str(payload.get("filename") or ""), created_at, rows)


def discard_pending(directory: str | Path, import_id: str, *, user_id: int) -> None:
    """Forget a pending import of this user. NotFound when there is none."""
    path, _payload = _read_pending(directory, import_id, user_id)
    path.unlink(missing_ok=True)


def confirm_import(directory: str | Path, import_id: str, digest: str, *, user: User,
                   now: dt.datetime) -> ImportReport:
    """Import a pending file as previewed. Its rows are validated and classified again; Conflict
    (nothing written) when the result differs from the preview the user saw (`digest`)."""
    pending = load_pending(directory, import_id, user_id=user.id, now=now)
    plan = classify(pending.rows)
    if plan.digest() != digest:
        db.session.rollback()
        raise Conflict(_l("The sellers changed since this preview was made: check it again, then confirm."))
    report = apply_plan(plan, now=now, actor=user)
    Path(directory, f"{import_id}.json").unlink(missing_ok=True)
    return report


# --- export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("code", "name", "phone", "locale", "link")
# the header of an export asked for in Vietnamese (the column names are the default); an import reads
# these labels back as the columns they name, so such a file imports as it is
EXPORT_LABELS = {"code": _l("Seller code"), "name": _l("Shop name"), "phone": _l("Phone"), "locale": _l("Language"),
                 "link": _l("Link")}
HEADER_LANGUAGES = ("en", "vi")


def _labels(lang: str) -> dict[str, str]:
    with force_locale(lang):
        return {name: str(label) for name, label in EXPORT_LABELS.items()}


def _column_reader():
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
