"""One redaction for every log line the portal's processes write: seller link tokens (they open a
seller's tickets like a password) and bearer tokens never reach a log.

It is a log record factory (logging.setLogRecordFactory, the standard library's hook for this), so
it applies to every logger and handler of the process whoever configured them: the app's own lines,
Flask's "Exception on /s/<token>/…", the development server's request lines, gunicorn's error and
access logs, APScheduler's. A record's message is formatted and cleaned when it is made; a
traceback is formatted and cleaned too (formatters print exc_text as given)."""
from __future__ import annotations

import logging
import re
import traceback

# a seller link's path segment wherever it appears (a request line, a URL, a path); its tokens never
# contain a slash, white space or quotes
_SELLER_LINK = re.compile(r"/s/[^/\s?#\"'<>]+")
_BEARER = re.compile(r"(?i)\b(bearer)(\s+|%20)[^\s\"',;]+")
_STAFF_TOKEN = re.compile(r"\bpst_[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """`text` with seller link tokens, bearer tokens and staff API tokens replaced by placeholders."""
    if "/s/" in text:
        text = _SELLER_LINK.sub("/s/<token>", text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(r"\1\2<token>", text)
    if "pst_" in text:
        text = _STAFF_TOKEN.sub("pst_<token>", text)
    return text


class _RedactingFactory:
    """Wraps the record factory in place, so that one installed later (by a library) still runs."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __call__(self, *args, **kwargs) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's to report, as usual
            return record
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record


def install() -> None:
    """Redact every record this process makes from now on; installing twice changes nothing."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))
