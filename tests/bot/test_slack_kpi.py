"""KPI questions in Slack (`/kpi`, mentions, DMs) answered with the same figures as `leadline kpi --json`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from analytics.calls import Recording, criterion_columns, insert_score
from analytics.db import Database
from analytics.ingest import IncomingMessage, record_message
from analytics.models import Rep
from analytics.periods import local_date, local_midnight
from bot import state
from bot.cli import build_parser
from bot.slack.text import human_duration
from tests.bot import test_slack_threads as base
from tests.bot.conftest import MakeClient
from tests.bot.test_slack_threads import REP, SECRET, part, post_event, settle, slack_settings, texts
from tests.fakes import FakeSlack, FakeTwilio, slack_signed_headers, slash_command_body

slack, tw = base.slack, base.tw  # fixtures
NY = "America/New_York"


class ResponseUrls:
    """Stands in for Slack's response_url endpoint: records what the app answers there."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_post("/commands/{rest:.*}", self._post)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.url = ""

    async def _post(self, request: web.Request) -> web.Response:
        self.posts.append(await request.json())
        return web.Response(text="ok")

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/commands/T1/1/x"


@pytest.fixture
async def hooks() -> AsyncIterator[ResponseUrls]:
    sink = ResponseUrls()
    await sink.start()
    yield sink
    await sink.runner.cleanup()


# "Now" for every question here (a Wednesday afternoon in New York), so "yesterday" is Tuesday Nov 3 even
# when the test runs across midnight.
NOW = datetime(2026, 11, 4, 20, 0, tzinfo=UTC)


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio) -> TestClient:
    client = await make_client(slack_settings(database_url, slack, tw, timezone=NY), start_workers=False)
    part(client).kpi.clock = lambda: NOW
    return client


def yesterday(client: TestClient) -> datetime:
    tz = client.server.app[state.CONTAINER].settings.tz
    return local_midnight(local_date(NOW, tz) - timedelta(days=1), tz)


async def seed(client: TestClient, db: Database) -> None:
    """Yesterday (New York): three leads answered after 2, 5 and 30 minutes, by two reps."""
    config = client.server.app[state.CONTAINER].ingest
    start = yesterday(client) + timedelta(hours=10)
    async with db.transaction() as session:
        session.add_all([Rep(name="Ana"), Rep(name="Ben")])
    plan = [("+15550000001", 0, 2, 1), ("+15550000002", 60, 5, 2), ("whatsapp:+15550000003", 120, 30, 1)]
    for n, (address, at, after, rep) in enumerate(plan):
        channel = "whatsapp" if address.startswith("whatsapp") else "sms"
        for sid, minutes, direction, body, rep_id in ((f"in{n}", at, "inbound", "How much is it?", None),
                                                      (f"out{n}", at + after, "outbound", "It's $49", rep)):
            async with db.transaction() as session:
                await record_message(session, IncomingMessage(
                    sid=sid, address=address, direction=direction, channel=channel, body=body,
                    sent_at=start + timedelta(minutes=minutes), rep_id=rep_id), config)


async def cli_json(client: TestClient, capsys: pytest.CaptureFixture[str], start: datetime, end: datetime,
                   *by: str) -> dict[str, Any]:
    """What `leadline kpi --json --from START --to END` prints for the app's settings."""
    parser = build_parser()
    argv = ["kpi", "--json", "--from", start.isoformat(), "--to", end.isoformat(), *(["--by", ",".join(by)] if by
                                                                                      else [])]
    args = parser.parse_args(argv)
    capsys.readouterr()
    code = await asyncio.to_thread(args.func, args, client.server.app[state.CONTAINER].settings)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


async def slash(client: TestClient, text: str, response_url: str, user: str = REP) -> int:
    body = slash_command_body("/kpi", text, user_id=user, channel_id="CSALES", response_url=response_url)
    resp = await client.post("/slack/events", data=body, headers=slack_signed_headers(SECRET, body))
    return resp.status


async def test_kpi_answers_match_the_cli_by_command_mention_and_dm(
        client: TestClient, slack: FakeSlack, hooks: ResponseUrls, db: Database,
        capsys: pytest.CaptureFixture[str]) -> None:
    await seed(client, db)
    answer = await part(client).kpi.answer("what's our first response time yesterday?")
    assert answer.question is not None
    period = answer.question.period
    expected = await cli_json(client, capsys, period.start, period.end)
    assert expected["first_response"]["median_s"] == 300.0
    figure = human_duration(expected["first_response"]["median_s"])  # "5m"

    assert await slash(client, "what's our first response time yesterday?", hooks.url) == 200
    await settle(client)
    [posted] = hooks.posts
    assert posted["response_type"] == "ephemeral" and f"*{figure}* median" in texts(posted)
    assert human_duration(expected["first_response"]["mean_s"]) in texts(posted)

    await post_event(client, {"type": "app_mention", "channel": "CSALES", "user": REP, "ts": "1763900700.000100",
                              "text": "<@UBOT> first response time yesterday"})
    await post_event(client, {"type": "message", "channel": "DREP", "channel_type": "im", "user": REP,
                              "ts": "1763900800.000100", "text": "frist respnse time yesterday"})
    await settle(client)
    mention, dm = slack.posted("CSALES"), slack.posted("DREP")
    assert len(mention) == 1 and mention[0]["thread_ts"] == "1763900700.000100"
    assert len(dm) == 1 and "thread_ts" not in dm[0]
    for message in (mention[0], dm[0]):
        assert f"*{figure}* median" in texts(message)


