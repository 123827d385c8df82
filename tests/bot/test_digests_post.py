"""Digests in the service: cron jobs in TIMEZONE, exactly-once posts across replicas, catch-up, chart upload.

The clock is injected: the service's `run_due` / `catch_up` take `now`, and the cron triggers are asked for
their next fire times. Slack is FakeSlack driven by the real slack_sdk; the outbox is drained by hand.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

import pytest
from aiohttp.test_utils import TestClient
from apscheduler.triggers.cron import CronTrigger

from analytics import digests
from analytics.db import Database
from analytics.digests import DAILY, WEEKLY, DigestKey
from bot import state
from bot.digests.feature import DigestService, cron_fields
from tests.analytics.test_charts import png_size
from tests.bot import test_slack_threads as base
from tests.bot.conftest import MakeClient
from tests.bot.test_kpi_cli import load_history
from tests.bot.test_slack_threads import drain, slack_settings
from tests.fakes import FakeSlack, FakeTwilio

slack, tw = base.slack, base.tw  # fixtures
NY = "America/New_York"
DIGESTS = "CDIGEST"


def ny(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo(NY)).astimezone(UTC)


async def make(make_client: MakeClient, database_url: str, slack: FakeSlack, tw: FakeTwilio,
               **overrides: object) -> TestClient:
    values: dict = {"timezone": NY, "slack_digest_channel": DIGESTS, **overrides}
    settings = slack_settings(database_url, slack, tw, **values)
    return await make_client(settings, start_workers=False)


def service(client: TestClient) -> DigestService:
    found = client.server.app[state.CONTAINER].digests
    assert found is not None
    return found


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio) -> TestClient:
    await load_history(database_url)  # Monday, Nov 2, 2026 in New York
    return await make(make_client, database_url, slack, tw)


def assert_block_limits(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for text in [block.get("text", {}).get("text", "")] + [e.get("text", "") for e in block.get("elements", [])]:
            assert len(text) <= 3000


async def test_daily_job_fires_at_digest_time_across_dst_and_not_on_days_off(client: TestClient) -> None:
    scheduler = client.server.app[state.CONTAINER].scheduler
    assert {"digest-daily", "digest-weekly", "digest-monthly"} <= set(scheduler.job_ids())
    trigger = scheduler._aps.get_job("digest-daily").trigger
    assert str(trigger) == str(CronTrigger(timezone=NY, **cron_fields(service(client).schedule)[DAILY]))

    def fires(start: datetime, n: int) -> list[datetime]:
        out, previous, now = [], None, start
        for _ in range(n):
            previous = trigger.get_next_fire_time(previous, now)
            out.append(previous.astimezone(UTC))
            now = previous
        return out

    # Clocks go back on Sunday, Nov 1, 2026: 08:30 New York is 12:30 UTC before and 13:30 UTC after;
    # Saturday and Sunday are skipped (DIGEST_DAYS Mon-Fri).
    assert fires(ny(2026, 10, 29, 9, 0), 3) == [datetime(2026, 10, 30, 12, 30, tzinfo=UTC),
                                                 datetime(2026, 11, 2, 13, 30, tzinfo=UTC),
                                                 datetime(2026, 11, 3, 13, 30, tzinfo=UTC)]
    # Clocks go forward on Sunday, Mar 14, 2027.
    assert fires(ny(2027, 3, 12, 9, 0), 2) == [datetime(2027, 3, 15, 12, 30, tzinfo=UTC),
                                                datetime(2027, 3, 16, 12, 30, tzinfo=UTC)]
    weekly = scheduler._aps.get_job("digest-weekly").trigger
    assert weekly.get_next_fire_time(None, ny(2026, 11, 3, 9, 0)) == ny(2026, 11, 9, 8, 30)
    monthly = scheduler._aps.get_job("digest-monthly").trigger
    assert monthly.get_next_fire_time(None, ny(2026, 11, 3, 9, 0)) == ny(2026, 12, 1, 8, 30)


async def test_daily_digest_posts_once_with_its_chart_in_the_thread(client: TestClient, slack: FakeSlack,
                                                                    db: Database) -> None:
    svc = service(client)
    assert await svc.run_due(DAILY, now=ny(2026, 11, 7, 8, 30)) == []  # Saturday: no daily digest
    tuesday = ny(2026, 11, 3, 8, 30)
    assert await svc.run_due(DAILY, now=tuesday) == [DigestKey(DAILY, date(2026, 11, 2))]
    assert await svc.run_due(DAILY, now=tuesday) == []  # the next run (or a restart) does nothing
    await drain(client, db)
    [message] = slack.posted(DIGESTS)
    assert "Daily digest" in message["text"]
    assert_block_limits(message["blocks"])
    [upload] = slack.uploads
    assert upload.channel_id == DIGESTS and upload.thread_ts == message["ts"]
    assert png_size(upload.data) == (1200, 600)
    async with db.read() as session:
        row = await digests.find(session, DigestKey(DAILY, date(2026, 11, 2)), DIGESTS)
    assert row is not None and row.state == digests.POSTED and row.slack_ts == message["ts"]


async def test_two_instances_on_one_database_post_one_digest(client: TestClient, make_client: MakeClient,
                                                             database_url: str, slack: FakeSlack, tw: FakeTwilio,
                                                             db: Database) -> None:
    other = await make(make_client, database_url, slack, tw)
    tuesday = ny(2026, 11, 3, 8, 30)
    claimed = await asyncio.gather(service(client).run_due(DAILY, now=tuesday),
                                   service(other).run_due(DAILY, now=tuesday))
    assert sorted(len(c) for c in claimed) == [0, 1]
    await asyncio.gather(drain(client, db), drain(other, db))
    assert len(slack.posted(DIGESTS)) == 1 and len(slack.uploads) == 1


async def test_failed_posts_retry_without_posting_twice(client: TestClient, slack: FakeSlack,
                                                        db: Database) -> None:
    slack.fail_next("chat.postMessage", status=503, times=2)
    slack.fail_next("files.getUploadURLExternal", status=429, retry_after=0)
    assert await service(client).run_due(DAILY, now=ny(2026, 11, 3, 9, 0))
    await drain(client, db)
    assert len(slack.posted(DIGESTS)) == 1
    assert len(slack.uploads) == 1 and slack.uploads[0].thread_ts == slack.posted(DIGESTS)[0]["ts"]


async def test_a_digest_whose_worker_died_after_posting_is_not_posted_again(client: TestClient, slack: FakeSlack,
                                                                             db: Database) -> None:
    from datetime import timedelta

    from slack_sdk.web.async_client import AsyncWebClient
    from sqlalchemy import update

    from analytics.outbox_store import OutboxJob
    from bot.slack.posting import job_metadata
    from tests.bot.test_slack_threads import BOT_TOKEN
    from tests.bot.test_twilio_sending import outbox

    assert await service(client).run_due(DAILY, now=ny(2026, 11, 3, 9, 0))
    box = outbox(client)
    [job] = await box.claim()
    # The worker's chat.postMessage reached Slack; the process died before recording the message's ts.
    web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url)
    posted = await web.chat_postMessage(channel=DIGESTS, text="Daily digest", metadata=job_metadata(job))
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(updated_at=datetime.now(UTC) - timedelta(minutes=10)))
    assert await box.recover_stale() == 1
    await drain(client, db)
    assert [m["ts"] for m in slack.posted(DIGESTS)] == [posted["ts"]]
    assert len(slack.uploads) == 1 and slack.uploads[0].thread_ts == posted["ts"]  # the chart still comes
    async with db.read() as session:
        row = await digests.find(session, DigestKey(DAILY, date(2026, 11, 2)), DIGESTS)
    assert row is not None and row.state == digests.POSTED and row.slack_ts == posted["ts"]


async def test_slack_refusal_marks_the_digest_failed(client: TestClient, slack: FakeSlack, db: Database) -> None:
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    await service(client).run_due(DAILY, now=ny(2026, 11, 3, 9, 0))
    await drain(client, db)
    async with db.read() as session:
        row = await digests.find(session, DigestKey(DAILY, date(2026, 11, 2)), DIGESTS)
    assert row is not None and row.state == digests.FAILED and "channel_not_found" in (row.error or "")


async def test_catch_up_after_an_outage(client: TestClient, slack: FakeSlack, db: Database,
                                        caplog: pytest.LogCaptureFixture) -> None:
    svc = service(client)
    # Down from Monday night to Tuesday 22:00: Tuesday's 08:30 digest is 13.5 h late, so it is skipped
    # (with a log line), and so is Monday's weekly digest.
    with caplog.at_level(logging.WARNING, logger="leadline.digests"):
        assert await svc.catch_up(now=ny(2026, 11, 3, 22, 0)) == []
    assert "digest skipped" in caplog.text and "--kind daily --date 2026-11-02" in caplog.text
    # Back up at 14:00 instead: 5.5 h late, so it is sent, once.
    assert await svc.catch_up(now=ny(2026, 11, 3, 14, 0)) == [DigestKey(DAILY, date(2026, 11, 2))]
    assert await svc.catch_up(now=ny(2026, 11, 3, 14, 5)) == []
    await drain(client, db)
    assert len(slack.posted(DIGESTS)) == 1


async def test_weekly_digest_uploads_the_heat_map(client: TestClient, slack: FakeSlack, db: Database) -> None:
    assert await service(client).run_due(WEEKLY, now=ny(2026, 11, 9, 8, 31)) == [DigestKey(WEEKLY,
                                                                                          date(2026, 11, 2))]
    await drain(client, db)
    [message] = slack.posted(DIGESTS)
    assert "Weekly digest" in message["text"] and "Leaderboard" in str(message["blocks"])
    assert_block_limits(message["blocks"])
    [upload] = slack.uploads
    assert upload.thread_ts == message["ts"] and png_size(upload.data) == (1200, 600)


async def test_digests_are_off_without_a_channel(database_url: str, make_client: MakeClient, slack: FakeSlack,
                                                 tw: FakeTwilio) -> None:
    client = await make(make_client, database_url, slack, tw, slack_digest_channel="")
    assert client.server.app[state.CONTAINER].digests is None
    assert not any(j.startswith("digest") for j in client.server.app[state.CONTAINER].scheduler.job_ids())
