"""Thumbnails of image attachments, shown inline in the thread.

A small file can declare a huge picture (a "decompression bomb"), so the pixel count is read from
the header and checked before anything is decoded; an image over MAX_PIXELS, or one Pillow cannot
read, has no thumbnail and stays a plain download link. The thumbnail is turned the way the camera
meant (EXIF orientation), re-encoded as WebP at most THUMB_SIDE pixels on its long side, made on its
first request and kept on disk beside the uploads, named by the stored name. The caller checks
that the requester may see the attachment, exactly as for the file itself."""
from __future__ import annotations

import logging
import os
import secrets
import warnings
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Response, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image

from ..models import Attachment, Message
from . import uploads
from .errors import NotFound

log = logging.getLogger(__name__)

THUMB_SIDE = 320
# a 12-megapixel phone photo is well within; decoding more than this costs a web worker too much memory
MAX_PIXELS = 25_000_000
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_ORIENTATION = 0x0112  # the EXIF tag
# the same table as PIL.ImageOps.exif_transpose; 5 to 8 turn the picture a quarter
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}
_QUARTER_TURNS = {5, 6, 7, 8}


@dataclass(frozen=True)
class Preview:
    """The size of an attachment's thumbnail, for the `<img>` width and height."""

    width: int
    height: int


def fit(width: int, height: int, side: int = THUMB_SIDE) -> tuple[int, int]:
    """The size within `side` on the long side, same proportions; never larger than the original."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumb_path(stored_name: str, upload_dir: str) -> Path:
    return Path(upload_dir) / "thumbs" / stored_name[:2] / f"{stored_name}.webp"


@contextmanager
def _opened(path: Path):
    """The image with only its header read, or None when it is unreadable or has too many pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Exception:  # noqa: BLE001 - Pillow's plugins raise many kinds on a damaged or hostile file
        yield None
        return
    try:
        width, height = image.size
        yield image if 0 < width * height <= MAX_PIXELS else None
    finally:
        image.close()


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation found in the header, without decoding the pixels (PNG's getexif would)."""
    raw = image.info.get("exif")
    if not raw:
        return 1
    exif = Image.Exif()
    try:
        exif.load(raw)
    except Exception:  # noqa: BLE001 - a damaged EXIF block only loses the turn
        return 1
    value = exif.get(_ORIENTATION, 1)
    return value if value in _TRANSPOSE else 1


def _upright_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if _orientation(image) in _QUARTER_TURNS else (width, height)


def preview(row: Attachment, upload_dir: str) -> Preview | None:
    """The thumbnail size of an image attachment, read from the file's header; None for a PDF, an
    image that has no thumbnail (see the module) or a file gone from the disk."""
    if row.content_type not in PREVIEWABLE:
        return None
    marker = thumb_path(row.stored_name, upload_dir)
    if marker.exists() and marker.stat().st_size == 0:
        return None  # tried before and could not be made
    source = uploads.stored_path(row.stored_name, upload_dir)
    if not source.exists():
        return None
    with _opened(source) as image:
        return None if image is None else Preview(*fit(*_upright_size(image)))


def for_thread(messages: Iterable[Message], upload_dir: str) -> dict[int, Preview]:
    """Thumbnail sizes of the thread's image attachments, by attachment id."""
    found = {}
    for message in messages:
        for row in message.attachments:
            size = preview(row, upload_dir)
            if size is not None:
                found[row.id] = size
    return found


def _render(source: Path) -> Image.Image | None:
    """The thumbnail picture, upright and fitted, or None when the file may not or cannot be decoded."""
    with _opened(source) as image:
        if image is None:
            return None
        orientation = _orientation(image)
        width, height = fit(*_upright_size(image))
        before_turn = (height, width) if orientation in _QUARTER_TURNS else (width, height)
        image.draft(image.mode, before_turn)  # a JPEG decodes straight at a reduced scale
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        picture = image.convert("RGBA" if transparent else "RGB")
        if orientation in _TRANSPOSE:
            picture = picture.transpose(_TRANSPOSE[orientation])
        return picture.resize((width, height), Image.Resampling.LANCZOS)


def _write(target: Path, picture: Image.Image | None) -> None:
    """Write the thumbnail, or an empty file saying there is none, whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")
    try:
        if picture is None:
            tmp.write_bytes(b"")
        else:
            picture.save(tmp, "WEBP", quality=80)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def thumbnail(row: Attachment, upload_dir: str) -> Path:
    """The thumbnail file of `row`, made now if this is its first request. NotFound when the
    attachment has no thumbnail or its file is gone."""
    none = NotFound(_l("This file has no preview."))
    if row.content_type not in PREVIEWABLE:
        raise none
    target = thumb_path(row.stored_name, upload_dir)
    if not target.exists():
        source = uploads.stored_path(row.stored_name, upload_dir)
        if not source.exists():
            raise NotFound(_l("The file is no longer available."))
        try:
            picture = _render(source)
        except Exception as exc:  # noqa: BLE001 - a file that breaks the decoder stays a download link
            log.warning("no thumbnail for attachment %s: %s", row.id, exc)
            picture = None
        try:
            _write(target, picture)
        except OSError as exc:  # a disk that refuses the cache still serves the page, without the thumbnail
            log.warning("could not keep the thumbnail of attachment %s: %s", row.id, exc)
            raise none from exc
    if target.stat().st_size == 0:
        raise none
    return target


def send_thumbnail(row: Attachment, upload_dir: str) -> Response:
    """The thumbnail of `row` as an inline image; the caller has checked that the requester may
    see the attachment. NotFound when there is none."""
    response = send_file(thumbnail(row, upload_dir), mimetype="image/webp")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def remove(stored_names: Iterable[str], upload_dir: str) -> None:
    """Remove the thumbnails of files being removed: a thumbnail must not outlive its file."""
    for name in stored_names:
        try:
            thumb_path(name, upload_dir).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the thumbnail of %s: %s", name, exc.strerror)
