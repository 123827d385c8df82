"""The Twilio feature inside the service: signed webhooks in (their messages stored in micro-batches), texts
out (the `send_text` outbox job kind, with the SDK's async client, built inside the running loop).

Without TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM it sends nothing and says so once; the
webhooks are still served (and refuse unsigned requests).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web
from twilio.rest import Client

from bot.batcher import MicroBatcher
from bot.container import Container
from bot.outbox.kinds import SEND_TEXT
from bot.twilio import webhooks
from bot.twilio.client import close_client, make_client
from bot.twilio.inbound import Received, receive_messages
from bot.twilio.sender import TextSender

log = logging.getLogger("leadline")


@dataclass
class TwilioPart:
    """What the feature holds while the service runs (`container.twilio`)."""

    inbound: MicroBatcher[Received, str]  # the incoming-message webhook's batched ingest
    client: Client | None  # None while sending is off


def inbound_batcher(c: Container) -> MicroBatcher[Received, str]:
    """Webhook messages arriving within 2 ms share a transaction; SQLite has one writer, so one batch at a time."""

    async def process(items: Sequence[Received]) -> list[str]:
        async with c.db.transaction() as session:
            return await receive_messages(session, c.ingest, c.inbound, items)

    # Two batches in flight (one in the database while the next is built) with up to 128 messages each:
    # on 2 cores, 4 x 64 gave ~800/s at the open-loop maximum and 2 x 128 ~1000/s (bench/ingest.py).
    return MicroBatcher(process, max_size=128, max_wait_s=0.002, concurrency=1 if c.db.sqlite else 2)


async def start(c: Container) -> None:
    """Build the inbound batcher, and the client and `send_text` job kind when sending is configured."""
    settings = c.settings
    client = None
    if settings.twilio_configured and settings.twilio_from:
        client = make_client(settings)
        c.kinds[SEND_TEXT] = TextSender(c.db, c.ingest, settings, client).kind()
    else:
        log.info("Twilio is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM to send texts")
    c.twilio = TwilioPart(inbound_batcher(c), client)


async def stop(c: Container) -> None:
    """Let the batches in flight commit, then close the client (the outbox worker has stopped by now)."""
    part, c.twilio = c.twilio, None
    if part is None:
        return
    await part.inbound.drain()
    if part.client is not None:
        await close_client(part.client)


def add_routes(app: web.Application) -> None:
    webhooks.add_routes(app)
