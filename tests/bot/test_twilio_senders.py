"""Texts go out from the sender TWILIO_FROM names (a number, or a Messaging Service SID) on the lead's channel.

FakeTwilio checks what real Twilio checks: a Messaging Service send carries `MessagingServiceSid` and no
`From`, and From and To must be on the same channel (`whatsapp:+1...` to `whatsapp:+1...`, else 21910).
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from analytics.db import Database
from analytics.models import Message, Wait
from tests.bot import test_slack_threads as threads
from tests.bot import test_twilio_sending as sending
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_slack_threads import LEADS, REP, drain, post_event, settle, thread_of
from tests.bot.test_twilio_sending import API, AUTH, SID, outbox
from tests.bot.test_twilio_webhooks import BASE, LEAD, OURS, TOKEN, inbound, post_signed
from tests.fakes import FakeSlack, FakeTwilio

slack, tw = threads.slack, sending.tw  # fixtures

SERVICE = "MG" + "5" * 32
WHATSAPP_LEAD = "whatsapp:+15551230002"


async def lead_writes(client: TestClient, lead: str, body: str = "Is the Pro plan still $49?") -> None:
    ours = "whatsapp:" + OURS if lead.startswith("whatsapp:") else OURS
    resp = await post_signed(client, "/twilio/messages", inbound(body, From=lead, To=ours))
    assert resp.status == 200


@pytest.mark.parametrize("sender", [OURS, SERVICE], ids=["number", "service"])
@pytest.mark.parametrize("lead", [LEAD, WHATSAPP_LEAD], ids=["sms", "whatsapp"])
async def test_a_text_goes_out_from_the_configured_sender_on_the_leads_channel(
        database_url: str, make_client: MakeClient, tw: FakeTwilio, db: Database, sender: str, lead: str) -> None:
    client = await make_client(make_settings(
        database_url, public_base_url=BASE, twilio_auth_token=TOKEN, twilio_account_sid=SID, twilio_from=sender,
        twilio_api_base_url=tw.base_url, api_token=API), start_workers=False)
    await lead_writes(client, lead)
    resp = await client.post("/api/messages", json={"to": lead, "body": "Yes, $49/mo with onboarding"},
                             headers=AUTH)
    assert resp.status == 202
    assert await outbox(client).run_once() == 1
    [form] = tw.sent
    whatsapp = lead.startswith("whatsapp:")
    assert form["To"] == lead and form["Body"] == "Yes, $49/mo with onboarding"
    if sender == SERVICE:
        assert form["MessagingServiceSid"] == SERVICE and "From" not in form
    else:
        assert form["From"] == ("whatsapp:" + OURS if whatsapp else OURS) and "MessagingServiceSid" not in form
    [created] = tw.created
    async with db.read() as session:
        sent = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalar_one()
        wait = (await session.execute(select(Wait))).scalar_one()
    assert sent.sid == created["sid"] and sent.status == created["status"]
    assert sent.channel == ("whatsapp" if whatsapp else "sms")
    assert wait.state == "closed" and wait.closed_message_id == sent.id
    # Twilio's callbacks for the text find it by the sid it answered with.
    delivered = await post_signed(client, "/twilio/status", {"MessageSid": created["sid"],
                                                             "MessageStatus": "delivered", "To": lead})
    assert delivered.status == 204
    async with db.read() as session:
        assert await session.scalar(select(Message.status).where(Message.id == sent.id)) == "delivered"


async def test_a_reply_in_a_whatsapp_leads_thread_goes_out_on_whatsapp(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, db: Database) -> None:
    client = await make_client(threads.slack_settings(database_url, slack, tw), start_workers=False)
    await lead_writes(client, WHATSAPP_LEAD, "Hola, do you ship to Mexico?")
    await drain(client, db)
    channel, thread = await thread_of(db)
    assert channel == LEADS and thread
    event = {"type": "message", "channel": LEADS, "channel_type": "channel", "user": REP,
             "text": "We do, 3-5 days", "ts": "1763900100.000100", "thread_ts": thread, "event_ts": "1763900100.0001"}
    assert (await post_event(client, event)).status == 200
    await settle(client)
    await drain(client, db)
    assert [(f["From"], f["To"], f["Body"]) for f in tw.sent] == [("whatsapp:" + OURS, WHATSAPP_LEAD,
                                                                   "We do, 3-5 days")]
    assert slack.reactions == [{"channel": LEADS, "timestamp": "1763900100.000100", "name": "white_check_mark"}]


async def test_twilio_refuses_a_whatsapp_text_from_a_plain_number(tw: FakeTwilio) -> None:
    """The fake is as strict as Twilio: without the sender fix-up above a WhatsApp text fails with 21910."""
    from twilio.base.exceptions import TwilioRestException

    from tests.fakes import make_twilio_client

    client = make_twilio_client(tw)
    try:
        with pytest.raises(TwilioRestException) as refused:
            await client.messages.create_async(to=WHATSAPP_LEAD, from_=OURS, body="hi")
    finally:
        await client.http_client.close()
    assert (refused.value.status, refused.value.code) == (400, 21910) and tw.sent == []
