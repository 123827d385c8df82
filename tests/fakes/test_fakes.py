"""Proof that the REAL twilio (9.13) and slack_sdk (3.47) clients work against the fakes over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from tests.fakes import (
    FakeSlack,
    FakeTwilio,
    event_callback_body,
    make_twilio_client,
    slack_signed_headers,
    slash_command_body,
    utc,
)

SID = "AC" + "1" * 32
TOKEN = "tw-secret"
LEAD = "+15550001111"
OUR_NUMBER = "+15550009999"
BOT_TOKEN = "xoxb-test-token"
AUTH = {"Authorization": aiohttp.encode_basic_auth(SID, TOKEN)}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
async def tw() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as fake:
        yield fake


@pytest.fixture
async def twilio(tw: FakeTwilio) -> AsyncIterator[Client]:
    client = make_twilio_client(tw)
    yield client
    await client.http_client.close()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
async def web(slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url)
    yield client
    if client.session is not None:
        await client.session.close()


# ---------------------------------------------------------------------------------------------- Twilio


async def test_create_async_sends_one_message(tw: FakeTwilio, twilio: Client) -> None:
    msg = await twilio.messages.create_async(
        to=LEAD, from_=OUR_NUMBER, body="Hi Sam, still interested?", status_callback="https://x/cb"
    )
    assert msg.sid.startswith("SM") and len(msg.sid) == 34
    assert msg.status == "queued"
    assert msg.direction == "outbound-api"
    assert msg.to == LEAD and msg.from_ == OUR_NUMBER
    assert msg.num_segments == "1" and msg.price is None and msg.error_code is None
    assert isinstance(msg.date_created, datetime) and msg.date_created.tzinfo is not None
    assert len(tw.sent) == 1
    assert tw.sent[0] == {
        "To": LEAD,
        "From": OUR_NUMBER,
        "Body": "Hi Sam, still interested?",
        "StatusCallback": "https://x/cb",
    }
    assert tw.requests[0].method == "POST"
    assert tw.requests[0].path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    # Twilio's wire format: RFC 2822 dates, string counters
    raw = tw.created[0]
    assert raw["date_created"].endswith("+0000") and raw["num_media"] == "0"
    fetched = await twilio.messages(msg.sid).fetch_async()
    assert fetched.body == "Hi Sam, still interested?"


async def test_messaging_service_and_media(tw: FakeTwilio, twilio: Client) -> None:
    msg = await twilio.messages.create_async(
        to=LEAD,
        messaging_service_sid="MG" + "2" * 32,
        body="pic",
        media_url=["https://a/1.png", "https://a/2.png"],
    )
    assert msg.status == "accepted" and msg.from_ is None and msg.num_media == "2"
    assert tw.sent[0]["MediaUrl"] == ["https://a/1.png", "https://a/2.png"]


async def test_errors_surface_as_twilio_rest_exception(tw: FakeTwilio, twilio: Client) -> None:
    tw.fail_next(500)
    with pytest.raises(TwilioRestException) as exc:
        await twilio.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="x")
    assert exc.value.status == 500

    tw.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    with pytest.raises(TwilioRestException) as exc:
        await twilio.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="x")
    assert exc.value.status == 400 and exc.value.code == 21610
    assert "unsubscribed" in exc.value.msg

    tw.fail_next(429, retry_after=3)
    with pytest.raises(TwilioRestException) as exc:
        await twilio.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="x")
    assert exc.value.status == 429 and exc.value.code == 20429
    assert twilio.http_client._test_only_last_response.headers["Retry-After"] == "3"

    assert tw.sent == []
    await twilio.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="finally")
    assert [s["Body"] for s in tw.sent] == ["finally"]


async def test_validation_errors(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as exc:
        await twilio.messages.create_async(to=LEAD, body="no from")
    assert exc.value.code == 21603


async def test_wrong_credentials_401(tw: FakeTwilio) -> None:
    client = Client(SID, "wrong", http_client=AsyncTwilioHttpClient())
    client.api.base_url = tw.base_url
    try:
        with pytest.raises(TwilioRestException) as exc:
            await client.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="x")
    finally:
        await client.http_client.close()
    assert exc.value.status == 401 and exc.value.code == 20003
    assert tw.sent == []


async def test_unknown_message_404(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as exc:
        await twilio.messages("SM" + "f" * 32).fetch_async()
    assert exc.value.status == 404 and exc.value.code == 20404


class TimeoutAsyncTwilioHttpClient(AsyncTwilioHttpClient):
    """twilio 9.13's AsyncTwilioHttpClient ignores its own ``timeout``; this passes it to aiohttp."""

    async def request(
        self,
        method: str,
        url: str,
        *args: Any,
        timeout: float | None = None,  # noqa: ASYNC109 - the signature of the SDK method it overrides
        **kwargs: Any,
    ) -> Response:
        return await super().request(method, url, *args, timeout=timeout or self.timeout, **kwargs)


