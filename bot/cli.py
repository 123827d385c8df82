"""The `leadline` command line: serve the service, migrate the database, and the team's tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("leadline")

Command = Callable[[argparse.Namespace, Settings], int]


def package_version() -> str:
    try:
        return version("leadline")
    except PackageNotFoundError:
        return "0+unknown"


def _fail(message: str, code: int) -> int:
    print(f"leadline: {message}", file=sys.stderr)
    return code


def cmd_version(args: argparse.Namespace, settings: Settings) -> int:
    print(f"leadline {package_version()}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.migrations import upgrade

    try:
        upgrade(settings.database_url, args.revision)
    except Exception as exc:
        return _fail(f"migration failed: {type(exc).__name__}: {exc}", 1)
    print(f"database at revision {args.revision}")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app
    from bot.logs import configure_logging
    from bot.migrations import upgrade

    configure_logging(settings.log_level, settings.secrets())
    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    migrate = settings.auto_migrate and not args.no_migrate
    try:
        if migrate:
            upgrade(settings.database_url)
        else:
            stale = asyncio.run(_pending_revision(settings.database_url))
            if stale:
                return _fail(f"the database schema is not current ({stale}); run `leadline db upgrade` "
                             "or start without --no-migrate", 2)
    except Exception as exc:
        return _fail(f"cannot prepare the database: {type(exc).__name__}: {exc}", 1)
    log.info("starting", extra={"host": settings.host, "port": settings.port, "version": package_version()})
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=None,
        shutdown_timeout=10,
        handle_signals=True,
    )
    return 0


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
        "environment variables (and .env); see docs/configuration.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="run the web service (webhooks, Slack, API, workers)",
                           description="Apply pending migrations (unless AUTO_MIGRATE=false or "
                           "--no-migrate) and serve HTTP until SIGINT/SIGTERM.")
    serve.add_argument("--host", help="listen address (default: HOST setting, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: PORT setting, 8080)")
    serve.add_argument("--no-migrate", action="store_true",
                       help="do not apply migrations; refuse to start if the schema is not current")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations to DATABASE_URL",
                           description="Apply Alembic migrations to the database named by DATABASE_URL.")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    up.set_defaults(func=cmd_db_upgrade)

    ver = sub.add_parser("version", help="print the version", description="Print Leadline's version.")
    ver.set_defaults(func=cmd_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        for line in exc.lines:
            print(f"leadline: {line}", file=sys.stderr)
        return 2
    func: Command = args.func
    try:
        return func(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
