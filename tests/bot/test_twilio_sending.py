"""Texting leads through the outbox with the real twilio client against a fake Twilio REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from analytics.db import Database
from analytics.models import Contact, Message, Wait
from analytics.outbox_store import OutboxJob
from bot import state
from bot.outbox import Outbox
from bot.outbox.kinds import SEND_TEXT
from bot.twilio.client import close_client, make_client
from bot.twilio.sender import TextSender
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_twilio_webhooks import BASE, LEAD, TOKEN, inbound, post_signed
from tests.fakes import FakeTwilio

SID = "AC" + "1" * 32
API = "api-token-for-tests-123"
AUTH = {"Authorization": f"Bearer {API}"}


@pytest.fixture
async def tw() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as fake:
        yield fake


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, tw: FakeTwilio) -> TestClient:
    settings = make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN, twilio_account_sid=SID,
                             twilio_from="+15559990000", twilio_api_base_url=tw.base_url, api_token=API)
    return await make_client(settings, start_workers=False)


def outbox(client: TestClient) -> Outbox:
    box = client.server.app[state.CONTAINER].outbox
    assert box is not None
    return box


async def make_due(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


async def jobs(db: Database) -> list[tuple[str, int, str | None]]:
    async with db.read() as session:
        return [(j.state, j.attempts, j.last_error) for j in (await session.execute(select(OutboxJob))).scalars()]


async def send(client: TestClient, body: str = "Hi! Pro is $49/mo") -> int:
    resp = await client.post("/api/messages", json={"to": LEAD, "body": body}, headers=AUTH)
    return resp.status


async def test_a_500_then_201_sends_exactly_one_text(client: TestClient, tw: FakeTwilio, db: Database) -> None:
    await post_signed(client, "/twilio/messages", inbound("how much?"))
    assert await send(client) == 202
    tw.fail_next(500)
    assert await outbox(client).run_once() == 1
    assert (await jobs(db))[0][:2] == ("pending", 1)
    await make_due(db)
    assert await outbox(client).run_once() == 1
    assert await outbox(client).run_once() == 0
    assert len(tw.sent) == 1 and tw.sent[0]["To"] == LEAD and tw.sent[0]["StatusCallback"] == BASE + "/twilio/status"
    assert (await jobs(db))[0][:2] == ("done", 2)
    async with db.read() as session:
        sent = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalar_one()
        wait = (await session.execute(select(Wait))).scalar_one()
    assert sent.sid.startswith("SM") and wait.state == "closed" and wait.closed_message_id == sent.id


async def test_opted_out_lead_is_never_texted(client: TestClient, tw: FakeTwilio, db: Database) -> None:
    await post_signed(client, "/twilio/messages", inbound("STOP"))
    resp = await client.post("/api/messages", json={"to": LEAD, "body": "wait, one more offer"}, headers=AUTH)
    assert resp.status == 409
    assert "opted out" in (await resp.json())["error"]
    await outbox(client).run_once()
    assert tw.sent == [] and await jobs(db) == []


async def test_opt_out_after_queueing_stops_the_send(client: TestClient, tw: FakeTwilio, db: Database) -> None:
    await post_signed(client, "/twilio/messages", inbound("price?"))
    assert await send(client) == 202
    await post_signed(client, "/twilio/messages", inbound("stop"))
    await outbox(client).run_once()
    assert tw.sent == []
    assert (await jobs(db))[0][0] == "failed"


async def test_21610_fails_at_once_and_opts_the_contact_out(client: TestClient, tw: FakeTwilio,
                                                             db: Database) -> None:
    await post_signed(client, "/twilio/messages", inbound("hello"))
    assert await send(client) == 202
    tw.fail_next(400, code=21610, message="Attempt to send to unsubscribed recipient")
    await outbox(client).run_once()
    state_, attempts, error = (await jobs(db))[0]
    assert (state_, attempts) == ("failed", 1) and "21610" in (error or "")
    async with db.read() as session:
        message = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalar_one()
        contact = (await session.execute(select(Contact))).scalar_one()
        wait = (await session.execute(select(Wait))).scalar_one()
    assert message.status == "failed" and message.error_code == 21610
    assert contact.opted_out
    assert wait.state == "cancelled"  # the failed text answered nobody; the opt-out then cancelled the wait


async def test_api_needs_the_token(client: TestClient) -> None:
    assert (await client.post("/api/messages", json={"to": LEAD, "body": "x"})).status == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.post("/api/messages", json={"to": LEAD, "body": "x"}, headers=wrong)).status == 401
    assert (await client.post("/api/messages", data=b"{", headers=AUTH)).status == 400


@pytest.mark.parametrize("twilio_has", ["delivered", "queued", None])
async def test_a_job_whose_worker_died_is_not_resent_blindly(client: TestClient, tw: FakeTwilio, db: Database,
                                                             twilio_has: str | None) -> None:
    await post_signed(client, "/twilio/messages", inbound("hello"))
    assert await send(client, "Our demo is at 3pm") == 202
    box = outbox(client)
    await box.claim()  # the worker took the job ... and the process died before it finished
    # An identical text from yesterday is not this one.
    tw.add_history([{"to": LEAD, "from": "+15559990000", "body": "Our demo is at 3pm", "direction": "outbound-api",
                     "status": "delivered", "sid": "SM" + "0" * 32,
                     "date_sent": datetime.now(UTC) - timedelta(days=1)}])
    went_out = twilio_has is not None
    if went_out:
        # A text still queued at Twilio has no date_sent yet; it must be found all the same.
        tw.add_history([{"to": LEAD, "from": "+15559990000", "body": "Our demo is at 3pm",
                         "direction": "outbound-api", "status": twilio_has,
                         "date_sent": datetime.now(UTC) if twilio_has == "delivered" else None,
                         "date_created": datetime.now(UTC)}])
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(updated_at=datetime.now(UTC) - timedelta(minutes=10)))
    assert await box.recover_stale() == 1
    assert await box.run_once() == 0
    assert tw.sent == []
    async with db.read() as session:
        message = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalar_one()
    if went_out:
        assert (await jobs(db))[0][0] == "done" and message.sid.startswith("SM") and message.sid != "SM" + "0" * 32
    else:
        assert (await jobs(db))[0][0] == "unknown" and message.status == "unknown"


async def test_timeout_is_checked_with_twilio_before_a_resend(database_url: str, tw: FakeTwilio,
                                                              db: Database) -> None:
    from bot.container import ingest_config

    settings = make_settings(database_url, twilio_auth_token=TOKEN, twilio_account_sid=SID,
                             twilio_from="+15559990000", twilio_api_base_url=tw.base_url)
    config = ingest_config(settings)
    # The one client times out the create and then makes the lookup: long enough for a lookup on a busy machine.
    twilio = make_client(settings, timeout=2.0)
    try:
        box = Outbox(db, {SEND_TEXT: TextSender(db, config, settings, twilio).kind()})
        from bot.outbox.texts import queue_text

        await queue_text(db, config, LEAD, "See you at 3", rep_id=None)
        tw.delay_next(3600, record=True)  # Twilio gets it, but the answer never comes (held until the fake closes)
        await box.run_once()
        await make_due(db)
        await box.run_once()
    finally:
        await close_client(twilio)
    assert len(tw.sent) == 1
    assert (await jobs(db))[0][0] == "done"


async def _sender_box(database_url: str, tw: FakeTwilio, db: Database) -> tuple[Outbox, object, object]:
    from bot.container import ingest_config

    settings = make_settings(database_url, twilio_auth_token=TOKEN, twilio_account_sid=SID,
                             twilio_from="+15559990000", twilio_api_base_url=tw.base_url)
    config = ingest_config(settings)
    twilio = make_client(settings, timeout=2.0)
    return Outbox(db, {SEND_TEXT: TextSender(db, config, settings, twilio).kind()}), config, twilio


async def test_a_lookup_that_fails_after_a_timeout_sends_nothing_twice(database_url: str, tw: FakeTwilio,
                                                                       db: Database) -> None:
    from bot.outbox.texts import queue_text

    box, config, twilio = await _sender_box(database_url, tw, db)
    try:
        await queue_text(db, config, LEAD, "See you at 3", rep_id=None)
        tw.delay_next(3600, record=True)  # Twilio takes the text; its answer never comes
        tw.fail_next_list(500)  # ... and the lookup that follows fails too
        await box.run_once()
        assert (await jobs(db))[0][0] == "pending"
        await make_due(db)
        await box.run_once()  # the retry asks Twilio first and finds the text
    finally:
        await close_client(twilio)
    assert len(tw.sent) == 1
    assert (await jobs(db))[0][0] == "done"
    async with db.read() as session:
        message = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalar_one()
    assert message.sid == tw.created[0]["sid"]


async def test_a_retry_does_not_take_an_earlier_identical_text_for_its_own(database_url: str, tw: FakeTwilio,
                                                                           db: Database) -> None:
    from bot.outbox.texts import queue_text

    box, config, twilio = await _sender_box(database_url, tw, db)
    try:
        await queue_text(db, config, LEAD, "ok", rep_id=None)
        await box.run_once()
        await queue_text(db, config, LEAD, "ok", rep_id=None)
        tw.fail_next(503)  # the second "ok" does not reach Twilio the first time
        await box.run_once()
        await make_due(db)
        await box.run_once()
    finally:
        await close_client(twilio)
    assert len(tw.sent) == 2
    async with db.read() as session:
        sids = [m.sid for m in (await session.execute(select(Message).where(Message.direction == "outbound")))
                .scalars()]
    assert sorted(sids) == sorted(m["sid"] for m in tw.created)
