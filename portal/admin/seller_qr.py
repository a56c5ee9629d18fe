"""/admin/sellers/<id>/qr.png and /card: a seller's link as a QR code to download, and as a card to print
and hand over. Only those who may revoke a link see it (managers get neither, as they see no link)."""
from __future__ import annotations

import base64
import io

import segno
from flask import Response, abort, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..services import links, sellers
from ..services.errors import PortalError
from ..services.runtime import runtime
from .views import bp

PNG_SCALE = 10  # 10 px a module: a link's code is about 450 px square, sharp when printed at 4 cm
CARD_SCALE = 6


def _seller_link(seller_id: int):
    if current_user.role != "admin":  # the link opens the seller's account
        abort(404)
    try:
        seller = sellers.get(seller_id)
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    rt = runtime()
    return seller, links.link_url(seller, rt.secret_key, rt.public_base_url)


def qr_png(url: str, scale: int = PNG_SCALE) -> bytes:
    """The URL as a QR code in a PNG, black on white with the standard quiet zone of 4 modules."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _qr_svg_uri(url: str, title: str) -> str:
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="svg", scale=CARD_SCALE, border=4, xmldecl=False, title=title)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _instruction() -> str:
    return _("Scan the QR code with your phone's camera to open your shop's support page — no login needed.")


def _instructions() -> dict[str, str]:
    """How to use the card, in both languages whatever the page's: the shop reads one, staff the other."""
    found = {}
    for language in ("vi", "en"):
        with force_locale(language):
            found[language] = _instruction()
    return found


@bp.get("/sellers/<int:seller_id>/qr.png")
def seller_qr_png(seller_id: int):
    seller, url = _seller_link(seller_id)
    return Response(qr_png(url), mimetype="image/png", headers={
        "Content-Disposition": f'attachment; filename="link-{seller.code}.png"',
        "Cache-Control": "no-store"})  # the picture is the link: not kept by caches


@bp.get("/sellers/<int:seller_id>/card")
def seller_card(seller_id: int):
    seller, url = _seller_link(seller_id)
    qr = _qr_svg_uri(url, _("QR code of the link of %(seller)s", seller=seller.name))
    response = Response(render_template("admin/seller_card.html", seller=seller, link=url, qr=qr,
                                        instructions=_instructions()))
    response.headers["Cache-Control"] = "no-store"
    return response
