"""`flask routing …`: try and save routing rules."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..services.errors import PortalError
from ..services.runtime import utcnow
from .common import fail

routing_cli = AppGroup("routing", help="Routing rules.")


@routing_cli.command("test")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="Rules file to try (default: the active version).")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
def routing_test(rules: str | None, days: int):
    """Replay routing rules over recent tickets and print how many would move where."""
    import routing

    from ..services import routing_replay, routing_rules

    try:
        ruleset = routing.load_rules(rules) if rules else routing_rules.active_ruleset()
        lines = routing_replay.replay_recent(ruleset, days, now=utcnow())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for line in lines:
        click.echo(line)


@routing_cli.command("save")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", default="", help="Why the rules change (shown with the version).")
def routing_save(file: Path, comment: str):
    """Validate a rules JSON file and save it as the next version; new tickets are routed by it."""
    from ..services import routing_rules

    try:
        data = routing_rules.rules_from_text(file.read_text(encoding="utf-8-sig"))
        row = routing_rules.save_version(data, comment, now=utcnow(), actor_label="cli")
    except UnicodeDecodeError:
        raise click.ClickException("The file is not UTF-8 text.") from None
    except PortalError as exc:
        problems = exc.fields.get("rules_json", [])
        for problem in problems if problems != [exc.message] else ():
            click.echo(f"  {problem}", err=True)
        fail(exc)
    click.echo(f"saved routing rules {routing_rules.version_label(row.version)}")
