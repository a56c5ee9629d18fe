"""Sellers in bulk from CSV or XLSX: read the rows, classify them against the database (nothing
written: the preview), then apply the plan. Between preview and confirmation the rows are kept on
disk for the user who uploaded them (pending imports). Every seller added or updated is audited."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sla.cells import csv_value

from ..extensions import db
from ..models import Seller, User
from . import audit, seller_export, sellers
from .errors import Conflict, InvalidInput, NotFound

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
    data: sellers.SellerData | None = None  # the cleaned values, except for rejected rows
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
    column = seller_export.column_reader()
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
        column = seller_export.column_reader()
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
    checked: list[tuple[int, str, sellers.SellerData | None, str, str]] = []
    seen: set[str] = set()
    for line, code, name, phone, locale in rows:
        try:
            data = sellers.clean_seller(code, name, phone, locale or None)
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
            before = sellers.snapshot(seller)
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
