"""`flask webhooks …`: endpoints and the delivery pass."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import webhook_delivery, webhooks
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .common import fail, parse_now

webhooks_cli = AppGroup("webhooks", help="Outbound webhooks for ticket events.")


@webhooks_cli.command("add")
@click.option("--url", required=True, help="http:// or https:// URL that receives the JSON posts; its host must "
              "resolve to public addresses unless OUTBOUND_ALLOW_PRIVATE=1.")
@click.option("--events", required=True, help=f"Comma separated, from: {','.join(webhooks.EVENT_KINDS)}.")
@click.option("--secret", help="HMAC secret (at least 16 characters); generated when omitted.")
def webhooks_add(url: str, events: str, secret: str | None):
    """Register an endpoint (its URL checked as every delivery will be); prints its id and the secret
    that signs its posts."""
    try:
        endpoint = webhooks.add_endpoint(url, events, secret, now=utcnow(), actor="cli")
    except PortalError as exc:
        fail(exc)
    click.echo(f"added endpoint {endpoint.id} {endpoint.url} events={endpoint.events}")
    click.echo(f"secret: {endpoint.secret}")


@webhooks_cli.command("list")
def webhooks_list():
    """One line per endpoint: id, state, events, URL."""
    rows = webhooks.endpoints()
    for endpoint in rows:
        state = "active" if endpoint.active else "inactive"
        click.echo(f"{endpoint.id}\t{state}\t{endpoint.events}\t{endpoint.url}")
    if not rows:
        click.echo("no webhook endpoints")


@webhooks_cli.command("deliver")
@click.option("--now", "now_raw", help="Evaluate at this instant (ISO 8601).")
def webhooks_deliver(now_raw: str | None):
    """One delivery pass; the last line is delivered=N retrying=N failed=N refused=N."""
    click.echo(webhook_delivery.deliver_due(parse_now(now_raw)).line())
