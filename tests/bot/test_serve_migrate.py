"""`leadline serve` with AUTO_MIGRATE=false (or --no-migrate) on a database at an older Alembic revision:
it refuses to start, says why and what to do, and leaves the schema alone; once migrated, it starts."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from analytics.db import Database
from bot.migrations import current_revision, head_revision, upgrade
from tests.bot.test_cli import start_serve, stop_serve, wait_ready
from tests.pg import PgServer

OLD = "0001"


async def revision(url: str) -> str | None:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await current_revision(conn)
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer | None) -> str:
    """A database of its own (not the shared test one) migrated to an older revision than head."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        if pg_server is None:
            pytest.skip("PostgreSQL not available")
        url = pg_server.sqlalchemy_url(asyncio.run(pg_server.create_database()))
    upgrade(url, OLD)
    assert head_revision(url) != OLD
    return url


def refused(proc: subprocess.Popen[str]) -> str:
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("serve started on a stale schema")
    assert proc.returncode == 2, stderr[-2000:]
    return stderr


def test_auto_migrate_false_refuses_an_old_schema(old_database: str, tmp_path: Path) -> None:
    proc, _ = start_serve(tmp_path, {"LEADLINE_DATABASE_URL": old_database, "LEADLINE_AUTO_MIGRATE": "false"})
    [line] = refused(proc).strip().splitlines()
    head = head_revision(old_database)
    assert line == (f"leadline: the database schema is not current (at {OLD}, newest is {head}); "
                    "run `leadline db upgrade` or set LEADLINE_AUTO_MIGRATE=true")
    assert asyncio.run(revision(old_database)) == OLD  # nothing was migrated behind the operator's back


@pytest.mark.sqlite
def test_no_migrate_refuses_then_starts_once_upgraded(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, OLD)
    proc, _ = start_serve(tmp_path, {"LEADLINE_DATABASE_URL": url}, "--no-migrate")
    stderr = refused(proc)
    assert "schema is not current" in stderr and "start without --no-migrate" in stderr
    upgrade(url)  # `leadline db upgrade`, as the message says
    proc, port = start_serve(tmp_path, {"LEADLINE_DATABASE_URL": url, "LEADLINE_AUTO_MIGRATE": "false"})
    try:
        wait_ready(proc, port)
    finally:
        stop_serve(proc)
