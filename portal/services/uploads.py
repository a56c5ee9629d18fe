"""Attachments: type checked by content, size capped, names sanitised, stored outside the web root,
and served back as downloads (send_attachment, the one way every blueprint serves a file)."""
from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import Response, send_file
from flask_babel import lazy_gettext as _l

from ..models import Attachment
from .errors import InvalidInput, NotFound, StorageUnavailable

ALLOWED_TYPES = {
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "application/pdf": "pdf",
}
MAX_NAME = 120


@dataclass(frozen=True)
class Upload:
    """A checked file, still in memory, ready to be stored."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sanitize_filename(raw: str | None, extension: str) -> str:
    """A display name safe anywhere: no directories, control or reserved characters, bounded
    length, and the extension that matches the detected content."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:MAX_NAME] or "attachment"
    return f"{stem}.{extension}"


# What a refused file is told, here and in the browser (browser_checks): one text for both.
def too_many_message(count: int):
    return _l("At most %(count)s files per message.", count=count)


def empty_message(shown: str):
    return _l("%(file)s is empty.", file=shown)


def too_large_message(shown: str, max_bytes: int):
    return _l("%(file)s is larger than %(mb)s MB.", file=shown, mb=max_bytes // (1024 * 1024))


def wrong_type_message(shown: str):
    return _l("%(file)s is not a screenshot (PNG, JPEG, GIF, WebP) or a PDF.", file=shown)


def check_upload(filename: str | None, data: bytes, max_bytes: int) -> Upload:
    """Accept a screenshot or PDF by its content, whatever its name says. Raises InvalidInput."""
    shown = sanitize_filename(filename, "")[:-1] or "file"
    if not data:
        raise InvalidInput(empty_message(shown))
    if len(data) > max_bytes:
        raise InvalidInput(too_large_message(shown, max_bytes))
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise InvalidInput(wrong_type_message(shown))
    return Upload(sanitize_filename(filename, ALLOWED_TYPES[kind.mime]), kind.mime, data)


def check_files(files: Iterable | None, max_bytes: int, max_files: int) -> tuple[Upload, ...]:
    """The files chosen in a form's file input (werkzeug FileStorage; an empty input sends one
    without a name), at most `max_files`, each checked as check_upload does. Raises InvalidInput
    naming the first file refused, before anything is stored."""
    chosen = [f for f in files or () if getattr(f, "filename", None)]
    if len(chosen) > max_files:
        raise InvalidInput(too_many_message(max_files), {"attachments": [_l("Too many files.")]})
    # read one byte past the cap so an oversized file is refused without holding all of it
    return tuple(check_upload(f.filename, f.read(max_bytes + 1), max_bytes) for f in chosen)


def browser_checks(max_bytes: int, max_files: int) -> dict[str, str]:
    """What the seller's browser checks before it uploads (static/seller-checks.js): the limits of
    check_upload and the count the views allow, and their messages in the page's language, with
    "{file}" where the file's name goes. The server checks again all the same."""
    return {"max-bytes": str(max_bytes), "max-files": str(max_files), "types": " ".join(ALLOWED_TYPES),
            "msg-count": str(too_many_message(max_files)), "msg-empty": str(empty_message("{file}")),
            "msg-size": str(too_large_message("{file}", max_bytes)), "msg-type": str(wrong_type_message("{file}"))}


def store(upload: Upload, upload_dir: str) -> str:
    """Write the file under a random name; returns that name (the path stays private). A file that
    cannot be written whole (disk full, folder unwritable) leaves nothing behind and raises
    StorageUnavailable."""
    stored_name = f"{secrets.token_hex(16)}.{ALLOWED_TYPES[upload.content_type]}"
    path = stored_path(stored_name, upload_dir)
    tmp = path.with_suffix(".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(upload.data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise StorageUnavailable(f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    return stored_name


def stored_path(stored_name: str, upload_dir: str) -> Path:
    return Path(upload_dir) / stored_name[:2] / stored_name


def send_attachment(row: Attachment, upload_dir: str) -> Response:
    """The stored file of `row` as a download, never rendered inline by the browser; the caller has
    checked that the requester may have it. NotFound when the file is gone from the disk."""
    path = stored_path(row.stored_name, upload_dir)
    if not path.exists():
        raise NotFound(_l("The file is no longer available."))
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # a folder that cannot be reached holds no file of ours either


def discard(stored_names: list[str], upload_dir: str) -> None:
    """Remove files written for a transaction that did not commit."""
    for name in stored_names:
        _remove(stored_path(name, upload_dir))
