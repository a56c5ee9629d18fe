"""`flask report sla`: SLA reports as CSV or XLSX files."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..services import reports
from ..services.errors import PortalError
from ..services.runtime import runtime, utcnow
from .common import fail

report_cli = AppGroup("report", help="SLA reports.")


@report_cli.command("sla")
@click.option("--from", "day_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "day_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--by", type=click.Choice(reports.BYS), default="ticket", show_default=True)
@click.option("--department")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(reports.HEADER_LANGUAGES), default="en", show_default=True,
              help="en: the column names and codes; vi: Vietnamese labels and the values' codes in words.")
def report_sla(day_from, day_to, by, department, out: Path, lang: str):
    """Write the SLA report for local days FROM..TO (inclusive) as CSV, or XLSX when FILE ends in
    .xlsx (grouped reports only)."""
    try:
        reports.write_report(out, day_from.date(), day_to.date(), by, now=utcnow(), timezone=runtime().timezone,
                             department=department, lang=lang)
    except PortalError as exc:
        refused = [f"--{name}" for name in ("from", "to", "department") if name in exc.fields]
        if refused:  # a value of the command line: a usage error naming the option
            raise click.BadParameter(str(exc.message), param_hint=" / ".join(refused)) from None
        fail(exc)
    click.echo(f"wrote {out}")
