"""`flask departments …`: departments and their business calendars."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..services.errors import PortalError
from ..services.runtime import utcnow
from .common import fail

departments_cli = AppGroup("departments", help="Departments and their business calendars.")


@departments_cli.command("list")
def departments_list():
    """One line per department: code, name, calendar."""
    from ..services import departments

    for code in ("delivery", "returns", "finance", "apps", "triage"):
        try:
            department = departments.by_code(code)
        except PortalError:
            continue
        calendar = department.calendar_data or {"kind": "24/7"}
        click.echo(f"{department.code}\t{department.name}\t{calendar.get('kind')} {calendar.get('timezone', '')}")


@departments_cli.command("add")
@click.option("--code", required=True, help="Lower-case code, e.g. delivery.")
@click.option("--name", required=True, help="Name in English.")
@click.option("--name-vi", default=None, help="Name in Vietnamese.")
def departments_add(code: str, name: str, name_vi: str | None):
    """Add a department."""
    from ..services import departments

    try:
        department = departments.add_department(code, name, name_vi, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"added department {department.code}")


@departments_cli.command("calendar")
@click.argument("code")
@click.option("--business/--always-open", default=True, help="Business hours with holidays, or 24/7.")
@click.option("--timezone", default=lambda: current_app.config["PORTAL_TIMEZONE"], show_default="PORTAL_TIMEZONE")
@click.option("--holiday", "holidays", multiple=True, help="An extra closed day (YYYY-MM-DD); repeat for several.")
def departments_calendar(code: str, business: bool, timezone: str, holidays: tuple[str, ...]):
    """Set a department's calendar for the first-response clock of new tickets."""
    from ..services import departments

    try:
        data = departments.set_calendar(code, business, timezone, list(holidays), actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"{code}: " + ("open 24/7" if data is None else f"business hours in {data['timezone']}"))
