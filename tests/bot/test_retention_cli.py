"""Retention as a user meets it: `leadline db purge`, the daily purge inside the service, and RETENTION_DAYS=0
(keep everything) refusing to purge. Opt-outs outlive the purge: the purged lead is still never texted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from analytics.db import Database
from analytics.ingest import IncomingMessage, record_message
from analytics.models import Contact, Message, Wait
from bot import state
from bot.container import ingest_config
from tests.bot import test_twilio_sending as sending
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_calls_cli import run_main
from tests.bot.test_cli import leadline
from tests.bot.test_twilio_sending import API, AUTH, SID
from tests.bot.test_twilio_webhooks import OURS, TOKEN
from tests.fakes import FakeTwilio

tw = sending.tw  # fixture

NY = "America/New_York"
STOPPED = "+15550000001"  # wrote, was answered and opted out 40 days ago
RECENT = "+15550000002"  # wrote 2 days ago
WAITING = "+15550000003"  # wrote 40 days ago and is still waiting for an answer
PURGED = {"price?", "it's $49", "STOP"}
KEPT = {"hello again", "hi!", "still there?"}


async def seed(database_url: str, db: Database) -> None:
    config = ingest_config(make_settings(database_url))
    now = datetime.now(UTC)
    old, new = now - timedelta(days=40), now - timedelta(days=2)
    plan = [(STOPPED, old, 0, "inbound", "price?"), (STOPPED, old, 5, "outbound", "it's $49"),
            (STOPPED, old, 10, "inbound", "STOP"), (RECENT, new, 0, "inbound", "hello again"),
            (RECENT, new, 3, "outbound", "hi!"), (WAITING, old, 0, "inbound", "still there?")]
    for n, (address, day, minutes, direction, body) in enumerate(plan):
        async with db.transaction() as session:
            await record_message(session, IncomingMessage(
                sid=f"SM{n:032x}", address=address, direction=direction, channel="sms", body=body,
                sent_at=day + timedelta(minutes=minutes)), config)


async def bodies(db: Database) -> set[str]:
    async with db.read() as session:
        return set((await session.execute(select(Message.body))).scalars())


async def assert_purged_but_opt_out_kept(db: Database) -> None:
    assert await bodies(db) == KEPT
    async with db.read() as session:
        contacts = dict((await session.execute(select(Contact.address, Contact.opted_out))).all())
        waits = sorted((await session.execute(select(Wait.state))).scalars())
    assert contacts == {STOPPED: True, RECENT: False, WAITING: False}
    assert waits == ["closed", "open"]  # the recent answered wait, and the lead still waiting


async def test_db_purge_deletes_old_text_and_keeps_opt_outs(
        database_url: str, db: Database, tmp_path: Path, make_client: MakeClient, tw: FakeTwilio,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    await seed(database_url, db)
    result = await asyncio.to_thread(leadline, "db", "purge", cwd=tmp_path,
                                     env={"LEADLINE_DATABASE_URL": database_url, "LEADLINE_RETENTION_DAYS": "30"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deleted 3 messages, 1 waits and 1 conversations older than 30 days"
    await assert_purged_but_opt_out_kept(db)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADLINE_DATABASE_URL", database_url)
    code, out, _ = await asyncio.to_thread(run_main, capsys, "db", "purge", "--days", "30")
    assert code == 0 and out.startswith("deleted 0 messages, 0 waits")  # running it again changes nothing
    # The lead who opted out before the purge is still refused.
    client = await make_client(make_settings(database_url, twilio_account_sid=SID, twilio_auth_token=TOKEN,
                                             twilio_from=OURS, twilio_api_base_url=tw.base_url, api_token=API),
                               start_workers=False)
    resp = await client.post("/api/messages", json={"to": STOPPED, "body": "We miss you!"}, headers=AUTH)
    assert resp.status == 409 and tw.sent == []


@pytest.mark.parametrize(("env", "args", "message"), [
    ({"LEADLINE_RETENTION_DAYS": "0"}, [],
     "leadline: nothing to purge: LEADLINE_RETENTION_DAYS is 0 (keep everything); pass --days N"),
    ({}, [], "leadline: nothing to purge: LEADLINE_RETENTION_DAYS is 0 (keep everything); pass --days N"),
    ({"LEADLINE_RETENTION_DAYS": "30"}, ["--days", "0"], "argument --days: must be a whole number of days, 1 or more"),
    ({"LEADLINE_RETENTION_DAYS": "30"}, ["--days", "-5"], "argument --days: must be a whole number of days, 1 or more"),
], ids=["retention-days-0", "default", "days-0", "days-negative"])
async def test_db_purge_refuses_to_purge_everything(database_url: str, db: Database, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], env: dict[str, str],
                                                    args: list[str], message: str) -> None:
    await seed(database_url, db)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("LEADLINE_RETENTION_DAYS", raising=False)
    for name, value in {"LEADLINE_DATABASE_URL": database_url, **env}.items():
        monkeypatch.setenv(name, value)
    code, out, err = await asyncio.to_thread(run_main, capsys, "db", "purge", *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert await bodies(db) == PURGED | KEPT


async def test_the_service_purges_daily_at_0317_local_time(database_url: str, db: Database,
                                                           make_client: MakeClient) -> None:
    client = await make_client(make_settings(database_url, retention_days=30, timezone=NY), start_workers=False)
    await seed(database_url, db)
    job = client.server.app[state.CONTAINER].scheduler._aps.get_job("retention-purge")
    assert job is not None
    # The clock is injected: from any moment, the next run is the coming 03:17 in TIMEZONE, across DST too.
    tz = ZoneInfo(NY)
    for now, expected in [(datetime(2026, 3, 7, 12, 0, tzinfo=tz), datetime(2026, 3, 8, 3, 17, tzinfo=tz)),
                          (datetime(2026, 11, 1, 3, 16, tzinfo=tz), datetime(2026, 11, 1, 3, 17, tzinfo=tz)),
                          (datetime(2026, 11, 1, 3, 17, 1, tzinfo=tz), datetime(2026, 11, 2, 3, 17, tzinfo=tz))]:
        assert job.trigger.get_next_fire_time(None, now) == expected
    await job.func()  # what the scheduler runs at that time
    await assert_purged_but_opt_out_kept(db)


async def test_no_daily_purge_when_retention_days_is_0(database_url: str, db: Database,
                                                       make_client: MakeClient) -> None:
    client = await make_client(make_settings(database_url), start_workers=False)
    assert client.server.app[state.CONTAINER].settings.retention_days == 0
    scheduler = client.server.app[state.CONTAINER].scheduler
    assert "retention-purge" not in scheduler.job_ids()
    await seed(database_url, db)
    for job in scheduler._aps.get_jobs():  # whatever else runs nightly keeps the text
        await job.func()
    assert await bodies(db) == PURGED | KEPT
