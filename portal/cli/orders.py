"""`flask orders import`: shipment statuses for instant answers."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..services import orders
from .common import import_csv

orders_cli = AppGroup("orders", help="Shipment statuses for instant answers.")


@orders_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def orders_import(file: Path):
    """Load parcel events (tracking_number,status,last_event,event_at[,seller_code]); an older event never
    overwrites a newer status, a repeated one is kept once."""
    import_csv(file, orders.import_orders)
