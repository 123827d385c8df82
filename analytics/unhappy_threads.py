"""The conversations labelled unhappy for a period, unhappiest first, with their Slack lead threads (for
the digests), by the KPI engine's own per-conversation rule (`analytics.sentiment.conversation_sentiment`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.masking import mask_address
from analytics.models import INBOUND, Contact, Conversation, Message
from analytics.periods import Period
from analytics.sentiment import conversation_sentiment


@dataclass(frozen=True)
class UnhappyThread:
    conversation_id: int
    who: str  # display name or masked address
    score: float
    channel: str | None  # Slack channel of the lead's thread
    thread_ts: str | None


async def unhappy_threads(session: AsyncSession, period: Period, limit: int) -> tuple[UnhappyThread, ...]:
    rows = (await session.execute(
        select(Message.conversation_id, Message.sentiment_score)
        .where(Message.sent_at >= period.start, Message.sent_at < period.end, Message.direction == INBOUND,
               Message.sentiment_score.is_not(None), Message.conversation_id.is_not(None))
        .order_by(Message.conversation_id, Message.sent_at, Message.sid)
    )).all()
    scores: dict[int, list[float]] = {}
    for conversation_id, score in rows:
        scores.setdefault(conversation_id, []).append(score)
    unhappy = []
    for conversation_id, values in scores.items():
        sentiment = conversation_sentiment(values)
        if sentiment.label == "unhappy":
            unhappy.append((sentiment.score, conversation_id))
    unhappy.sort()
    picked = unhappy[:limit]
    if not picked:
        return ()
    info = {row[0]: row[1:] for row in (await session.execute(
        select(Conversation.id, Conversation.slack_channel, Conversation.slack_thread_ts, Contact.display_name,
               Contact.address)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.id.in_([cid for _, cid in picked]))  # type: ignore[union-attr]
    )).all()}
    out = []
    for score, cid in picked:
        channel, ts, name, address = info.get(cid, (None, None, None, ""))
        out.append(UnhappyThread(cid, name or mask_address(address or ""), score, channel, ts))
    return tuple(out)
