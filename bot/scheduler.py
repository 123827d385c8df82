"""Periodic jobs inside the service: one APScheduler 3 `AsyncIOScheduler` per process, shared by features.

Every replica runs the same schedule, so a job must be safe to run in several processes at once: it
claims its work through the database (a unique `ProcessedEvent` key, an outbox job) and never talks
to the outside world directly. Features add jobs to `container.scheduler` with `every(...)` or `cron(...)`
in their `start`; `bot.runtime` starts it once every feature has, and stops it at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("leadline.scheduler")

JobFunc = Callable[[], Awaitable[Any]]


class Scheduler:
    """A thin wrapper so features name their jobs and get the same safe defaults."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._aps = AsyncIOScheduler(timezone=tz)
        self._stopped = False

    @property
    def running(self) -> bool:
        return bool(self._aps.running) and not self._stopped

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._aps.get_jobs())

    def every(self, name: str, func: JobFunc, *, seconds: float, misfire_grace_s: int = 30) -> None:
        """Run `func` every `seconds`; a run still going when the next is due makes that next one skip."""
        self._add(name, func, IntervalTrigger(seconds=seconds, timezone=self.tz), misfire_grace_s)

    def cron(self, name: str, func: JobFunc, *, misfire_grace_s: int = 3600, **fields: Any) -> None:
        """Run `func` at local times (`hour=8, minute=30, day_of_week="mon-fri"`) in the team's zone.

        A run missed while the process was down is caught up once within `misfire_grace_s`.
        """
        self._add(name, func, CronTrigger(timezone=self.tz, **fields), misfire_grace_s)

    def _add(self, name: str, func: JobFunc, trigger: Any, misfire_grace_s: int) -> None:
        async def run() -> None:
            try:
                await func()
            except Exception:
                # One failed run must not stop the schedule; the next run tries again.
                log.exception("scheduled job failed", extra={"job": name})

        self._aps.add_job(run, trigger, id=name, name=name, replace_existing=True, max_instances=1,
                          coalesce=True, misfire_grace_time=misfire_grace_s)

    def start(self) -> None:
        """Start in the running event loop (idempotent; a stopped scheduler stays stopped)."""
        if not self._aps.running and not self._stopped:
            self._aps.start()

    def shutdown(self) -> None:
        """Stop scheduling (idempotent); a run in progress finishes on its own.

        APScheduler's asyncio scheduler stops on the loop's next turn, so a second call must not ask again.
        """
        if self._aps.running and not self._stopped:
            self._aps.shutdown(wait=False)
        self._stopped = True
