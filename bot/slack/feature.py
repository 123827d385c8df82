"""Start and stop what the slack feature runs inside the service (filled in by its issue)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def start(app: web.Application, runtime: Any) -> None:
    """Register outbox job kinds in runtime.kinds and background tasks in runtime.tasks."""


async def stop(app: web.Application, runtime: Any) -> None:
    """Release what start() acquired."""


def add_routes(app: web.Application) -> None:
    """HTTP routes of the feature."""
