"""The funnel entry point: `compute_funnel(session, period, ...)` -> `Funnel`, and its JSON.

I/O is in queries.py; the rules in figures.py and responsiveness.py. docs/metrics.md ("Outcomes and
funnel") defines every figure; docs/api.md (`funnel`) the JSON shape.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.business_hours import BusinessCalendar
from analytics.errors import InvalidInput
from analytics.kpi.stats import Stats, bucket_of
from analytics.models import WAIT_CANCELLED, WAIT_CLOSED
from analytics.outcomes import queries
from analytics.outcomes.figures import (
    Attendance,
    Clock,
    DealSize,
    OpenedRow,
    Pipeline,
    Velocity,
    WinRate,
    attendance,
    deal_sizes,
    demo_outcomes,
    durations,
    proposal_sign_time,
    reached_stages,
    sales_cycle,
    stage_conversion,
    velocity,
    win_rate,
)
from analytics.outcomes.money import Money
from analytics.outcomes.responsiveness import NO_RESPONSE, Row, Traits, breakdowns
from analytics.outcomes.risk import LOOKBACK, AtRisk, at_risk, stage_p75
from analytics.outcomes.stages import DEMO_BOOKED, DEMO_HELD, PROPOSAL_SENT, WON, StageConfig
from analytics.periods import Period
from analytics.sentiment import conversation_sentiment


@dataclass(frozen=True)
class Funnel:
    """Every funnel figure of one period (see docs/metrics.md)."""

    period: Period
    timezone: str
    hours: str
    stages: StageConfig
    opened: int
    stage_conversion: list[tuple[str, int, float | None]]
    win_rate: WinRate
    demo_attendance: Attendance | None
    demo_to_booked: Stats | None
    demo_to_held: Stats | None
    proposal_sign_time: Stats | None
    sales_cycle: Stats
    deal_size: list[DealSize]
    velocity: list[Velocity]
    pipeline: Pipeline
    outcomes_by: dict[str, list[Row]]
    rep_names: dict[int, str]

    def to_json(self) -> dict[str, object]:
        tz = ZoneInfo(self.timezone)

        def stats(s: Stats | None) -> object:
            return s.to_json() if s is not None else None

        def rows(name: str) -> list[dict[str, object]]:
            return [row.to_json({"id": row.key, "name": self.rep_names.get(row.key, f"rep {row.key}")}  # type: ignore[call-overload]
                                if name == "rep" and row.key is not None else row.key)
                    for row in self.outcomes_by[name]]

        return {
            "period": {"from": self.period.start.astimezone(tz).isoformat(),
                       "to": self.period.end.astimezone(tz).isoformat(), "timezone": self.timezone,
                       "hours": self.hours},
            "stages": list(self.stages.names),
            "opened": self.opened,
            "stage_conversion": [{"stage": s, "reached": n, "share": x} for s, n, x in self.stage_conversion],
            "win_rate": self.win_rate.to_json(),
            "demo_attendance": self.demo_attendance.to_json() if self.demo_attendance else None,
            "demo_conversion": {"to_booked": stats(self.demo_to_booked), "to_held": stats(self.demo_to_held)},
            "proposal_sign_time": stats(self.proposal_sign_time),
            "sales_cycle": stats(self.sales_cycle),
            "deal_size": [d.to_json() for d in self.deal_size],
            "velocity": [v.to_json() for v in self.velocity],
            "pipeline": self.pipeline.to_json(),
            "outcomes_by": {name: rows(name) for name in self.outcomes_by},
        }


def traits(opened: Sequence[OpenedRow], waits: Sequence[tuple], texts: Sequence[tuple], calls: Sequence[tuple],
           stages: StageConfig, clock: Clock) -> list[Traits]:
    """Each opened opportunity's outcome and what it is broken down by (docs/metrics.md)."""
    first: dict[int, str] = {}
    for opp, state, calendar_s, business_s, opened_at, closed_at in waits:
        if state == WAIT_CANCELLED:
            continue
        if state != WAIT_CLOSED:
            first[opp] = "open"
            continue
        seconds = business_s if clock.business else calendar_s
        if seconds is None:
            seconds = calendar_s if calendar_s is not None else clock.seconds(opened_at, closed_at)
        first[opp] = bucket_of(seconds)
    ordered: dict[int, list[tuple]] = defaultdict(list)
    for row in texts:
        ordered[row[0]].append(row)
    moods: dict[int, tuple[str | None, tuple[str, ...]]] = {}
    for opp, items in ordered.items():
        items.sort(key=lambda r: (r[1], r[2]))
        scores = [r[3] for r in items if r[3] is not None]
        topics = sorted({t for r in items for t in (r[4] or "").split(",") if t})
        moods[opp] = (conversation_sentiment(scores).label if scores else None, tuple(topics))
    scored: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for opp, score, ratio in calls:
        if score is not None:
            scored[opp][0].append(float(score))
        if ratio is not None:
            scored[opp][1].append(float(ratio))
    booked = stages.name_of(DEMO_BOOKED)
    out = []
    for row in opened:
        label, topics = moods.get(row.id, (None, ()))
        scores, ratios = scored.get(row.id, ([], []))
        out.append(Traits(
            row.id, row.closed_at is not None, row.outcome == WON,
            booked is not None and booked in reached_stages(row.reached, stages),
            first.get(row.id, NO_RESPONSE), label, topics, row.rep_id,
            math.fsum(scores) / len(scores) if scores else None, math.fsum(ratios) / len(ratios) if ratios else None))
    return out


