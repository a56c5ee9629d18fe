"""`flask sellers …`: sellers, their links, and erasing their personal data."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..services import erasure, links, seller_import, sellers
from ..services.errors import PortalError
from ..services.runtime import runtime, utcnow
from .common import fail, import_csv

sellers_cli = AppGroup("sellers", help="Sellers and their links.")


@sellers_cli.command("add")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--phone")
@click.option("--locale", type=click.Choice(sellers.LOCALES), default="vi", show_default=True)
def sellers_add(code, name, phone, locale):
    """Add one seller."""
    try:
        seller = sellers.add_seller(sellers.clean_seller(code, name, phone, locale), now=utcnow(), actor_label="cli")
    except PortalError as exc:
        fail(exc)
    click.echo(f"added seller {seller.code}")


@sellers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sellers_import(file: Path):
    """Add or update sellers from a CSV with columns code,name[,phone][,locale]."""
    import_csv(file, lambda text: seller_import.import_sellers(text, now=utcnow(), actor_label="cli"))


def _seller(code: str):
    seller = sellers.by_code(code)
    if seller is None:
        raise click.ClickException(f"No seller with code {code}.")
    return seller


@sellers_cli.command("link")
@click.argument("code")
def sellers_link(code: str):
    """Print the seller's activation URL (the last line is the URL alone)."""
    seller, rt = _seller(code), runtime()
    click.echo(f"Link for {seller.name} ({seller.code}), key version {seller.link_version}:")
    click.echo(links.link_url(seller, rt.secret_key, rt.public_base_url))


@sellers_cli.command("revoke")
@click.argument("code")
def sellers_revoke(code: str):
    """Invalidate every link issued so far to this seller."""
    version = sellers.revoke_links(_seller(code), now=utcnow(), actor_label="cli")
    click.echo(f"revoked all links of {code}; new key version {version}")


@sellers_cli.command("forget")
@click.argument("code")
def sellers_forget(code: str):
    """Erase the seller's personal data (name, phone, message text, files) and revoke their links;
    their tickets stay, anonymous, and keep counting in reports. The last line has the counts."""
    try:
        result = erasure.forget_seller(code, now=utcnow(), upload_dir=runtime().upload_dir, actor_label="cli")
    except PortalError as exc:
        fail(exc)
    if result.nothing:
        click.echo(f"nothing left to erase for seller {code}")
    else:
        click.echo(f"erased the personal data of seller {code}: name {'yes' if result.name else 'no (blank)'}, "
                   f"phone {'yes' if result.phone else 'no (none)'}, {result.tickets} ticket(s) (description, "
                   f"contact phone, CSAT comment, search words), {result.messages} message text(s), "
                   f"{result.attachments} attachment(s) ({result.files} file(s) on disk), "
                   f"{result.webhook_deliveries} webhook payload(s), {result.audit_events} audit record(s); "
                   f"links revoked (key version {result.link_version})")
    click.echo(result.line())
