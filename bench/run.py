"""`make bench`: the portal beside django-helpdesk and a bare Flask + SQLAlchemy app, and at a million
tickets the staff list, the CSV export, the SLA sweep and the peer kit's mixed load on SQLite and
PostgreSQL, every figure printed beside its floor (issue 18) with PASS or FAIL. See bench/README.md.

    python bench/run.py              # the whole run (1M tickets; large databases reused from the cache)
    python bench/run.py --quick      # bench-quick: 100k tickets, short loads
    python bench/run.py --db postgresql --skip submissions,csv,sweep
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import steps  # noqa: E402
from bench.common import RESULTS, Budget, OutOfTime, changed_sources, cpu_speed_ms, machine, say  # noqa: E402
from bench.database import DEFAULT_PG_URL, pg_version  # noqa: E402
from bench.floors import Figures  # noqa: E402

STEPS = ("submissions", "reads", "csv", "sweep", "mixed")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k tickets, 3 s of wrk, 20 s of mixed load")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both",
                        help="databases for the large figures (submissions are always on SQLite, like the peer's)")
    parser.add_argument("--big", type=int, help="tickets for the large figures (1,000,000; 100,000 with --quick)")
    parser.add_argument("--small", type=int, default=10_000, help="tickets behind the submissions (%(default)s)")
    parser.add_argument("--wrk-seconds", type=float, help="each wrk run (10; 3 with --quick)")
    parser.add_argument("--rounds", type=int, help="wrk rounds of portal, bare and peer in turn (2; 1 with --quick)")
    parser.add_argument("--samples", type=int, help="sequential requests per latency figure (100; 30 with --quick)")
    parser.add_argument("--agents", type=int, help="mixed load: agents refreshing every 30 s (1500; 300 with --quick)")
    parser.add_argument("--sellers-per-s", type=float, help="mixed load: seller submissions a second (20; 5 quick)")
    parser.add_argument("--mixed-seconds", type=float, help="mixed load duration (60; 20 with --quick)")
    parser.add_argument("--mixed-workers", type=int, default=4,
                        help="gunicorn workers under the mixed load (%(default)s: gunicorn.conf.py's 2 per CPU here)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
                        help="PostgreSQL URL; databases <name>_<size> are created beside it (default %(default)s)")
    parser.add_argument("--fresh", action="store_true",
                        help="generate the large databases again (and keep them for the next runs)")
    parser.add_argument("--skip", default="", help=f"comma separated steps to leave out ({', '.join(STEPS)})")
    parser.add_argument("--budget", type=float, help="minutes for the whole run (90; 30 with --quick)")
    args = parser.parse_args(argv)
    args.skip_steps = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    if args.skip_steps - set(STEPS):
        parser.error(f"--skip takes {', '.join(STEPS)}")
    return args


def options(args: argparse.Namespace) -> steps.Options:
    quick = args.quick
    return steps.Options(
        small=args.small, big=args.big or (100_000 if quick else 1_000_000),
        wrk_seconds=args.wrk_seconds or (3.0 if quick else 10.0), rounds=args.rounds or (1 if quick else 2),
        samples=args.samples or (30 if quick else 100), agents=args.agents or (300 if quick else 1500),
        sellers_per_s=args.sellers_per_s or (5.0 if quick else 20.0),
        mixed_seconds=args.mixed_seconds or (20.0 if quick else 60.0), mixed_workers=args.mixed_workers,
        pg_url=args.pg_url, fresh=args.fresh)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through every step's finally: servers stopped


def report(figures: Figures, opts: steps.Options, info: dict, argv: list[str], minutes: float) -> str:
    return "\n".join([
        f"# Benchmark ({dt.datetime.now().astimezone().isoformat(timespec='seconds')})",
        "",
        f"`bench/run.py {' '.join(argv)}` in {minutes:.1f} min. Machine: {info['nproc']} CPUs, {info['cpu']}, "
        f"{info['ram']} RAM; Python {info['python']}, SQLite {info['sqlite']}, PostgreSQL {info.get('pg', 'n/a')}. "
        f"Load average at start {info['loadavg_start']}, at end {info['loadavg_end']} (other work on the machine "
        "makes every figure noisy). CPU speed (bench/common.py `cpu_speed_ms`, lower is faster): "
        f"{info['cpu_ms_start']} ms at start, {info['cpu_ms_end']} ms at end.",
        "",
        f"Submissions: {opts.small:,} tickets, SQLite, gunicorn 2 sync workers each, "
        f"`wrk -t2 -c8 -d{opts.wrk_seconds:g}s` posting the real form, {opts.rounds} round(s) in turn. "
        f"Large figures at {opts.big:,} tickets. Mixed load: "
        f"{opts.agents} agents refreshing every 30 s + {opts.sellers_per_s:g} sellers/s + a manager exporting every "
        f"ticket, {opts.mixed_seconds:g} s, gunicorn {opts.mixed_workers} sync workers.",
        "",
        figures.table(),
        "",
        f"Overall: {'PASS' if figures.all_pass() else 'FAIL'}",
    ])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    opts = options(args)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    budget = Budget((args.budget or (30 if args.quick else 90)) * 60)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    info = machine()
    if "postgresql" in kinds:
        info["pg"] = pg_version(opts.pg_url)
    info["cpu_ms_start"] = cpu_speed_ms()
    say(f"budget {budget.seconds / 60:.0f} min; {info['nproc']} CPUs; load average {info['loadavg_start']}; "
        f"CPU speed {info['cpu_ms_start']} ms")
    started, started_epoch = time.monotonic(), time.time()
    figures, raw = Figures(), {"argv": argv, "machine": info}
    try:
        if "submissions" not in args.skip_steps:
            steps.submissions(opts, budget, figures, raw)
        large_skip = args.skip_steps & {"reads", "csv", "sweep", "mixed"}
        if large_skip != {"reads", "csv", "sweep", "mixed"}:
            for kind in kinds:
                steps.large(kind, opts, budget, figures, raw, large_skip)
    except OutOfTime:
        say("time budget spent: the remaining steps were not run")
    except KeyboardInterrupt:
        say("interrupted: printing what was measured so far")
    info["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["cpu_ms_end"] = cpu_speed_ms()
    changed = changed_sources(started_epoch)
    text = report(figures, opts, info, argv, (time.monotonic() - started) / 60)
    if changed:
        text += f"\n\nWarning: app files changed during the run (figures may mix versions): {', '.join(changed[:10])}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text + "\n", encoding="utf-8")
    (RESULTS / f"run-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(raw, indent=2, default=str), encoding="utf-8")
    print()
    print(text)
    print(f"\nwritten to {RESULTS / 'latest.md'}")
    return 0 if figures.all_pass() else 1


if __name__ == "__main__":
    sys.exit(main())
