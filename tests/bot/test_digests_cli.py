"""`leadline digest`: the digest's figures are `leadline kpi --json`'s; preview, PNG, posting once, bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import build_parser
from bot.digests.content import permalink
from bot.digests.format import BAD, GOOD, NEUTRAL, compare, plain
from bot.settings import Settings
from bot.slack.text import human_duration
from tests.analytics.test_charts import png_size
from tests.bot import test_slack_threads as base
from tests.bot.conftest import make_settings
from tests.bot.test_kpi_cli import NY, load_history
from tests.bot.test_slack_threads import slack_settings
from tests.fakes import FakeSlack, FakeTwilio

slack, tw = base.slack, base.tw  # fixtures
ALL = "rep,channel,hour,weekday,topic"


async def run(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(list(argv))
    capsys.readouterr()
    code = await asyncio.to_thread(args.func, args, settings)
    out, err = capsys.readouterr()
    return code, out, err


async def as_json(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = await run(settings, capsys, *argv)
    assert code == 0, err
    return json.loads(out)


async def test_digest_figures_equal_leadline_kpi_json(database_url: str, capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    await load_history(database_url)
    settings = make_settings(database_url, timezone=NY)
    digest = await as_json(settings, capsys, "digest", "--date", "2026-11-02", "--json")
    kpi = await as_json(settings, capsys, "kpi", "--json", "--from", "2026-11-02", "--to", "2026-11-03", "--by", ALL)
    before = await as_json(settings, capsys, "kpi", "--json", "--from", "2026-11-01", "--to", "2026-11-02",
                           "--by", ALL)
    assert digest["kind"] == "daily" and digest["period"]["first_day"] == "2026-11-02"
    assert digest["report"] == kpi  # the history has no open wait, so nothing depends on `now`
    assert digest["previous_report"] == before
    text = digest["text"]
    assert f"median {human_duration(kpi['first_response']['median_s'])}" in text
    assert f"{kpi['volume']['inbound']} texts from leads" in text
    assert "Ana" in text and "sms" in text and "whatsapp" in text
    assert len(digest["blocks"]) <= 50

    weekly = await as_json(settings, capsys, "digest", "--kind", "weekly", "--date", "2026-11-02", "--json")
    week = await as_json(settings, capsys, "kpi", "--json", "--from", "2026-11-02", "--to", "2026-11-09", "--by", ALL)
    assert weekly["report"] == week and "Leaderboard" in weekly["text"]


async def test_dry_run_prints_text_and_writes_the_chart(database_url: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    await load_history(database_url)
    settings = make_settings(database_url, timezone=NY)
    png = tmp_path / "daily.png"
    code, out, _ = await run(settings, capsys, "digest", "--date", "2026-11-02", "--dry-run", "--png", str(png))
    assert code == 0 and out.startswith("Daily digest · Mon, Nov 2, 2026")
    assert "First response: median" in out and ":red_circle:" not in out and "*" not in out.replace("***", "")
    assert png_size(png.read_bytes()) == (1200, 600)
    code, out, _ = await run(settings, capsys, "digest", "--date", "2026-11-05", "--dry-run")
    assert code == 0 and "No lead messages on Thu Nov 5, 2026." in out and "null" not in out
    code, out, err = await run(settings, capsys, "digest", "--kind", "monthly", "--date", "2026-11-01", "--dry-run",
                               "--png", str(tmp_path / "m.png"))
    assert code == 0 and out.startswith("Monthly digest") and "chart in the thread" in out, err
    assert png_size((tmp_path / "m.png").read_bytes()) == (1200, 600)


async def test_bad_input_exits_2(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(database_url, timezone=NY)
    code, _, err = await run(settings, capsys, "digest", "--kind", "weekly", "--date", "2026-11-03", "--dry-run")
    assert code == 2 and "Monday" in err
    code, _, err = await run(settings, capsys, "digest", "--date", "11/02/2026", "--dry-run")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = await run(settings, capsys, "digest", "--date", "2026-11-02")  # posting without Slack
    assert code == 2 and "SLACK_DIGEST_CHANNEL" in err


async def test_posting_from_the_cli_happens_once_unless_forced(database_url: str, slack: FakeSlack,
                                                               tw: FakeTwilio,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    await load_history(database_url)
    settings = slack_settings(database_url, slack, tw, timezone=NY, slack_digest_channel="CDIGEST")
    code, out, err = await run(settings, capsys, "digest", "--date", "2026-11-02")
    assert code == 0 and "posted" in out, err
    code, out, _ = await run(settings, capsys, "digest", "--date", "2026-11-02")
    assert code == 0 and "already posted" in out
    assert len(slack.posted("CDIGEST")) == 1 and len(slack.uploads) == 1
    code, out, _ = await run(settings, capsys, "digest", "--date", "2026-11-02", "--force")
    assert code == 0 and "posted" in out and len(slack.posted("CDIGEST")) == 2


def test_comparisons_make_good_and_bad_obvious() -> None:
    assert compare(600, 300, kind="duration", better="lower", against="yesterday").endswith(f"{BAD} worse")
    assert compare(300, 600, kind="duration", better="lower", against="yesterday").startswith("↓ 5m vs yesterday")
    assert GOOD in compare(12, 10, kind="count", better="more_is_good", against="x")
    assert NEUTRAL in compare(8, 10, kind="count", better="more_is_good", against="x")
    assert BAD in compare(3, 1, kind="count", better="lower", against="x")  # more opt-outs
    assert GOOD in compare(0.9, 0.8, kind="share", better="higher", against="x")
    assert compare(300, 300, kind="duration", better="lower", against="x") == "→ same as x"
    assert compare(None, 300, kind="duration", better="lower", against="x") == ""
    assert plain(f"*Wait* 5m {BAD} worse (`+1555***4567`)") == "Wait 5m worse (`+1555***4567`)"
    assert permalink("C123", "1763900001.000100") == "https://slack.com/archives/C123/p1763900001000100"
