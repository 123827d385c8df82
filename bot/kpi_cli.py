"""`leadline kpi`, `leadline export` and `leadline demo`: the KPI engine from the terminal.

`register(subparsers)` adds the commands to bot/cli.py's parser; each handler takes
(args, settings) and returns the exit status: 0 ok, 2 bad input, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from analytics.db import Database
from analytics.errors import InvalidInput
from analytics.kpi import BREAKDOWNS, compute_report
from analytics.kpi.export import KINDS, export_csv
from analytics.kpi.render import render_text
from analytics.kpi.window import resolve_period
from bot.cli_support import fail, run_with_db
from bot.settings import Settings

_WHEN_HELP = ("a date (midnight in TIMEZONE) or an ISO 8601 date-time, with an offset or else read in "
              "TIMEZONE")


def cmd_kpi(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)

    async def work(db: Database) -> None:
        period = resolve_period(args.from_, args.to, now=now, tz=settings.tz)
        async with db.read() as session:
            report = await compute_report(
                session, period, now=now, tz=settings.tz, calendar=settings.calendar,
                sla_minutes=settings.sla_minutes, breakdowns=args.by or (),
                business_hours=args.business_hours,
            )
        if args.json:
            print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        else:
            sys.stdout.write(render_text(report))

    return run_with_db(work, settings)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        period = resolve_period(args.from_, args.to, now=datetime.now(UTC), tz=settings.tz)
    except InvalidInput as exc:
        return fail(str(exc), 2)
    try:
        out = open(args.csv, "w", encoding="utf-8", newline="") if args.csv else sys.stdout
    except OSError as exc:
        return fail(f"cannot write {args.csv}: {exc.strerror}", 1)
    try:
        return run_with_db(lambda db: _write_export(db, args.what, period, settings, out), settings)
    finally:
        if args.csv:
            out.close()


async def _write_export(db: Database, kind: str, period, settings: Settings, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        async for chunk in export_csv(session, kind, period, settings.tz):
            out.write(chunk)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from analytics.demo import generate_demo
    from analytics.ingest import IngestConfig
    from analytics.topics import load_topics
    from bot.migrations import upgrade

    if not 1 <= args.days <= 366 or not 1 <= args.leads <= 100_000:
        return fail(f"--days must be 1-366 and --leads 1-100000 (got {args.days} and {args.leads})", 2)
    try:
        upgrade(settings.database_url)
        topics = load_topics(settings.topics_file or None)
    except InvalidInput as exc:
        return fail(str(exc), 2)
    except Exception as exc:
        return fail(f"cannot prepare the database: {type(exc).__name__}: {exc}", 1)
    config = IngestConfig(timedelta(hours=settings.conversation_gap_hours), settings.calendar, topics)

    async def work(db: Database) -> None:
        summary = await generate_demo(db, config, days=args.days, leads=args.leads, seed=args.seed,
                                      now=datetime.now(UTC), tz=settings.tz)
        print(summary)

    return run_with_db(work, settings)


def _add_window(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_", metavar="WHEN",
                        help=f"start, inclusive: {_WHEN_HELP} (default: 7 days before --to)")
    parser.add_argument("--to", metavar="WHEN",
                        help=f"end, exclusive: {_WHEN_HELP} (default: the end of today)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `kpi`, `export` and `demo` commands to the `leadline` parser."""
    kpi = subparsers.add_parser(
        "kpi", help="response times, waits, volumes, opt-outs, sentiment and topics for a period",
        description="Compute the KPIs of the period [--from, --to) (definitions: docs/metrics.md). "
        "Without --json, a readable table; with --json, the same JSON as GET /api/kpis (docs/api.md).",
    )
    _add_window(kpi)
    kpi.add_argument("--by", action="append", metavar="|".join(BREAKDOWNS),
                     help="add a breakdown; repeat or comma-separate for several")
    kpi.add_argument("--business-hours", action="store_true",
                     help="show every duration in business seconds (BUSINESS_HOURS in TIMEZONE)")
    kpi.add_argument("--json", action="store_true", help="print JSON instead of a table")
    kpi.set_defaults(func=cmd_kpi)

    export = subparsers.add_parser(
        "export", help="export waits or messages of a period as CSV",
        description="One CSV row per wait that opened in [--from, --to) (open, closed or cancelled) or "
        "per message sent in it; contacts masked, times in TIMEZONE. Same as GET /api/export/*.csv.",
    )
    export.add_argument("what", choices=KINDS, help="waits or messages")
    _add_window(export)
    export.add_argument("--csv", metavar="FILE", type=Path, help="write to FILE instead of standard output")
    export.set_defaults(func=cmd_export)

    demo = subparsers.add_parser(
        "demo", help="fill the database with a realistic synthetic history",
        description="Migrate DATABASE_URL and add a synthetic history (reps, leads, bursts, nights and "
        "weekends, opt-outs, happy and angry leads, several channels) ending now, through the same "
        "ingest path as live messages, so `leadline kpi` and the API show meaningful figures.",
    )
    demo.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    demo.add_argument("--leads", type=int, default=300, help="number of leads (default 300)")
    demo.add_argument("--seed", type=int, default=7, help="random seed, for a reproducible history")
    demo.set_defaults(func=cmd_demo)
