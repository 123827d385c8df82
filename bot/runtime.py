"""The service's running parts: built at start-up inside the event loop, stopped at shutdown.

Each feature (`bot.slack.feature`, `bot.calls.feature`, `bot.digests.feature`) contributes outbox job
kinds, scheduled jobs (on the process's one scheduler, started here once every feature has added its
jobs) and background tasks through `start(app, runtime)`, and releases them in `stop(app, runtime)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from analytics.db import Database
from bot import state
from bot.batcher import MicroBatcher
from bot.calls import feature as calls_feature
from bot.container import Services
from bot.digests import feature as digests_feature
from bot.outbox import JobKind, Outbox
from bot.outbox.kinds import SEND_TEXT
from bot.retention_job import numbering_job, purge_job
from bot.scheduler import scheduler_for
from bot.slack import feature as slack_feature
from bot.twilio.client import close_client, make_client
from bot.twilio.inbound import Received, receive_messages
from bot.twilio.sender import TextSender

log = logging.getLogger("leadline")

FEATURES = (slack_feature, calls_feature, digests_feature)


@dataclass
class Runtime:
    outbox: Outbox | None = None
    inbound: Any = None  # MicroBatcher[Received, str]: the Twilio webhook's batched ingest
    twilio: Any = None
    kinds: dict[str, JobKind] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Feature-owned parts (Slack client, Bolt app, scheduler, process pool ...), by feature name.
    parts: dict[str, Any] = field(default_factory=dict)


def inbound_batcher(db: Database, services: Services) -> MicroBatcher[Received, str]:
    """Webhook messages arriving within 2 ms share a transaction; SQLite has one writer, so one batch at a time."""

    async def process(items: Sequence[Received]) -> list[str]:
        async with db.transaction() as session:
            return await receive_messages(session, services.ingest, services.inbound, items)

    # Two batches in flight (one in the database while the next is built) with up to 128 messages each:
    # on 2 cores, 4 x 64 gave ~800/s at the open-loop maximum and 2 x 128 ~1000/s (bench/ingest.py).
    return MicroBatcher(process, max_size=128, max_wait_s=0.002, concurrency=1 if db.sqlite else 2)


async def workers(app: web.Application) -> AsyncIterator[None]:
    """Start clients, features and the outbox worker; on shutdown let the current batch finish."""
    settings, runtime = app[state.SETTINGS], app[state.RUNTIME]
    runtime.inbound = inbound_batcher(app[state.DB], app[state.SERVICES])
    if settings.twilio_configured and settings.twilio_from:
        runtime.twilio = make_client(settings)
        sender = TextSender(app[state.DB], app[state.SERVICES].ingest, settings, runtime.twilio)
        runtime.kinds[SEND_TEXT] = sender.kind()
    else:
        log.info("Twilio is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM to send texts")
    scheduler = scheduler_for(runtime, settings.tz)
    if settings.retention_days > 0:
        db, days = app[state.DB], settings.retention_days
        scheduler.cron("retention-purge", lambda: purge_job(db, days), hour=3, minute=17)
    database = app[state.DB]
    scheduler.cron("sentiment-numbering", lambda: numbering_job(database), hour=3, minute=47)
    for feature in FEATURES:
        await feature.start(app, runtime)
    runtime.outbox = Outbox(app[state.DB], runtime.kinds)
    if app[state.START_WORKERS]:
        runtime.tasks.append(asyncio.create_task(runtime.outbox.run_forever(runtime.stop)))
        scheduler.start()
    yield
    await runtime.inbound.drain()
    scheduler.shutdown()
    runtime.stop.set()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=20)
    for feature in reversed(FEATURES):
        await feature.stop(app, runtime)
    if runtime.twilio is not None:
        await close_client(runtime.twilio)