async def compute_funnel(session: AsyncSession, period: Period, *, now: datetime, tz: ZoneInfo,
                         calendar: BusinessCalendar, stages: StageConfig, business_hours: bool = False,
                         quota: Money | None = None) -> Funnel:
    """The funnel of [period.start, period.end) as of `now` (durations in business seconds with
    `business_hours`; `quota` is the quota of this period, e.g. `Quota.for_period(...)`, or None)."""
    if now.utcoffset() is None:
        raise InvalidInput("now must be an aware datetime")
    clock = Clock(calendar, business_hours)
    calendar_clock = Clock(calendar, False)
    opened = await queries.opened(session, period)
    closed = await queries.closed(session, period)
    has_demo = stages.name_of(DEMO_BOOKED) is not None
    to_booked = to_held = None
    outcome_list: list[str] = []
    if has_demo:
        to_booked = durations(await queries.milestones(session, period, "demo_booked_at"), clock)
        bookings, events = await queries.demo_bookings(session, period, stages)
        for items in events.values():
            outcome_list += [o for b, o in demo_outcomes(items, stages).items() if b in bookings]
    if stages.name_of(DEMO_HELD) is not None:
        to_held = durations(await queries.milestones(session, period, "demo_held_at"), clock)
    rate = win_rate(closed)
    sizes = deal_sizes(closed)
    waits = await queries.first_waits(session, period)
    texts = await queries.conversation_texts(session, period)
    found = traits(opened, waits, texts, await queries.calls(session, period), stages, clock)
    rep_ids = {t.rep_id for t in found if t.rep_id is not None}
    return Funnel(
        period=period, timezone=tz.key, hours="business" if business_hours else "calendar", stages=stages,
        opened=len(opened), stage_conversion=stage_conversion(opened, stages), win_rate=rate,
        demo_attendance=attendance(outcome_list) if has_demo else None,
        demo_to_booked=to_booked, demo_to_held=to_held,
        proposal_sign_time=proposal_sign_time(closed, clock) if stages.name_of(PROPOSAL_SENT) else None,
        sales_cycle=sales_cycle(closed, clock), deal_size=sizes,
        velocity=velocity(len(opened), sizes, rate, sales_cycle(closed, calendar_clock)),
        pipeline=Pipeline(await queries.pipeline(session), quota),
        outcomes_by=breakdowns(found), rep_names=await queries.rep_names(session, rep_ids),
    )


async def leads_at_risk(session: AsyncSession, *, now: datetime, calendar: BusinessCalendar, stages: StageConfig,
                        sla_minutes: float, business_hours: bool = False, lookback: timedelta = LOOKBACK
                        ) -> list[AtRisk]:
    """Open opportunities at risk now, with their reasons (analytics.outcomes.risk); stage times in business
    seconds with `business_hours`, the SLA in business time whenever business hours are configured."""
    if now.utcoffset() is None:
        raise InvalidInput("now must be an aware datetime")
    clock = Clock(calendar, business_hours)
    sla_clock = Clock(calendar, not calendar.always_open)
    since = now - lookback
    p75 = stage_p75((await queries.events_since(session, since)).values(), since, now, clock)
    texts: dict[int, list[tuple[datetime, str, float]]] = defaultdict(list)
    for opp, at, sid, score in await queries.current_texts_of_open(session):
        texts[opp].append((at, sid, score))
    waits = dict(await queries.open_waits_of_open(session))
    return at_risk(await queries.open_opportunities(session), p75, waits, texts, now=now, stages=stages,
                   clock=clock, sla_clock=sla_clock, sla_minutes=sla_minutes)
