"""`leadline db rescore` at scale: the time to recompute every stored message score, e.g. at 1M messages.

    .venv/bin/python bench/rescore.py --messages 1000000 [--sqlite] [--url URL] [--batch-size N]

Generates bench/kpi_scale.py's synthetic history, but gives every inbound message its own text (two of that
bench's lead texts and a number, so no text is scored twice and the scorer's cache never helps) and stores it
with a stale score (0.1234, which no text scores), so that every scored inbound row must be written. Then
times `analytics.rescore.rescore_messages`, the function behind `leadline db rescore`, on PostgreSQL (and on
SQLite with --sqlite), checks a sample of the stored scores, and times a second run (nothing left to change).
It also prints the scorer's own share: the same texts scored with no database (CPU time of this process, and
wall time). PostgreSQL URL: --url (default: a fresh database `leadline_bench` on 127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from analytics import sentiment
from analytics.db import Database
from analytics.models import Message
from analytics.rescore import DEFAULT_BATCH, rescore_messages
from bench.kpi_scale import BODIES, NOW, Ids, Rows, add_reps, fresh_pg_database, generate, load_pg, load_sqlite
from bot.migrations import upgrade

BODY, SCORE, LABEL = 6, 12, 13  # positions in kpi_scale's message rows
STALE = 0.1234


def stale_unique_texts(rows: Rows, rng: random.Random) -> list[str]:
    """Give each scored inbound message its own text and a stale score; returns the texts."""
    texts = []
    for i, row in enumerate(rows.message):
        if row[4] == "inbound" and row[SCORE] is not None:
            text = f"{rng.choice(BODIES)} {rng.choice(BODIES)} #{i}"
            row = (*row[:BODY], text, *row[BODY + 1:SCORE], STALE, "neutral", *row[LABEL + 1:])
            rows.message[i] = row
            texts.append(text)
    return texts


async def rescore(url: str, batch_size: int) -> tuple[float, int, int]:
    db = Database(url)
    try:
        sentiment._score_cached.cache_clear()
        start = time.perf_counter()
        done = await rescore_messages(db, batch_size=batch_size)
        return time.perf_counter() - start, done.scanned, done.changed
    finally:
        await db.dispose()


async def check(url: str) -> int:
    """Stored scores that differ from the scorer's, in a sample of 2,000 inbound messages."""
    db = Database(url)
    try:
        async with db.read() as session:
            rows = (await session.execute(
                select(Message.body, Message.sentiment_score, Message.sentiment_label)
                .where(Message.direction == "inbound", Message.sentiment_score.is_not(None))
                .order_by(func.random()).limit(2000))).all()
    finally:
        await db.dispose()
    return sum(sentiment.score_sentiment(b) != sentiment.Sentiment(s, label) for b, s, label in rows)


def report(backend: str, url: str, batch_size: int, total: int) -> None:
    seconds, scanned, changed = asyncio.run(rescore(url, batch_size))
    print(f"{backend}, {total:,} messages: rescored {scanned:,} inbound messages ({changed:,} changed) in "
          f"{seconds:.1f} s = {scanned / seconds:,.0f} messages/s", flush=True)
    wrong = asyncio.run(check(url))
    again, _, changed_again = asyncio.run(rescore(url, batch_size))
    print(f"{backend}: sample of 2,000 stored scores off the scorer: {wrong}; second run {again:.1f} s, "
          f"{changed_again} changed", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--url", default=None, help="PostgreSQL URL (its tables are created by migration)")
    parser.add_argument("--sqlite", action="store_true", help="also time it on SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng, reps = random.Random(args.seed), 25
    rows = generate(rng, Ids(), 1, max(1, args.messages // 10), args.messages, NOW - timedelta(days=90), NOW, reps)
    texts = stale_unique_texts(rows, rng)
    total = len(rows.message)
    print(f"generated {total:,} messages, {len(texts):,} of them scored inbound texts", flush=True)

    sentiment.score_sentiment("warm-up: loads the lexicons 👍")
    sentiment._score_cached.cache_clear()
    start, start_cpu = time.perf_counter(), time.process_time()
    for text in texts:
        sentiment.score_sentiment(text)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"scoring alone (no database): {wall:.1f} s wall, {cpu:.1f} s CPU = {cpu / len(texts) * 1e6:.0f} us CPU "
          "per message", flush=True)

    url = args.url or asyncio.run(fresh_pg_database("leadline_bench"))
    upgrade(url)
    asyncio.run(add_reps(url, reps))
    asyncio.run(load_pg(url, rows))
    report("PostgreSQL", url, args.batch_size, total)

    if args.sqlite:
        path = Path("/tmp") / f"leadline-rescore-{args.messages}.db"
        path.unlink(missing_ok=True)
        sqlite_url = f"sqlite+aiosqlite:///{path}"
        upgrade(sqlite_url)
        asyncio.run(add_reps(sqlite_url, reps, sqlite_path=path))
        load_sqlite(path, rows)
        report("SQLite", sqlite_url, args.batch_size, total)


if __name__ == "__main__":
    main()
