"""`flask demo …`: demo and benchmark data."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import demo, links, sellers
from ..services.runtime import runtime, utcnow

demo_cli = AppGroup("demo", help="Demo and benchmark data.")


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
    from ..services import generate

    generate.generate_tickets(count, days, seed, now=utcnow(), rt=runtime(), progress=click.echo)
