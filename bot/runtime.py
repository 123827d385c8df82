"""The service's features and their lifecycle: the one place a feature is registered.

Each feature exposes `add_routes(app)` (its HTTP routes, added when the app is built), `start(container)`
(inside the running event loop: its clients, outbox job kinds, scheduled jobs and background tasks) and
`stop(container)` (releases them). Features start in the order of `FEATURES` and stop in reverse, after the
scheduler has stopped and the background tasks have finished.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot import api, health, retention_job, send_api, state
from bot.calls import feature as calls_feature
from bot.container import Container
from bot.digests import feature as digests_feature
from bot.outbox import Outbox
from bot.slack import feature as slack_feature
from bot.twilio import feature as twilio_feature

TASK_STOP_TIMEOUT_S = 20


class Feature(Protocol):
    def add_routes(self, app: web.Application) -> None: ...

    async def start(self, c: Container) -> None: ...

    async def stop(self, c: Container) -> None: ...


@dataclass(frozen=True)
class RoutesOnly:
    """A feature that is only HTTP routes: nothing runs in the background."""

    add_routes: Callable[[web.Application], None]

    async def start(self, c: Container) -> None:
        return None

    async def stop(self, c: Container) -> None:
        return None


FEATURES: tuple[Feature, ...] = (
    RoutesOnly(health.add_routes),
    RoutesOnly(api.add_routes),
    RoutesOnly(send_api.add_routes),
    retention_job,
    twilio_feature,
    slack_feature,
    calls_feature,
    digests_feature,  # posts with the Slack feature's client
)


def add_routes(app: web.Application) -> None:
    for feature in FEATURES:
        feature.add_routes(app)


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    """Start the features and the outbox worker; at shutdown stop the schedule, let the background loops
    finish their current work, then stop the features."""
    c = app[state.CONTAINER]
    for feature in FEATURES:
        await feature.start(c)
    c.outbox = Outbox(c.db, c.kinds)
    if c.start_workers:
        c.tasks.append(asyncio.create_task(c.outbox.run_forever(c.stopping)))
        c.scheduler.start()
    yield
    c.scheduler.shutdown()
    c.stopping.set()
    for task in c.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=TASK_STOP_TIMEOUT_S)
    for feature in reversed(FEATURES):
        await feature.stop(c)
