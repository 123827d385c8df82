"""The Bolt app: thin listeners that parse the payload (bot.slack.events) and call the core.

Bolt verifies every request (signature, 5-minute timestamp window) and acknowledges events with 200
before the listener runs; `/kpi` acknowledges at once and answers through the command's response_url.
Listener work is counted in `InFlight`, so shutdown (and tests) can wait for it to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from analytics.db import Database
from analytics.processed_events import claim
from bot.settings import Settings
from bot.slack.client import run_call
from bot.slack.events import Ask, ThreadMessage, parse_command, parse_mention, parse_message
from bot.slack.kpi import KpiAnswers, not_allowed
from bot.slack.replies import ThreadReplies

log = logging.getLogger("leadline.slack")


class InFlight:
    """Counts listener bodies still running after their ack."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def run(self, work: Awaitable[Any]) -> None:
        self._count += 1
        self._idle.clear()
        try:
            await work
        except Exception:
            log.exception("slack listener failed")
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def idle(self) -> None:
        """Return once no listener body is running (callers bound the wait with asyncio.timeout)."""
        await self._idle.wait()


class Handlers:
    def __init__(self, db: Database, web: AsyncWebClient, replies: ThreadReplies, kpi: KpiAnswers) -> None:
        self.db = db
        self.web = web
        self.replies = replies
        self.kpi = kpi

    async def on_message(self, body: dict[str, Any], bot_user_id: str | None) -> None:
        parsed = parse_message(body, bot_user_id)
        if isinstance(parsed, ThreadMessage):
            outcome = await self.replies.handle(parsed)
            log.info("slack thread message", extra={"outcome": outcome})
        elif isinstance(parsed, Ask):
            await self.ask(parsed)

    async def on_mention(self, body: dict[str, Any], bot_user_id: str | None) -> None:
        parsed = parse_mention(body, bot_user_id)
        if parsed is not None:
            await self.ask(parsed)

    async def ask(self, ask: Ask) -> None:
        """Answer a mention or DM once, even when Slack delivers it again."""
        async with self.db.transaction() as session:
            if ask.ts and not await claim(session, f"slack-ask:{ask.channel}:{ask.ts}"):
                return
        web = self.web
        if not self.kpi.allowed(ask):
            await run_call(web.chat_postEphemeral(channel=ask.channel, user=ask.user, **not_allowed()))
            return
        answer = await self.kpi.answer(ask.text)
        _, outcome = await run_call(web.chat_postMessage(channel=ask.channel, thread_ts=ask.thread_ts,
                                                         text=answer.text, blocks=answer.blocks))
        if outcome.error:
            log.warning("could not post a KPI answer", extra={"error": outcome.error})

    async def command(self, body: dict[str, Any], respond: Callable[..., Awaitable[Any]]) -> None:
        ask = parse_command(body)
        if not self.kpi.allowed(ask):
            await respond(response_type="ephemeral", **not_allowed())
            return
        answer = await self.kpi.answer(ask.text)
        await respond(response_type="ephemeral", text=answer.text, blocks=answer.blocks)


def build_bolt(settings: Settings, web: AsyncWebClient, handlers: Handlers, inflight: InFlight) -> AsyncApp:
    bolt = AsyncApp(client=web, signing_secret=settings.slack_signing_secret.get_secret_value(),
                    logger=logging.getLogger("leadline.slack.bolt"))

    @bolt.event("message")
    async def message(body: dict[str, Any], context: Any) -> None:
        await inflight.run(handlers.on_message(body, context.bot_user_id))

    @bolt.event("app_mention")
    async def mention(body: dict[str, Any], context: Any) -> None:
        await inflight.run(handlers.on_mention(body, context.bot_user_id))

    @bolt.command("/kpi")
    async def kpi(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await inflight.run(handlers.command(body, respond))

    return bolt
