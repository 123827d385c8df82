"""Lead threads: inbound texts posted to Slack through the outbox, with the real slack_sdk against FakeSlack.

The helpers here (settings, signed event posting, draining the outbox) are shared by the other
test_slack_* modules.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from analytics.db import Database
from analytics.models import Conversation
from analytics.outbox_store import OutboxJob
from bot import state
from bot.settings import Settings
from bot.slack.feature import SlackPart
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_twilio_sending import make_due, outbox
from tests.bot.test_twilio_webhooks import BASE, LEAD, OURS, TOKEN, inbound, post_signed
from tests.fakes import FakeSlack, FakeTwilio, event_callback_body, slack_signed_headers
from tests.waiting import HANG_GUARD_S, eventually

SID = "AC" + "1" * 32
BOT_TOKEN = "xoxb-test-token"
SECRET = "slack-signing-secret-for-tests"
LEADS = "CLEADS"
REP = "UREP"


def slack_settings(database_url: str, slack: FakeSlack, tw: FakeTwilio, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        public_base_url=BASE, twilio_auth_token=TOKEN, twilio_account_sid=SID, twilio_from=OURS,
        twilio_api_base_url=tw.base_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
        slack_api_base_url=slack.base_url, slack_leads_channel=LEADS,
    )
    values.update(overrides)
    return make_settings(database_url, **values)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(BOT_TOKEN) as fake:
        fake.add_user(REP, "Dana Reyes", "dana")
        yield fake


@pytest.fixture
async def tw() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as fake:
        yield fake


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio) -> TestClient:
    return await make_client(slack_settings(database_url, slack, tw), start_workers=False)


def part(client: TestClient) -> SlackPart:
    found = client.server.app[state.CONTAINER].slack
    assert found is not None
    return found


async def drain(client: TestClient, db: Database, rounds: int = 30) -> None:
    """Run the outbox until nothing is left to do, retries made due at once."""
    for _ in range(rounds):
        await make_due(db)
        if not await outbox(client).run_once():
            return
    raise AssertionError("outbox did not drain")


async def jobs(db: Database, kind: str | None = None) -> list[OutboxJob]:
    async with db.read() as session:
        query = select(OutboxJob).order_by(OutboxJob.id)
        if kind:
            query = query.where(OutboxJob.kind == kind)
        return list((await session.execute(query)).scalars())


async def post_event(client: TestClient, event: dict[str, Any], *, event_id: str | None = None,
                     retry_num: int | None = None, secret: str = SECRET, timestamp: int | None = None) -> Any:
    body = event_callback_body(event, event_id=event_id)
    headers = slack_signed_headers(secret, body, timestamp)
    if retry_num is not None:
        headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return await client.post("/slack/events", data=body, headers=headers)


async def settle(client: TestClient) -> None:
    """Let listener work that Bolt runs after its ack finish."""
    for _ in range(3):
        await asyncio.sleep(0.05)
        async with asyncio.timeout(HANG_GUARD_S):
            await part(client).inflight.idle()


def texts(message: dict[str, Any]) -> str:
    """All the text of a posted message, blocks included."""
    return message.get("text", "") + json.dumps(message.get("blocks") or [], ensure_ascii=False)


async def thread_of(db: Database) -> tuple[str | None, str | None]:
    async with db.read() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
    return conversation.slack_channel, conversation.slack_thread_ts


async def open_thread(client: TestClient, db: Database, body: str = "Hi, how much is the Pro plan?") -> str:
    """A lead texts in and their thread is posted; returns the thread ts."""
    assert (await post_signed(client, "/twilio/messages", inbound(body))).status == 200
    await drain(client, db)
    channel, ts = await thread_of(db)
    assert channel == LEADS and ts
    return ts


async def test_inbound_text_posts_a_thread_parent_then_thread_replies(client: TestClient, slack: FakeSlack,
                                                                      db: Database) -> None:
    resp = await post_signed(client, "/twilio/messages", inbound("Hi! How much is the Pro plan? :)"))
    assert resp.status == 200
    assert slack.calls_to("chat.postMessage") == []  # the webhook only queued the post
    await drain(client, db)
    [parent] = slack.posted(LEADS)
    shown = texts(parent)
    assert "+1555***0001" in shown and LEAD not in shown
    assert "SMS" in shown and ":slightly_smiling_face: happy" in shown and "`pricing`" in shown
    assert "How much is the Pro plan?" in shown and "New conversation" in shown
    assert await thread_of(db) == (LEADS, parent["ts"])

    await post_signed(client, "/twilio/messages", inbound("Also, is there a trial? This is so confusing :("))
    await post_signed(client, "/twilio/messages", inbound("STOP", NumMedia="0"))
    await drain(client, db)
    replies = slack.posted(LEADS, thread_ts=parent["ts"])
    assert [("trial" in texts(m), "Opted out" in texts(m)) for m in replies] == [(True, False), (False, True)]
    assert ":rage:" in texts(replies[0])


async def test_attachments_are_counted_and_lead_text_is_escaped(client: TestClient, slack: FakeSlack,
                                                                db: Database) -> None:
    params = inbound("<!channel> look", NumMedia="2", MediaUrl0="https://x/0", MediaContentType0="image/png",
                     MediaUrl1="https://x/1", MediaContentType1="image/png")
    await post_signed(client, "/twilio/messages", params)
    await drain(client, db)
    [parent] = slack.posted(LEADS)
    assert "2 attachments" in texts(parent) and "&lt;!channel&gt;" in texts(parent)
    assert "<!channel>" not in json.dumps(parent["blocks"])


async def test_posts_stay_in_order_through_429_and_500(client: TestClient, slack: FakeSlack,
                                                       db: Database) -> None:
    for body in ("first", "second", "third"):
        await post_signed(client, "/twilio/messages", inbound(body))
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    before = datetime.now(UTC)
    assert await outbox(client).run_once() == 1  # only the head of the lead's queue runs
    head = (await jobs(db))[0]
    assert head.state == "pending" and head.attempts == 1 and "rate limit" in (head.last_error or "")
    # SQLite hands back naive datetimes for stored values; compare as UTC.
    due = head.next_attempt_at.replace(tzinfo=UTC)
    assert before + timedelta(seconds=6) <= due <= datetime.now(UTC) + timedelta(seconds=8)
    assert await outbox(client).run_once() == 0  # nobody overtakes the parent while it waits
    slack.fail_next("chat.postMessage", status=500, times=2)
    await drain(client, db)
    ok = [m for m in slack.posted(LEADS)]
    assert ["first" in texts(m) for m in ok] == [True, False, False]
    assert ["second" in texts(ok[1]), "third" in texts(ok[2])] == [True, True]
    assert ok[1]["thread_ts"] == ok[2]["thread_ts"] == ok[0]["ts"]
    assert {j.state for j in await jobs(db)} == {"done"}
    assert len([c for c in slack.calls_to("chat.postMessage") if c.faulted]) == 3


async def test_a_slack_outage_loses_nothing(client: TestClient, slack: FakeSlack, db: Database) -> None:
    slack.fail_for("chat.postMessage", seconds=60, status=503)
    await post_signed(client, "/twilio/messages", inbound("are you there?"))
    for _ in range(3):
        await make_due(db)
        await outbox(client).run_once()
    assert slack.posted() == [] and (await jobs(db))[0].state == "pending"
    slack.clear_faults()
    await drain(client, db)
    assert len(slack.posted(LEADS)) == 1


async def test_slack_off_queues_no_posts(database_url: str, make_client: MakeClient, db: Database) -> None:
    settings = make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN)
    client = await make_client(settings, start_workers=False)
    await post_signed(client, "/twilio/messages", inbound("hello"))
    assert await jobs(db) == []
    resp = await client.post("/slack/events", data=b"{}")
    assert resp.status == 404 and "Slack is off" in (await resp.json())["error"]


async def test_the_running_service_posts_by_itself_and_starts_without_slack(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio) -> None:
    client = await make_client(slack_settings(database_url, slack, tw))
    assert slack.calls == []  # no auth.test (or anything else) at start-up
    runtime = client.server.app[state.CONTAINER]
    assert runtime.scheduler.running
    await post_signed(client, "/twilio/messages", inbound("hello from a running service"))
    async def posted() -> bool:  # the worker polls every 0.5 s
        return bool(slack.posted(LEADS))

    await eventually(posted, "the running service's worker posts the lead's thread")
    assert len(slack.posted(LEADS)) == 1
    await client.close()
    assert not runtime.scheduler.running and runtime.slack is None


@pytest.mark.parametrize("fault", [None, 21610])
async def test_a_text_sent_through_the_api_shows_in_the_lead_thread(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database,
        fault: int | None) -> None:
    api = "api-token-for-thread-tests"
    client = await make_client(slack_settings(database_url, slack, tw, api_token=api), start_workers=False)
    ts = await open_thread(client, db)
    if fault:
        tw.fail_next(400, code=fault, message="Attempt to send to unsubscribed recipient")
    resp = await client.post("/api/messages", json={"to": LEAD, "body": "Our demo is at 3pm\nSee you then"},
                             headers={"Authorization": f"Bearer {api}"})
    assert resp.status == 202
    await drain(client, db)
    [mirrored] = [m for m in slack.posted(LEADS, thread_ts=ts) if "through the API" in texts(m)]
    assert "> Our demo is at 3pm\n> See you then" in mirrored["text"]
    if fault:
        assert tw.sent == [] and "Not sent" in mirrored["text"]
    else:
        assert len(tw.sent) == 1 and mirrored["text"].startswith(":outbox_tray: Texted to the lead")


async def test_an_automatic_reply_shows_in_the_lead_thread_after_the_message(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    client = await make_client(slack_settings(database_url, slack, tw, help_reply="Reply STOP to opt out."),
                               start_workers=False)
    ts = await open_thread(client, db)
    assert (await post_signed(client, "/twilio/messages", inbound("HELP"))).status == 200
    await drain(client, db)
    thread = [texts(m) for m in slack.posted(LEADS, thread_ts=ts)]
    assert "HELP" in thread[-2]
    assert thread[-1].startswith(":robot_face: Automatic reply sent:\n> Reply STOP to opt out.")


async def test_an_api_text_to_a_lead_without_a_thread_posts_nothing_anonymous(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    api = "api-token-for-thread-tests"
    client = await make_client(slack_settings(database_url, slack, tw, api_token=api), start_workers=False)
    resp = await client.post("/api/messages", json={"to": "+15550109999", "body": "Hi from Acme!"},
                             headers={"Authorization": f"Bearer {api}"})
    assert resp.status == 202
    await drain(client, db)
    assert len(tw.sent) == 1 and slack.posted() == []


async def _die_after(client: TestClient, db: Database, *, posted: bool, thread_ts: str | None = None) -> None:
    """The outbox worker claims the queued lead post and dies: just after Slack took it (`posted`: the
    chat.postMessage the job makes, into `thread_ts` or the channel, but nothing recorded) or before the
    call; then its lease runs out and the job is recovered."""
    box = outbox(client)
    [job] = await box.claim()
    if posted:
        lead_threads = box.kinds[job.kind].run.__self__  # type: ignore[attr-defined]
        _, outcome = await lead_threads.poster.send(LEADS, "the dead worker's post", thread_ts, job=job)
        assert outcome.state == "done"
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(updated_at=datetime.now(UTC) - timedelta(minutes=10)))
    assert await box.recover_stale() == 1


@pytest.mark.parametrize("posted", [True, False])
async def test_a_lead_post_whose_worker_died_is_posted_exactly_once(client: TestClient, slack: FakeSlack,
                                                                   db: Database, posted: bool) -> None:
    assert (await post_signed(client, "/twilio/messages", inbound("Hi, how much is it?"))).status == 200
    await _die_after(client, db, posted=posted)
    await drain(client, db)
    [parent] = slack.posted(LEADS)
    assert await thread_of(db) == (LEADS, parent["ts"])  # the thread is known even when found, not posted
    assert ("dead worker" in parent["text"]) is posted
    assert [j.state for j in await jobs(db)] == ["done"]

    # A reply in the thread: the same whether the dead worker's post reached Slack or not.
    assert (await post_signed(client, "/twilio/messages", inbound("Also, is there a trial?"))).status == 200
    await _die_after(client, db, posted=posted, thread_ts=parent["ts"])
    await drain(client, db)
    assert len(slack.posted(LEADS, thread_ts=parent["ts"])) == 1
    # Searching needs the message metadata: it is asked for, and every post carries its job's id.
    assert all(c.params.get("include_all_metadata") in (True, "true", "1")
               for c in slack.calls_to("conversations.history") + slack.calls_to("conversations.replies"))
    if posted:
        assert slack.calls_to("conversations.history") and slack.calls_to("conversations.replies")
    assert all(m["metadata"]["event_type"] == "leadline_job" for m in slack.posted(LEADS))


async def test_without_history_access_a_recovered_post_is_posted_again(client: TestClient, slack: FakeSlack,
                                                                        db: Database) -> None:
    assert (await post_signed(client, "/twilio/messages", inbound("Hi, how much is it?"))).status == 200
    slack.fail_next("conversations.history", status=200, error="missing_scope")
    await _die_after(client, db, posted=True)
    await drain(client, db)
    assert len(slack.posted(LEADS)) == 2  # a repeated post rather than a lost one
