"""What a digest shows, gathered from the KPI engine (and the call-score summary) for one period.

Every figure is a `KpiReport` computed by `analytics.kpi.compute_report` exactly as `leadline kpi --json`
computes it (calendar hours, SLA_MINUTES, TIMEZONE, BUSINESS_HOURS) for the same period; the digest only
picks and formats. The one list the engine does not give, the most unhappy conversations to link to, comes
from `analytics.unhappy_threads`, by the engine's own per-conversation rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.calls import call_score_summary
from analytics.db import Database
from analytics.digests import DAILY, WEEKLY, DigestKey, period_of
from analytics.kpi import KpiReport, compute_report
from analytics.periods import Period, between, label
from analytics.unhappy_threads import UnhappyThread, unhappy_threads
from bot.settings import Settings

BREAKDOWNS = ("rep", "channel", "hour", "weekday", "topic")
CHART_DAYS = 14
BASELINE_DAYS = 7
UNHAPPY_SHOWN = 3


@dataclass(frozen=True)
class DigestData:
    key: DigestKey
    period: Period
    label: str
    tz_name: str
    report: KpiReport  # the period, with every breakdown
    previous_report: KpiReport  # the period before (same length in local days), with every breakdown
    # Daily: the 7 days before the day, for "vs 7-day average". None for weekly and monthly.
    baseline: KpiReport | None
    # Daily: one report per day for the chart (the last is the digest's day); weekly: one per day of the week,
    # with by_hour, for the heat map; monthly: one per day of the month, for its chart.
    days: tuple[KpiReport, ...]
    calls: dict[str, Any] | None  # analytics.calls.call_score_summary, when any call was scored
    unhappy: tuple[UnhappyThread, ...]
    now: datetime

    @property
    def empty(self) -> bool:
        """No lead texted and no wait opened in the period."""
        r = self.report
        return r.volume.inbound == 0 and r.response.count == 0 and r.longest_wait.seconds is None


async def _report(session: AsyncSession, settings: Settings, period: Period, now: datetime,
                  breakdowns: tuple[str, ...] = BREAKDOWNS, with_previous: bool = True) -> KpiReport:
    return await compute_report(session, period, now=now, tz=settings.tz, calendar=settings.calendar,
                                sla_minutes=settings.sla_minutes, breakdowns=breakdowns,
                                with_previous=with_previous)


async def gather(db: Database, settings: Settings, key: DigestKey, now: datetime) -> DigestData:
    """Every report the digest of `key` needs, computed as of `now`."""
    tz = settings.tz
    period = period_of(key, tz)
    days: list[KpiReport] = []
    baseline = None
    async with db.read() as session:
        report = await _report(session, settings, period, now)
        previous_report = await _report(session, settings, period.previous(tz), now)
        if key.kind == DAILY:
            first = key.first_day - timedelta(days=BASELINE_DAYS)
            baseline = await _report(session, settings, between(first, key.first_day - timedelta(days=1), tz),
                                     now, (), with_previous=False)
            for back in range(CHART_DAYS - 1, 0, -1):
                day = key.first_day - timedelta(days=back)
                days.append(await _report(session, settings, between(day, day, tz), now, (), with_previous=False))
            days.append(report)
        elif key.kind == WEEKLY:
            for offset in range(7):
                day = key.first_day + timedelta(days=offset)
                days.append(await _report(session, settings, between(day, day, tz), now, ("hour",),
                                          with_previous=False))
        else:
            last = period.end.astimezone(tz).date() - timedelta(days=1)
            day = key.first_day
            while day <= last:
                days.append(await _report(session, settings, between(day, day, tz), now, (), with_previous=False))
                day += timedelta(days=1)
        calls = await call_score_summary(session, period.start, period.end, tz=tz)
        unhappy = await unhappy_threads(session, period, UNHAPPY_SHOWN)
    return DigestData(key, period, label(period, tz), tz.key, report, previous_report, baseline, tuple(days),
                      calls if calls.get("count") else None, unhappy, now)
