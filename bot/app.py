"""The aiohttp application factory: routes, middlewares and the lifecycle of what the service owns."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from analytics.db import Database
from analytics.masking import mask_phones_in_text
from bot import runtime, state
from bot.container import build_container
from bot.errors import http_status
from bot.limits import MAX_BODY_BYTES
from bot.settings import Settings

log = logging.getLogger("leadline.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _route_name(request: web.Request) -> str:
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One log line and one metrics sample per request; unexpected errors become a JSON 500."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except Exception as exc:
        status = http_status(exc)
        if status >= 500 and status != 503:
            log.exception("unhandled error", extra={"path": request.path})
        return web.json_response({"error": _public_reason(exc, status)}, status=status)
    finally:
        elapsed = time.perf_counter() - started
        route = _route_name(request)
        metrics = request.app[state.CONTAINER].metrics
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.latency.labels(request.method, route).observe(elapsed)
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": mask_phones_in_text(request.path),
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )


def _public_reason(exc: Exception, status: int) -> str:
    if status == 503:
        return "database unavailable, retry later"
    if status >= 500:
        return "internal error"
    return str(exc) or exc.__class__.__name__


def create_app(settings: Settings, *, db: Database | None = None, start_workers: bool = True) -> web.Application:
    """Build the service. `db` may be passed in by tests; otherwise it is made from the settings.

    `start_workers=False` builds the workers without running their loops (tests drive them by hand).
    """
    app = web.Application(middlewares=[observe], client_max_size=MAX_BODY_BYTES)
    owns_db = db is None
    app[state.CONTAINER] = build_container(settings, db or Database(settings.database_url),
                                           start_workers=start_workers)

    async def database_lifecycle(app: web.Application) -> AsyncIterator[None]:
        yield
        if owns_db:
            await app[state.CONTAINER].db.dispose()

    app.cleanup_ctx.append(database_lifecycle)
    app.cleanup_ctx.append(runtime.lifecycle)
    runtime.add_routes(app)
    return app
