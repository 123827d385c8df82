"""Outbox job kinds that post to Slack: `slack_post`, `slack_thread_post`, `slack_react` (see bot.slack.jobs).

Retries follow `bot.slack.client.outcome_of`. A post whose worker died mid-call is posted again: a
repeated Slack message is a smaller harm than a lost one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from analytics.models import Conversation
from bot.outbox import DONE, FAILED, Job, JobKind, Outcome, enqueue
from bot.slack.client import run_call
from bot.slack.deps import SlackDeps
from bot.slack.jobs import SLACK_POST, SLACK_REACT, SLACK_THREAD_POST
from bot.slack.text import clip

MAX_BLOCKS = 50


async def enqueue_post(session: Any, channel: str, text: str, *, thread_ts: str | None = None,
                       blocks: list[dict[str, Any]] | None = None, ordering_key: str | None = None) -> None:
    """Queue a `slack_post` in the caller's transaction."""
    await enqueue(session, SLACK_POST, {"channel": channel, "thread_ts": thread_ts, "text": text,
                                        "blocks": blocks}, ordering_key=ordering_key)


class Poster:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    def kinds(self) -> dict[str, JobKind]:
        return {
            SLACK_POST: JobKind(run=self.post, recover=self.post, max_attempts=10),
            SLACK_THREAD_POST: JobKind(run=self.thread_post, recover=self.thread_post, max_attempts=10),
            SLACK_REACT: JobKind(run=self.react, recover=self.react, max_attempts=10),
        }

    async def send(self, channel: str, text: str, thread_ts: str | None = None,
                   blocks: list[dict[str, Any]] | None = None) -> tuple[Any, Outcome]:
        """One chat.postMessage; `text` is the notification/fallback text when blocks are given."""
        args: dict[str, Any] = {"channel": channel, "text": clip(text, 3900)}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if blocks:
            args["blocks"] = blocks[:MAX_BLOCKS]
        return await run_call(self.deps.web.chat_postMessage(**args))

    async def post(self, job: Job) -> Outcome:
        p = job.payload
        _, outcome = await self.send(p["channel"], p.get("text") or "", p.get("thread_ts"), p.get("blocks"))
        return outcome

    async def thread_post(self, job: Job) -> Outcome:
        p = job.payload
        async with self.deps.db.read() as session:
            thread = (await session.execute(
                select(Conversation.slack_channel, Conversation.slack_thread_ts)
                .where(Conversation.id == p["conversation_id"])
            )).first()
        channel, thread_ts = (thread[0], thread[1]) if thread and thread[1] else (self.deps.leads_channel, None)
        if thread_ts is None and p.get("thread_only"):
            # A note about a lead (an automatic reply, a text sent through the API) means nothing outside
            # the lead's thread: a conversation without one (yet) gets no post.
            return Outcome(DONE)
        if not channel:
            return Outcome(FAILED, "no lead thread and no SLACK_LEADS_CHANNEL")
        _, outcome = await self.send(channel, p.get("text") or "", thread_ts, p.get("blocks"))
        return outcome

    async def react(self, job: Job) -> Outcome:
        p = job.payload
        _, outcome = await run_call(self.deps.web.reactions_add(channel=p["channel"], timestamp=p["ts"],
                                                                name=p["name"]),
                                    ok_errors=frozenset({"already_reacted"}))
        return outcome
