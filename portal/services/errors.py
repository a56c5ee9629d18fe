"""Domain refusals; views turn them into 4xx answers."""
from __future__ import annotations


class PortalError(Exception):
    status_code = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        # a message marked for translation (lazy_gettext) is rendered now, in the request's language,
        # so whatever shows it later (a page, a flash, a JSON body) holds a plain string
        message = str(message)
        super().__init__(message)
        self.message = message
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}


class InvalidInput(PortalError):
    status_code = 422


class NotFound(PortalError):
    status_code = 404


class LinkRevoked(PortalError):
    status_code = 410


class Conflict(PortalError):
    status_code = 409


class Forbidden(PortalError):
    status_code = 403


class StorageUnavailable(Exception):
    """Files could not be written (a full disk, an unwritable or missing upload folder): the request
    is refused as a whole with 503, and every file written for it is removed. Not a PortalError: it
    is no fault of the input, and the same request can succeed later."""
