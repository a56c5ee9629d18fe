"""The `flask --app wsgi …` commands of PRODUCT.md."""
from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .services import demo, links, orders, reports, seller_import, sellers, sla_jobs, staff, webhook_delivery, webhooks
from .services.errors import PortalError
from .services.runtime import runtime, utcnow

demo_cli = AppGroup("demo", help="Demo and benchmark data.")
sellers_cli = AppGroup("sellers", help="Sellers and their links.")
users_cli = AppGroup("users", help="Staff accounts.")
orders_cli = AppGroup("orders", help="Shipment statuses for instant answers.")
sla_cli = AppGroup("sla", help="First-response SLA enforcement.")
report_cli = AppGroup("report", help="SLA reports.")
routing_cli = AppGroup("routing", help="Routing rules.")
webhooks_cli = AppGroup("webhooks", help="Outbound webhooks for ticket events.")
departments_cli = AppGroup("departments", help="Departments and their business calendars.")


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


@demo_cli.command("load")
def demo_load():
    """Departments, staff, sellers, shipments and sample tickets; safe to run again."""
    added = demo.load_demo(utcnow(), runtime())
    click.echo("demo data: " + " ".join(f"{k}+{v}" for k, v in added.items()))


@demo_cli.command("info")
@click.option("--sellers", "count", default=2, show_default=True)
def demo_info(count: int):
    """Print demo seller links and staff logins."""
    rt = runtime()
    click.echo("Seller links:")
    for code in [f"DEMO-{i:03d}" for i in range(1, count + 1)]:
        seller = sellers.by_code(code)
        if seller:
            click.echo(f"  {seller.name} ({code}): {links.link_url(seller, rt.secret_key, rt.public_base_url)}")
    click.echo(f"Staff logins (password {demo.DEMO_PASSWORD}):")
    for email, _name, role, codes in demo.demo_staff():
        if role != "agent" or email.startswith("agent1."):
            click.echo(f"  {email:28} {role:8} {' '.join(codes)}")


@demo_cli.command("generate")
@click.option("--tickets", "count", type=click.IntRange(1, 20_000_000), required=True)
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True)
@click.option("--seed", type=int, default=1)
def demo_generate(count: int, days: int, seed: int):
    """Bulk synthetic tickets for benchmarks."""
    from .services import generate

    generate.generate_tickets(count, days, seed, now=utcnow(), rt=runtime(), progress=click.echo)


@sellers_cli.command("add")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--phone")
@click.option("--locale", type=click.Choice(sellers.LOCALES), default="vi", show_default=True)
def sellers_add(code, name, phone, locale):
    """Add one seller."""
    try:
        seller = sellers.add_seller(sellers.clean_seller(code, name, phone, locale), now=utcnow(), actor_label="cli")
    except PortalError as exc:
        fail(exc)
    click.echo(f"added seller {seller.code}")


@sellers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sellers_import(file: Path):
    """Add or update sellers from a CSV with columns code,name[,phone][,locale]."""
    _import_csv(file, lambda text: seller_import.import_sellers(text, now=utcnow(), actor_label="cli"))


def _import_csv(file: Path, importer) -> None:
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


def _seller(code: str):
    seller = sellers.by_code(code)
    if seller is None:
        raise click.ClickException(f"No seller with code {code}.")
    return seller


@sellers_cli.command("link")
@click.argument("code")
def sellers_link(code: str):
    """Print the seller's activation URL (the last line is the URL alone)."""
    seller, rt = _seller(code), runtime()
    click.echo(f"Link for {seller.name} ({seller.code}), key version {seller.link_version}:")
    click.echo(links.link_url(seller, rt.secret_key, rt.public_base_url))


