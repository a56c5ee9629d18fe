"""The commands that end personal data: `retention apply` and `sellers forget CODE`
(kept apart from cli.py, which holds the rest of PRODUCT.md's commands and adds these)."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .cli_common import fail, parse_now
from .services import erasure, retention
from .services.errors import PortalError
from .services.runtime import runtime, utcnow

retention_cli = AppGroup("retention", help="How long personal data of closed tickets is kept.")


@retention_cli.command("apply")
@click.option("--now", "now_raw", help="Evaluate at this instant (ISO 8601).")
@click.option("--days", type=click.IntRange(1, 36500), help="Instead of PORTAL_RETENTION_DAYS.")
def retention_apply(now_raw: str | None, days: int | None):
    """Remove attachments and contact phones of tickets closed (or resolved) more than
    PORTAL_RETENTION_DAYS days ago; the last line is tickets=N attachments=N phones=N files=N."""
    days = days or current_app.config.get("PORTAL_RETENTION_DAYS")
    if not days:
        raise click.ClickException("PORTAL_RETENTION_DAYS is not set and no --days given: nothing is removed.")
    now = parse_now(now_raw)
    result = retention.apply_retention(now, days, runtime().upload_dir, actor_label="cli")
    cutoff = (now - dt.timedelta(days=days)).astimezone(runtime().timezone)
    click.echo(f"tickets closed before {cutoff:%Y-%m-%d %H:%M %Z}: "
               + ("nothing left to remove" if not result.tickets else
                  f"removed {result.attachments} attachment(s) ({result.files} file(s) on disk) and "
                  f"{result.phones} contact phone(s) from {result.tickets} ticket(s)"))
    click.echo(result.line())


@click.command("forget")  # `sellers forget`: cli.py adds it to its group
@click.argument("code")
@with_appcontext
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
