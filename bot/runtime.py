"""The service's running parts: built at start-up inside the event loop, stopped at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot import state
from bot.outbox import Outbox
from bot.twilio.client import close_client, make_client
from bot.twilio.sender import SEND_TEXT, TextSender

log = logging.getLogger("leadline")


@dataclass
class Runtime:
    outbox: Outbox | None = None
    twilio: Any = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def workers(app: web.Application) -> AsyncIterator[None]:
    """Start the Twilio client and the outbox worker; on shutdown let the current batch finish."""
    settings, runtime = app[state.SETTINGS], app[state.RUNTIME]
    if settings.twilio_configured and settings.twilio_from:
        runtime.twilio = make_client(settings)
        sender = TextSender(app[state.DB], app[state.SERVICES], settings, runtime.twilio)
        runtime.outbox = Outbox(app[state.DB], {SEND_TEXT: sender.kind()})
        if app[state.START_WORKERS]:
            runtime.tasks.append(asyncio.create_task(runtime.outbox.run_forever(runtime.stop)))
    else:
        log.info("Twilio is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM to send texts")
    yield
    runtime.stop.set()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=20)
    if runtime.twilio is not None:
        await close_client(runtime.twilio)