async def test_constructor_timeout_is_ignored_by_the_sdk(tw: FakeTwilio) -> None:
    client = Client(SID, TOKEN, http_client=AsyncTwilioHttpClient(timeout=0.1))
    client.api.base_url = tw.base_url
    tw.delay_next(0.4)
    try:
        msg = await client.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="slow")  # no timeout!
    finally:
        await client.http_client.close()
    assert msg.status == "queued"


async def test_client_timeout_with_delay_recorded(tw: FakeTwilio) -> None:
    client = Client(SID, TOKEN, http_client=TimeoutAsyncTwilioHttpClient(timeout=0.2))
    client.api.base_url = tw.base_url
    tw.delay_next(5, record=True)  # Twilio got it, the response is lost
    tw.delay_next(5, record=False)  # the request is lost
    try:
        # The fake holds each answer 5 s: a call that returned instead of raising would not have timed out.
        with pytest.raises(TimeoutError):
            await client.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="one")
        with pytest.raises(TimeoutError):
            await client.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="two")
        # asyncio.timeout around the call works with the stock client too
        tw.delay_next(5)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="three")
    finally:
        await client.http_client.close()
    assert [s["Body"] for s in tw.sent] == ["one", "three"]


async def test_delay_without_record_is_a_slow_success_when_client_waits(
    tw: FakeTwilio, twilio: Client
) -> None:
    tw.delay_next(0.2, record=False)
    msg = await twilio.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="slow")
    assert msg.status == "queued" and len(tw.sent) == 1


def _history(start: datetime, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        inbound = i % 2 == 0
        out.append(
            {
                "from": LEAD if inbound else OUR_NUMBER,
                "to": OUR_NUMBER if inbound else LEAD,
                "body": f"msg {i}",
                "direction": "inbound" if inbound else "outbound-reply",
                "status": "received" if inbound else "delivered",
                "date_sent": start + timedelta(minutes=i),
                "num_media": 0,
                "error_code": None,
            }
        )
    return out


async def test_list_async_pages_and_date_filters(tw: FakeTwilio, twilio: Client) -> None:
    start = utc(2026, 11, 23, 15)
    tw.add_history(_history(start, 12))
    tw.add_history([{"from": "+15550002222", "to": OUR_NUMBER, "body": "other", "date_sent": start}])
    after, before = start + timedelta(minutes=2), start + timedelta(minutes=8)  # 7 messages, inclusive

    msgs = await twilio.messages.list_async(
        date_sent_after=after, date_sent_before=before, page_size=3, limit=100
    )
    assert [m.body for m in msgs] == [f"msg {i}" for i in range(8, 1, -1)]  # newest first
    assert msgs[0].date_sent == start + timedelta(minutes=8)
    lists = [r for r in tw.requests if r.method == "GET"]
    assert len(lists) == 3  # 3 pages: 3 + 3 + 1
    assert lists[0].query == {
        "DateSent>": "2026-11-23T15:02:00Z",
        "DateSent<": "2026-11-23T15:08:00Z",
        "PageSize": "3",
    }
    assert lists[1].query["PageToken"].startswith("PASM") and lists[1].query["Page"] == "1"

    # stream_async + To filter, and page_async envelope
    streamed = [m.body async for m in await twilio.messages.stream_async(to=LEAD, page_size=5)]
    assert len(streamed) == 6
    page = await twilio.messages.page_async(to=LEAD, page_size=5)
    assert page.next_page_url.startswith(tw.base_url)


async def test_shuffled_pages(tw: FakeTwilio, twilio: Client) -> None:
    start = utc(2026, 11, 23, 15)
    tw.add_history(_history(start, 9))
    tw.shuffle_pages = True
    msgs = await twilio.messages.list_async(page_size=3)
    dates = [m.date_sent for m in msgs]
    assert len(msgs) == 9 and len({m.sid for m in msgs}) == 9
    assert dates != sorted(dates, reverse=True) and dates != sorted(dates)


async def test_created_messages_are_listable_for_reconciliation(tw: FakeTwilio, twilio: Client) -> None:
    tw.add_history(_history(utc(2026, 1, 1), 2))
    before = datetime.now(UTC) - timedelta(seconds=5)
    sent = await twilio.messages.create_async(to=LEAD, from_=OUR_NUMBER, body="did it go out?")
    found = await twilio.messages.list_async(to=LEAD, date_sent_after=before)
    assert [m.sid for m in found] == [sent.sid]
    tw.set_status(sent.sid, "undelivered", error_code=30003)
    assert (await twilio.messages(sent.sid).fetch_async()).error_code == 30003


async def test_sdk_does_not_convert_aware_datetimes_to_utc(tw: FakeTwilio, twilio: Client) -> None:
    eastern = timezone(timedelta(hours=-5))
    await twilio.messages.list_async(date_sent_after=datetime(2026, 11, 23, 10, 0, tzinfo=eastern))
    # 10:00-05:00 is 15:00Z, but the SDK sends the wall-clock time with a "Z": convert to UTC first.
    assert tw.requests[-1].query["DateSent>"] == "2026-11-23T10:00:00Z"


async def test_sync_client_in_thread(tw: FakeTwilio) -> None:
    tw.add_history(_history(utc(2026, 11, 23), 5))

    def run() -> list[str]:
        client = Client(SID, TOKEN)  # requests-based TwilioHttpClient
        client.api.base_url = tw.base_url
        return [m.body for m in client.messages.stream(to=LEAD, page_size=2)]

    assert await asyncio.to_thread(run) == ["msg 3", "msg 1"]  # To=LEAD: our replies


async def test_recording_download(tw: FakeTwilio) -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
    tw.add_recording("RE" + "3" * 32, wav)
    url = tw.recording_url("RE" + "3" * 32) + ".wav"
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=AUTH) as resp:
            assert resp.status == 200 and resp.content_type == "audio/x-wav"
            assert await resp.read() == wav
        async with session.get(url) as resp:
            assert resp.status == 401 and (await resp.json())["code"] == 20003
        tw.fail_next_download(503, times=1)
        async with session.get(url, headers=AUTH) as resp:
            assert resp.status == 503
        async with session.get(url, headers=AUTH) as resp:
            assert resp.status == 200
        async with session.get(tw.recording_url("RE" + "9" * 32) + ".wav", headers=AUTH) as r:
            assert r.status == 404 and (await r.json())["code"] == 20404


