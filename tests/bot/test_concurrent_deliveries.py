"""The same delivery arriving several times at once, on separate connections and on two replicas of the
service sharing one database (a load balancer spreads Twilio's and Slack's retries): stored once, texted
once, posted once."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from analytics.db import Database
from analytics.models import Message, Wait
from bot.settings import Settings
from tests.bot import test_slack_threads as threads
from tests.bot.conftest import MakeClient
from tests.bot.test_opt_out_keywords import closed_now
from tests.bot.test_slack_threads import LEADS, REP, SECRET, drain, open_thread, part, slack_settings, texts
from tests.bot.test_twilio_webhooks import BASE, LEAD, TOKEN, inbound
from tests.fakes import FakeSlack, FakeTwilio, event_callback_body, slack_signed_headers, twilio_signature_headers

slack, tw = threads.slack, threads.tw  # fixtures

CLOSED = "Thanks! We're closed now and will text you at 9am."


async def replicas(make_client: MakeClient, settings: Settings) -> list[TestClient]:
    """Two instances of the service on one database, as `leadline serve` on two machines."""
    return [await make_client(settings, start_workers=False) for _ in range(2)]


async def settle_all(clients: list[TestClient]) -> None:
    for _ in range(3):
        await asyncio.sleep(0.05)
        for client in clients:
            async with asyncio.timeout(20):
                await part(client).inflight.idle()


async def test_one_twilio_message_delivered_five_times_at_once(database_url: str, make_client: MakeClient,
                                                               slack: FakeSlack, tw: FakeTwilio,
                                                               db: Database) -> None:
    clients = await replicas(make_client, slack_settings(database_url, slack, tw, **closed_now(),
                                                         after_hours_reply=CLOSED))
    params = inbound("Hi, is the Pro plan still $49?")
    headers = twilio_signature_headers(TOKEN, BASE + "/twilio/messages", params)
    answers = await asyncio.gather(*(clients[n % 2].post("/twilio/messages", data=params, headers=headers)
                                     for n in range(5)))
    assert [a.status for a in answers] == [200] * 5
    twiml = {await a.text() for a in answers}
    assert len(twiml) == 1 and CLOSED in twiml.pop()  # every delivery answers the same, single reply
    async with db.read() as session:
        rows = (await session.execute(select(Message.direction, Message.automated, Message.body)
                                      .order_by(Message.id))).all()
        waits = await session.scalar(select(func.count()).select_from(Wait))
    assert [tuple(r) for r in rows] == [("inbound", False, "Hi, is the Pro plan still $49?"),
                                        ("outbound", True, CLOSED)]
    assert waits == 1
    for client in clients:
        await drain(client, db)
    top_level = [m for m in slack.posted(LEADS) if "thread_ts" not in m]
    assert len(top_level) == 1 and "Pro plan" in texts(top_level[0])
    thread = slack.posted(LEADS, thread_ts=top_level[0]["ts"])
    assert [m for m in thread if "Automatic reply sent" in m["text"]] == thread and len(thread) == 1
    assert tw.sent == []  # the reply went back in the TwiML, not through the REST API


async def test_one_slack_reply_delivered_three_times_at_once(database_url: str, make_client: MakeClient,
                                                             slack: FakeSlack, tw: FakeTwilio,
                                                             db: Database) -> None:
    clients = await replicas(make_client, slack_settings(database_url, slack, tw))
    thread = await open_thread(clients[0], db)
    event = {"type": "message", "channel": LEADS, "channel_type": "channel", "user": REP, "text": "It's $49/mo",
             "ts": "1763900100.000100", "thread_ts": thread, "event_ts": "1763900100.000100"}
    body = event_callback_body(event, event_id="Ev0CONCURRENT")
    headers = slack_signed_headers(SECRET, body)
    answers = await asyncio.gather(*(clients[n % 2].post("/slack/events", data=body, headers=headers)
                                     for n in range(3)))
    assert [a.status for a in answers] == [200] * 3
    await settle_all(clients)
    for client in clients:
        await drain(client, db)
    assert [form["Body"] for form in tw.sent_to(LEAD)] == ["It's $49/mo"]
    async with db.read() as session:
        outbound = (await session.execute(select(Message.body).where(Message.direction == "outbound"))).all()
    assert [tuple(r) for r in outbound] == [("It's $49/mo",)]
    assert slack.reactions == [{"channel": LEADS, "timestamp": "1763900100.000100", "name": "white_check_mark"}]


async def test_one_kpi_question_delivered_three_times_at_once(database_url: str, make_client: MakeClient,
                                                              slack: FakeSlack, tw: FakeTwilio) -> None:
    clients = await replicas(make_client, slack_settings(database_url, slack, tw))
    event = {"type": "app_mention", "channel": "CSALES", "user": REP, "ts": "1763900700.000100",
             "text": "<@UBOT> unanswered leads today"}
    body = event_callback_body(event, event_id="Ev0MENTION")
    headers = slack_signed_headers(SECRET, body)
    answers = await asyncio.gather(*(clients[n % 2].post("/slack/events", data=body, headers=headers)
                                     for n in range(3)))
    assert [a.status for a in answers] == [200] * 3
    await settle_all(clients)
    [answer] = slack.posted("CSALES")
    assert answer["thread_ts"] == "1763900700.000100"


async def test_a_delivery_repeated_inside_one_batch_answers_the_same_twiml(database_url: str, db: Database) -> None:
    """What the micro-batcher does when copies arrive within its 2 ms window, without depending on timing."""
    from datetime import UTC, datetime

    from bot.container import inbound_options, ingest_config
    from bot.twilio.inbound import Received, receive_messages
    from bot.twilio.parse import parse_inbound
    from tests.bot.conftest import make_settings

    settings = make_settings(database_url, **closed_now(), after_hours_reply=CLOSED)
    copy = Received(parse_inbound(inbound("Anyone there?")), datetime.now(UTC))
    async with db.transaction() as session:
        answers = await receive_messages(session, ingest_config(settings), inbound_options(settings),
                                         [copy, copy, copy])
    assert len(set(answers)) == 1 and CLOSED in answers[0]
