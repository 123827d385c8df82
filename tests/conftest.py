"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

`database_url` is parametrised over both backends. SQLite tests get a copy of a migrated template
file; PostgreSQL tests share one freshly created database per test run (migrated once, truncated
before each test, dropped at the end).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlmodel import SQLModel

import analytics.tables  # noqa: F401
from analytics.db import Database
from bot.migrations import upgrade
from tests.pg import PgServer, find_server

BACKENDS = ("sqlite", "postgres")
_outcomes: Counter[tuple[str, str]] = Counter()
_pg_status: dict[str, str] = {}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    server, how = asyncio.run(find_server())
    _pg_status["how"] = how
    if server is None and os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.exit(f"REQUIRE_POSTGRES=1 but no PostgreSQL: {how}", returncode=1)
    yield server
    if server is not None:
        asyncio.run(server.drop_databases())
        server.stop()


@pytest.fixture(scope="session")
def pg_database_url(pg_server: PgServer | None) -> str | None:
    """A migrated database for this run, or None when PostgreSQL is not available."""
    if pg_server is None:
        return None
    name = asyncio.run(pg_server.create_database())
    url = pg_server.sqlalchemy_url(name)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def _truncate(url: str) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_database_url: str | None
) -> str:
    if request.param == "sqlite":
        path = tmp_path / "leadline.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    if pg_database_url is None:
        pytest.skip(f"PostgreSQL not available: {_pg_status.get('how')}")
    await _truncate(pg_database_url)
    return pg_database_url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=5)
    yield database
    await database.dispose()


def _backend_of(nodeid: str) -> str | None:
    if "[" not in nodeid:
        return None
    params = nodeid.rsplit("[", 1)[1].rstrip("]").split("-")
    for backend in BACKENDS:
        if backend in params:
            return backend
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    backend = _backend_of(report.nodeid)
    if backend is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[(backend, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if not _outcomes:
        return
    parts = []
    for backend, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        passed = _outcomes[(backend, "passed")]
        failed = _outcomes[(backend, "failed")]
        skipped = _outcomes[(backend, "skipped")]
        parts.append(f"{label}: {passed} passed, {failed} failed, {skipped} skipped")
    terminalreporter.write_line("database tests -- " + "; ".join(parts), bold=True)
    if _pg_status.get("how"):
        terminalreporter.write_line(f"PostgreSQL source: {_pg_status['how']}")
    if _outcomes[("postgres", "skipped")] and not _outcomes[("postgres", "passed")]:
        terminalreporter.write_line(
            "!!! POSTGRESQL TESTS WERE SKIPPED: " + _pg_status.get("how", "?") + " !!!", red=True, bold=True
        )
