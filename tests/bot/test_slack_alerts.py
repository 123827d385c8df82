"""SLA alerts: one alert per overdue wait, in the lead's thread and the alerts channel, across two app instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from analytics.db import Database
from analytics.models import Wait
from bot import state
from bot.cli import _import_twilio
from bot.scheduler import Scheduler
from bot.slack.feature import SLA_JOB
from tests.bot import test_slack_threads as base
from tests.bot.conftest import MakeClient
from tests.bot.test_slack_threads import LEADS, drain, open_thread, part, slack_settings
from tests.bot.test_twilio_webhooks import OURS, inbound, post_signed
from tests.fakes import FakeSlack, FakeTwilio

slack, tw = base.slack, base.tw  # fixtures
ALERTS = "CALERTS"


async def age_waits(db: Database, minutes: float) -> None:
    async with db.transaction() as session:
        await session.execute(update(Wait).values(opened_at=datetime.now(UTC) - timedelta(minutes=minutes)))


async def test_an_overdue_wait_alerts_once_across_two_instances(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    settings = slack_settings(database_url, slack, tw, slack_alerts_channel=ALERTS, sla_minutes=15)
    first = await make_client(settings, start_workers=False)
    second = await make_client(settings, start_workers=False)
    thread = await open_thread(first, db)
    await age_waits(db, 10)
    assert await part(first).alerts.run() == 0  # not overdue yet
    await age_waits(db, 20)
    assert await part(first).alerts.run() == 1
    assert await part(first).alerts.run() == 0
    assert await part(second).alerts.run() == 0  # the other replica finds it claimed
    await drain(first, db)
    alerts = [m for m in slack.posted() if "waited" in m["text"]]
    assert [(m["channel"], m.get("thread_ts")) for m in alerts] == [(LEADS, thread), (ALERTS, None)]
    assert "20m" in alerts[0]["text"] and "SLA 15 min" in alerts[0]["text"]
    scheduler: Scheduler = first.server.app[state.CONTAINER].scheduler
    # Tests drive the jobs by hand: the scheduler is not running.
    assert sorted(scheduler.job_ids()) == sorted([SLA_JOB, "sentiment-numbering"]) and not scheduler.running


async def test_answered_and_old_waits_never_alert(client: TestClient, slack: FakeSlack, db: Database) -> None:
    await open_thread(client, db)
    await age_waits(db, 60 * 25)  # older than SLA_ALERT_MAX_AGE_HOURS: history, not a live lead
    assert await part(client).alerts.run() == 0
    async with db.transaction() as session:
        await session.execute(update(Wait).values(state="closed",
                                                  opened_at=datetime.now(UTC) - timedelta(minutes=30)))
    assert await part(client).alerts.run() == 0


async def test_business_hours_pause_the_clock(database_url: str, make_client: MakeClient, slack: FakeSlack,
                                              tw: FakeTwilio, db: Database) -> None:
    # Open one minute a day: any 30 minutes hold at most one business minute.
    settings = slack_settings(database_url, slack, tw, business_hours="Mon-Sun 00:00-00:01")
    client = await make_client(settings, start_workers=False)
    await post_signed(client, "/twilio/messages", inbound("anyone?"))
    await drain(client, db)
    await age_waits(db, 30)
    assert await part(client).alerts.run() == 0  # 30 calendar minutes, but the office was closed


async def test_imported_history_never_alerts_however_recent(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    # The outside run: unanswered texts 20 minutes, 3 hours and 2 days old, imported while the service runs.
    now = datetime.now(UTC)
    ages = [timedelta(minutes=20), timedelta(hours=3), timedelta(days=2)]
    leads = [f"+1339555800{i}" for i in range(len(ages))]
    tw.add_history([{"from": lead, "to": OURS, "body": "hello? anyone there", "direction": "inbound",
                     "status": "received", "date_sent": now - age} for lead, age in zip(leads, ages, strict=True)])
    settings = slack_settings(database_url, slack, tw, slack_alerts_channel=ALERTS, sla_minutes=1)
    client = await make_client(settings, start_workers=False)
    assert await _import_twilio(settings, now - timedelta(days=3), None) == 0
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Wait).where(Wait.state == "open")) == 3
    assert await part(client).alerts.run() == 0
    await drain(client, db)
    assert not [m for m in slack.posted() if "waited" in m["text"]]

    # A live follow-up from the lead imported 20 minutes ago: a lead waiting now, who is alerted.
    follow_up = inbound("still waiting for the price", From=leads[0])
    assert (await post_signed(client, "/twilio/messages", follow_up)).status == 200
    assert await part(client).alerts.run() == 1
    await drain(client, db)
    alerts = [m for m in slack.posted() if "waited" in m["text"]]
    assert [m["channel"] for m in alerts] == [LEADS, ALERTS]
    assert all("+1339***8000" in m["text"] and "20m" in m["text"] for m in alerts)


client = base.client  # fixture
