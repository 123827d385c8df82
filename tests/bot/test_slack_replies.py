"""Replying to leads from Slack threads: Slack-signed events through Bolt, texts through FakeTwilio."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from analytics.db import Database
from analytics.models import Message, Rep, Wait
from analytics.outbox_store import OutboxJob
from analytics.processed_events import ProcessedEvent
from bot.slack.replies import result_message
from tests.bot import test_slack_threads as base
from tests.bot.conftest import MakeClient
from tests.bot.test_slack_threads import LEADS, REP, drain, jobs, open_thread, post_event, settle, slack_settings, texts
from tests.bot.test_twilio_webhooks import LEAD, inbound, post_signed
from tests.fakes import FakeSlack, FakeTwilio

slack, tw, client = base.slack, base.tw, base.client  # fixtures


def reply(thread_ts: str, text: str, ts: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": LEADS, "channel_type": "channel", "user": REP, "text": text,
            "ts": ts, "thread_ts": thread_ts, "event_ts": ts, **extra}


async def outbound(db: Database) -> list[Message]:
    async with db.read() as session:
        return list((await session.execute(select(Message).where(Message.direction == "outbound"))).scalars())


async def test_a_thread_reply_is_texted_once_however_often_slack_delivers_it(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    event = reply(thread, "It's $49/mo &amp; includes <https://example.com/pro|the Pro tier>", "1763900100.000100")
    first = await post_event(client, event, event_id="Ev1")
    assert first.status == 200
    for retry in (1, 2):  # Slack's retries of the same delivery
        assert (await post_event(client, event, event_id="Ev1", retry_num=retry)).status == 200
    await post_event(client, event, event_id="Ev2")  # the same message under another event id
    await settle(client)
    await drain(client, db)
    assert [form["Body"] for form in tw.sent_to(LEAD)] == ["It's $49/mo & includes https://example.com/pro"]
    [sent] = await outbound(db)
    async with db.read() as session:
        rep = (await session.execute(select(Rep))).scalar_one()
    assert sent.rep_id == rep.id and rep.slack_user_id == REP and rep.name == "dana"
    assert sent.channel == "sms" and sent.sid.startswith("SM")
    assert slack.reactions == [{"channel": LEADS, "timestamp": "1763900100.000100", "name": "white_check_mark"}]
    assert len(slack.calls_to("users.info")) == 1

    await post_event(client, reply(thread, "Want a demo?", "1763900200.000100"))
    await settle(client)
    await drain(client, db)
    assert len(tw.sent) == 2 and len(slack.calls_to("users.info")) == 1  # the rep is cached
    async with db.read() as session:
        keys = set((await session.execute(select(ProcessedEvent.key))).scalars())
    assert f"slack-msg:{LEADS}:1763900100.000100" in keys and "slack-event:Ev1" in keys


async def test_notes_bots_edits_deletions_and_other_threads_send_nothing(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    events = [
        reply(thread, ";; she prefers calls after 5pm", "1763900300.000100"),
        reply(thread, "automated hello", "1763900301.000100", bot_id="BOTHER", subtype="bot_message"),
        reply(thread, "from ourselves", "1763900302.000100", user="UBOT", bot_id="BBOT"),
        {"type": "message", "subtype": "message_changed", "channel": LEADS, "ts": "1763900303.000100",
         "message": {"type": "message", "user": REP, "text": "edited text", "ts": "1763900300.000100",
                     "thread_ts": thread}},
        {"type": "message", "subtype": "message_deleted", "channel": LEADS, "ts": "1763900304.000100",
         "deleted_ts": "1763900300.000100"},
        reply("1763899999.000100", "not a lead thread", "1763900305.000100"),
        {"type": "message", "channel": LEADS, "channel_type": "channel", "user": REP, "text": "top level",
         "ts": "1763900306.000100"},
        reply(thread, "<@UBOT> unanswered", "1763900307.000100"),
    ]
    for event in events:
        assert (await post_event(client, event)).status == 200
    await settle(client)
    await drain(client, db)
    assert tw.sent == [] and await outbound(db) == []
    assert slack.reactions == [{"channel": LEADS, "timestamp": "1763900300.000100", "name": "memo"}]


async def test_an_opted_out_lead_gets_nothing_and_the_rep_is_told_why(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    await post_signed(client, "/twilio/messages", inbound("STOP"))
    await drain(client, db)
    for _ in range(2):
        await post_event(client, reply(thread, "Are you sure? 20% off!", "1763900400.000100"), event_id="EvS")
    await settle(client)
    await drain(client, db)
    assert tw.sent == [] and await outbound(db) == []
    notes = [m for m in slack.posted(LEADS, thread_ts=thread) if "Not sent" in m["text"]]
    assert len(notes) == 1 and "opted out" in notes[0]["text"]


@pytest.mark.parametrize(
    ("fault", "told"),
    [
        ({"status": 400, "code": 21211, "message": "Invalid 'To' Phone Number"}, "not a valid phone number"),
        ("stop_after_queueing", "opted out"),
    ],
)
async def test_a_refused_text_is_explained_in_the_thread(client: TestClient, slack: FakeSlack, tw: FakeTwilio,
                                                         db: Database, fault: Any, told: str) -> None:
    thread = await open_thread(client, db)
    await post_event(client, reply(thread, "Here is the link", "1763900500.000100"))
    await settle(client)
    if fault == "stop_after_queueing":
        await post_signed(client, "/twilio/messages", inbound("stop"))
    else:
        tw.fail_next(**fault)
    await drain(client, db)
    # Refused once by Twilio (21211: not retried, a retry would have gone through) or never tried (opted out).
    creates = [r for r in tw.requests if r.method == "POST" and r.path.endswith("/Messages.json")]
    assert len(creates) == (0 if fault == "stop_after_queueing" else 1)
    assert tw.sent == []
    said = [texts(m) for m in slack.posted(LEADS, thread_ts=thread) if "Not sent" in m["text"]]
    assert len(said) == 1 and told in said[0]
    assert slack.reactions == []


async def test_twilio_trouble_is_reported_once_then_the_send_confirmed(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    await post_event(client, reply(thread, "Call you at 3?", "1763900600.000100"))
    await settle(client)
    tw.fail_next(503, times=2)
    await drain(client, db)
    assert len(tw.sent) == 1
    retrying = [m for m in slack.posted(LEADS, thread_ts=thread) if "keeps retrying" in m["text"]]
    assert len(retrying) == 1
    assert slack.reactions == [{"channel": LEADS, "timestamp": "1763900600.000100", "name": "white_check_mark"}]
    assert {j.state for j in await jobs(db)} == {"done"}


async def test_a_text_that_keeps_failing_is_given_up_and_the_rep_told(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    await post_event(client, reply(thread, "Still there?", "1763900700.000100"))
    await settle(client)
    async with db.transaction() as session:  # seven attempts already failed
        await session.execute(update(OutboxJob).where(OutboxJob.kind == "send_text").values(attempts=7))
    tw.fail_next(500)
    await drain(client, db)
    assert tw.sent == []
    [message] = await outbound(db)
    assert message.status == "failed" and "gave up" in (message.error_message or "")
    assert [j.state for j in await jobs(db, "send_text")] == ["failed"]
    told = [m["text"] for m in slack.posted(LEADS, thread_ts=thread) if "Not sent" in m["text"]]
    assert len(told) == 1 and "gave up after 8 tries" in told[0]
    async with db.read() as session:
        wait = (await session.execute(select(Wait))).scalar_one()
    assert wait.state == "open"  # the lead got no answer


async def test_an_undelivered_text_loses_its_check_mark_and_the_thread_says_why_once(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    rep_ts = "1763900800.000100"
    await post_event(client, reply(thread, "Here's the quote you asked for", rep_ts))
    await settle(client)
    await drain(client, db)
    assert slack.reactions == [{"channel": LEADS, "timestamp": rep_ts, "name": "white_check_mark"}]
    [sent] = await outbound(db)

    # Twilio's status callbacks: sent, then undelivered (30003), then that one again and a late `failed`.
    slack.fail_next("chat.postMessage", status=500)  # the first attempt to tell the rep fails: a retry
    for status, code in (("sent", None), ("undelivered", "30003"), ("undelivered", "30003"), ("failed", "30008")):
        form = {"MessageSid": sent.sid, "MessageStatus": status} | ({"ErrorCode": code} if code else {})
        assert (await post_signed(client, "/twilio/status", form)).status == 204
        await drain(client, db)

    assert slack.reactions == [{"channel": LEADS, "timestamp": rep_ts, "name": "warning"}]
    told = [m["text"] for m in slack.posted(LEADS, thread_ts=thread) if "Not delivered" in m["text"]]
    assert told == [":warning: Not delivered (Twilio error 30003): the lead's phone is unreachable."]
    assert len([c for c in slack.calls_to("chat.postMessage") if c.faulted]) == 1  # it was retried
    [message] = await outbound(db)
    assert message.status == "undelivered" and message.error_code == 30003


async def test_an_undelivered_text_sent_through_the_api_is_told_in_the_lead_thread(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    api = "api-token-for-reply-tests"
    client = await make_client(slack_settings(database_url, slack, tw, api_token=api), start_workers=False)
    thread = await open_thread(client, db)
    resp = await client.post("/api/messages", json={"to": LEAD, "body": "Your order shipped"},
                             headers={"Authorization": f"Bearer {api}"})
    assert resp.status == 202
    await drain(client, db)
    [sent] = await outbound(db)
    for _ in range(2):
        form = {"MessageSid": sent.sid, "MessageStatus": "undelivered", "ErrorCode": "63016"}
        assert (await post_signed(client, "/twilio/status", form)).status == 204
    await drain(client, db)
    [told] = [m["text"] for m in slack.posted(LEADS, thread_ts=thread) if "Not delivered" in m["text"]]
    assert "approved message template" in told and "> Your order shipped" in told


async def test_a_delivered_text_keeps_its_check_mark(
        client: TestClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    thread = await open_thread(client, db)
    await post_event(client, reply(thread, "See you at 3", "1763900900.000100"))
    await settle(client)
    await drain(client, db)
    [sent] = await outbound(db)
    for status in ("sent", "delivered", "undelivered"):  # a late `undelivered` after `delivered` changes nothing
        form = {"MessageSid": sent.sid, "MessageStatus": status, "ErrorCode": "30005"}
        assert (await post_signed(client, "/twilio/status", form)).status == 204
    await drain(client, db)
    assert slack.reactions == [{"channel": LEADS, "timestamp": "1763900900.000100", "name": "white_check_mark"}]
    assert not [m for m in slack.posted(LEADS, thread_ts=thread) if "Not delivered" in m["text"]]


@pytest.mark.parametrize(("code", "said"), [
    (30003, "the lead's phone is unreachable"),
    (30005, "the lead's number is unknown or no longer exists"),
    (30006, "the lead's number is a landline or cannot receive texts"),
    (30007, "the carrier filtered it as spam"),
    (30008, "the carrier gave no reason"),
    (63016, "within 24 hours of the lead's last message"),
    (30999, "see https://www.twilio.com/docs/api/errors/30999"),
])
def test_an_undelivered_text_is_explained_in_plain_words(code: int, said: str) -> None:
    told = result_message("undelivered", code, None)
    assert told is not None and told.startswith(f":warning: Not delivered (Twilio error {code}): ") and said in told
