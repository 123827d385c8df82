"""The `leadline` command line: serve the service, migrate the database, and the team's tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from bot import kpi_cli
from bot.calls import cli as calls_cli
from bot.cli_support import fail
from bot.digests import cli as digests_cli
from bot.settings import ENV_FILE, Settings, SettingsError, load_settings

log = logging.getLogger("leadline")

Command = Callable[[argparse.Namespace, Settings], int]


def package_version() -> str:
    try:
        return version("leadline")
    except PackageNotFoundError:
        return "0+unknown"


def cmd_version(args: argparse.Namespace, settings: Settings | None) -> int:
    print(f"leadline {package_version()}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.migrations import upgrade

    try:
        upgrade(settings.database_url, args.revision)
    except Exception as exc:
        return fail(f"migration failed: {type(exc).__name__}: {exc}", 1)
    print(f"database at revision {args.revision}")
    return 0


def _days(value: str) -> int:
    """`--days N`: 0 or less would purge everything up to now (LEADLINE_RETENTION_DAYS=0 keeps everything)."""
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError("must be a whole number of days, 1 or more")
    return days


def cmd_db_purge(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days if args.days is not None else settings.retention_days
    if days <= 0:
        return fail("nothing to purge: LEADLINE_RETENTION_DAYS is 0 (keep everything); pass --days N", 2)
    purged = asyncio.run(_purge(settings, days))
    print(f"deleted {purged.messages} messages, {purged.waits} waits and {purged.conversations} conversations "
          f"older than {days} days")
    return 0


async def _purge(settings: Settings, days: int):  # type: ignore[no-untyped-def]
    from datetime import UTC, timedelta

    from analytics.db import Database
    from analytics.retention import purge_before

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return await purge_before(session, datetime.now(UTC) - timedelta(days=days))
    finally:
        await db.dispose()


def cmd_db_rescore(args: argparse.Namespace, settings: Settings) -> int:
    if args.batch_size < 1:
        return fail("--batch-size must be at least 1", 2)
    return asyncio.run(_rescore(settings, args.batch_size))


async def _rescore(settings: Settings, batch_size: int) -> int:
    import time

    from analytics.db import Database
    from analytics.errors import Unavailable
    from analytics.rescore import Rescored, rescore_messages

    def progress(done: Rescored) -> None:
        print(f"{done.scanned} messages scored, {done.changed} changed", file=sys.stderr, flush=True)

    start = time.monotonic()
    db = Database(settings.database_url)
    try:
        done = await rescore_messages(db, batch_size=batch_size, progress=progress)
    except Unavailable as exc:
        return fail(f"{exc} (scores written so far are kept; run it again to finish)", 1)
    finally:
        await db.dispose()
    print(f"rescored {done.scanned} inbound messages: {done.changed} changed "
          f"({time.monotonic() - start:.1f} s)")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.config_report import startup_warnings
    from bot.logs import configure_logging
    from bot.migrations import upgrade

    configure_logging(settings.log_level, settings.secrets())
    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    for line in [*args.config_notices, *startup_warnings(settings)]:
        log.warning(line)
    migrate = settings.auto_migrate and not args.no_migrate
    try:
        if migrate:
            upgrade(settings.database_url)
        else:
            stale = asyncio.run(_pending_revision(settings.database_url))
            if stale:
                # Name what kept the migrations from running, so the operator knows what to change.
                how = "start without --no-migrate" if args.no_migrate else "set LEADLINE_AUTO_MIGRATE=true"
                return fail(f"the database schema is not current ({stale}); run `leadline db upgrade` or {how}", 2)
    except Exception as exc:
        return fail(f"cannot prepare the database: {type(exc).__name__}: {exc}", 1)
    log.info("starting", extra={"host": settings.host, "port": settings.port, "version": package_version(),
                                "workers": args.workers})
    if args.workers > 1:
        return _serve_workers(settings, args.workers)
    _run_server(settings, reuse_port=False)
    return 0


def _run_server(settings: Settings, *, reuse_port: bool) -> None:
    from aiohttp import web

    from bot.app import create_app

    app = create_app(settings)
    app.on_startup.append(_settle_heap)  # after the app's own start-up (cleanup contexts run first)
    web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=None,
                shutdown_timeout=10, handle_signals=True, reuse_port=reuse_port)


async def _settle_heap(_app: object) -> None:
    """Move what start-up built (modules, lexicons, compiled SQL) out of the garbage collector's sight.

    Those objects live as long as the process, yet every full collection walked all of them: ~120 ms
    stalls every few seconds under load, the whole p99 of the ingest benchmark (bench/ingest.py). The
    sentiment scorer loads its lexicons on first use, so it is used once before the heap is frozen.
    """
    import gc

    from analytics.sentiment import score_sentiment

    score_sentiment("warm-up: great, thanks 👍")
    gc.collect()
    gc.freeze()


def _serve_workers(settings: Settings, workers: int) -> int:
    """N processes accept on one port (SO_REUSEPORT); the kernel spreads connections between them."""
    import multiprocessing
    import signal

    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_worker_main, args=(settings.model_dump(),), daemon=False)
             for _ in range(workers)]
    for proc in procs:
        proc.start()

    def forward(signum: int, _frame: object) -> None:
        for proc in procs:
            if proc.pid is not None and proc.is_alive():
                os.kill(proc.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for proc in procs:
        proc.join()
    return max((proc.exitcode or 0) for proc in procs)


def _worker_main(values: dict[str, object]) -> None:
    from bot.logs import configure_logging

    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    configure_logging(settings.log_level, settings.secrets())
    _run_server(settings, reuse_port=True)


def cmd_import_twilio(args: argparse.Namespace, settings: Settings) -> int:
    from analytics.errors import InvalidInput
    from analytics.periods import parse_when

    if not settings.twilio_configured:
        return fail("set LEADLINE_TWILIO_ACCOUNT_SID and LEADLINE_TWILIO_AUTH_TOKEN to import from Twilio", 2)
    try:
        since = parse_when(args.since, settings.tz)
        until = parse_when(args.until, settings.tz) if args.until else None
    except InvalidInput as exc:
        return fail(str(exc), 2)
    if until is not None and until <= since:
        return fail("--until must be after --since", 2)
    return asyncio.run(_import_twilio(settings, since, until))


async def _import_twilio(settings: Settings, since: datetime, until: datetime | None) -> int:
    from aiohttp import ClientError
    from twilio.base.exceptions import TwilioException, TwilioRestException

    from analytics.db import Database
    from analytics.importing import import_messages
    from bot.container import ingest_config
    from bot.migrations import upgrade
    from bot.twilio.client import close_client, make_client
    from bot.twilio.importer import fetch_history

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if settings.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database_url)
    client = make_client(settings, timeout=60)
    try:
        messages = await fetch_history(client, since, until, progress)
    except TwilioRestException as exc:
        return fail(f"Twilio refused the request: {exc.status} {exc.code} {exc.msg}", 1)
    except TwilioException as exc:
        return fail(f"Twilio refused the request: {_twilio_reason(exc)}", 1)
    except (ClientError, OSError, TimeoutError) as exc:
        return fail(f"cannot reach Twilio at {settings.twilio_api_base_url}: {type(exc).__name__}", 1)
    finally:
        await close_client(client)
    db = Database(settings.database_url)
    try:
        stats = await import_messages(db, messages, ingest_config(settings), progress)
    finally:
        await db.dispose()
    first = min((m.sent_at for m in messages), default=None)
    last = max((m.sent_at for m in messages), default=None)
    span = f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC" if first and last else "no messages"
    print(f"read {stats.read} messages: {stats.new} new, {stats.skipped} already stored; "
          f"{stats.contacts} contacts; {span}")
    return 0


def _twilio_reason(exc: Exception) -> str:
    """`401 20003 Authenticate` from the SDK's page errors, which carry the raw response."""
    import json

    response = exc.args[1] if len(exc.args) > 1 else None
    try:
        body = json.loads(response.text)
        return f"{response.status_code} {body.get('code')} {body.get('message')}"
    except (AttributeError, ValueError, TypeError):
        return str(exc.args[0] if exc.args else exc)


