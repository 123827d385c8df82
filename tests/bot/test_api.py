"""`GET /api/kpis` and the CSV exports over real HTTP: auth, bad parameters, and the CLI's JSON."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from bot.cli import build_parser
from bot.settings import Settings
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_kpi_cli import FROM, TO, load_history

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client_for(make_client: MakeClient) -> Callable[[Settings], Awaitable[TestClient]]:
    async def make(settings: Settings) -> TestClient:
        # The app exactly as `leadline serve` builds it (bot.cli._run_server): create_app(settings), workers on.
        return await make_client(settings)

    return make


def settings_for(database_url: str, token: str = TOKEN) -> Settings:
    return make_settings(database_url, timezone="America/New_York", api_token=token)


async def test_token_is_required(database_url: str, client_for) -> None:  # type: ignore[no-untyped-def]
    client = await client_for(settings_for(database_url))
    for path in ("/api/kpis", "/api/export/waits.csv", "/api/export/messages.csv"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            resp = await client.get(path, headers=headers)
            assert resp.status == 401, (path, headers)
            assert "token" in (await resp.json())["error"]


async def test_api_is_disabled_without_a_configured_token(database_url: str, client_for) -> None:  # type: ignore[no-untyped-def]
    client = await client_for(settings_for(database_url, token=""))
    resp = await client.get("/api/kpis", headers=AUTH)
    assert resp.status == 403
    assert "API_TOKEN" in (await resp.json())["error"]


@pytest.mark.parametrize(
    ("query", "reason"),
    [("from=2026-13-01", "is not a date"), ("from=2026-11-08&to=2026-11-01", "must be after"),
     ("by=team", "unknown breakdown"), ("business_hours=maybe", "business_hours must be"),
     ("form=2026-11-01", "unknown query parameter")],
)
async def test_bad_parameters_are_400_with_a_reason(database_url: str, client_for, query: str,  # type: ignore[no-untyped-def]
                                                    reason: str) -> None:
    client = await client_for(settings_for(database_url))
    resp = await client.get(f"/api/kpis?{query}", headers=AUTH)
    assert resp.status == 400
    assert reason in (await resp.json())["error"]


async def test_json_equals_the_cli(database_url: str, client_for, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    await load_history(database_url)
    settings = settings_for(database_url)
    client = await client_for(settings)
    resp = await client.get(f"/api/kpis?from={FROM}&to={TO}&by=rep,hour&by=topic&business_hours=1",
                            headers=AUTH)
    assert resp.status == 200
    body = await resp.json()

    args = _parse("kpi", "--from", FROM, "--to", TO, "--by", "rep", "--by", "hour,topic", "--business-hours",
                  "--json")
    assert await asyncio.to_thread(args.func, args, settings) == 0
    assert body == json.loads(capsys.readouterr().out)
    assert body["period"]["hours"] == "business" and body["response"]["count"] == 2
    assert {"by_rep", "by_hour", "by_topic", "previous"} <= set(body)


async def test_csv_exports(database_url: str, client_for) -> None:  # type: ignore[no-untyped-def]
    await load_history(database_url)
    client = await client_for(settings_for(database_url))
    resp = await client.get(f"/api/export/waits.csv?from={FROM}&to={TO}", headers=AUTH)
    assert resp.status == 200 and resp.content_type == "text/csv"
    waits = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [w["state"] for w in waits] == ["closed", "closed", "cancelled"]
    resp = await client.get(f"/api/export/messages.csv?from={FROM}&to={TO}", headers=AUTH)
    messages = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [m["sid"] for m in messages] == ["a1", "a2", "b1", "b2", "c1", "c2"]
    assert messages[2]["contact"] == "whatsapp:+1555***0002"
    resp = await client.get("/api/export/messages.csv?from=2020-01-01&to=2020-01-02", headers=AUTH)
    assert (await resp.text()).splitlines() == [",".join(("sid", "direction", "channel", "sent_at", "contact",
                                                          "rep_id", "rep", "automated", "body", "sentiment_score",
                                                          "sentiment_label", "topics", "keyword"))]


def _parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(argv)
