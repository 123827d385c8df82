"""Find or start a PostgreSQL server for the test run, and make a fresh database on it.

Order (as README promises): TEST_DATABASE_URL if set; else a server answering on 127.0.0.1:5432
(database `test`, trust auth); else a throwaway cluster from the machine's `initdb`/`pg_ctl` in a temp
directory; else none.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

PG_BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]


@dataclass
class PgServer:
    """A reachable server; `admin_url` is an asyncpg DSN to a maintenance database on it."""

    admin_url: str
    how: str
    cluster_dir: Path | None = None
    run_as: str | None = None
    databases: list[str] = field(default_factory=list)

    def sqlalchemy_url(self, database: str) -> str:
        url = make_url(self.admin_url.replace("postgresql://", "postgresql+asyncpg://", 1))
        return url.set(database=database).render_as_string(hide_password=False)

    async def create_database(self) -> str:
        name = f"leadline_test_{os.getpid()}_{secrets.token_hex(3)}"
        conn = await asyncpg.connect(self.admin_url, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.databases.append(name)
        return name

    async def drop_databases(self) -> None:
        conn = await asyncpg.connect(self.admin_url, timeout=5)
        try:
            for name in self.databases:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self.databases.clear()

    def stop(self) -> None:
        if self.cluster_dir is None:
            return
        pg_ctl = _find_bin("pg_ctl")
        cmd = [str(pg_ctl), "-D", str(self.cluster_dir / "data"), "-m", "immediate", "stop"]
        _run(cmd, self.run_as, check=False)
        shutil.rmtree(self.cluster_dir, ignore_errors=True)


async def _answers(dsn: str) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def _find_bin(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return candidate
    return None


def _run(cmd: list[str], user: str | None, check: bool = True) -> subprocess.CompletedProcess[str]:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_cluster() -> PgServer | None:
    initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    run_as = None
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: use an unprivileged account for the server only.
        run_as = "leadline-pgtest"
        try:
            pwd.getpwnam(run_as)
        except KeyError:
            subprocess.run(["useradd", "-M", "-r", run_as], check=True, capture_output=True)
    root = Path(tempfile.mkdtemp(prefix="leadline-pg-"))
    if run_as:
        shutil.chown(root, user=run_as)
    port = _free_port()
    _run([str(initdb), "-D", str(root / "data"), "-A", "trust", "-U", "postgres", "--no-sync"], run_as)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([str(pg_ctl), "-D", str(root / "data"), "-o", opts, "-l", str(root / "log"), "-w", "start"], run_as)
    return PgServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", "throwaway cluster", root, run_as)


async def find_server() -> tuple[PgServer | None, str]:
    """A server and how it was found, or None and why not."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        if await _answers(dsn):
            return PgServer(dsn, "TEST_DATABASE_URL"), "TEST_DATABASE_URL"
        return None, "TEST_DATABASE_URL is set but does not answer"
    local = "postgresql://postgres@127.0.0.1:5432/test"
    for dsn in (local, "postgresql://127.0.0.1:5432/test"):
        if await _answers(dsn):
            return PgServer(dsn, "local server on 127.0.0.1:5432"), "local server on 127.0.0.1:5432"
    try:
        server = await asyncio.to_thread(_start_cluster)
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"could not start a throwaway cluster: {exc}"
    if server is None:
        return None, "no TEST_DATABASE_URL, nothing on 127.0.0.1:5432, and no initdb/pg_ctl on this machine"
    return server, "throwaway cluster"
