"""Hostile and random input at the Twilio webhook: never a 500, nothing stored when refused, and an
accepted text stored exactly as sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from analytics.db import Database
from analytics.models import Message
from bot.app import create_app
from tests.bot.conftest import make_settings
from tests.fakes import new_sid, twilio_signature_headers

TOKEN = "hostile-token-0123456789abcdef"
BASE = "https://leadline.example.com"
PATH = "/twilio/messages"

nasty_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from([
        "'; DROP TABLE message; --", "<script>alert(1)</script>", "\u202eevil\u202c", "zero\u200bwidth\u200d",
        "emoji 👩🏽‍💻🇺🇸😡", "\r\n\t\x0b\x0c", "%00%ff", "a" * 20_000, "مرحبا كيف حالك", "\ufeffBOM", "\x01\x02\x7f",
        "Robert'); SELECT pg_sleep(10);--", "{{7*7}}", "\x00null",
    ]),
)
field_names = st.sampled_from(["MessageSid", "From", "To", "Body", "NumMedia", "AccountSid", "OptOutType",
                               "ProfileName", "MediaUrl0", "x" * 50, ""])


@st.composite
def forms(draw: st.DrawFn) -> tuple[list[tuple[str, str]], bool]:
    items = [("MessageSid", draw(st.one_of(st.just(new_sid()), st.text(max_size=40)))),
             ("From", draw(st.one_of(st.just("+15551230001"), st.just("whatsapp:+447700900123"), nasty_text))),
             ("To", "+15559990000"),
             ("Body", draw(nasty_text)),
             ("NumMedia", draw(st.one_of(st.just("0"), st.just("3"), st.text(max_size=8))))]
    for _ in range(draw(st.integers(0, 3))):
        items.insert(draw(st.integers(0, len(items))), (draw(field_names), draw(nasty_text)))
    for _ in range(draw(st.integers(0, 2))):
        if items:
            items.pop(draw(st.integers(0, len(items) - 1)))
    return items, draw(st.sampled_from([True, True, True, False]))


async def _count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


async def _check(client: TestClient, db: Database, items: list[tuple[str, str]], sign: bool) -> None:
    from multidict import MultiDict

    form = MultiDict(items)
    headers = twilio_signature_headers(TOKEN, BASE + PATH, form) if sign else {}
    before = await _count(db)
    resp = await client.post(PATH, data=items, headers=headers)
    assert resp.status in (200, 400, 403, 413), (resp.status, await resp.text())
    after = await _count(db)
    if resp.status != 200:
        assert after == before
        return
    sid = form.get("MessageSid")
    async with db.read() as session:
        stored = await session.scalar(select(Message.body).where(Message.sid == sid))
    assert stored == form.get("Body", "")


async def _raw(client: TestClient, db: Database, raw: bytes) -> None:
    before = await _count(db)
    resp = await client.post(PATH, data=raw, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                      "X-Twilio-Signature": "bogus"})
    assert resp.status in (400, 403, 413)
    assert await _count(db) == before


def test_random_and_hostile_forms(database_url: str) -> None:
    url = database_url
    examples = 120 if url.startswith("sqlite") else 30
    loop = asyncio.new_event_loop()
    db = Database(url)
    client = TestClient(TestServer(create_app(make_settings(url, public_base_url=BASE, twilio_auth_token=TOKEN),
                                              db=db), host="127.0.0.1"), loop=loop)
    loop.run_until_complete(client.start_server())
    try:
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
        @given(forms())
        def signed_forms(case: tuple[list[tuple[str, str]], bool]) -> None:
            loop.run_until_complete(_check(client, db, *case))

        @settings(max_examples=examples // 2, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.binary(max_size=2000))
        def raw_bodies(raw: bytes) -> None:
            loop.run_until_complete(_raw(client, db, raw))

        signed_forms()
        raw_bodies()
    finally:
        loop.run_until_complete(client.close())
        loop.run_until_complete(db.dispose())
        loop.close()


@pytest.mark.parametrize("body", ["nul\x00inside", "ctrl \x01\x1f ok", "rtl \u202e ok"])
async def test_control_characters(body: str, database_url: str, db: Database, make_client: Any) -> None:
    client = await make_client(make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN))
    await _check(client, db, [("MessageSid", new_sid()), ("From", "+15551230001"), ("To", "+15559990000"),
                              ("Body", body)], True)
