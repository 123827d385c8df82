"""Rebuild a contact's conversations, waits and opt state from its stored history.

Used after out-of-order arrival (late webhooks, imports): it replays every message and opt event of
the contact through `analytics.waits.replay`, so the stored result is exactly what in-order arrival
would have produced. Conversations are kept where the replay starts one at the same moment (their
Slack threads survive); waits are recreated.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import INBOUND, OPT_OUT, Contact, Conversation, Message, OptEvent, Wait
from analytics.opt_out import classify_keyword
from analytics.wait_rows import close_wait, merge_topics
from analytics.waits import Event, replay

if TYPE_CHECKING:
    from analytics.ingest_types import IngestConfig


# The scored inbound messages of the given conversations numbered 1, 2, ... in (sent_at, sid) order
# (migration 0002 runs the same statement over every conversation).
_RENUMBER = """
    UPDATE message SET sentiment_seq = ranked.seq
    FROM (SELECT id, row_number() OVER (PARTITION BY conversation_id ORDER BY sent_at, sid) AS seq
          FROM message
          WHERE direction = 'inbound' AND sentiment_score IS NOT NULL AND conversation_id IN ({ids})) AS ranked
    WHERE message.id = ranked.id
"""
_RECOUNT = """
    UPDATE contact SET sentiment_seq = coalesce(
        (SELECT max(m.sentiment_seq) FROM message AS m WHERE m.conversation_id = contact.current_conversation_id), 0)
    WHERE current_conversation_id IN ({ids})
