"""The Slack request URL (signature checks), the generic `slack_post` job, the scheduler, and pure helpers."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiohttp.test_utils import TestClient

from analytics.db import Database
from analytics.kpi.report import (
    NO_LONGEST_WAIT,
    Backlog,
    Headline,
    KpiReport,
    OptOuts,
    PeriodInfo,
    RepRef,
    RepRow,
    Sla,
    Volume,
)
from analytics.kpi.stats import EMPTY_STATS, Stats
from analytics.periods import last_n_days
from bot.outbox import enqueue
from bot.outbox.kinds import SLACK_POST
from bot.scheduler import Scheduler
from bot.slack.answers import render_answer
from bot.slack.events import Ask, ThreadMessage, parse_mention, parse_message, slack_to_plain
from bot.slack.question import Question
from bot.slack.text import human_duration
from tests.bot import test_slack_threads as base
from tests.bot.test_slack_threads import SECRET, drain, jobs, outbox, post_event
from tests.fakes import FakeSlack, event_callback_body, slack_signed_headers
from tests.waiting import HANG_GUARD_S

slack, tw, client = base.slack, base.tw, base.client  # fixtures


@pytest.mark.parametrize("case", ["bad_signature", "stale", "unsigned"])
async def test_unverified_requests_are_refused(client: TestClient, case: str) -> None:
    body = event_callback_body({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1", "text": "hi"})
    if case == "bad_signature":
        resp = await post_event(client, {"type": "app_mention"}, secret="wrong-secret")
    elif case == "stale":
        resp = await post_event(client, {"type": "app_mention"}, timestamp=int(time.time()) - 6 * 60)
    else:
        resp = await client.post("/slack/events", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 401


async def test_url_verification_is_answered(client: TestClient) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    resp = await client.post("/slack/events", data=body, headers=slack_signed_headers(SECRET, body))
    assert resp.status == 200 and "abc123" in await resp.text()


async def test_slack_post_retries_honour_retry_after_then_post_in_order(
        client: TestClient, slack: FakeSlack, db: Database) -> None:
    async with db.transaction() as session:
        for n in range(3):
            await enqueue(session, SLACK_POST, {"channel": "CCALLS", "thread_ts": None, "text": f"call {n}",
                                                "blocks": [{"type": "section",
                                                            "text": {"type": "mrkdwn", "text": f"*call {n}*"}}]},
                          ordering_key="calls")
    slack.fail_next("chat.postMessage", status=429, retry_after=30)
    before = datetime.now(UTC)
    await outbox(client).run_once()
    head = (await jobs(db, SLACK_POST))[0]
    assert head.state == "pending"
    # SQLite hands back naive datetimes for stored values; compare as UTC.
    assert head.next_attempt_at.replace(tzinfo=UTC) >= before + timedelta(seconds=30)
    assert await outbox(client).run_once() == 0
    slack.fail_next("chat.postMessage", status=500)
    await drain(client, db)
    assert [m["text"] for m in slack.posted("CCALLS")] == ["call 0", "call 1", "call 2"]
    async with db.transaction() as session:
        await enqueue(session, SLACK_POST, {"channel": "CBAD", "thread_ts": "1.2", "text": "x", "blocks": None})
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")  # a refusal is not retried
    await drain(client, db)
    assert [(j.state, j.attempts) for j in await jobs(db, SLACK_POST)] == [("done", 3), ("done", 1), ("done", 1),
                                                                          ("failed", 1)]


async def test_scheduler_runs_jobs_and_stops() -> None:
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    async def broken() -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(ZoneInfo("America/New_York"))
    scheduler.every("tick", job, seconds=0.05)
    scheduler.every("broken", broken, seconds=0.05)
    scheduler.cron("digest", job, hour=8, minute=30, day_of_week="mon-fri")
    assert scheduler.job_ids() == ["broken", "digest", "tick"]
    scheduler.start()
    scheduler.start()
    async with asyncio.timeout(HANG_GUARD_S):
        await ran.wait()
    scheduler.shutdown()
    scheduler.shutdown()
    assert not scheduler.running


def message(**event: Any) -> dict[str, Any]:
    return {"event_id": "Ev9", "event": {"type": "message", "channel": "C1", "user": "U1", "text": "hi",
                                         "ts": "2.0", **event}}


def test_parse_message_keeps_only_human_thread_replies_and_dms() -> None:
    assert parse_message(message(thread_ts="1.0"), "UBOT") == ThreadMessage("Ev9", "C1", "2.0", "1.0", "U1", "hi", 0)
    assert parse_message(message(channel_type="im"), "UBOT") == Ask("hi", "U1", "C1", "2.0", None, "dm", "Ev9")
    ignored = [message(), message(thread_ts="2.0"), message(thread_ts="1.0", subtype="message_changed"),
               message(thread_ts="1.0", subtype="message_deleted"), message(thread_ts="1.0", bot_id="B1"),
               message(thread_ts="1.0", user="UBOT"), message(thread_ts="1.0", text="<@UBOT> kpis"),
               message(thread_ts="1.0", subtype="channel_join")]
    assert [parse_message(m, "UBOT") for m in ignored] == [None] * len(ignored)
    mention = {"event": {"type": "app_mention", "channel": "C1", "user": "U1", "ts": "3.0", "text": "<@UBOT> frt"}}
    assert parse_mention(mention, "UBOT") == Ask("<@UBOT> frt", "U1", "C1", "3.0", "3.0", "mention", None)


@pytest.mark.parametrize(
    ("slack_text", "plain"),
    [
        ("Price &lt;$50 &amp; more", "Price <$50 & more"),
        ("See <https://example.com/a?b=1|our page>", "See https://example.com/a?b=1"),
        ("Mail <mailto:ana@example.com|ana@example.com>", "Mail ana@example.com"),
        ("Hi <@U123>!", "Hi !"),
        ("  spaced  ", "spaced"),
    ],
)
def test_slack_text_becomes_plain_text(slack_text: str, plain: str) -> None:
    assert slack_to_plain(slack_text) == plain


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "–"), (0, "0s"), (59.4, "59s"), (60, "1m"), (252, "4m 12s"), (3600, "1h"), (7500, "2h 5m"),
     (90000, "1d 1h")],
)
def test_human_duration(seconds: float | None, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_answers_stay_within_slack_limits() -> None:
    tz = ZoneInfo("UTC")
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    period = last_n_days(7, now, tz)
    stats = Stats(3, 100.0, 90.0, 200.0, 250.0)
    headline = Headline(PeriodInfo(period.start, period.end, "UTC", "calendar"), stats, stats, NO_LONGEST_WAIT,
                        Volume(10, 8, 1, 4, 5), OptOuts(1, 0, 0.1, 2), Sla(15, 0.8, 0))
    reps = tuple(RepRow(RepRef(i, f"Rep number {i} with a long name"), i, stats, stats, 0.5) for i in range(400))
    report = KpiReport(headline, Backlog(0, None), Backlog(0, None), {}, {}, {}, {}, headline, by_rep=reps)
    text, blocks = render_answer(Question("reps", period, ("rep",), "last 7 days"), report)
    assert len(blocks) <= 50 and len(text) <= 3000
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert "more" in json.dumps(blocks)
    previous = Headline(headline.period, EMPTY_STATS, EMPTY_STATS, NO_LONGEST_WAIT, Volume(0, 0, 0, 0, 0),
                        OptOuts(0, 0, None, 2), Sla(15, None, 0))
    report = KpiReport(headline, Backlog(0, None), Backlog(0, None), {}, {}, {}, {}, previous)
    _, blocks = render_answer(Question("first_response", period, (), "last 7 days"), report)
    assert "*1m 30s* median" in json.dumps(blocks) and "no data for the previous period" in json.dumps(blocks)


def test_the_manifest_subscribes_to_what_the_bot_handles() -> None:
    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yml").read_text())
    settings = manifest["settings"]
    assert {"app_mention", "message.channels", "message.im"} <= set(settings["event_subscriptions"]["bot_events"])
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/kpi"]
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
            manifest["features"]["slash_commands"][0]["url"]]
    assert all(url.endswith("/slack/events") for url in urls)
    assert {"chat:write", "reactions:write", "users:read", "commands"} <= set(manifest["oauth_config"]["scopes"]["bot"])
