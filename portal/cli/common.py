"""What the commands share: refusals as click errors, --now, CSV files, passwords."""
from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

import click

from ..services.errors import PortalError
from ..services.runtime import runtime, utcnow


def fail(exc: PortalError) -> None:
    raise click.ClickException(exc.message)


def parse_now(raw: str | None) -> dt.datetime:
    """--now as a UTC instant (the portal's zone when it names none); a usage error for anything else."""
    if not raw:
        return utcnow()
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return (value if value.tzinfo else value.replace(tzinfo=runtime().timezone)).astimezone(dt.UTC)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-11-23T09:30:00+07:00", param_hint="--now") from None
    except OverflowError:
        raise click.BadParameter("the instant is outside what the calendar holds in UTC (years 1 to 9999)",
                                 param_hint="--now") from None


def import_csv(file: Path, importer) -> None:
    """Run a CSV importer over a UTF-8 file: one line per rejected row, then the summary."""
    try:
        report = importer(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException("The file is not UTF-8 text.") from None
    except PortalError as exc:
        fail(exc)
    for line, reason in report.rejected:
        click.echo(f"line {line}: rejected: {reason}", err=True)
    click.echo(report.summary())


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        raise click.ClickException("The passwords differ.")
    return password
