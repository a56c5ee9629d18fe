"""`flask integrations …`: tokens for the carrier's system to post parcel events with."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import integration_tokens
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .common import fail

integrations_cli = AppGroup("integrations", help="Tokens for systems that post parcel events.")


@integrations_cli.command("token")
@click.option("--name", required=True, help="What the token is for, e.g. “Carrier feed”.")
def integrations_token(name: str):
    """Make a token for POST /api/v1/shipments/events; the token is the last line, shown only now."""
    try:
        raw, row = integration_tokens.issue(name, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"integration token {row.id} “{row.name}” made; only its SHA-256 is kept, so copy it now:")
    click.echo(raw)


@integrations_cli.command("list")
def integrations_list():
    """One line per token: id, state, prefix, last use, name."""
    rows = integration_tokens.tokens()
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
        click.echo(f"{row.id}\t{state}\t{row.prefix}…\t{used}\t{row.name}")
    if not rows:
        click.echo("no integration tokens")


@integrations_cli.command("revoke")
@click.argument("token_id", type=int)
def integrations_revoke(token_id: int):
    """Stop a token from working (the row stays for the record)."""
    try:
        row = integration_tokens.revoke(token_id, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"integration token {row.id} “{row.name}” revoked")
