"""What the command modules share: turning a refusal into a usage error, reading --now."""
from __future__ import annotations

import datetime as dt

import click

from .services.errors import PortalError
from .services.runtime import runtime, utcnow


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
