"""`leadline kpi`, `leadline export` and `leadline demo`: parsed by the real `leadline` parser and run in-process,
and once as a user runs it (a subprocess)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analytics.business_hours import BusinessCalendar, parse_business_hours
from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.models import Rep
from analytics.topics import default_topics
from bot.cli import build_parser
from tests.bot.conftest import make_settings
from tests.environment import subprocess_env

NY = "America/New_York"

# A small closed history (no wait left open), so figures do not depend on `now`; test_api.py uses it too.
T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # Mon 10:00 in New York
FROM, TO = "2026-11-02", "2026-11-03"


def _m(sid: str, minutes: float, address: str, direction: str = "inbound", body: str = "hi",
       rep_id: int | None = None, channel: str = "sms") -> IncomingMessage:
    return IncomingMessage(sid=sid, address=address, direction=direction, channel=channel, body=body,
                           sent_at=T0 + timedelta(minutes=minutes), rep_id=rep_id)


async def load_history(database_url: str, timezone: str = "America/New_York") -> None:
    from zoneinfo import ZoneInfo

    db = Database(database_url)
    config = IngestConfig(timedelta(hours=24), BusinessCalendar(parse_business_hours(""), frozenset(),
                                                                ZoneInfo(timezone)), default_topics())
    try:
        async with db.transaction() as session:
            session.add(Rep(name="Ana"))
        for msg in [
            _m("a1", 0, "+15550000001", body="How much is the pro plan? =1+1"),
            _m("a2", 4, "+15550000001", "outbound", "It is $49", rep_id=1),
            _m("b1", 30, "whatsapp:+15550000002", body="my login is broken 😡", channel="whatsapp"),
            _m("b2", 50, "whatsapp:+15550000002", "outbound", "fixed!", channel="whatsapp"),
            _m("c1", 60, "+15550000003", body="hello"),
            _m("c2", 61, "+15550000003", body="STOP"),
        ]:
            async with db.transaction() as session:
                await record_message(session, msg, config)
    finally:
        await db.dispose()



def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(argv)


async def run(database_url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    settings = make_settings(database_url, timezone=NY)
    args = parse(*argv)
    # The handlers run their own event loop (asyncio.run), so they go to a thread here.
    code = await asyncio.to_thread(args.func, args, settings)
    out, err = capsys.readouterr()
    return code, out, err


async def test_kpi_json_and_table(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    await load_history(database_url)
    code, out, _ = await run(database_url, capsys, "kpi", "--from", FROM, "--to", TO, "--json", "--by",
                             "rep,hour", "--by", "channel")
    assert code == 0
    j = json.loads(out)
    assert j["period"]["from"] == "2026-11-02T00:00:00-05:00" and j["period"]["hours"] == "calendar"
    assert j["response"]["count"] == 2 and j["response"]["median_s"] == 720.0
    assert j["volume"]["inbound"] == 4 and j["opt_outs"]["count"] == 1
    assert [r["rep"] for r in j["by_rep"]] == [{"id": 1, "name": "Ana"}, None]
    assert len(j["by_hour"]) == 24 and j["by_hour"][10]["waits"] == 2 and j["by_hour"][11]["waits"] == 0
    assert j["by_channel"]["whatsapp"]["waits"] == 1

    code, out, _ = await run(database_url, capsys, "kpi", "--from", FROM, "--to", TO, "--by", "weekday",
                             "--by", "topic", "--business-hours")
    assert code == 0
    assert "First response" in out and "median" in out and "By weekday" in out and "pricing" in out
    assert "business hours" in out


async def test_kpi_bad_input_exits_2(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = await run(database_url, capsys, "kpi", "--from", "2026-11-08", "--to", "2026-11-01")
    assert code == 2 and err.startswith("leadline: ") and "must be after" in err
    code, _, err = await run(database_url, capsys, "kpi", "--by", "team")
    assert code == 2 and "unknown breakdown 'team'" in err
    code, _, err = await run(database_url, capsys, "export", "waits", "--from", "soon")
    assert code == 2 and "is not a date" in err


async def test_export_csv(database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    await load_history(database_url)
    target = tmp_path / "waits.csv"
    code, out, err = await run(database_url, capsys, "export", "waits", "--from", FROM, "--to", TO,
                               "--csv", str(target))
    assert (code, out, err) == (0, "", "")
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [(r["contact"], r["state"], r["calendar_seconds"], r["rep"]) for r in rows] == [
        ("+1555***0001", "closed", "240.0", "Ana"),
        ("whatsapp:+1555***0002", "closed", "1200.0", ""),
        ("+1555***0003", "cancelled", "", ""),
    ]
    assert rows[0]["opened_at"] == "2026-11-02T10:00:00-05:00" and rows[0]["first_in_conversation"] == "true"

    code, out, _ = await run(database_url, capsys, "export", "messages", "--from", FROM, "--to", TO)
    assert code == 0
    messages = list(csv.DictReader(io.StringIO(out)))
    assert len(messages) == 6 and messages[0]["sid"] == "a1" and messages[0]["topics"] == "pricing"
    assert messages[3]["automated"] == "false" and messages[5]["keyword"] == "opt_out"
    assert "+15550000001" not in out  # contacts are masked
    assert messages[2]["sentiment_label"] == "unhappy"


def test_every_command_has_help() -> None:
    for command in ("kpi", "export", "demo"):
        with pytest.raises(SystemExit) as exit_info:
            parse(command, "--help")
        assert exit_info.value.code == 0


async def test_leadline_kpi_as_a_user_runs_it(database_url: str, tmp_path: Path) -> None:
    await load_history(database_url)
    env = subprocess_env({"LEADLINE_DATABASE_URL": database_url, "LEADLINE_TIMEZONE": NY})
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot.cli", "kpi", "--from", FROM, "--to", TO, "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["volume"]["inbound"] == 4


async def test_demo_fills_an_empty_database(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = database_url
    code, out, err = await run(url, capsys, "demo", "--days", "5", "--leads", "15")
    assert code == 0, err
    assert out.startswith("added ") and "15 leads" in out
    code, out, _ = await run(url, capsys, "kpi", "--json", "--by", "rep")
    report = json.loads(out)
    assert code == 0 and report["volume"]["inbound"] > 0 and report["by_rep"]
    code, _, err = await run(url, capsys, "demo", "--days", "0")
    assert code == 2 and "--days" in err