async def _pending_revision(database_url: str) -> str | None:
    """A short description of how the schema differs from head, or None when current."""
    from analytics.db import Database
    from bot.migrations import current_revision, head_revision

    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            current = await current_revision(conn)
    finally:
        await db.dispose()
    head = head_revision(database_url)
    return None if current == head else f"at {current or 'empty'}, newest is {head}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadline",
        description="Leadline: texting analytics and call scoring for sales teams. Settings come from "
        "LEADLINE_* environment variables (and .env in the working directory); see docs/configuration.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="run the web service (webhooks, Slack, API, workers)",
                           description="Apply pending migrations (unless LEADLINE_AUTO_MIGRATE=false or "
                           "--no-migrate) and serve HTTP until SIGINT/SIGTERM.")
    serve.add_argument("--host", help="listen address (default: LEADLINE_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: LEADLINE_PORT, 8080)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="serve from N processes sharing the port (default 1); each runs its own "
                       "outbox worker, which is safe on PostgreSQL (jobs are claimed with SKIP LOCKED)")
    serve.add_argument("--no-migrate", action="store_true",
                       help="do not apply migrations; refuse to start if the schema is not current")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations to LEADLINE_DATABASE_URL",
                           description="Apply Alembic migrations to the database named by "
                           "LEADLINE_DATABASE_URL.")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    up.set_defaults(func=cmd_db_upgrade)

    imp = sub.add_parser("import", help="import message history", description="Import message history.")
    imp_sub = imp.add_subparsers(dest="source", metavar="SOURCE", required=True)
    tw = imp_sub.add_parser(
        "twilio", help="import the Twilio account's messages",
        description="Read every message of the Twilio account sent in [--since, --until) and store the new "
        "ones (running it again changes nothing); waits and conversations of the affected contacts are "
        "rebuilt exactly as if the messages had arrived live. Dates are in LEADLINE_TIMEZONE.")
    tw.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="first day to import (inclusive)")
    tw.add_argument("--until", metavar="YYYY-MM-DD", help="day to stop before (exclusive; default: now)")
    tw.set_defaults(func=cmd_import_twilio)

    kpi_cli.register(sub)
    calls_cli.register(sub)
    digests_cli.register(sub)

    purge = db_sub.add_parser("purge", help="delete message text older than LEADLINE_RETENTION_DAYS",
                              description="Delete messages, waits and conversations older than "
                              "LEADLINE_RETENTION_DAYS (or --days). Contacts and opt-out events are kept.")
    purge.add_argument("--days", type=_days, help="override LEADLINE_RETENTION_DAYS for this run (1 or more)")
    purge.set_defaults(func=cmd_db_purge)

    rescore = db_sub.add_parser(
        "rescore", help="recompute stored message sentiment with the current scorer",
        description="Score every stored inbound message again with this version's sentiment scorer and store "
        "the scores that changed, in batches (safe while the service runs; running it again changes nothing). "
        "Conversation labels in reports follow the stored scores. Run it after an upgrade that changes the "
        "scorer (see docs/sentiment.md).")
    rescore.add_argument("--batch-size", type=int, default=2000, metavar="N",
                         help="messages per batch and write transaction (default 2000)")
    rescore.set_defaults(func=cmd_db_rescore)

    ver = sub.add_parser("version", help="print the version", description="Print Leadline's version.")
    ver.set_defaults(func=cmd_version, needs_settings=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pathlib import Path

    from bot.config_report import name_notices

    args = build_parser().parse_args(argv)
    func: Command = args.func
    if not getattr(args, "needs_settings", True):
        # `leadline version` (like --help, answered by the parser) works whatever the configuration.
        return func(args, None)  # type: ignore[arg-type]
    # python-dotenv prints its own bare line for each statement it cannot parse; name_notices says it with
    # the file and line.
    logging.getLogger("dotenv.main").setLevel(logging.ERROR)
    try:
        notices = name_notices(os.environ, Path(ENV_FILE))
        settings = load_settings()
    except SettingsError as exc:
        for line in exc.lines:
            print(f"leadline: {line}", file=sys.stderr)
        return 2
    args.config_notices = notices
    if func is not cmd_serve:
        # `serve` logs them as JSON lines once logging is set up.
        for line in notices:
            print(f"leadline: warning: {line}", file=sys.stderr)
    try:
        return func(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
