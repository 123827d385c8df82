"""Synthetic stage histories in which faster first responses win more often (`leadline demo`, bench/).

Pure and deterministic for a given `random.Random`: each lead's history is a list of opportunities, each a
list of `StageChange`s in time order, none after `now`. The odds of every step forward are multiplied by
the lead's first-response factor (RESPONSE_FACTORS), so the effect shows in the responsiveness tables.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.outcomes.changes import StageChange
from analytics.outcomes.money import Money
from analytics.outcomes.stages import DEMO_BOOKED, DEMO_HELD, DEMO_NO_SHOW, LOST, NEW, PROPOSAL_SENT, WON, StageConfig
from analytics.outcomes.tables import ACTOR_REP, ACTOR_SYSTEM

# (first response under this many seconds, odds factor); None (never answered) gets the last.
RESPONSE_FACTORS = ((300.0, 1.3), (3600.0, 1.0), (14_400.0, 0.75), (float("inf"), 0.55))
NO_RESPONSE_FACTOR = 0.4
LOST_REASONS = ("price", "went with a competitor", "no budget", "timing", "no response")
CURRENCIES = (("USD", 0.8), ("EUR", 0.15), ("GBP", 0.05))


@dataclass(frozen=True)
class Lead:
    contact_id: int
    first_inbound_at: datetime
    first_response_s: float | None
    rep_id: int | None


def response_factor(seconds: float | None) -> float:
    if seconds is None:
        return NO_RESPONSE_FACTOR
    return next(f for limit, f in RESPONSE_FACTORS if seconds < limit)


def synthetic_outcomes(leads: Sequence[Lead], *, stages: StageConfig, now: datetime, rng: random.Random,
                       source: str = "demo") -> list[list[list[StageChange]]]:
    """For each lead, its opportunities' changes (the first opens at its first inbound text)."""
    return [_lead(lead, stages, now, rng, source) for lead in leads]


def _lead(lead: Lead, stages: StageConfig, now: datetime, rng: random.Random, source: str
          ) -> list[list[StageChange]]:
    factor = response_factor(lead.first_response_s)
    out = []
    start = lead.first_inbound_at
    while start <= now and len(out) < 3:
        changes = _opportunity(lead, start, factor, stages, now, rng, source)
        out.append(changes)
        last = changes[-1]
        if not stages.is_closing(last.stage) or rng.random() > 0.08:
            break
        start = last.at + timedelta(days=rng.uniform(10, 60))
    return out


def _opportunity(lead: Lead, start: datetime, factor: float, stages: StageConfig, now: datetime,
                 rng: random.Random, source: str) -> list[StageChange]:
    def change(role_or_name: str, at: datetime, **kw: object) -> StageChange:
        name = stages.name_of(role_or_name) or role_or_name
        system = role_or_name == NEW
        return StageChange(lead.contact_id, name, at, "system" if system else source,
                           actor_kind=ACTOR_SYSTEM if system else ACTOR_REP,
                           actor_id=None if system else lead.rep_id, **kw)  # type: ignore[arg-type]

    changes = [change(NEW, start)]
    at = start

    def step(hours: float) -> datetime | None:
        nonlocal at
        at = at + timedelta(hours=rng.expovariate(1 / hours))
        return at if at <= now else None

    def lose() -> list[StageChange]:
        when = step(72)
        if when is not None:
            changes.append(change(LOST, when, reason=rng.choice(LOST_REASONS)))
        return changes

    qualified = next((s.name for s in stages.stages if s.role is None and s.forward), None)
    if rng.random() > min(0.95, 0.6 * factor):
        return lose()
    if qualified is not None:
        if (when := step(24)) is None:
            return changes
        changes.append(change(qualified, when))
    if stages.name_of(DEMO_BOOKED) is not None:
        if rng.random() > min(0.95, 0.55 * factor):
            return lose()
        for _attempt in range(2):
            if (when := step(24)) is None:
                return changes
            demo_at = when + timedelta(hours=rng.uniform(20, 120))
            changes.append(change(DEMO_BOOKED, when, demo_at=demo_at))
            if demo_at > now:
                return changes
            at = demo_at
            if rng.random() < min(0.95, 0.7 * factor):
                changes.append(change(DEMO_HELD, demo_at + timedelta(minutes=45)))
                break
            changes.append(change(DEMO_NO_SHOW, demo_at + timedelta(minutes=30)))
            if rng.random() > 0.5:
                return changes if rng.random() < 0.5 else lose()
        else:
            return lose()
    currency = rng.choices([c for c, _ in CURRENCIES], [w for _, w in CURRENCIES])[0]
    value = Money(rng.randrange(50_000, 5_000_000, 100), currency)
    if stages.name_of(PROPOSAL_SENT) is not None:
        if rng.random() > min(0.95, 0.7 * factor):
            return lose()
        if (when := step(48)) is None:
            return changes
        changes.append(change(PROPOSAL_SENT, when, value=value))
    if rng.random() > min(0.95, 0.5 * factor):
        return lose()
    if (when := step(120)) is None:
        return changes
    changes.append(change(WON, when, value=value))
    return changes