async def test_breakdowns_and_leaderboard_use_the_engine_figures(
        client: TestClient, db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    await seed(client, db)
    answer = await part(client).kpi.answer("who replied fastest yesterday")
    assert answer.question is not None and answer.question.metric == "reps"
    expected = await cli_json(client, capsys, answer.question.period.start, answer.question.period.end, "rep")
    by_name = {row["rep"]["name"]: row for row in expected["by_rep"] if row["rep"]}
    assert "Fastest: *Ben*" in texts({"blocks": answer.blocks})
    assert human_duration(by_name["Ana"]["response"]["median_s"]) in texts({"blocks": answer.blocks})

    answer = await part(client).kpi.answer("longest wait by hour yesterday")
    expected = await cli_json(client, capsys, answer.question.period.start, answer.question.period.end,  # type: ignore[union-attr]
                              "hour")
    shown = texts({"blocks": answer.blocks})
    assert human_duration(expected["longest_wait"]["seconds"]) in shown and "by hour" in shown
    busiest = [row for row in expected["by_hour"] if row["waits"]]
    assert all(human_duration(row["max_s"]) in shown for row in busiest)


async def test_help_unparsed_and_not_allowed(database_url: str, make_client: MakeClient, slack: FakeSlack,
                                             tw: FakeTwilio, hooks: ResponseUrls) -> None:
    client = await make_client(slack_settings(database_url, slack, tw, slack_allowed_users=REP),
                               start_workers=False)
    assert await slash(client, "help", hooks.url) == 200
    assert await slash(client, "what's the weather like", hooks.url) == 200
    assert await slash(client, "unanswered", hooks.url, user="UOTHER") == 200
    await post_event(client, {"type": "app_mention", "channel": "CSALES", "user": "UOTHER",
                              "ts": "1763900900.000100", "text": "<@UBOT> unanswered"})
    await settle(client)
    full, short, refused = (texts(p) for p in hooks.posts)
    assert "first response time" in full and "Breakdowns" in full
    assert "Try:" in short and "help" in short and len(short) < 600
    assert "limited" in refused
    assert [e["user"] for e in slack.ephemeral] == ["UOTHER"] and slack.posted("CSALES") == []


async def seed_calls(client: TestClient, db: Database) -> None:
    """Yesterday (New York): three scored calls by two reps and one recording that could not be scored."""
    start = yesterday(client) + timedelta(hours=9)
    async with db.transaction() as session:
        reps = [Rep(name="Ana"), Rep(name="Ben")]
        session.add_all(reps)
        await session.flush()
        for n, (rep, score, ce) in enumerate(((reps[0], 82, 90), (reps[0], 64, 70), (reps[1], 47, 40))):
            at = start + timedelta(hours=n)
            recording = Recording(recording_sid=f"RE{n:032x}", call_sid=f"CA{n:032x}", recording_url="https://x/R",
                                  twilio_status="completed", channels=2, status="scored", created_at=at, rep_id=rep.id)
            session.add(recording)
            await session.flush()
            await insert_score(session, {
                "recording_id": recording.id, "rep_id": rep.id, "stage": "general", "score": score,
                **criterion_columns([{"name": "Communication and Engagement", "score": ce}]), "duration_s": 90.0,
                "result": json.dumps({"score": score}), "called_at": at})
        session.add(Recording(recording_sid="RE" + "f" * 32, call_sid="CA" + "f" * 32, recording_url="https://x",
                              twilio_status="completed", channels=1, status="not_scorable", created_at=start))


async def test_call_scores_answer_is_the_kpi_calls_section(
        client: TestClient, db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    await seed_calls(client, db)
    answer = await part(client).kpi.answer("call scores yesterday")
    assert answer.question is not None and answer.question.metric == "calls"
    period = answer.question.period
    calls = (await cli_json(client, capsys, period.start, period.end, "calls"))["calls"]
    assert calls["count"] == 3 and calls["average"] == 64.3 and calls["not_scorable"] == 1
    shown = texts({"blocks": answer.blocks})
    assert f"*{calls['average']:g}* average score over {calls['count']} scored calls" in shown
    assert f"communication {calls['criteria']['communication']:g}" in shown
    assert "not available" not in shown and "not part of" not in shown
    for row in calls["per_rep"]:  # the default table: per rep, best average first
        assert row["rep"] in shown and f"{row['average']:g}" in shown
    assert [c["score"] for c in calls["best"]] == [82, 64, 47]
    assert "Best: 82 (Ana), 64 (Ana), 47 (Ben)" in shown

    answer = await part(client).kpi.answer("calls by rep yesterday")
    by_rep = texts({"blocks": answer.blocks})
    assert "by rep" in by_rep and all(f"{row['average']:g}" in by_rep for row in calls["per_rep"])
