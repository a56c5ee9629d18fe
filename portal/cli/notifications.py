"""`flask notifications …`: the seller notifications' delivery pass, and VAPID keys for Web Push."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import seller_notify_delivery, webpush
from .common import parse_now

notifications_cli = AppGroup("notifications", help="Seller notifications (SMS/Zalo gateway, Web Push).")


@notifications_cli.command("deliver")
@click.option("--now", "now_raw", help="Evaluate at this instant (ISO 8601).")
def notifications_deliver(now_raw: str | None):
    """Send every pending notification that is due now; the last line is
    delivered=N retrying=N dead=N refused=N gone=N."""
    click.echo(seller_notify_delivery.deliver_due(parse_now(now_raw)).line())


@notifications_cli.command("vapid-keys")
def notifications_vapid_keys():
    """Print a new VAPID key pair for WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_VAPID_PUBLIC_KEY."""
    private, public = webpush.new_vapid_keys()
    click.echo(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
    click.echo(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
