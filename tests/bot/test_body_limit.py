"""Every POST route the app registers answers 413 to a body over the limit, announced or chunked, and
stores nothing. The routes come from the app's router, so a new route is covered without editing this."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel

from analytics.db import Database
from bot.limits import MAX_BODY_BYTES
from tests.bot import test_slack_threads as threads
from tests.bot.conftest import MakeClient
from tests.bot.test_slack_threads import LEADS, REP, SECRET, slack_settings
from tests.bot.test_twilio_sending import API, AUTH
from tests.bot.test_twilio_webhooks import BASE, LEAD, OURS, TOKEN
from tests.fakes import (
    FakeSlack,
    FakeTwilio,
    event_callback_body,
    new_sid,
    slack_signed_headers,
    twilio_signature_headers,
)

slack, tw = threads.slack, threads.tw  # fixtures

OVER = MAX_BODY_BYTES + 1024
# Routes every fully configured service has; the router may hold more, and each of them is tested too.
KNOWN = {"/twilio/messages", "/twilio/status", "/twilio/voice", "/twilio/recordings", "/api/messages",
         "/slack/events"}


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio) -> TestClient:
    return await make_client(slack_settings(database_url, slack, tw, api_token=API), start_workers=False)


def post_routes(client: TestClient) -> list[str]:
    return sorted({route.resource.canonical for route in client.server.app.router.routes()
                   if route.method == "POST" and route.resource is not None})


def oversized(path: str) -> tuple[bytes, dict[str, str]]:
    """A request as its sender would make it (signed, authorised), only too big."""
    if path.startswith("/slack/"):
        body = event_callback_body({"type": "message", "channel": LEADS, "user": REP, "ts": "1763900100.000100",
                                    "thread_ts": "1763900000.000100", "text": "x" * OVER})
        return body, slack_signed_headers(SECRET, body)
    if path.startswith("/api/"):
        return json.dumps({"to": LEAD, "body": "x" * OVER}).encode(), {**AUTH, "Content-Type": "application/json"}
    params = {"MessageSid": new_sid(), "AccountSid": "AC" + "1" * 32, "From": LEAD, "To": OURS, "Body": "x" * OVER,
              "MessageStatus": "delivered", "CallSid": new_sid("CA"), "RecordingSid": new_sid("RE")}
    return urlencode(params).encode(), {**twilio_signature_headers(TOKEN, BASE + path, params),
                                        "Content-Type": "application/x-www-form-urlencoded"}


async def chunks(raw: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(raw), 8192):
        yield raw[start:start + 8192]


async def stored_rows(db: Database) -> dict[str, int]:
    async with db.read() as session:
        counts = {table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                  for table in SQLModel.metadata.sorted_tables}
    return {name: n for name, n in counts.items() if n}


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_every_post_route_refuses_an_oversized_body(client: TestClient, db: Database, tw: FakeTwilio,
                                                          slack: FakeSlack, framing: str) -> None:
    routes = post_routes(client)
    assert KNOWN <= set(routes)
    answers: dict[str, Any] = {}
    for path in routes:
        raw, headers = oversized(path)
        assert len(raw) > MAX_BODY_BYTES
        resp = await client.post(path, data=raw if framing == "content-length" else chunks(raw), headers=headers)
        sent = resp.request_info.headers
        if framing == "chunked":
            assert "Content-Length" not in sent and sent.get("Transfer-Encoding") == "chunked"
        else:
            assert int(sent["Content-Length"]) == len(raw)
        answers[path] = resp.status
    assert answers == dict.fromkeys(routes, 413)
    assert await stored_rows(db) == {}
    assert tw.requests == [] and slack.calls == []
