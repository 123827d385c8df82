"""Migrations create the whole schema on both databases, with no drift from the models."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import SQLModel

from analytics.db import Database
from bot.migrations import alembic_config, current_revision, head_revision


async def test_migrations_reach_head_without_drift(database_url: str) -> None:
    # `alembic check` raises when autogenerate would emit any operation.
    await asyncio.to_thread(command.check, alembic_config(database_url))
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            assert await current_revision(conn) == head_revision(database_url)
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await db.dispose()
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables


def test_alembic_sees_every_table_from_a_fresh_interpreter(database_url: str) -> None:
    """`leadline db upgrade` and `alembic check` load only alembic/env.py, which imports `analytics.tables`:
    a table module it misses would look dropped to autogenerate. In this process every module is already
    imported, so the check runs in a new one."""
    check = ("import sys; from alembic import command; from bot.migrations import alembic_config; "
             "command.check(alembic_config(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", check, database_url], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


async def test_upgrading_a_current_database_again_keeps_its_data(database_url: str) -> None:
    """`leadline serve` migrates at every start: on a database at head that must change nothing."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from bot.migrations import upgrade

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO rep (name, created_at) VALUES ('Ana', :at)"),
                               {"at": datetime(2026, 11, 2, tzinfo=UTC)})
    finally:
        await db.dispose()
    await asyncio.to_thread(upgrade, database_url)
    await asyncio.to_thread(upgrade, database_url)
    await asyncio.to_thread(command.check, alembic_config(database_url))
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            assert await current_revision(conn) == head_revision(database_url)
            assert (await conn.execute(text("SELECT name FROM rep"))).scalars().all() == ["Ana"]
    finally:
        await db.dispose()


async def test_0002_numbers_the_scored_inbound_messages_of_existing_conversations(database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from bot.migrations import upgrade

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0001")
    at = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO contact (id, address, channel, opted_out, created_at, "
                                    "current_conversation_id) VALUES (1, '+15550100001', 'sms', false, :at, 2)"),
                               {"at": at})
            for cid in (1, 2):
                await conn.execute(text("INSERT INTO conversation (id, contact_id, started_at, last_message_at, "
                                        "channel) VALUES (:id, 1, :at, :at, 'sms')"), {"id": cid, "at": at})
            # (id, conversation, minutes, direction, score): ids deliberately not in time order.
            rows = [(1, 1, 5, "inbound", 0.5), (2, 1, 1, "inbound", -0.25), (3, 1, 3, "outbound", None),
                    (4, 1, 4, "inbound", None), (5, 2, 30, "inbound", 0.1), (6, 2, 40, "inbound", 0.2)]
            for mid, cid, minutes, direction, score in rows:
                await conn.execute(text(
                    "INSERT INTO message (id, sid, contact_id, conversation_id, direction, channel, body, "
                    "media_count, sent_at, automated, sentiment_score, topics, created_at) VALUES (:id, :sid, 1, "
                    ":cid, :direction, 'sms', 'hi', 0, :sent, false, :score, '', :at)"),
                    {"id": mid, "sid": f"SM{mid:032d}", "cid": cid, "direction": direction,
                     "sent": at + timedelta(minutes=minutes), "score": score, "at": at})
    finally:
        await db.dispose()
    await asyncio.to_thread(upgrade, database_url)
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            seqs = dict((await conn.execute(text("SELECT id, sentiment_seq FROM message"))).all())
            contact_seq = (await conn.execute(text("SELECT sentiment_seq FROM contact"))).scalar_one()
    finally:
        await db.dispose()
    assert seqs == {1: 2, 2: 1, 3: None, 4: None, 5: 1, 6: 2}
    assert contact_seq == 2


async def test_0005_outcome_tables_downgrade_and_upgrade_keeping_other_data(database_url: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    from bot.migrations import upgrade

    at = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO contact (id, address, channel, opted_out, created_at) "
                                    "VALUES (1, '+15550100001', 'sms', false, :at)"), {"at": at})
            await conn.execute(text("INSERT INTO opportunity (id, contact_id, opened_at, auto_opened, stage, "
                                    "stage_entered_at, reached, last_event_at, last_event_id, updated_at) VALUES "
                                    "(1, 1, :at, true, 'new', :at, 'new', :at, 1, :at)"), {"at": at})
    finally:
        await db.dispose()
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0004")
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert "opportunity" not in tables and "stage_event" not in tables
            assert (await conn.execute(text("SELECT address FROM contact"))).scalars().all() == ["+15550100001"]
    finally:
        await db.dispose()
    await asyncio.to_thread(upgrade, database_url)
    await asyncio.to_thread(command.check, alembic_config(database_url))
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO opportunity (id, contact_id, opened_at, auto_opened, stage, "
                                    "stage_entered_at, reached, last_event_at, last_event_id, updated_at) VALUES "
                                    "(1, 1, :at, true, 'new', :at, 'new', :at, 1, :at)"), {"at": at})
        # The partial unique index came back with the table: a second open opportunity is refused.
        from sqlalchemy.exc import IntegrityError
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO opportunity (id, contact_id, opened_at, auto_opened, stage, "
                                        "stage_entered_at, reached, last_event_at, last_event_id, updated_at) "
                                        "VALUES (2, 1, :at, true, 'new', :at, 'new', :at, 2, :at)"), {"at": at})
    finally:
        await db.dispose()
