"""`leadline import twilio` over a multi-page, shuffled history from the fake Twilio REST API."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics.db import Database
from analytics.ingest import record_message
from bot.cli import _import_twilio
from bot.container import ingest_config
from bot.migrations import upgrade
from bot.twilio.importer import TwilioRecord, to_incoming
from tests.analytics.test_ingest import snapshot
from tests.bot.conftest import make_settings
from tests.bot.test_cli import leadline
from tests.fakes import FakeTwilio

SID = "AC" + "2" * 32
TOKEN = "import-token-abcdef0123456789"
OURS = "+15559990000"
START = datetime(2026, 10, 1, tzinfo=UTC)
LEAD_TEXTS = ["Hi, how much is it?", "Can I book a demo?", "hello??", "STOP", "START", "Yes", "thanks!",
              "not working again 😡", "HELP", "what's the price for 10 seats"]


def make_history(n_contacts: int = 100, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    history: list[dict[str, Any]] = []
    for c in range(n_contacts):
        lead = f"+1555{c:07d}"
        if c % 7 == 0:
            lead = "whatsapp:" + lead
        at = START + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
        for _ in range(rng.randint(3, 40)):
            at += timedelta(minutes=rng.choice([0.5, 2, 15, 60, 60 * 5, 60 * 30]))
            kind = rng.random()
            ours = f"whatsapp:{OURS}" if lead.startswith("whatsapp:") else OURS
            if kind < 0.5:
                history.append({"from": lead, "to": ours, "body": rng.choice(LEAD_TEXTS), "direction": "inbound",
                                "status": "received", "date_sent": at, "num_media": rng.choice([0, 0, 0, 1])})
            else:
                direction = "outbound-reply" if kind < 0.6 else "outbound-api"
                history.append({"from": ours, "to": lead, "body": "Thanks, a rep will answer", "date_sent": at,
                                "direction": direction, "status": "delivered"})
    return history


@pytest.fixture
async def tw() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as fake:
        yield fake


async def test_import_equals_live_ingestion_and_is_idempotent(
    tw: FakeTwilio, database_url: str, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = make_history()
    tw.add_history(history)
    tw.shuffle_pages = True
    settings = make_settings(database_url, twilio_account_sid=SID, twilio_auth_token=TOKEN,
                             twilio_api_base_url=tw.base_url)
    assert await _import_twilio(settings, START, START + timedelta(days=60)) == 0
    summary = capsys.readouterr().out
    assert f"read {len(history)} messages: {len(history)} new" in summary
    page_requests = [r for r in tw.requests if r.path.endswith("/Messages.json")]
    assert len(page_requests) > 1
    imported = await snapshot(db)

    live_url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    await asyncio.to_thread(upgrade, live_url)
    live = Database(live_url)
    config = ingest_config(settings)
    records = sorted(tw.messages.values(), key=lambda m: (m["date_sent"], m["sid"]))
    try:
        for m in records:
            incoming = to_incoming(TwilioRecord(m["sid"], m["from"], m["to"], m["body"], m["direction"],
                                                m["status"], m["date_sent"], int(m.get("num_media") or 0),
                                                None, None))
            assert incoming is not None
            async with live.transaction() as session:
                await record_message(session, incoming, config)
        assert await snapshot(live) == imported
    finally:
        await live.dispose()

    assert await _import_twilio(settings, START, START + timedelta(days=60)) == 0
    assert f"0 new, {len(history)} already stored" in capsys.readouterr().out
    assert await snapshot(db) == imported


async def test_until_is_exclusive(tw: FakeTwilio, database_url: str, db: Database,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    tw.add_history([
        {"from": "+15550000001", "to": OURS, "body": "a", "direction": "inbound", "date_sent": START},
        {"from": "+15550000001", "to": OURS, "body": "b", "direction": "inbound",
         "date_sent": START + timedelta(days=1)},
    ])
    settings = make_settings(database_url, twilio_account_sid=SID, twilio_auth_token=TOKEN,
                             twilio_api_base_url=tw.base_url)
    assert await _import_twilio(settings, START, START + timedelta(days=1)) == 0
    assert "read 1 messages: 1 new" in capsys.readouterr().out


def test_bad_credentials_exit_1_with_one_line(tmp_path: Path) -> None:
    async def run() -> Any:
        async with FakeTwilio(SID, TOKEN) as fake:
            return await asyncio.to_thread(
                leadline, "import", "twilio", "--since", "2026-10-01", cwd=tmp_path,
                env={"LEADLINE_TWILIO_ACCOUNT_SID": SID, "LEADLINE_TWILIO_AUTH_TOKEN": "wrong",
                     "LEADLINE_TWILIO_API_BASE_URL": fake.base_url,
                     "LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"})

    result = asyncio.run(run())
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Twilio refused the request: 401 20003" in lines[0], result.stderr
