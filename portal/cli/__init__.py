"""The `flask --app wsgi …` commands of PRODUCT.md, one module per command group, all registered here."""
from __future__ import annotations

from flask import Flask

from .demo import demo_cli
from .departments import departments_cli
from .integrations import integrations_cli
from .notifications import notifications_cli
from .orders import orders_cli
from .report import report_cli
from .retention import retention_cli
from .routing import routing_cli
from .sellers import sellers_cli
from .sla import sla_cli
from .users import users_cli
from .webhooks import webhooks_cli

GROUPS = (demo_cli, sellers_cli, users_cli, orders_cli, sla_cli, report_cli, routing_cli, webhooks_cli, departments_cli,
          retention_cli, integrations_cli, notifications_cli)


def register(app: Flask) -> None:
    for group in GROUPS:
        app.cli.add_command(group)
