"""The service's running parts: built at start-up inside the event loop, stopped at shutdown.

Each feature (`bot.slack.feature`, `bot.calls.feature`) contributes outbox job kinds and background
tasks through `start(app, runtime)` and releases what it holds in `stop(app, runtime)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot import state
from bot.calls import feature as calls_feature
from bot.outbox import JobKind, Outbox
from bot.slack import feature as slack_feature
from bot.twilio.client import close_client, make_client
from bot.twilio.sender import SEND_TEXT, TextSender

log = logging.getLogger("leadline")

FEATURES = (slack_feature, calls_feature)


@dataclass
class Runtime:
    outbox: Outbox | None = None
    twilio: Any = None
    kinds: dict[str, JobKind] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Feature-owned parts (Slack client, Bolt app, scheduler, process pool ...), by feature name.
    parts: dict[str, Any] = field(default_factory=dict)


async def workers(app: web.Application) -> AsyncIterator[None]:
    """Start clients, features and the outbox worker; on shutdown let the current batch finish."""
    settings, runtime = app[state.SETTINGS], app[state.RUNTIME]
    if settings.twilio_configured and settings.twilio_from:
        runtime.twilio = make_client(settings)
        runtime.kinds[SEND_TEXT] = TextSender(app[state.DB], app[state.SERVICES], settings, runtime.twilio).kind()
    else:
        log.info("Twilio is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM to send texts")
    for feature in FEATURES:
        await feature.start(app, runtime)
    runtime.outbox = Outbox(app[state.DB], runtime.kinds)
    if app[state.START_WORKERS]:
        runtime.tasks.append(asyncio.create_task(runtime.outbox.run_forever(runtime.stop)))
    yield
    runtime.stop.set()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=20)
    for feature in reversed(FEATURES):
        await feature.stop(app, runtime)
    if runtime.twilio is not None:
        await close_client(runtime.twilio)
