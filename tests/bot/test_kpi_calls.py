"""Call scores in the KPI report: `leadline kpi --by calls` and `GET /api/kpis?by=calls` carry a `calls`
section equal to `analytics.calls.call_score_summary` of the same period, absent unless asked."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from analytics.calls import call_score_summary
from analytics.db import Database
from tests.analytics.test_calls import MONDAY
from tests.analytics.test_calls import seed as seed_calls
from tests.bot.test_api import AUTH, _parse, client_for, settings_for  # noqa: F401 (fixture)
from tests.bot.test_kpi_cli import run

FROM, TO = "2026-11-02", "2026-11-16"  # the two weeks of tests/analytics/test_calls.py's calls
NY = ZoneInfo("America/New_York")


async def seeded(database_url: str) -> dict:  # type: ignore[type-arg]
    db = Database(database_url)
    try:
        await seed_calls(db)
        async with db.read() as session:
            return await call_score_summary(session, MONDAY - timedelta(hours=10),
                                            MONDAY + timedelta(days=13, hours=14), tz=NY)
    finally:
        await db.dispose()


async def test_cli_json_has_the_calls_section_when_asked(database_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    expected = await seeded(database_url)
    code, out, err = await run(database_url, capsys, "kpi", "--from", FROM, "--to", TO, "--json", "--by", "calls")
    assert code == 0, err
    calls = json.loads(out)["calls"]
    assert calls == expected
    assert calls["count"] == 5 and calls["average"] == 68.0 and calls["not_scorable"] == 1
    assert [row["rep"] for row in calls["per_rep"]] == ["Ann", None, "Bob"]

    code, out, _ = await run(database_url, capsys, "kpi", "--from", FROM, "--to", TO, "--json")
    assert code == 0 and "calls" not in json.loads(out)
    code, out, _ = await run(database_url, capsys, "kpi", "--from", FROM, "--to", TO, "--by", "calls")
    assert code == 0 and "Call scores" in out and "68" in out


async def test_api_by_calls_equals_the_cli(database_url: str, client_for, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    expected = await seeded(database_url)
    settings = settings_for(database_url)
    client = await client_for(settings)
    resp = await client.get(f"/api/kpis?from={FROM}&to={TO}&by=calls,rep", headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    args = _parse("kpi", "--from", FROM, "--to", TO, "--by", "calls", "--by", "rep", "--json")
    assert await asyncio.to_thread(args.func, args, settings) == 0
    assert body == json.loads(capsys.readouterr().out)
    assert body["calls"] == expected and "by_rep" in body
