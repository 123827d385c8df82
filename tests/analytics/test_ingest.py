"""Storing messages on both databases: waits, conversations, opt-outs, idempotency, arrival order."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from analytics.business_hours import BusinessCalendar, parse_business_hours
from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message, record_opt_event
from analytics.models import Contact, Conversation, Message, OptEvent, Wait
from analytics.topics import default_topics
from bot.migrations import upgrade
from tests.conftest import _truncate

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
CONFIG = IngestConfig(
    gap=timedelta(hours=24),
    calendar=BusinessCalendar(parse_business_hours("Mon-Fri 09:00-17:00"), frozenset(), ZoneInfo("UTC")),
    topics=default_topics(),
)


def msg(sid: str, minutes: float, direction: str = "inbound", body: str = "hi", address: str = "+15550001111",
        automated: bool = False, rep_id: int | None = None) -> IncomingMessage:
    return IncomingMessage(sid=sid, address=address, direction=direction, channel="sms", body=body,
                           sent_at=T0 + timedelta(minutes=minutes), automated=automated, rep_id=rep_id)


async def ingest(db: Database, messages: list[IncomingMessage]) -> None:
    for m in messages:
        async with db.transaction() as session:
            await record_message(session, m, CONFIG)


async def snapshot(db: Database) -> dict[str, object]:
    async with db.read() as session:
        sid_of = dict((await session.execute(select(Message.id, Message.sid))).all())
        waits = sorted(
            (sid_of[w.opened_message_id], w.state, sid_of.get(w.closed_message_id), w.first_in_conversation,
             w.calendar_seconds, w.business_seconds, w.inbound_count, w.topics)
            for w in (await session.execute(select(Wait))).scalars()
        )
        conversations = sorted(
            (c.started_at, c.last_message_at) for c in (await session.execute(select(Conversation))).scalars()
        )
        contacts = sorted(
            (c.address, c.opted_out, c.open_wait_id is not None, c.last_message_at)
            for c in (await session.execute(select(Contact))).scalars()
        )
        keywords = sorted((m.sid, m.keyword) for m in (await session.execute(select(Message))).scalars())
        events = sorted((e.kind, e.at) for e in (await session.execute(select(OptEvent))).scalars())
    return {"waits": waits, "conversations": conversations, "contacts": contacts, "keywords": keywords,
            "events": events}


HISTORY = [
    msg("a1", 0, body="How much is the pro plan?"),
    msg("a2", 2, body="and do you have a demo?"),
    msg("r1", 2.5, "outbound", "Thanks! A rep will reply soon", automated=True),
    msg("r2", 20, "outbound", "Hi! Pro is $49/mo", rep_id=None),
    msg("a3", 60 * 30, body="ok what about support"),
    msg("r3", 60 * 31, "outbound", "We answer 24/7"),
    msg("a4", 60 * 32, body="STOP"),
    msg("a5", 60 * 33, body="Yes"),
    msg("a6", 60 * 34, body="START"),
    msg("a7", 60 * 35, body="Yes"),
    msg("b1", 5, body="hello", address="whatsapp:+15550002222"),
    msg("b2", 6, body="anyone?", address="whatsapp:+15550002222"),
]


async def test_waits_follow_the_rules(db: Database) -> None:
    await ingest(db, HISTORY)
    snap = await snapshot(db)
    assert snap["waits"] == [
        ("a1", "closed", "r2", True, 1200.0, 1200.0, 2, "pricing,scheduling"),
        ("a3", "closed", "r3", True, 3600.0, 0.0, 1, "support"),
        ("a6", "open", None, False, None, None, 2, ""),
        ("b1", "open", None, True, None, None, 2, ""),
    ]
    assert dict(snap["keywords"])["a4"] == "opt_out"
    assert dict(snap["keywords"])["a5"] == "opt_in"  # "Yes" while opted out opts back in
    assert dict(snap["keywords"])["a6"] is None  # START while subscribed is an ordinary message
    assert [k for k, _ in snap["events"]] == ["opt_in", "opt_out"]
    assert len(snap["conversations"]) == 3


async def test_duplicate_sid_stores_one_row(db: Database) -> None:
    for _ in range(3):
        async with db.transaction() as session:
            result = await record_message(session, msg("dup", 0), CONFIG)
    assert result.duplicate
    async with db.read() as session:
        assert len((await session.execute(select(Message))).all()) == 1
        assert len((await session.execute(select(Wait))).all()) == 1


async def test_any_arrival_order_gives_the_same_waits(db: Database, database_url: str) -> None:
    await ingest(db, HISTORY)
    in_order = await snapshot(db)
    for seed in (1, 2):
        shuffled = HISTORY[:]
        random.Random(seed).shuffle(shuffled)
        other = Database(database_url.replace("leadline.db", f"shuffled{seed}.db")) \
            if "sqlite" in database_url else db
        if other is db:
            from tests.conftest import _truncate

            await _truncate(database_url)
        else:
            import asyncio

            from bot.migrations import upgrade

            await asyncio.to_thread(upgrade, other.url)
        try:
            await ingest(other, shuffled)
            assert await snapshot(other) == in_order
        finally:
            if other is not db:
                await other.dispose()


async def test_error_21610_opt_out_cancels_open_wait(db: Database) -> None:
    await ingest(db, [msg("a1", 0)])
    async with db.transaction() as session:
        changed = await record_opt_event(session, "+15550001111", "opt_out", T0 + timedelta(minutes=5),
                                         "twilio_21610", CONFIG)
    assert changed
    snap = await snapshot(db)
    assert snap["waits"][0][1] == "cancelled"
    assert snap["contacts"][0][1] is True


async def test_batches_of_any_size_give_the_same_waits(db: Database, database_url: str) -> None:
    from analytics.ingest import record_messages

    await ingest(db, HISTORY)
    one_by_one = await snapshot(db)
    for size in (2, 5, len(HISTORY)):
        if "sqlite" in database_url:
            other = Database(database_url.replace("leadline.db", f"batch{size}.db"))
            await asyncio.to_thread(upgrade, other.url)
        else:
            other = db
            await _truncate(database_url)
        try:
            batch: list[IncomingMessage] = []
            for m in HISTORY:
                batch.append(m)
                if len(batch) == size:
                    async with other.transaction() as session:
                        results = await record_messages(session, [*batch, batch[0]], CONFIG)
                    assert results[-1].duplicate and not results[0].duplicate
                    assert results[-1].message_id == results[0].message_id
                    batch = []
            if batch:
                async with other.transaction() as session:
                    await record_messages(session, batch, CONFIG)
            assert await snapshot(other) == one_by_one
        finally:
            if other is not db:
                await other.dispose()
