"""`flask sla …`: the enforcement pass, SLA policies and the scheduler process."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from ..services import sla_jobs
from ..services.errors import PortalError
from ..services.runtime import runtime, utcnow
from .common import fail, parse_now

sla_cli = AppGroup("sla", help="First-response SLA enforcement.")


@sla_cli.command("sweep")
@click.option("--now", "now_raw", help="Evaluate at this instant (ISO 8601).")
def sla_sweep(now_raw: str | None):
    """One enforcement pass; the last line is at_risk=N breached=N escalated=N."""
    manager_after = dt.timedelta(minutes=current_app.config["SLA_MANAGER_ESCALATION_MINUTES"])
    now, earliest = parse_now(now_raw), dt.datetime.min.replace(tzinfo=dt.UTC) + manager_after
    if now < earliest:  # the sweep looks back SLA_MANAGER_ESCALATION_MINUTES from now
        raise click.BadParameter(f"use an instant from {earliest.isoformat()} on", param_hint="--now")
    result = sla_jobs.sweep(now, manager_after, current_app.config["SLA_BUMP_PRIORITY_ON_BREACH"])
    click.echo(result.line())


@sla_cli.group("policy")
def sla_policy():
    """SLA policies per department and priority."""


@sla_policy.command("set")
@click.option("--department", default="*", show_default=True, help="Department code, or * for any.")
@click.option("--priority", default="*", show_default=True, help="normal, high, urgent, or * for any.")
@click.option("--first-response-minutes", type=click.IntRange(1, 60 * 24 * 30), required=True)
@click.option("--at-risk-minutes", type=click.IntRange(1, 60 * 24 * 30))
@click.option("--resolution-minutes", type=click.IntRange(1, 60 * 24 * 365))
def sla_policy_set(department, priority, first_response_minutes, at_risk_minutes, resolution_minutes):
    """Store a new policy version; existing tickets keep their due times until `sla policy apply`."""
    from ..services import policies

    try:
        row = policies.set_policy(department, priority, first_response_minutes, at_risk_minutes,
                                  resolution_minutes, actor="cli", now=utcnow(), rt=runtime())
    except PortalError as exc:
        fail(exc)
    click.echo(f"policy {department}/{priority} version {row.version}: first response {first_response_minutes} min")


@sla_policy.command("list")
def sla_policy_list():
    """The active policies, most specific first."""
    from ..services import policies

    rt = runtime()
    click.echo(f"default */*: first response {rt.policy.first_response}, at risk {rt.policy.at_risk_before} before")
    for (department, priority), policy in sorted(policies.active_policies(rt.policy).items()):
        click.echo(f"{department}/{priority}: first response {policy.first_response}, "
                   f"at risk {policy.at_risk_before} before")


@sla_policy.command("apply")
@click.option("--department", help="Only this department's open tickets.")
def sla_policy_apply(department: str | None):
    """Recompute due times of open, unanswered tickets under today's policies (recorded per ticket)."""
    from ..services import policies

    try:
        changed = policies.reapply(department, actor="cli", now=utcnow(), rt=runtime())
    except PortalError as exc:
        fail(exc)
    click.echo(f"re-applied policies: {changed} ticket(s) changed")


@sla_cli.command("scheduler")
@click.option("--interval", type=click.IntRange(5, 3600), default=60, show_default=True, help="Seconds between sweeps.")
def sla_scheduler(interval: int):
    """Run the SLA scheduler in the foreground (one such process beside the web workers)."""
    from ..scheduler import run_forever

    run_forever(current_app._get_current_object(), interval)
