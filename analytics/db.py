"""One async engine and session factory for SQLite (embedded default) and PostgreSQL (production).

The same code paths run on both. SQLite gets WAL (readers never block the writer), a busy timeout
(writers queue instead of failing) and foreign keys; write transactions on SQLite start with
`BEGIN IMMEDIATE` so that two concurrent read-then-write transactions cannot deadlock on the lock
upgrade, while reads stay plain deferred transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from analytics.errors import Unavailable

SQLITE_BUSY_TIMEOUT_S = 30
_WRITE_OPTION = "leadline_write"


def check_database_url(url: str) -> str:
    """Return `url` if it names a driver Leadline supports, else raise ValueError saying what is expected."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(
            "cannot parse it; expected e.g. 'sqlite+aiosqlite:///./leadline.db' or "
            "'postgresql+asyncpg://user:pass@host:5432/leadline'"
        ) from exc
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ValueError(
            f"driver '{parsed.drivername}' is not supported; expected 'sqlite+aiosqlite:///PATH' or "
            "'postgresql+asyncpg://USER:PASS@HOST:PORT/DB'"
        )
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def insert_ignore(session: AsyncSession, table: Any, conflict: Sequence[str]) -> postgresql.Insert | sqlite.Insert:
    """`INSERT INTO table ... ON CONFLICT (conflict) DO NOTHING` in the session's database's own dialect.

    Add `.values(...)` (or execute it with a list of rows). The result's `rowcount` (or a `RETURNING`
    row) tells whether this statement inserted: with concurrent inserts of one key exactly one wins, on
    PostgreSQL by waiting for the first transaction, on SQLite by its write lock.
    """
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(conflict))


def set_wal_mode(url: str) -> None:
    """Leave an SQLite database file in WAL mode (a no-op for PostgreSQL and in-memory SQLite).

    WAL is a property of the file: setting it once, before the service's connections race to switch it,
    spares them the switch (see `_install_sqlite_pragmas`).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        with contextlib.closing(sqlite3.connect(parsed.database, timeout=SQLITE_BUSY_TIMEOUT_S)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        # WAL is a property of the file, kept once set, so only a file not yet in WAL is switched. The
        # switch takes a lock that ignores the busy timeout: when two connections to a new file race, the
        # loser gets "database is locked" while the winner switches the file for both, so that is not an error.
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() != "wal":
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except Exception as exc:  # the driver's OperationalError, wrapped by SQLAlchemy's adapter
                if "locked" not in str(exc):
                    raise
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLSTATEs by which PostgreSQL says it cannot serve a session now, whatever the statement: connection
# exceptions (class 08), too many connections, and shutting down, crashed, or starting up / shutting down /
# in recovery (57P01-57P03: a restart answers new connections with 57P03 for a moment).
_UNAVAILABLE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03"})


def breaks_connection(error: BaseException | None) -> bool:
    """True when a driver (asyncpg) error means the connection, or any new one now, cannot be used.

    Besides the SQLSTATEs above: asyncpg's InternalClientError, whose protocol is then out of step with the
    server (asyncpg has closed the connection). It happens when the server ends a session (a fast shutdown,
    pg_terminate_backend) and its FATAL error is read before the close: the next statement on that
    connection fails with "cannot switch to state 12; another operation (2) is in progress". SQLAlchemy
    before 2.0.50 (sqlalchemy#13241) neither wraps it nor invalidates the connection.
    """
    if type(error).__name__ == "InternalClientError":
        return True
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_SQLSTATES)


def _install_disconnect_rules(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: Any) -> None:
        # A connection such an error leaves behind is dropped (and the pool's older ones with it, as for any
        # disconnect), and the error says `connection_invalidated`: callers see the database unavailable (503),
        # not a failed statement (500).
        if breaks_connection(context.original_exception):
            context.is_disconnect = True


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """Build the engine for `url` with the settings each backend needs."""
    check_database_url(url)
    if is_sqlite(url):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, pool_pre_ping=False
        )
        _install_sqlite_pragmas(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping round trip per checkout: a connection found dead raises (503 to the caller) and
        # SQLAlchemy then invalidates the pool, so the next request gets fresh connections.
        pool_pre_ping=False,
        pool_recycle=1800,
        pool_timeout=10,
        connect_args={"timeout": 5, "command_timeout": 60},
    )
    _install_disconnect_rules(engine)
    return engine


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database cannot be reached (as opposed to a bug or bad data)."""
    if isinstance(exc, Unavailable):
        return True
    if isinstance(exc, (OSError, ConnectionError, asyncio.TimeoutError)):
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or breaks_connection(exc.orig)):
        return True
    if breaks_connection(exc):  # a driver error SQLAlchemy did not wrap
        return True
    name = type(exc).__name__
    # asyncpg's own connection errors, raised before SQLAlchemy can wrap them (e.g. at connect).
    return name in {
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "PostgresConnectionError",
        "ConnectionFailureError",
        "AdminShutdownError",
        "TooManyConnectionsError",
    }


class Database:
    """The engine plus session factories; built once at start and passed down."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, echo=echo)
        self.sqlite = is_sqlite(url)
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        write_engine = self.engine.execution_options(**{_WRITE_OPTION: True}) if self.sqlite else self.engine
        self._write = async_sessionmaker(write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; rolled back at the end."""
        try:
            async with self._read() as session:
                yield session
        except Exception as exc:
            if is_unavailable(exc):
                raise Unavailable(f"database unavailable: {type(exc).__name__}") from exc
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends, rolled back (nothing written) on error."""
        try:
            async with self._write() as session, session.begin():
                yield session
        except Exception as exc:
            if is_unavailable(exc):
                raise Unavailable(f"database unavailable: {type(exc).__name__}") from exc
            raise

    async def ping(self) -> None:
        """Raise Unavailable unless a trivial query succeeds."""
        async with self.read() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
