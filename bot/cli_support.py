"""What the `leadline` subcommands share: one error line on stderr, and async work with one Database."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from analytics.db import Database
from analytics.errors import InvalidInput
from bot.settings import Settings


def fail(message: str, code: int) -> int:
    """Print `leadline: <message>` on stderr and return the exit status (2 bad input, 1 failure)."""
    print(f"leadline: {message}", file=sys.stderr)
    return code


def run_with_db(work: Callable[[Database], Awaitable[object]], settings: Settings) -> int:
    """Run `work` with a Database for DATABASE_URL, mapping bad input to 2 and other failures to 1."""

    async def main() -> None:
        db = Database(settings.database_url, pool_size=2)
        try:
            await work(db)
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except InvalidInput as exc:
        return fail(str(exc), 2)
    except Exception as exc:
        return fail(f"{type(exc).__name__}: {exc}", 1)
    return 0
