"""`flask users …`: staff accounts and their API tokens."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import staff
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .common import fail, read_password

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["agent", "lead", "manager", "admin"]), required=True)
@click.option("--department", "departments", multiple=True, help="Department code; repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(email, name, role, departments, password_stdin):
    """Add a staff account."""
    password = read_password(password_stdin)
    try:
        user = staff.add_user(email, name, role, password, list(departments), actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"added {user.role} {user.email}")


@users_cli.command("password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def users_password(email: str, password_stdin: bool):
    """Set a new password for a staff account; every session of that account ends."""
    from ..services import api_tokens

    password = read_password(password_stdin)
    try:
        user, _password = staff.reset_password(api_tokens.user_by_email(email).id, password, actor="cli",
                                               now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"password changed for {user.email}; their sessions have ended")


@users_cli.command("token")
@click.option("--email", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'ERP sync'.")
def users_token(email: str, name: str):
    """Issue a personal API token; the last line is the token alone (shown this once)."""
    from ..services import api_tokens

    try:
        raw, row = api_tokens.issue(api_tokens.user_by_email(email), name, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"API token {row.id} for {row.user.email} ({row.name}); it is shown this once:")
    click.echo(raw)


@users_cli.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def users_revoke_token(token_id: int):
    """Revoke an API token by its id; it stops working at once."""
    from ..services import api_tokens

    try:
        row = api_tokens.revoke(token_id, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"revoked API token {row.id} ({row.prefix}…, {row.name}) of {row.user.email}")
