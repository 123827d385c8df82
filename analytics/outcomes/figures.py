"""The funnel's figures as pure functions over plain rows (queries.py reads the rows; docs/metrics.md,
"Outcomes and funnel", defines each figure).

Attribution: a figure about an end point is attributed to the period its end falls in (win rate, cycle,
deal size, proposal sign time: closing; demo conversion: the first booking or the first held demo;
demo attendance: the demo's scheduled time); stage conversion and the opportunity count of velocity to the
period the opportunity opened in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from analytics.business_hours import BusinessCalendar
from analytics.kpi.stats import Stats, share, summarize
from analytics.outcomes.money import Money
from analytics.outcomes.stages import DEMO_BOOKED, DEMO_HELD, DEMO_NO_SHOW, WON, StageConfig
from analytics.outcomes.state import EventRow, effective

DAY_S = 86_400.0


class OpenedRow(NamedTuple):
    """An opportunity that opened in the period, as it is now."""

    id: int
    contact_id: int
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    reached: tuple[str, ...]
    rep_id: int | None


class ClosedRow(NamedTuple):
    """An opportunity closed (now) at a time inside the period."""

    id: int
    opened_at: datetime
    closed_at: datetime
    outcome: str
    value_minor: int | None
    currency: str | None
    proposal_at: datetime | None


@dataclass(frozen=True)
class Clock:
    """Durations as a report shows them: calendar seconds, or business seconds with the calendar."""

    calendar: BusinessCalendar
    business: bool

    def seconds(self, start: datetime, end: datetime) -> float:
        if self.business:
            return self.calendar.business_seconds(start, end)
        return max(0.0, (end - start).total_seconds())


def reached_stages(reached: Iterable[str], stages: StageConfig) -> set[str]:
    """The stages an opportunity counts as having reached: every stage it has been in, and every forward
    stage of a step up to the furthest step whose forward stage it has been in (a deal won straight from
    `qualified` passed `proposal_sent`). Side stages (no-show, lost) count only when it was in them."""
    been = set(reached)
    furthest = max((s.step for s in stages.stages if s.forward and s.name in been), default=0)
    return been | {s.name for s in stages.stages if s.forward and s.step <= furthest}


def stage_conversion(opened: Sequence[OpenedRow], stages: StageConfig) -> list[tuple[str, int, float | None]]:
    """(stage, opportunities that reached it, share of those opened in the period) for every stage."""
    counts = dict.fromkeys(stages.names, 0)
    for row in opened:
        for name in reached_stages(row.reached, stages):
            if name in counts:
                counts[name] += 1
    return [(name, counts[name], share(counts[name], len(opened))) for name in stages.names]


@dataclass(frozen=True)
class WinRate:
    won: int
    lost: int

    @property
    def rate(self) -> float | None:
        return share(self.won, self.won + self.lost)

    def to_json(self) -> dict[str, object]:
        return {"won": self.won, "lost": self.lost, "rate": self.rate}


def win_rate(closed: Sequence[ClosedRow]) -> WinRate:
    won = sum(1 for r in closed if r.outcome == WON)
    return WinRate(won, len(closed) - won)


HELD, NO_SHOW, RESCHEDULED, PENDING = "held", "no_show", "rescheduled", "pending"


def demo_outcomes(events: Sequence[EventRow], stages: StageConfig) -> dict[int, str]:
    """For each effective booking of one opportunity (event id): `held` or `no_show` (the first of those or
    of a new booking that follows it, in event order), `rescheduled` (a new booking came first) or
    `pending` (nothing yet)."""
    booked, held, no_show = (stages.name_of(r) for r in (DEMO_BOOKED, DEMO_HELD, DEMO_NO_SHOW))
    out: dict[int, str] = {}
    open_booking: int | None = None
    for event in effective(events):
        if event.stage == booked:
            if open_booking is not None:
                out[open_booking] = RESCHEDULED
            open_booking = event.id
            out[event.id] = PENDING
        elif open_booking is not None and event.stage in (held, no_show):
            out[open_booking] = HELD if event.stage == held else NO_SHOW
            open_booking = None
    return out


@dataclass(frozen=True)
class Attendance:
    held: int
    no_show: int
    pending: int

    @property
    def scheduled(self) -> int:
        return self.held + self.no_show + self.pending

    @property
    def rate(self) -> float | None:
        return share(self.held, self.held + self.no_show)

    def to_json(self) -> dict[str, object]:
        return {"scheduled": self.scheduled, "held": self.held, "no_show": self.no_show, "pending": self.pending,
                "rate": self.rate}


def attendance(outcomes: Iterable[str]) -> Attendance:
    """Demo attendance over the outcomes of the bookings scheduled in the period (rescheduled ones drop out)."""
    counts = defaultdict(int)
    for outcome in outcomes:
        counts[outcome] += 1
    return Attendance(counts[HELD], counts[NO_SHOW], counts[PENDING])


def durations(pairs: Iterable[tuple[datetime, datetime]], clock: Clock) -> Stats:
    """Summary of (start, end) durations as the report shows them."""
    return summarize(clock.seconds(start, end) for start, end in pairs)


def sales_cycle(closed: Sequence[ClosedRow], clock: Clock) -> Stats:
    return durations(((r.opened_at, r.closed_at) for r in closed if r.outcome == WON), clock)


def proposal_sign_time(closed: Sequence[ClosedRow], clock: Clock) -> Stats:
    return durations(((r.proposal_at, r.closed_at) for r in closed if r.outcome == WON and r.proposal_at), clock)


@dataclass(frozen=True)
class DealSize:
    currency: str
    won: int
    total_minor: int

    @property
    def mean_minor(self) -> float:
        return self.total_minor / self.won

    def to_json(self) -> dict[str, object]:
        return {"currency": self.currency, "won": self.won, "total_minor": self.total_minor,
                "mean_minor": self.mean_minor}


def deal_sizes(closed: Sequence[ClosedRow]) -> list[DealSize]:
    """Won deals of the period with a value, per currency (sorted by code); deals without a value are out."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in closed:
        if r.outcome == WON and r.value_minor is not None and r.currency:
            totals[r.currency][0] += 1
            totals[r.currency][1] += r.value_minor
    return [DealSize(c, n, total) for c, (n, total) in sorted(totals.items())]