async def test_two_fakes_run_in_parallel() -> None:
    async with FakeTwilio(SID, TOKEN) as a, FakeTwilio(SID, TOKEN) as b:
        assert a.port != b.port


# ---------------------------------------------------------------------------------------------- Slack


async def test_slack_basics(slack: FakeSlack, web: AsyncWebClient) -> None:
    auth = await web.auth_test()
    assert auth["user_id"] == "UBOT" and auth["bot_id"] == "BBOT" and auth["team_id"] == "T1"

    first = await web.chat_postMessage(channel="C1", text="New lead: Sam")
    second = await web.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert second["message"]["thread_ts"] == first["ts"]
    assert slack.calls_to("chat.postMessage")[0].params["text"] == "New lead: Sam"
    assert slack.calls_to("chat.postMessage")[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert slack.posted("C1", thread_ts=first["ts"])[0]["text"] == "reply"

    await web.chat_update(channel="C1", ts=first["ts"], text="New lead: Sam (answered)")
    assert slack.messages[0]["text"] == "New lead: Sam (answered)"
    eph = await web.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"]

    await web.reactions_add(channel="C1", timestamp=first["ts"], name="white_check_mark")
    assert slack.reactions == [{"channel": "C1", "timestamp": first["ts"], "name": "white_check_mark"}]
    with pytest.raises(SlackApiError) as exc:
        await web.reactions_add(channel="C1", timestamp=first["ts"], name="white_check_mark")
    assert exc.value.response["error"] == "already_reacted"
    await web.reactions_remove(channel="C1", timestamp=first["ts"], name="white_check_mark")
    assert slack.reactions == []
    with pytest.raises(SlackApiError) as exc:
        await web.reactions_remove(channel="C1", timestamp=first["ts"], name="white_check_mark")
    assert exc.value.response["error"] == "no_reaction"

    slack.add_user("U1", "Dana Rep", "dana")
    user = await web.users_info(user="U1")
    assert user["user"]["profile"]["display_name"] == "dana" and user["user"]["real_name"] == "Dana Rep"
    with pytest.raises(SlackApiError) as exc:
        await web.users_info(user="U404")
    assert exc.value.response["error"] == "user_not_found"

    slack.add_channel("C1", "sales")
    assert (await web.conversations_info(channel="C1"))["channel"]["name"] == "sales"
    replies = await web.conversations_replies(channel="C1", ts=first["ts"])
    assert len(replies["messages"]) == 2


async def test_slack_invalid_auth(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url)
    with pytest.raises(SlackApiError) as exc:
        await client.auth_test()
    assert exc.value.response["error"] == "invalid_auth"


async def test_files_upload_v2_into_thread(slack: FakeSlack, web: AsyncWebClient) -> None:
    parent = await web.chat_postMessage(channel="C1", text="weekly report")
    resp = await web.files_upload_v2(
        channel="C1",
        thread_ts=parent["ts"],
        content=PNG,
        filename="chart.png",
        title="Chart",
        initial_comment="Here you go",
    )
    file_id = resp["file"]["id"]
    assert slack.files[file_id] == PNG
    upload = slack.uploads[0]
    assert (upload.channel_id, upload.thread_ts, upload.initial_comment, upload.title) == (
        "C1",
        parent["ts"],
        "Here you go",
        "Chart",
    )
    assert resp["file"]["mimetype"] == "image/png"
    assert [c.method for c in slack.calls][-3:] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


async def test_rate_limit_surfaces_then_retry_handler_succeeds(slack: FakeSlack, web: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    with pytest.raises(SlackApiError) as exc:
        await web.chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response["error"] == "ratelimited"
    assert exc.value.response.headers["Retry-After"] == "0"

    retrying = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    resp = await retrying.chat_postMessage(channel="C1", text="y")
    assert resp["ok"]
    assert [c.faulted for c in slack.calls_to("chat.postMessage")] == [True, True, False]


async def test_server_errors_and_outage_window(slack: FakeSlack, web: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as exc:
        await web.chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 500

    now = [1000.0]
    slack.clock = lambda: now[0]  # the window's end is reached by moving this clock, not by sleeping
    slack.fail_for("*", seconds=0.3, status=503)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            await web.auth_test()
        assert exc.value.response.status_code == 503
    now[0] += 0.29
    with pytest.raises(SlackApiError):
        await web.auth_test()
    now[0] += 0.02
    assert (await web.auth_test())["ok"]

    slack.fail_next("chat.postMessage", status=200, error="not_in_channel", retry_after=None)
    with pytest.raises(SlackApiError) as exc:
        await web.chat_postMessage(channel="C1", text="x")
    assert exc.value.response["error"] == "not_in_channel"


def test_signature_helper_matches_slack_sdk_verifier() -> None:
    secret = "signing-secret"
    body = event_callback_body(
        {
            "type": "message",
            "text": "hi",
            "channel": "C1",
            "user": "U1",
            "ts": "1763900000.000100",
            "thread_ts": "1763900000.000050",
        },
        "Ev1",
    )
    headers = slack_signed_headers(secret, body)
    verifier = SignatureVerifier(secret)
    assert verifier.is_valid_request(body, headers)
    assert headers["Content-Type"] == "application/json"
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert json.loads(body)["event_id"] == "Ev1" and json.loads(body)["team_id"] == "T1"

    form = slash_command_body("/leads", "today")
    form_headers = slack_signed_headers(secret, form, timestamp=int(time.time()) - 10)
    assert form_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert verifier.is_valid_request(form, form_headers)
    stale = slack_signed_headers(secret, form, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(form, stale)


async def test_bolt_app_accepts_signed_event_and_replies_via_fake(slack: FakeSlack) -> None:
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.request.async_request import AsyncBoltRequest

    secret = "signing-secret"
    web = AsyncWebClient(token=BOT_TOKEN, base_url=slack.base_url)
    bolt = AsyncApp(client=web, signing_secret=secret, process_before_response=True)
    seen: list[str] = []

    @bolt.event("message")
    async def on_message(event: dict[str, Any], say: Any) -> None:
        seen.append(event["text"])
        await say(text="got it", thread_ts=event["ts"])

    event = {"type": "message", "text": "hello", "channel": "C1", "user": "U1", "ts": "1763900000.000100"}
    body = event_callback_body(event, "Ev1")
    good_headers: dict[str, str | Sequence[str]] = {**slack_signed_headers(secret, body)}
    ok = await bolt.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=good_headers))
    assert ok.status == 200 and seen == ["hello"]
    assert slack.posted("C1", thread_ts="1763900000.000100")[0]["text"] == "got it"
    assert slack.calls_to("auth.test")  # Bolt's lazy auth.test hit the fake

    bad_headers: dict[str, str | Sequence[str]] = {**slack_signed_headers("x", body)}
    bad = await bolt.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=bad_headers))
    assert bad.status == 401
