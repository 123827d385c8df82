"""Every opt-out, opt-in and help keyword the README lists, and Twilio's `OptOutType`, through the webhook.

What a lead and a rep notice: after an opt-out keyword `POST /api/messages` answers 409 and Twilio gets
no text; after an opt-in keyword the next text goes out; HELP/INFO are answered with HELP_REPLY in the
webhook's TwiML. The real app, the real twilio client, FakeTwilio.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from analytics.db import Database
from analytics.models import Contact, Message, OptEvent, Wait
from tests.bot import test_twilio_sending as sending
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_twilio_sending import API, AUTH, SID, outbox
from tests.bot.test_twilio_webhooks import BASE, LEAD, OURS, TOKEN, inbound, post_signed
from tests.fakes import FakeTwilio

tw = sending.tw  # fixture

HELP_REPLY = "Leadline Sales: reply STOP to opt out. Call 555-0100 for help."
CLOSED = "We're closed; we'll text you at 9am."

# As a lead types them: any case, stray spaces and newlines.
OPT_OUT_WORDS = ["STOP", "STOPALL", " unsubscribe ", "Cancel", "end", "QUIT\n", "revoke", "OptOut"]
OPT_IN_WORDS = ["START", "yes", "UNSTOP"]
HELP_WORDS = ["HELP", "info"]


def closed_now() -> dict[str, str]:
    """Business hours that are closed whatever the wall clock says: yesterday, today and tomorrow (UTC) are
    holidays (TIMEZONE is UTC in tests)."""
    today = datetime.now(UTC).date()
    return {"business_hours": "Mon-Sun 09:00-17:00",
            "holidays": ",".join(str(today + timedelta(days=d)) for d in (-1, 0, 1))}


def settings_for(database_url: str, tw: FakeTwilio, **overrides: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN, twilio_account_sid=SID,
                         twilio_from=OURS, twilio_api_base_url=tw.base_url, api_token=API, help_reply=HELP_REPLY,
                         **overrides)


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, tw: FakeTwilio) -> TestClient:
    return await make_client(settings_for(database_url, tw), start_workers=False)


async def text_lead(client: TestClient, body: str = "Following up on the demo") -> int:
    """A rep texts the lead through the API and the outbox runs: the HTTP status of the request."""
    resp = await client.post("/api/messages", json={"to": LEAD, "body": body}, headers=AUTH)
    await outbox(client).run_once()
    return resp.status


async def webhook(client: TestClient, body: str, **extra: str) -> str:
    resp = await post_signed(client, "/twilio/messages", inbound(body, **extra))
    assert resp.status == 200
    return await resp.text()


async def opt_events(db: Database) -> list[tuple[str, str]]:
    async with db.read() as session:
        return [(e.kind, e.source) for e in (await session.execute(select(OptEvent).order_by(OptEvent.id))).scalars()]


async def opted_out(db: Database) -> bool:
    async with db.read() as session:
        return bool(await session.scalar(select(Contact.opted_out).where(Contact.address == LEAD)))


@pytest.mark.parametrize("word", OPT_OUT_WORDS)
async def test_every_opt_out_keyword_stops_all_texts(client: TestClient, tw: FakeTwilio, db: Database,
                                                    word: str) -> None:
    await webhook(client, "Do you have a demo slot this week?")
    answer = await webhook(client, word)
    assert "<Message" not in answer  # Twilio itself confirms the opt-out; Leadline adds nothing
    assert await opted_out(db), f"{word!r} did not opt the lead out"
    assert await opt_events(db) == [("opt_out", "keyword")]
    async with db.read() as session:
        assert (await session.execute(select(Wait.state))).scalar_one() == "cancelled"
    assert await text_lead(client) == 409
    assert tw.sent == []


@pytest.mark.parametrize("word", OPT_IN_WORDS)
async def test_every_opt_in_keyword_lets_texts_through_again(client: TestClient, tw: FakeTwilio, db: Database,
                                                            word: str) -> None:
    await webhook(client, "STOP")
    assert await text_lead(client) == 409
    await webhook(client, word)
    assert not await opted_out(db), f"{word!r} did not opt the lead back in"
    assert await opt_events(db) == [("opt_out", "keyword"), ("opt_in", "keyword")]
    assert await text_lead(client, "Welcome back!") == 202
    assert [form["Body"] for form in tw.sent_to(LEAD)] == ["Welcome back!"]


@pytest.mark.parametrize("word", OPT_IN_WORDS)
async def test_an_opt_in_word_from_a_lead_who_never_opted_out_is_an_ordinary_message(
        client: TestClient, db: Database, word: str) -> None:
    await webhook(client, word)  # "yes" answers a question; it is the lead talking, and waits for a reply
    assert await opt_events(db) == []
    async with db.read() as session:
        assert (await session.execute(select(Wait.state))).scalar_one() == "open"


@pytest.mark.parametrize("word", HELP_WORDS)
async def test_help_keywords_get_the_help_reply_once(client: TestClient, tw: FakeTwilio, db: Database,
                                                    word: str) -> None:
    params = inbound(word)
    answers = [await (await post_signed(client, "/twilio/messages", params)).text() for _ in range(2)]
    assert HELP_REPLY in answers[0] and answers[1] == answers[0]  # a retried delivery: the same TwiML
    assert await opt_events(db) == [("help", "keyword")]
    async with db.read() as session:
        automated = list((await session.execute(select(Message.body).where(Message.automated.is_(True)))).scalars())
    assert automated == [HELP_REPLY]
    assert not await opted_out(db) and tw.sent == []


async def test_advanced_opt_out_type_decides_whatever_the_words(client: TestClient, tw: FakeTwilio,
                                                                db: Database) -> None:
    """With Advanced Opt-Out a Messaging Service may have its own keywords ("BASTA", "AIDE"); Twilio then
    says what they mean in `OptOutType`, and answers them itself with the service's wording."""
    await webhook(client, "BASTA")  # not a keyword Leadline knows, and no OptOutType: an ordinary message
    assert not await opted_out(db)
    assert "<Message" not in await webhook(client, "BASTA", OptOutType="STOP")
    assert await opted_out(db)
    assert await text_lead(client) == 409
    await webhook(client, "REPRENDRE", OptOutType="start")
    assert not await opted_out(db)
    help_answer = await webhook(client, "AIDE", OptOutType="HELP")
    assert "<Message" not in help_answer  # Twilio already sent the service's help text: not a second one
    assert await opt_events(db) == [("opt_out", "advanced_opt_out"), ("opt_in", "advanced_opt_out"),
                                    ("help", "advanced_opt_out")]
    assert await text_lead(client, "Thanks for staying with us") == 202
    assert [form["Body"] for form in tw.sent_to(LEAD)] == ["Thanks for staying with us"]


async def test_no_after_hours_reply_to_an_opted_out_lead(database_url: str, make_client: MakeClient,
                                                        tw: FakeTwilio, db: Database) -> None:
    client = await make_client(settings_for(database_url, tw, **closed_now(), after_hours_reply=CLOSED),
                               start_workers=False)
    other = {"From": "+15551230002"}
    assert CLOSED in await webhook(client, "hello?", **other)  # the reply is on, for a lead who may get it
    assert "<Message" not in await webhook(client, "STOP")
    for body in ("why do you keep texting", "hello??"):
        assert "<Message" not in await webhook(client, body)
    async with db.read() as session:
        automated = list((await session.execute(
            select(Contact.address).join(Message, Message.contact_id == Contact.id)
            .where(Message.automated.is_(True))
        )).scalars())
    assert automated == ["+15551230002"]
    assert tw.sent == []
