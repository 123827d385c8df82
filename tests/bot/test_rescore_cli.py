"""`leadline db rescore`: stored message scores recomputed with the current scorer, and the report's
conversation labels following them, on both databases."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from analytics.business_hours import BusinessCalendar, parse_business_hours
from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.models import Message
from analytics.sentiment import score_sentiment
from analytics.topics import default_topics
from bot import cli, kpi_cli
from tests.bot.conftest import make_settings
from tests.bot.test_kpi_cli import FROM, NY, T0, TO

# Per contact, its texts in order, and the score an older scorer stored for each.
HISTORY = {
    "+15550000001": [("thanks, that works!", 0.4), ("not interested, stop texting me", 0.4)],
    "+15550000002": [("can you send me pricing?", 0.45)],
    "+15550000003": [("love it!! 😍😍", 0.0)],
}


async def load(database_url: str) -> None:
    from zoneinfo import ZoneInfo

    db = Database(database_url)
    config = IngestConfig(timedelta(hours=24), BusinessCalendar(parse_business_hours(""), frozenset(),
                                                                ZoneInfo(NY)), default_topics())
    try:
        for n, (address, texts) in enumerate(HISTORY.items()):
            for k, (body, _) in enumerate(texts):
                sent = T0 + timedelta(minutes=10 * n + k)
                async with db.transaction() as session:
                    await record_message(session, IncomingMessage(
                        sid=f"m{n}{k}", address=address, direction="inbound", channel="sms", body=body,
                        sent_at=sent), config)
            async with db.transaction() as session:
                await record_message(session, IncomingMessage(
                    sid=f"r{n}", address=address, direction="outbound", channel="sms", body="great, thanks!",
                    sent_at=sent + timedelta(minutes=1)), config)
        # What an older scorer left behind.
        async with db.transaction() as session:
            for n, texts in enumerate(HISTORY.values()):
                for k, (_, old) in enumerate(texts):
                    label = "happy" if old > 0 else "neutral"
                    await session.execute(update(Message).where(Message.sid == f"m{n}{k}")
                                          .values(sentiment_score=old, sentiment_label=label))
    finally:
        await db.dispose()


async def stored(database_url: str) -> dict[str, tuple[str, float | None, str | None]]:
    db = Database(database_url)
    try:
        async with db.read() as session:
            rows = (await session.execute(
                select(Message.sid, Message.body, Message.sentiment_score, Message.sentiment_label))).all()
    finally:
        await db.dispose()
    return {sid: (body, score, label) for sid, body, score, label in rows}


async def command(database_url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="leadline")
    sub = parser.add_subparsers(dest="command", required=True)
    kpi_cli.register(sub)
    args = (cli.build_parser() if argv[0] == "db" else parser).parse_args(argv)
    # The handlers run their own event loop (asyncio.run), so they go to a thread here.
    code = await asyncio.to_thread(args.func, args, make_settings(database_url, timezone=NY))
    out, err = capsys.readouterr()
    return code, out, err


async def sentiment_counts(database_url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    code, out, _ = await command(database_url, capsys, "kpi", "--from", FROM, "--to", TO, "--json")
    assert code == 0
    return json.loads(out)["sentiment"]


async def test_rescore_stores_the_current_scores_and_labels_follow(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    await load(database_url)
    assert await sentiment_counts(database_url, capsys) == {
        "very_happy": 0, "happy": 2, "neutral": 1, "unhappy": 0}

    code, out, err = await command(database_url, capsys, "db", "rescore", "--batch-size", "2")
    assert code == 0, err
    assert out.startswith("rescored 4 inbound messages: 4 changed")
    assert "2 messages scored" in err and "4 messages scored" in err

    rows = await stored(database_url)
    for sid, (body, score, label) in rows.items():
        if sid.startswith("r"):
            assert (score, label) == (None, None)
        else:
            assert (score, label) == (score_sentiment(body).score, score_sentiment(body).label)
    # The lead who ended with an opt-out is unhappy, the pricing question neutral, the emoji fan very happy.
    assert await sentiment_counts(database_url, capsys) == {
        "very_happy": 1, "happy": 0, "neutral": 1, "unhappy": 1}

    code, out, _ = await command(database_url, capsys, "db", "rescore")
    assert code == 0 and out.startswith("rescored 4 inbound messages: 0 changed")
    assert await stored(database_url) == rows


async def test_rescore_refuses_a_bad_batch_size(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    await load(database_url)
    before = await stored(database_url)
    code, out, err = await command(database_url, capsys, "db", "rescore", "--batch-size", "0")
    assert code == 2 and out == "" and err.startswith("leadline: --batch-size must be at least 1")
    assert await stored(database_url) == before


async def test_rescore_with_the_database_down_exits_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err = await command(f"postgresql+asyncpg://leadline@127.0.0.1:{port}/leadline", capsys,
                                   "db", "rescore")
    assert code == 1 and out == ""
    assert err.startswith("leadline: database unavailable") and len(err.strip().splitlines()) == 1, err
