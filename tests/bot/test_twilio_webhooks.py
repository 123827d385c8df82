"""Twilio's webhooks through the real app over HTTP, signed with the twilio SDK's validator."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from analytics.db import Database
from analytics.models import Contact, Message, OptEvent, Wait
from tests.bot.conftest import MakeClient, make_settings
from tests.fakes import new_sid, twilio_signature_headers

TOKEN = "twilio-test-token-0123456789abcdef"
BASE = "https://leadline.example.com"
LEAD = "+15551230001"
OURS = "+15559990000"


async def post_signed(client: TestClient, path: str, params: dict[str, str], *, token: str = TOKEN,
                      signed_url: str | None = None, headers: dict[str, str] | None = None) -> Any:
    url = signed_url or BASE + path
    all_headers = {**twilio_signature_headers(token, url, params), **(headers or {})}
    return await client.post(path, data=params, headers=all_headers)


def inbound(body: str = "Hi, how much is it?", sid: str | None = None, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid or new_sid(), "AccountSid": "AC" + "1" * 32, "From": LEAD, "To": OURS,
            "Body": body, "NumMedia": "0", **extra}


async def count(db: Database, model: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def client(database_url: str, make_client: MakeClient) -> TestClient:
    return await make_client(make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN,
                                           help_reply="Reply STOP to opt out. Call 555-0100 for help."))


async def test_inbound_is_stored_once_whatever_the_retries(client: TestClient, db: Database) -> None:
    params = inbound()
    answers = [await post_signed(client, "/twilio/messages", params) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    texts = {await a.text() for a in answers}
    assert len(texts) == 1 and "<Response" in texts.pop()
    assert await count(db, Message) == 1
    assert await count(db, Wait) == 1


@pytest.mark.parametrize("case", ["forged", "unsigned", "other_url", "changed_param"])
async def test_bad_signatures_are_refused_and_store_nothing(client: TestClient, db: Database, case: str) -> None:
    params = inbound()
    if case == "forged":
        resp = await post_signed(client, "/twilio/messages", params, token="wrong-token")
    elif case == "unsigned":
        resp = await client.post("/twilio/messages", data=params)
    elif case == "other_url":
        resp = await post_signed(client, "/twilio/messages", params, signed_url=BASE + "/twilio/other")
    else:
        headers = twilio_signature_headers(TOKEN, BASE + "/twilio/messages", params)
        resp = await client.post("/twilio/messages", data={**params, "Body": "changed"}, headers=headers)
    assert resp.status == 403
    assert await count(db, Message) == 0 and await count(db, Contact) == 0


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"From": LEAD, "To": OURS, "Body": "x"}, "missing MessageSid"),
        ({"MessageSid": "SM" + "a" * 32, "To": OURS, "Body": "x"}, "missing From"),
        ({"MessageSid": "nope", "From": LEAD, "To": OURS}, "MessageSid is not a Twilio SID"),
        ({"MessageSid": "SM" + "a" * 32, "From": LEAD, "To": OURS, "NumMedia": "lots"}, "NumMedia"),
    ],
)
async def test_malformed_signed_requests_get_400(client: TestClient, db: Database, params: dict[str, str],
                                                 reason: str) -> None:
    resp = await post_signed(client, "/twilio/messages", params)
    assert resp.status == 400
    assert reason in (await resp.json())["error"]
    assert await count(db, Message) == 0


async def test_non_form_and_oversized_bodies(client: TestClient, db: Database) -> None:
    resp = await client.post("/twilio/messages", data=b"\xff\xfe\x00garbage",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 400
    resp = await client.post("/twilio/messages", json={"MessageSid": "x"})
    assert resp.status == 400
    resp = await post_signed(client, "/twilio/messages", inbound(body="x" * 70_000))
    assert resp.status == 413
    assert await count(db, Message) == 0


async def test_stop_opts_out_and_help_answers(client: TestClient, db: Database) -> None:
    await post_signed(client, "/twilio/messages", inbound("Do you have a demo?"))
    resp = await post_signed(client, "/twilio/messages", inbound("  stop "))
    assert resp.status == 200
    async with db.read() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
        wait = (await session.execute(select(Wait))).scalar_one()
        kinds = [e.kind for e in (await session.execute(select(OptEvent))).scalars()]
    assert contact.opted_out and wait.state == "cancelled" and kinds == ["opt_out"]
    help_params = inbound("HELP")
    first = await (await post_signed(client, "/twilio/messages", help_params)).text()
    assert "Reply STOP to opt out" in first
    again = await (await post_signed(client, "/twilio/messages", help_params)).text()
    assert again == first
    async with db.read() as session:
        automated = (await session.execute(select(Message).where(Message.automated.is_(True)))).scalars().all()
    assert [m.body for m in automated] == ["Reply STOP to opt out. Call 555-0100 for help."]


async def test_channels_from_address_and_media(client: TestClient, db: Database) -> None:
    await post_signed(client, "/twilio/messages", {**inbound("pic"), "NumMedia": "2", "MediaUrl0": "u"})
    await post_signed(client, "/twilio/messages", {**inbound("hola"), "From": "whatsapp:+15551230002",
                                                  "To": "whatsapp:" + OURS})
    async with db.read() as session:
        channels = sorted((m.channel, m.media_count) for m in (await session.execute(select(Message))).scalars())
    assert channels == [("mms", 2), ("whatsapp", 0)]


async def test_after_hours_reply_once_per_conversation(database_url: str, make_client: MakeClient,
                                                       db: Database) -> None:
    # Open one minute, three days from today (TIMEZONE is UTC): closed whenever this test runs, even at midnight.
    from datetime import UTC, datetime

    open_day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[(datetime.now(UTC).weekday() + 3) % 7]
    client = await make_client(make_settings(
        database_url, public_base_url=BASE, twilio_auth_token=TOKEN, business_hours=f"{open_day} 00:00-00:01",
        after_hours_reply="We're closed; we'll text you at 9am."))
    first = await (await post_signed(client, "/twilio/messages", inbound("hello?"))).text()
    second = await (await post_signed(client, "/twilio/messages", inbound("anyone?"))).text()
    assert "We're closed" in first and "We're closed" not in second


async def test_status_callbacks_are_order_safe_and_21610_opts_out(client: TestClient, db: Database) -> None:
    from datetime import UTC, datetime

    from analytics.ingest import IncomingMessage, record_message
    from bot.container import ingest_config
    from bot.settings import Settings

    config = ingest_config(Settings(_env_file=None))  # type: ignore[call-arg]
    sid = new_sid()
    async with db.transaction() as session:
        await record_message(session, IncomingMessage(sid=sid, address=LEAD, direction="outbound",
                                                      channel="sms", body="hi", sent_at=datetime.now(UTC),
                                                      status="queued"), config)
    for status in ("delivered", "sent"):
        resp = await post_signed(client, "/twilio/status", {"MessageSid": sid, "MessageStatus": status})
        assert resp.status == 204
    async with db.read() as session:
        assert await session.scalar(select(Message.status).where(Message.sid == sid)) == "delivered"
    resp = await post_signed(client, "/twilio/status",
                             {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "21610"})
    assert resp.status == 204
    async with db.read() as session:
        assert await session.scalar(select(Contact.opted_out)) is True
    forged = await post_signed(client, "/twilio/status", {"MessageSid": sid, "MessageStatus": "read"},
                               token="bad")
    assert forged.status == 403
