"""The digests feature inside the service: cron jobs at DIGEST_TIME in TIMEZONE, catch-up at start-up.

Three cron jobs on the process's shared scheduler: daily on DIGEST_DAYS, weekly on Mondays, monthly on
the 1st, all at DIGEST_TIME local time (APScheduler's CronTrigger is DST-aware). Each run posts the digest
of its kind that is due (claimed in the database, so one replica posts it). At start-up, a digest whose time
passed while the service was down is posted when it is less than 12 hours late, and skipped with a log line
otherwise. Needs Slack (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET) and SLACK_DIGEST_CHANNEL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from analytics import digests
from analytics.db import Database
from analytics.digests import DAILY, MONTHLY, WEEKLY, DigestKey, Schedule
from bot.container import Container
from bot.digests.jobs import DigestPoster, queue_digest
from bot.outbox.kinds import DIGEST_POST
from bot.settings import Settings

log = logging.getLogger("leadline.digests")

JOB_NAMES = {DAILY: "digest-daily", WEEKLY: "digest-weekly", MONTHLY: "digest-monthly"}
# A run delayed by a busy loop or a short pause still fires; longer outages are the catch-up's business.
MISFIRE_GRACE_S = 3600


def schedule_of(settings: Settings) -> Schedule:
    return Schedule.parse(settings.digest_time, settings.digest_days, settings.weekly_digest,
                          settings.monthly_digest)


def cron_fields(schedule: Schedule) -> dict[str, dict[str, Any]]:
    """APScheduler cron fields of each digest job, by kind."""
    at = {"hour": schedule.hour, "minute": schedule.minute}
    fields: dict[str, dict[str, Any]] = {}
    if schedule.days:
        fields[DAILY] = {**at, "day_of_week": schedule.cron_days()}
    if schedule.weekly:
        fields[WEEKLY] = {**at, "day_of_week": "mon"}
    if schedule.monthly:
        fields[MONTHLY] = {**at, "day": 1}
    return fields


class DigestService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.schedule = schedule_of(settings)
        self.channel = settings.slack_digest_channel

    async def run_due(self, kind: str | None = None, now: datetime | None = None) -> list[DigestKey]:
        """Queue the digests (of `kind`, or every kind) due at `now`; returns those this call claimed."""
        at = now or datetime.now(UTC)
        claimed = []
        for key in digests.due_now(at, self.schedule, self.settings.tz):
            if (kind is None or key.kind == kind) and await self._queue(key, at):
                claimed.append(key)
        return claimed

    async def catch_up(self, now: datetime | None = None) -> list[DigestKey]:
        """At start-up: queue what was missed less than 12 h ago; log what is too late to send."""
        at = now or datetime.now(UTC)
        send, skip = digests.catch_up(at, self.schedule, self.settings.tz)
        for key, late in skip:
            async with self.db.read() as session:
                if await digests.find(session, key, self.channel) is None:
                    log.warning("digest skipped: its time passed while the service was down, %.1f h ago "
                                "(more than 12 h); run `leadline digest --kind %s --date %s` to post it",
                                late.total_seconds() / 3600, key.kind, key.first_day.isoformat(),
                                extra={"digest": str(key)})
        claimed = []
        for key in send:
            if await self._queue(key, at):
                claimed.append(key)
        return claimed

    async def _queue(self, key: DigestKey, now: datetime) -> bool:
        return await queue_digest(self.db, self.settings, key, now, channel=self.channel) is not None


async def start(c: Container) -> None:
    """Register the `digest_post` job kind and the digest cron jobs; catch up on missed digests."""
    settings = c.settings
    if not settings.slack_digest_channel:
        log.info("Digests are off: set SLACK_DIGEST_CHANNEL to post daily/weekly/monthly KPI digests")
        return
    if c.slack is None:
        log.info("Digests are off: Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
        return
    service = DigestService(settings, c.db)
    c.kinds[DIGEST_POST] = DigestPoster(c.db, c.slack.web).kind()
    c.digests = service
    for kind, fields in cron_fields(service.schedule).items():
        c.scheduler.cron(JOB_NAMES[kind], _runner(service, kind), misfire_grace_s=MISFIRE_GRACE_S, **fields)
    if c.start_workers:
        c.tasks.append(asyncio.create_task(_catch_up(service)))


def _runner(service: DigestService, kind: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await service.run_due(kind)

    return run


async def _catch_up(service: DigestService) -> None:
    try:
        await service.catch_up()
    except Exception:
        # The next scheduled run still happens; this start-up simply does not catch up.
        log.exception("digest catch-up failed")


async def stop(c: Container) -> None:
    """Nothing to release: the runtime stops the scheduler and waits for the catch-up task."""
    c.digests = None


def add_routes(app: web.Application) -> None:
    """The feature has no HTTP routes."""
