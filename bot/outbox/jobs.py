"""Queue the shared outbox jobs (see `bot.outbox.kinds`), in the caller's transaction: a job exists exactly
when the change that needs it commits. Each function writes its kind's payload; none talks to anyone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.outbox_store import enqueue
from bot.outbox.kinds import (
    SEND_TEXT,
    SLACK_LEAD_POST,
    SLACK_POST,
    SLACK_REACT,
    SLACK_THREAD_POST,
    TEXT_RESULT,
    lead_key,
    text_key,
)

Blocks = list[dict[str, Any]]


async def slack_post(session: AsyncSession, channel: str, text: str, *, thread_ts: str | None = None,
                     blocks: Blocks | None = None, ordering_key: str | None = None) -> int:
    """A message to a Slack channel (or a thread of it)."""
    return await enqueue(session, SLACK_POST, {"channel": channel, "thread_ts": thread_ts, "text": text,
                                               "blocks": blocks}, ordering_key=ordering_key)


async def lead_thread_post(session: AsyncSession, conversation_id: int, contact_id: int, text: str, *,
                           blocks: Blocks | None = None, thread_only: bool = False,
                           now: datetime | None = None) -> int:
    """A message in the conversation's lead thread, after everything queued before about the lead."""
    return await enqueue(session, SLACK_THREAD_POST, {"conversation_id": conversation_id, "text": text,
                                                      "blocks": blocks, "thread_only": thread_only},
                         ordering_key=lead_key(contact_id), now=now)


async def slack_react(session: AsyncSession, channel: str, ts: str, name: str, *,
                      ordering_key: str | None = None) -> int:
    return await enqueue(session, SLACK_REACT, {"channel": channel, "ts": ts, "name": name},
                         ordering_key=ordering_key)


async def lead_message_post(session: AsyncSession, message_id: int, contact_id: int, *,
                            now: datetime | None = None) -> int:
    """A lead's inbound message in their thread (its parent post when the conversation has no thread yet)."""
    return await enqueue(session, SLACK_LEAD_POST, {"message_id": message_id}, ordering_key=lead_key(contact_id),
                         now=now)


async def send_text(session: AsyncSession, to: str, body: str, sid: str, *, notify: dict[str, Any] | None = None,
                    now: datetime | None = None) -> int:
    """A text to send; its outbound message `sid` is already stored."""
    payload: dict[str, Any] = {"to": to, "body": body, "sid": sid}
    if notify is not None:
        payload["notify"] = notify
    return await enqueue(session, SEND_TEXT, payload, ordering_key=text_key(to), now=now)


async def text_result(session: AsyncSession, notify: dict[str, Any], result: str, *, code: int | None = None,
                      error: str | None = None, attempts: int | None = None) -> int:
    """What became of a text, for whoever `notify` names (in the order of its `ordering_key`, if any)."""
    payload: dict[str, Any] = {"notify": notify, "result": result, "code": code, "error": error}
    if attempts is not None:
        payload["attempts"] = attempts
    return await enqueue(session, TEXT_RESULT, payload, ordering_key=notify.get("ordering_key"))
