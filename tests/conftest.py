"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

`database_url` is parametrised over both backends. SQLite tests get a copy of a migrated template
file; PostgreSQL tests share one freshly created database per test run (migrated once, emptied
before each test, dropped at the end). `empty_database_url` is an unmigrated database on each backend;
`postgres_url` is for the few tests that only PostgreSQL can run (they cut its connection). A fixture of a
module's own is counted when its parameter is a backend's name, and a test that makes its own SQLite file is
marked `sqlite`. The summary line counts every one of them per backend.

Every test runs in an empty working directory with no setting in its environment (tests.environment).

`TEST_BACKENDS=sqlite` runs the database tests on SQLite only (CI's lowest-versions job): the PostgreSQL
ones are deselected, never started, and the summary line says so.
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
from tests.environment import is_setting
from tests.pg import PgServer, find_server

BACKENDS = ("sqlite", "postgres")
_selected = tuple(b.strip() for b in os.environ.get("TEST_BACKENDS", "").split(",") if b.strip()) or BACKENDS
if set(_selected) - set(BACKENDS):
    raise pytest.UsageError(f"TEST_BACKENDS={os.environ['TEST_BACKENDS']}: expected some of {', '.join(BACKENDS)}")
# The fixtures whose parameter is the backend a test runs on.
DATABASE_FIXTURES = ("database_url", "empty_database_url", "postgres_url")
_outcomes: Counter[tuple[str, str]] = Counter()
_backends: dict[str, str] = {}  # node id -> backend, for every database test
_pg_status: dict[str, str] = {}
_deselected: Counter[str] = Counter()  # backend -> tests left out by TEST_BACKENDS


@pytest.fixture(scope="session")
def empty_cwd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, empty_cwd: Path) -> None:
    """No setting from the developer's shell, and no `.env` in the working directory."""
    for name in list(os.environ):
        if is_setting(name):
            monkeypatch.delenv(name)
    monkeypatch.chdir(empty_cwd)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    if "postgres" not in _selected:
        # SQLite tests ask for it too (their fixtures are shared): no server is looked for or started.
        yield None
        return
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


# Empty every table and restart every id at 1, as TRUNCATE ... RESTART IDENTITY would. DELETE is used because
# TRUNCATE makes new files for every table: 0.3-0.5 s a test on a busy 2-core machine, against ~30 ms for
# deleting a test's few rows. Tables go dependents first.
_EMPTY_ALL = ";".join([*(f'DELETE FROM "{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables)),
                       "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"])


async def _truncate(url: str) -> None:
    """Empty the PostgreSQL test database (the schema stays)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        async with conn.transaction():
            await conn.execute(_EMPTY_ALL)
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
    return await _postgres(pg_database_url)


async def _postgres(pg_database_url: str | None) -> str:
    if pg_database_url is None:
        pytest.skip(f"PostgreSQL not available: {_pg_status.get('how')}")
    await _truncate(pg_database_url)
    return pg_database_url


@pytest.fixture(params=["postgres"])
async def postgres_url(pg_database_url: str | None) -> str:
    """The migrated PostgreSQL database, for tests that need a server (e.g. to cut the connection to it)."""
    return await _postgres(pg_database_url)


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer | None) -> str:
    """A database with no tables yet (migrations pending)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    if pg_server is None:
        pytest.skip(f"PostgreSQL not available: {_pg_status.get('how')}")
    return pg_server.sqlalchemy_url(await pg_server.create_database())


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=5)
    yield database
    await database.dispose()


def _backend_of(item: pytest.Item) -> str | None:
    params = getattr(getattr(item, "callspec", None), "params", {})
    for name in DATABASE_FIXTURES:
        if name in params:
            return str(params[name])
    # A module's own fixture parametrised by backend name (e.g. a database at an older revision).
    for value in params.values():
        if isinstance(value, str) and value in BACKENDS:
            return value
    for backend in BACKENDS:
        if item.get_closest_marker(backend) is not None:
            return backend
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, dropped = [], []
    for item in items:
        backend = _backend_of(item)
        if backend is not None and backend not in _selected:
            dropped.append(item)
            _deselected[backend] += 1
            continue
        if backend is not None:
            _backends[item.nodeid] = backend
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    backend = _backends.get(report.nodeid)
    if backend is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[(backend, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if not _outcomes and not _deselected:
        return
    parts = []
    for backend, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        if backend not in _selected:
            parts.append(f"{label}: not run, {_deselected[backend]} deselected (TEST_BACKENDS="
                         f"{','.join(_selected)})")
            continue
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
