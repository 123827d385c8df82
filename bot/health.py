"""Liveness, readiness and Prometheus endpoints."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from analytics.db import is_unavailable
from bot import state
from bot.migrations import current_revision


async def healthz(request: web.Request) -> web.Response:
    """The process is alive and serving; says nothing about the database."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and its schema is at the newest migration."""
    c = request.app[state.CONTAINER]
    db, head = c.db, c.head_revision
    try:
        async with db.engine.connect() as conn:
            current = await current_revision(conn)
    except Exception as exc:
        if is_unavailable(exc):
            return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
        raise
    if current != head:
        return web.json_response(
            {"status": "unavailable", "database": "migrations pending", "current": current, "head": head},
            status=503,
        )
    return web.json_response({"status": "ready", "revision": current})


async def metrics(request: web.Request) -> web.Response:
    body = request.app[state.CONTAINER].metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