@sellers_cli.command("revoke")
@click.argument("code")
def sellers_revoke(code: str):
    """Invalidate every link issued so far to this seller."""
    version = sellers.revoke_links(_seller(code), now=utcnow(), actor_label="cli")
    click.echo(f"revoked all links of {code}; new key version {version}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        raise click.ClickException("The passwords differ.")
    return password


@users_cli.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["agent", "lead", "manager", "admin"]), required=True)
@click.option("--department", "departments", multiple=True, help="Department code; repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(email, name, role, departments, password_stdin):
    """Add a staff account."""
    password = _read_password(password_stdin)
    try:
        user = staff.add_user(email, name, role, password, list(departments), actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"added {user.role} {user.email}")


@users_cli.command("password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def users_password(email: str, password_stdin: bool):
    """Set a new password for a staff account; every session of that account ends."""
    from .services import api_tokens

    password = _read_password(password_stdin)
    try:
        user, _password = staff.reset_password(api_tokens.user_by_email(email).id, password, actor="cli",
                                               now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"password changed for {user.email}; their sessions have ended")


@users_cli.command("token")
@click.option("--email", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'ERP sync'.")
def users_token(email: str, name: str):
    """Issue a personal API token; the last line is the token alone (shown this once)."""
    from .services import api_tokens

    try:
        raw, row = api_tokens.issue(api_tokens.user_by_email(email), name, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"API token {row.id} for {row.user.email} ({row.name}); it is shown this once:")
    click.echo(raw)


@users_cli.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def users_revoke_token(token_id: int):
    """Revoke an API token by its id; it stops working at once."""
    from .services import api_tokens

    try:
        row = api_tokens.revoke(token_id, actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"revoked API token {row.id} ({row.prefix}…, {row.name}) of {row.user.email}")


@orders_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def orders_import(file: Path):
    """Load shipment statuses (tracking_number,status,last_event,event_at)."""
    _import_csv(file, orders.import_orders)


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
    from .services import policies

    try:
        row = policies.set_policy(department, priority, first_response_minutes, at_risk_minutes,
                                  resolution_minutes, actor="cli", now=utcnow(), rt=runtime())
    except PortalError as exc:
        fail(exc)
    click.echo(f"policy {department}/{priority} version {row.version}: first response {first_response_minutes} min")


@sla_policy.command("list")
def sla_policy_list():
    """The active policies, most specific first."""
    from .services import policies

    rt = runtime()
    click.echo(f"default */*: first response {rt.policy.first_response}, at risk {rt.policy.at_risk_before} before")
    for (department, priority), policy in sorted(policies.active_policies(rt.policy).items()):
        click.echo(f"{department}/{priority}: first response {policy.first_response}, "
                   f"at risk {policy.at_risk_before} before")


@sla_policy.command("apply")
@click.option("--department", help="Only this department's open tickets.")
def sla_policy_apply(department: str | None):
    """Recompute due times of open, unanswered tickets under today's policies (recorded per ticket)."""
    from .services import policies

    try:
        changed = policies.reapply(department, actor="cli", now=utcnow(), rt=runtime())
    except PortalError as exc:
        fail(exc)
    click.echo(f"re-applied policies: {changed} ticket(s) changed")


@sla_cli.command("scheduler")
@click.option("--interval", type=click.IntRange(5, 3600), default=60, show_default=True, help="Seconds between sweeps.")
def sla_scheduler(interval: int):
    """Run the SLA scheduler in the foreground (one such process beside the web workers)."""
    from .scheduler import run_forever

    run_forever(current_app._get_current_object(), interval)


@report_cli.command("sla")
@click.option("--from", "day_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "day_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--by", type=click.Choice(reports.BYS), default="ticket", show_default=True)
@click.option("--department")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(reports.HEADER_LANGUAGES), default="en", show_default=True,
              help="Header row: en gives the column names, vi their Vietnamese labels.")
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


@routing_cli.command("test")
@click.option("--rules", type=click.Path(exists=True, dir_okay=False),
              help="Rules file to try (default: the active version).")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
def routing_test(rules: str | None, days: int):
    """Replay routing rules over recent tickets and print how many would move where."""
    import routing

    from .services import routing_replay, routing_rules

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
    from .services import routing_rules

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


@departments_cli.command("list")
def departments_list():
    """One line per department: code, name, calendar."""
    from .services import departments

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
    from .services import departments

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
    from .services import departments

    try:
        data = departments.set_calendar(code, business, timezone, list(holidays), actor="cli", now=utcnow())
    except PortalError as exc:
        fail(exc)
    click.echo(f"{code}: " + ("open 24/7" if data is None else f"business hours in {data['timezone']}"))


def register(app: Flask) -> None:
    from .cli_privacy import retention_cli  # adds `sellers forget` too

    for group in (demo_cli, sellers_cli, users_cli, orders_cli, sla_cli, report_cli, routing_cli, webhooks_cli,
                  departments_cli, retention_cli):
        app.cli.add_command(group)
