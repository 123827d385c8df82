"""The read API: `GET /api/kpis` (the same JSON as `leadline kpi --json`) and CSV exports.

Every route needs `Authorization: Bearer $API_TOKEN`: 401 without a valid token, 403 while API_TOKEN is
not configured (the API is off by default). Bad query parameters answer 400 with the reason.
"""

from __future__ import annotations

import hmac
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
from bot.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _error(status: int, reason: str, **headers: str) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers=headers or None)


def check_token(request: web.Request) -> web.Response | None:
    """None when the request carries the configured token, else the 401/403 response to send."""
    expected = request.app[state.SETTINGS].api_token.get_secret_value()
    if not expected:
        return _error(403, "the API is disabled: set API_TOKEN to enable it")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # compare_digest on bytes: constant time whatever the token's characters.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return _error(401, "missing or invalid bearer token", **{"WWW-Authenticate": 'Bearer realm="leadline"'})
    return None


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
    denied = check_token(request)
    if denied is not None:
        return denied
    settings = request.app[state.SETTINGS]
    now = datetime.now(UTC)
    try:
        period = _period(request.query, settings, now)
        breakdowns = parse_breakdowns(request.query.getall("by", []))
        business = _flag(request.query, "business_hours")
    except InvalidInput as exc:
        return _error(400, str(exc))
    async with request.app[state.DB].read() as session:
        report = await compute_report(session, period, now=now, tz=settings.tz, calendar=settings.calendar,
                                      sla_minutes=settings.sla_minutes, breakdowns=breakdowns,
                                      business_hours=business)
    return web.json_response(report.to_json())


def _export(kind: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        denied = check_token(request)
        if denied is not None:
            return denied
        settings = request.app[state.SETTINGS]
        try:
            period = _period(request.query, settings, datetime.now(UTC))
        except InvalidInput as exc:
            return _error(400, str(exc))
        response = web.StreamResponse(headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="leadline-{kind}.csv"',
        })
        async with request.app[state.DB].read() as session:
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
