"""Retention deletes old message text and waits, but never an opt-out or a lead who is still waiting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from analytics.db import Database
from analytics.models import Contact, Conversation, Message, OptEvent, Wait
from analytics.retention import purge_before
from tests.analytics.test_ingest import T0, ingest, msg


async def test_purge_keeps_opt_outs_and_open_waits(db: Database) -> None:
    day = 24 * 60
    await ingest(db, [
        msg("old1", 0, body="price?", address="+15550000001"),
        msg("old2", 5, "outbound", "it's $49", address="+15550000001"),
        msg("stop", 10, body="STOP", address="+15550000001"),
        msg("wait", 0, body="still there?", address="+15550000002"),  # never answered: stays open
        msg("new1", 40 * day, body="hello again", address="+15550000003"),
        msg("new2", 40 * day + 3, "outbound", "hi!", address="+15550000003"),
    ])
    async with db.transaction() as session:
        purged = await purge_before(session, T0 + timedelta(days=30))
    assert (purged.messages, purged.waits, purged.conversations) == (3, 1, 1)
    async with db.read() as session:
        sids = set((await session.execute(select(Message.sid))).scalars())
        waits = [(w.state, w.opened_at) for w in (await session.execute(select(Wait))).scalars()]
        events = [(e.kind, e.message_id) for e in (await session.execute(select(OptEvent))).scalars()]
        opted = dict((await session.execute(select(Contact.address, Contact.opted_out))).all())
        conversations = len((await session.execute(select(Conversation))).all())
    assert sids == {"wait", "new1", "new2"}
    assert sorted(s for s, _ in waits) == ["closed", "open"]
    assert events == [("opt_out", None)]
    assert opted["+15550000001"] is True
    assert conversations == 2


async def test_purge_renumbers_a_conversation_it_cut_into(db: Database) -> None:
    day = 24 * 60
    await ingest(db, [
        msg("open", 0, body="price?"),  # opens a wait nobody answers: kept
        msg("more", 2 * day, body="hello?"),  # extends it, and is purged
        msg("late", 40 * day, body="anyone there? 😡"),
    ])
    async with db.transaction() as session:
        await purge_before(session, T0 + timedelta(days=30))
    async with db.read() as session:
        seqs = dict((await session.execute(select(Message.sid, Message.sentiment_seq))).all())
        counter = (await session.execute(select(Contact.sentiment_seq))).scalar_one()
    assert seqs == {"open": 1, "late": 2} and counter == 2


async def test_rows_stored_without_a_sentiment_rank_are_numbered(db: Database) -> None:
    """Replicas on code older than migration 0002 store inbound messages without `sentiment_seq` during a
    rolling upgrade; the daily numbering gives them their ranks, and the contact's counter follows."""
    from sqlalchemy import update

    from analytics.rebuild import number_unnumbered

    await ingest(db, [
        msg("a1", 0, body="price?"),
        msg("a2", 1, body="hello??"),
        msg("a3", 2, "outbound", "it's $49"),
        msg("b1", 0, body="great, thanks!", address="+15550000002"),
    ])
    async with db.transaction() as session:
        await session.execute(update(Message).where(Message.sid.in_(["a1", "a2"])).values(sentiment_seq=None))
        await session.execute(update(Contact).where(Contact.address == "+15550001111").values(sentiment_seq=0))
    async with db.transaction() as session:
        assert await number_unnumbered(session, since=T0 + timedelta(days=1)) == 0  # none sent since then
        assert await number_unnumbered(session, since=T0) == 1  # one conversation lacked ranks
    async with db.transaction() as session:
        assert await number_unnumbered(session) == 0  # and now none does
    async with db.read() as session:
        seqs = dict((await session.execute(select(Message.sid, Message.sentiment_seq))).all())
        counters = dict((await session.execute(select(Contact.address, Contact.sentiment_seq))).all())
    assert seqs == {"a1": 1, "a2": 2, "a3": None, "b1": 1}
    assert counters == {"+15550001111": 2, "+15550000002": 1}
