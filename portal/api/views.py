"""The JSON API under /api/v1: the seller part (link token) and the staff part (personal API token)
as nested blueprints, each authenticating its own callers, and the OpenAPI document of both.

Every answer is JSON; every refusal is {"error": {"status", "message", "fields"}}.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..extensions import csrf
from ..services.errors import PortalError
from . import carrier, docs, seller, staff
from .common import Unauthenticated, error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.register_blueprint(seller.bp)
bp.register_blueprint(staff.bp)
bp.register_blueprint(carrier.bp)


@bp.errorhandler(PortalError)
def portal_error(exc: PortalError):
    if isinstance(exc, Unauthenticated):
        return error_response(401, exc.message, exc.fields, realm=exc.realm, error=exc.error)
    return error_response(exc.status_code, exc.message, exc.fields)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    # raised inside the API (rate limits, a NUL in the request, a body too large): the API's own shape
    if exc.code is None or exc.code < 400:
        return exc
    if exc.code == 429:
        return error_response(429, _("Too many requests. Please wait a minute and try again."))
    return error_response(exc.code, str(exc.description or exc.name))


@bp.get("/openapi.json")
@docs.document(resp=docs.Response(HTTP_200=(docs.OpenApiDocument, "The OpenAPI 3.1 document")), tags=("meta",),
               security={})
def openapi():
    """This API described in OpenAPI 3.1

    No token needed.
    """
    return docs.spec.spec
