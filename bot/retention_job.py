"""Daily upkeep, a feature with no routes: the purge of data older than RETENTION_DAYS (see
analytics.retention) at 03:17, and numbering messages that replicas on older code stored without a sentiment
rank (analytics.rebuild.number_unnumbered) at 03:47, local time (TIMEZONE)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from aiohttp import web

from analytics.db import Database
from analytics.rebuild import number_unnumbered
from analytics.retention import purge_before
from bot.container import Container

log = logging.getLogger("leadline.retention")


async def purge_job(db: Database, days: int) -> None:
    """Safe on several replicas at once: each deletes what is still there; the others find less."""
    async with db.transaction() as session:
        purged = await purge_before(session, datetime.now(UTC) - timedelta(days=days))
    if purged.messages or purged.waits or purged.conversations:
        log.info("retention purge", extra={"messages": purged.messages, "waits": purged.waits,
                                           "conversations": purged.conversations, "days": days})


async def numbering_job(db: Database) -> None:
    """Safe on several replicas at once: the contacts are locked, and numbering twice gives the same numbers.

    Only the last week's messages are looked at (the time index, not the whole table, every night): rows
    from older code are written while replicas are being upgraded, and this runs every night after that.
    """
    since, numbered = datetime.now(UTC) - timedelta(days=7), 0
    while True:
        # Chunks of 500 conversations, each its own transaction: few locks held at a time.
        async with db.transaction() as session:
            done = await number_unnumbered(session, since=since, limit=500)
        numbered += done
        if done < 500:
            break
    if numbered:
        log.info("sentiment ranks numbered", extra={"conversations": numbered})


async def start(c: Container) -> None:
    """Schedule the jobs (the runtime starts and stops the scheduler)."""
    db, days = c.db, c.settings.retention_days
    if days > 0:
        c.scheduler.cron("retention-purge", lambda: purge_job(db, days), hour=3, minute=17)
    c.scheduler.cron("sentiment-numbering", lambda: numbering_job(db), hour=3, minute=47)


async def stop(c: Container) -> None:
    """Nothing to release."""


def add_routes(app: web.Application) -> None:
    """No routes."""
