"""`flask retention apply`: how long personal data of closed tickets is kept."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from ..services import retention
from ..services.runtime import runtime
from .common import parse_now

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
                  f"removed {result.attachments} attachment(s) ({result.files} file(s) on disk), "
                  f"{result.phones} contact phone(s) and {result.notifications} message(s) sent to sellers "
                  f"from {result.tickets} ticket(s)"))
    click.echo(result.line())
