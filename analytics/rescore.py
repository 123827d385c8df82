"""Recompute the stored sentiment of inbound messages with the current scorer (`leadline db rescore`).

Message scores are computed once, at ingest, and stored (`message.sentiment_score`, `sentiment_label`);
conversation labels are computed from the stored scores when a report asks. After the scorer changes, this
brings the stored scores up to date, so old and new messages are measured the same way.

It walks the scored inbound messages in id order, a batch at a time: each batch is read in its own
short read, scored outside any transaction (bodies never change once stored), and only the rows whose score
or label differ are written back in one short write transaction. So it is safe while the service runs
(ingest and reports are never blocked for long, on SQLite or PostgreSQL), resumable after an interruption,
and idempotent: a second run changes nothing. Only rows that already have a score are touched, so the
conversation ranks (`sentiment_seq`) stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from analytics.db import Database
from analytics.models import INBOUND, Message
from analytics.sentiment import score_sentiment

DEFAULT_BATCH = 2000


@dataclass(frozen=True)
class Rescored:
    scanned: int
    changed: int


async def rescore_messages(db: Database, *, batch_size: int = DEFAULT_BATCH,
                           progress: Callable[[Rescored], None] | None = None) -> Rescored:
    """Score every scored inbound message again and store the scores that changed; returns the totals.

    `progress` is called after each batch with the running totals.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    table = Message.__table__  # type: ignore[attr-defined]
    store = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.sentiment_score.is_not(None))
        .values(sentiment_score=bindparam("score"), sentiment_label=bindparam("label"))
    )
    scanned = changed = 0
    after = 0
    while True:
        async with db.read() as session:
            rows = (await session.execute(
                select(Message.id, Message.body, Message.sentiment_score, Message.sentiment_label)
                .where(Message.id > after, Message.direction == INBOUND, Message.sentiment_score.is_not(None))
                .order_by(Message.id).limit(batch_size)
            )).all()
        if not rows:
            return Rescored(scanned, changed)
        updates = []
        for row_id, body, score, label in rows:
            fresh = score_sentiment(body or "")
            if fresh.score != score or fresh.label != label:
                updates.append({"row_id": row_id, "score": fresh.score, "label": fresh.label})
        if updates:
            async with db.transaction() as session:
                await session.execute(store, updates)
        scanned += len(rows)
        changed += len(updates)
        after = rows[-1][0]
        if progress is not None:
            progress(Rescored(scanned, changed))
