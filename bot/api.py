"""The read API: `GET /api/kpis` (the same JSON as `leadline kpi --json`) and CSV exports.

Every route needs `Authorization: Bearer $API_TOKEN` (bot.auth: 401 without a valid token, 403 while
API_TOKEN is not configured). Bad query parameters raise InvalidInput, which the app's middleware turns
into a 400 with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web
from multidict import MultiMapping

from analytics.errors import InvalidInput
from analytics.kpi import compute_report, parse_breakdowns
from analytics.kpi.export import export_csv
from analytics.kpi.window import resolve_period
from analytics.periods import Period
from bot import state
from bot.auth import require_token
from bot.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _flag(query: MultiMapping[str], name: str) -> bool:
    value = query.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidInput(f"{name} must be 1 or 0, not {value!r}")


def _period(query: MultiMapping[str], settings: Settings, now: datetime) -> Period:
    for name in query:
        if name not in ("from", "to", "by", "business_hours"):
            raise InvalidInput(f"unknown query parameter {name!r}; expected from, to, by, business_hours")
    return resolve_period(query.get("from"), query.get("to"), now=now, tz=settings.tz)


async def kpis(request: web.Request) -> web.StreamResponse:
    require_token(request)
    settings = request.app[state.CONTAINER].settings
    now = datetime.now(UTC)
    # InvalidInput from here on becomes a 400 with its reason (bot.errors via the app's middleware).
    period = _period(request.query, settings, now)
    breakdowns = parse_breakdowns(request.query.getall("by", []))
    business = _flag(request.query, "business_hours")
    async with request.app[state.CONTAINER].db.read() as session:
        report = await compute_report(session, period, now=now, tz=settings.tz, calendar=settings.calendar,
                                      sla_minutes=settings.sla_minutes, breakdowns=breakdowns,
                                      business_hours=business)
    return web.json_response(report.to_json())


def _export(kind: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        require_token(request)
        settings = request.app[state.CONTAINER].settings
        period = _period(request.query, settings, datetime.now(UTC))
        response = web.StreamResponse(headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="leadline-{kind}.csv"',
        })
        async with request.app[state.CONTAINER].db.read() as session:
            chunks = export_csv(session, kind, period, settings.tz)
            # The first chunk comes once the query has started, before the status goes out, so a
            # database that is down still gets a proper error status rather than a truncated 200.
            first = await anext(chunks)
            await response.prepare(request)
            await response.write(first.encode())
            async for chunk in chunks:
                await response.write(chunk.encode())
        await response.write_eof()
        return response

    return handler


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/kpis", kpis)
    app.router.add_get("/api/export/waits.csv", _export("waits"))
    app.router.add_get("/api/export/messages.csv", _export("messages"))