"""


async def renumber_sentiment(session: AsyncSession, conversation_ids: Iterable[int]) -> None:
    """Number the scored inbound messages of these conversations again, and their contacts' counters.

    Reports rank a period's messages by `message.sentiment_seq`, which must run 1, 2, ... without gaps:
    after messages are deleted from the middle of a conversation (retention keeps the opening message of
    a wait that is still open), or written without numbers, this restores that.
    """
    wanted = sorted(set(conversation_ids))
    for start in range(0, len(wanted), 500):
        # Integers only, so formatting them into the statement is safe.
        ids = ", ".join(str(int(i)) for i in wanted[start:start + 500])
        await session.execute(text(_RENUMBER.format(ids=ids)))
        await session.execute(text(_RECOUNT.format(ids=ids)))


async def number_unnumbered(session: AsyncSession, *, since: datetime | None = None, limit: int = 500) -> int:
    """Number up to `limit` conversations holding scored inbound messages (sent at or after `since`)
    without a `sentiment_seq`; returns how many (call again while it returns `limit`).

    Such rows come from replicas still running code older than migration 0002 during a rolling upgrade
    (reports leave them out of conversation labels until numbered). The conversations' contacts are
    locked first, as ingest locks them, so a message arriving meanwhile is numbered after these.
    """
    query = select(Message.conversation_id).where(
        Message.direction == INBOUND, Message.sentiment_score.is_not(None), Message.sentiment_seq.is_(None),
        Message.conversation_id.is_not(None))
    if since is not None:
        query = query.where(Message.sent_at >= since)
    found = list((await session.execute(query.distinct().limit(limit))).scalars())
    if not found:
        return 0
    contacts = select(Conversation.contact_id).where(Conversation.id.in_(found))
    await session.execute(select(Contact.id).where(Contact.id.in_(contacts)).order_by(Contact.id).with_for_update())
    await renumber_sentiment(session, found)  # type: ignore[arg-type]
    return len(found)


async def rebuild_contact(session: AsyncSession, contact_id: int, config: IngestConfig) -> None:
    """Recompute everything derived from one contact's history, in the caller's transaction."""
    contact = await session.get(Contact, contact_id, with_for_update=True, populate_existing=True)
    assert contact is not None
    messages = (
        await session.execute(
            select(Message.id, Message.sid, Message.sent_at, Message.direction, Message.automated,
                   Message.body, Message.keyword, Message.topics, Message.rep_id, Message.channel,
                   Message.conversation_id, Message.sentiment_score, Message.sentiment_seq)
            .where(Message.contact_id == contact_id)
            # A text that never left (failed before Twilio accepted it) answered nobody.
            .where(~(Message.sid.startswith("local-") & (Message.status == "failed")))
        )
    ).all()
    bare_events = (
        await session.execute(
            select(OptEvent.kind, OptEvent.at, OptEvent.id)
            .where(OptEvent.contact_id == contact_id, OptEvent.message_id.is_(None))
        )
    ).all()
    by_sid = {m.sid: m for m in messages}
    events = [
        Event(m.sent_at, m.sid, m.direction, m.automated,
              (classify_keyword(m.body) or m.keyword) if m.direction == INBOUND else None)
        for m in messages
    ]
    events += [Event(e.at, f"~opt{e.id}", opt_event=e.kind) for e in bare_events]
    timeline = replay(events, config.gap)

    await session.execute(delete(Wait).where(Wait.contact_id == contact_id))
    await session.execute(update(Contact).where(Contact.id == contact_id).values(
        open_wait_id=None, current_conversation_id=None))
    existing = {
        c.started_at: c
        for c in (await session.execute(
            select(Conversation).where(Conversation.contact_id == contact_id)
        )).scalars()
    }
    conversation_ids: list[int] = []
    kept: set[int] = set()
    for span in timeline.conversations:
        conversation = existing.get(span.started_at)
        if conversation is None or conversation.id in kept:
            first = by_sid[span.message_keys[0]]
            conversation = Conversation(contact_id=contact_id, started_at=span.started_at,
                                        last_message_at=span.last_message_at, channel=first.channel)
            session.add(conversation)
            await session.flush()
        conversation.last_message_at = span.last_message_at
        kept.add(conversation.id or 0)
        conversation_ids.append(conversation.id or 0)

    updates = []
    seq = 0
    for span in timeline.conversations:
        seq = 0
        for sid in span.message_keys:  # in time order (sent_at, sid)
            m = by_sid[sid]
            keyword = timeline.keywords.get(sid)
            conv_id = conversation_ids[span.index]
            position = None
            if m.direction == INBOUND and m.sentiment_score is not None:
                seq += 1
                position = seq
            if m.conversation_id != conv_id or m.keyword != keyword or m.sentiment_seq != position:
                updates.append({"id": m.id, "conversation_id": conv_id, "keyword": keyword,
                                "sentiment_seq": position})
    if updates:
        await session.execute(update(Message), updates)

    stale = [c.id for c in existing.values() if c.id not in kept]
    if stale:
        await session.execute(delete(Conversation).where(Conversation.id.in_(stale)))

    await session.execute(delete(OptEvent).where(
        OptEvent.contact_id == contact_id, OptEvent.message_id.is_not(None)))
    for sid, keyword in timeline.keywords.items():
        if keyword is not None:
            m = by_sid[sid]
            session.add(OptEvent(contact_id=contact_id, kind=keyword, at=m.sent_at, source="keyword",
                                 message_id=m.id))

    open_wait: Wait | None = None
    for span in timeline.waits:
        opened = by_sid[span.opened_key]
        topics = ""
        for sid in span.inbound_keys:
            topics = merge_topics(topics, by_sid[sid].topics)
        wait = Wait(contact_id=contact_id, conversation_id=conversation_ids[span.conversation_index],
                    opened_message_id=opened.id, opened_at=span.opened_at,
                    last_inbound_at=span.last_inbound_at,
                    first_in_conversation=span.first_in_conversation, channel=opened.channel, topics=topics,
                    inbound_count=len(span.inbound_keys), state=span.state)
        if span.state == "closed" and span.closed_at is not None:
            closer = by_sid[span.closed_key] if span.closed_key else None
            close_wait(wait, span.closed_at, config.calendar, closer.id if closer else None,
                       closer.rep_id if closer else None)
        elif span.state == "cancelled":
            wait.closed_at = span.closed_at
        else:
            open_wait = wait
        session.add(wait)
    await session.flush()

    contact = await session.get(Contact, contact_id, populate_existing=True)
    assert contact is not None
    contact.open_wait_id = open_wait.id if open_wait is not None else None
    contact.current_conversation_id = conversation_ids[-1] if conversation_ids else None
    contact.sentiment_seq = seq
    contact.last_message_at = timeline.final.last_message_at
    contact.first_message_at = min((m.sent_at for m in messages), default=None)
    if contact.opted_out != timeline.opted_out:
        contact.opted_out = timeline.opted_out
    if contact.opted_out:
        outs = [e.at for e in events if e.opt_event == OPT_OUT] + [
            by_sid[s].sent_at for s, k in timeline.keywords.items() if k == OPT_OUT]
        contact.opted_out_at = max(outs, default=contact.opted_out_at)
    else:
        contact.opted_out_at = None
    await session.flush()
