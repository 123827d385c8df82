"""The edges under stress: the database going away mid-traffic, hostile Slack requests, slow clients."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url

from analytics.db import Database
from analytics.models import Message
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_slack_threads import SECRET, slack, tw  # noqa: F401  (fixtures)
from tests.bot.test_slack_threads import client as slack_client  # noqa: F401  (fixture)
from tests.bot.test_twilio_webhooks import BASE, TOKEN, inbound, post_signed
from tests.fakes import slack_signed_headers
from tests.tcp_proxy import TcpProxy
from tests.waiting import eventually


async def test_webhook_answers_503_and_stores_nothing_while_the_database_is_down(
    postgres_url: str, make_client: MakeClient
) -> None:
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    via_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    client = await make_client(make_settings(via_proxy, public_base_url=BASE, twilio_auth_token=TOKEN))
    direct = Database(postgres_url)
    try:
        first = inbound("before the outage")
        assert (await post_signed(client, "/twilio/messages", first)).status == 200
        await proxy.cut()
        during = inbound("during the outage")
        resp = await post_signed(client, "/twilio/messages", during)
        assert resp.status == 503
        assert "retry" in (await resp.json())["error"]
        await proxy.restore()

        async def retried() -> bool:  # Twilio's retry of the same message
            return (await post_signed(client, "/twilio/messages", during)).status == 200

        await eventually(retried, "the retried webhook is stored once the database is back")
        async with direct.read() as session:
            bodies = sorted((await session.execute(select(Message.body))).scalars())
        assert bodies == ["before the outage", "during the outage"]
    finally:
        await proxy.cut()
        await direct.dispose()


def _signed(body: bytes, content_type: str) -> dict[str, str]:
    headers = slack_signed_headers(SECRET, body)
    headers["Content-Type"] = content_type
    return headers


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["event_callback", "url_verification", "block_actions", "x"])},
    optional={"event": st.fixed_dictionaries(
        {"type": st.sampled_from(["message", "app_mention", "reaction_added", ""])},
        optional={"text": st.text(max_size=200), "user": st.text(max_size=12), "channel": st.text(max_size=12),
                  "ts": st.text(max_size=20), "thread_ts": st.text(max_size=20), "subtype": st.text(max_size=20),
                  "bot_id": st.text(max_size=8)}),
        "event_id": st.text(max_size=20), "team_id": st.text(max_size=10), "challenge": json_values},
)


def test_signed_random_slack_requests_never_fail_the_server(slack_client: TestClient) -> None:  # noqa: F811
    statuses: list[int] = []

    async def send(body: bytes, content_type: str) -> None:
        resp = await slack_client.post("/slack/events", data=body, headers=_signed(body, content_type))
        statuses.append(resp.status)
        assert resp.status < 500, (resp.status, body[:200])

    runner = asyncio.get_event_loop()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    # Found by this test: a form without any field Slack sends, and an `event` that is not an object, made
    # Bolt's middleware fail (500).
    @example((b"event", "application/x-www-form-urlencoded"))
    @example((b'{"type": "event_callback", "event": "x"}', "application/json"))
    @given(st.one_of(
        event_like.map(lambda d: (json.dumps(d).encode(), "application/json")),
        json_values.map(lambda d: (json.dumps(d).encode(), "application/json")),
        st.binary(max_size=500).map(lambda b: (b, "application/json")),
        st.text(max_size=300).map(lambda t: (t.encode(), "application/x-www-form-urlencoded")),
    ))
    def fuzz(case: tuple[bytes, str]) -> None:
        runner.run_until_complete(send(*case))

    fuzz()
    assert statuses


async def test_slow_clients_and_a_flood_do_not_starve_others(database_url: str, make_client: MakeClient) -> None:
    client = await make_client(make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN))
    host, port = "127.0.0.1", client.server.port
    stalled: list[asyncio.StreamWriter] = []
    # 300 connections that send half a request and then nothing (slowloris), and 20 that promise a body
    # they never finish.
    for i in range(320):
        _reader, writer = await asyncio.open_connection(host, port)
        if i < 300:
            writer.write(b"POST /twilio/messages HTTP/1.1\r\nHost: x\r\n")
        else:
            writer.write(b"POST /twilio/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                         b"urlencoded\r\nContent-Length: 5000\r\n\r\nMessageSid=SM")
        await writer.drain()
        stalled.append(writer)
    try:
        # Served at all: a starved server would hang here (how fast it answers is bench/ingest.py's business).
        assert (await client.get("/healthz")).status == 200
        assert (await post_signed(client, "/twilio/messages", inbound("still served"))).status == 200
    finally:
        for writer in stalled:
            writer.close()
