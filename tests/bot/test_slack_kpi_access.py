"""SLACK_ALLOWED_CHANNELS: KPI questions are answered only in the listed channels (and in DMs, the asker's
own); elsewhere the asker alone is told why, and the channel sees nothing."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.bot import test_slack_kpi as kpi_tests
from tests.bot import test_slack_threads as threads
from tests.bot.conftest import MakeClient
from tests.bot.test_slack_kpi import ResponseUrls
from tests.bot.test_slack_threads import REP, SECRET, post_event, settle, slack_settings, texts
from tests.fakes import FakeSlack, FakeTwilio, slack_signed_headers, slash_command_body

slack, tw, hooks = threads.slack, threads.tw, kpi_tests.hooks  # fixtures

ALLOWED = "CKPI"
OTHER = "CSALES"
REFUSAL = "limited to some people and channels"


async def slash_in(client: TestClient, channel: str, text: str, hooks: ResponseUrls) -> int:
    body = slash_command_body("/kpi", text, user_id=REP, channel_id=channel, response_url=hooks.url)
    return (await client.post("/slack/events", data=body, headers=slack_signed_headers(SECRET, body))).status


def mention(channel: str, ts: str) -> dict[str, str]:
    return {"type": "app_mention", "channel": channel, "user": REP, "ts": ts, "text": "<@UBOT> unanswered today"}


async def test_kpi_questions_are_answered_only_in_allowed_channels_and_dms(
        database_url: str, make_client: MakeClient, slack: FakeSlack, tw: FakeTwilio, hooks: ResponseUrls) -> None:
    client = await make_client(slack_settings(database_url, slack, tw, slack_allowed_channels=f" {ALLOWED}, CMGMT"),
                               start_workers=False)
    assert await slash_in(client, ALLOWED, "unanswered today", hooks) == 200
    await settle(client)  # one at a time: both answers go to the same response_url
    assert await slash_in(client, OTHER, "unanswered today", hooks) == 200
    await post_event(client, mention(ALLOWED, "1763900100.000100"))
    await post_event(client, mention(OTHER, "1763900200.000100"))
    await post_event(client, {"type": "message", "channel": "DREP", "channel_type": "im", "user": REP,
                              "ts": "1763900300.000100", "text": "unanswered today"})
    await settle(client)

    allowed_slash, other_slash = (texts(p) for p in hooks.posts)
    assert REFUSAL not in allowed_slash and "nanswered" in allowed_slash
    assert REFUSAL in other_slash and "SLACK_ALLOWED_CHANNELS" in other_slash
    [answer] = slack.posted(ALLOWED)
    assert answer["thread_ts"] == "1763900100.000100" and REFUSAL not in texts(answer)
    [dm] = slack.posted("DREP")
    assert REFUSAL not in texts(dm)
    assert slack.posted(OTHER) == []  # the channel sees nothing ...
    assert [(e["channel"], e["user"]) for e in slack.ephemeral] == [(OTHER, REP)]  # ... only the asker is told
    assert REFUSAL in slack.ephemeral[0]["text"]