@dataclass(frozen=True)
class Velocity:
    currency: str
    opportunities: int
    mean_won_minor: float
    win_rate: float | None
    mean_cycle_days: float | None

    @property
    def per_day_minor(self) -> float | None:
        if self.win_rate is None or not self.mean_cycle_days:
            return None
        return self.opportunities * self.mean_won_minor * self.win_rate / self.mean_cycle_days

    def to_json(self) -> dict[str, object]:
        return {"currency": self.currency, "opportunities": self.opportunities,
                "mean_won_minor": self.mean_won_minor, "win_rate": self.win_rate,
                "mean_cycle_days": self.mean_cycle_days, "per_day_minor": self.per_day_minor}


def velocity(opened_count: int, sizes: Sequence[DealSize], rate: WinRate, cycle_calendar: Stats) -> list[Velocity]:
    """Sales velocity per currency: opportunities opened in the period × that currency's mean won value ×
    the period's win rate / the mean sales cycle in calendar days."""
    days = cycle_calendar.mean_s / DAY_S if cycle_calendar.mean_s is not None else None
    return [Velocity(s.currency, opened_count, s.mean_minor, rate.rate, days) for s in sizes]


@dataclass(frozen=True)
class Pipeline:
    open_value: tuple[tuple[str, int, int], ...]  # (currency, open opportunities with a value, total minor)
    quota: Money | None

    @property
    def coverage(self) -> float | None:
        if self.quota is None or self.quota.minor == 0:
            return None
        total = sum(minor for currency, _n, minor in self.open_value if currency == self.quota.currency)
        return total / self.quota.minor

    def to_json(self) -> dict[str, object]:
        return {"open": [{"currency": c, "opportunities": n, "value_minor": v} for c, n, v in self.open_value],
                "quota": self.quota.to_json() if self.quota else None, "coverage": self.coverage}
