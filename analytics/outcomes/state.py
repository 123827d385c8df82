"""An opportunity's state from its stage events: a pure fold, so the stored row can always be rebuilt.

How corrections work (docs/metrics.md, "Outcomes and funnel"):

- Events are taken in `(at, id)` order: when it happened, then the order they were recorded in.
- **The latest event wins**: the current stage is the latest event's. Moving back (from `won` to
  `proposal_sent`, say) is simply a later event; the opportunity is then open again, and it keeps having
  reached `won` once (stage conversion counts it).
- **An event may correct an earlier one** (`corrects` = that event's id): the corrected event then counts
  nowhere, as if it had never been recorded, and the correcting event takes its own place in `(at, id)`
  order. This fixes a mistake (a mis-click on `won`, a wrong value, a wrong time) without a trace in the
  figures. A correction of a correction voids that one too; the first corrected event stays void.
- Consecutive events of the same stage are one stay: the stage's entry time is the first one's, and a
  later one of them may add a value or a reason (the latest given counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from analytics.outcomes.stages import (
    DEMO_BOOKED,
    DEMO_HELD,
    LOST,
    PROPOSAL_SENT,
    WON,
    StageConfig,
)
from analytics.outcomes.tables import ACTOR_REP, ACTOR_SYSTEM


@dataclass(frozen=True)
class EventRow:
    """The fields of a stage event that the state depends on."""

    id: int
    stage: str
    at: datetime
    actor_kind: str = ACTOR_SYSTEM
    actor_id: int | None = None
    source: str = "system"
    demo_at: datetime | None = None
    value_minor: int | None = None
    currency: str | None = None
    reason: str | None = None
    corrects: int | None = None


@dataclass(frozen=True)
class OpportunityState:
    """What the `opportunity` row holds (besides ids): see analytics.outcomes.tables.Opportunity."""

    opened_at: datetime
    auto_opened: bool
    stage: str
    stage_entered_at: datetime
    closed_at: datetime | None
    outcome: str | None
    value_minor: int | None
    currency: str | None
    lost_reason: str | None
    demo_at: datetime | None
    demo_booked_at: datetime | None
    demo_held_at: datetime | None
    proposal_at: datetime | None
    proposal_value_minor: int | None
    proposal_currency: str | None
    rep_id: int | None
    reached: tuple[str, ...]
    last_event_at: datetime
    last_event_id: int

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def sorts_before(self, event: EventRow) -> bool:
        """True when `event` comes after every event folded in so far (so it can be folded on top)."""
        return (event.at, event.id) > (self.last_event_at, self.last_event_id)


def order_key(event: EventRow) -> tuple[datetime, int]:
    return event.at, event.id


def effective(events: Iterable[EventRow]) -> list[EventRow]:
    """The events that count, in `(at, id)` order: every event some other event corrects is left out."""
    events = list(events)
    void = {e.corrects for e in events if e.corrects is not None}
    return sorted((e for e in events if e.id not in void), key=order_key)


def opening(event: EventRow, stages: StageConfig) -> OpportunityState:
    """The state after an opportunity's first (effective) event."""
    blank = OpportunityState(
        opened_at=event.at, auto_opened=event.actor_kind == ACTOR_SYSTEM and event.source == "system",
        stage="", stage_entered_at=event.at, closed_at=None, outcome=None, value_minor=None, currency=None,
        lost_reason=None, demo_at=None, demo_booked_at=None, demo_held_at=None, proposal_at=None,
        proposal_value_minor=None, proposal_currency=None, rep_id=None, reached=(), last_event_at=event.at,
        last_event_id=event.id)
    return fold(blank, event, stages)


def fold(state: OpportunityState, event: EventRow, stages: StageConfig) -> OpportunityState:
    """The state after `event`, which must sort after every event already in `state`."""
    role = stages.role_of(event.stage)
    changes: dict[str, object] = {"last_event_at": event.at, "last_event_id": event.id}
    if event.stage != state.stage:
        changes.update(stage=event.stage, stage_entered_at=event.at, closed_at=None, outcome=None,
                       value_minor=None, currency=None, lost_reason=None)
        if role in (WON, LOST):
            changes.update(closed_at=event.at, outcome=role)
    if role == WON and event.value_minor is not None:
        changes.update(value_minor=event.value_minor, currency=event.currency)
    if role == LOST and event.reason is not None:
        changes["lost_reason"] = event.reason
    if role == DEMO_BOOKED:
        changes["demo_at"] = event.demo_at
        if state.demo_booked_at is None:
            changes["demo_booked_at"] = event.at
    if role == DEMO_HELD and state.demo_held_at is None:
        changes["demo_held_at"] = event.at
    if role == PROPOSAL_SENT:
        if state.proposal_at is None:
            changes["proposal_at"] = event.at
        if event.value_minor is not None:
            changes.update(proposal_value_minor=event.value_minor, proposal_currency=event.currency)
    if event.actor_kind == ACTOR_REP and event.actor_id is not None:
        changes["rep_id"] = event.actor_id
    if event.stage not in state.reached:
        changes["reached"] = (*state.reached, event.stage)
    return replace(state, **changes)  # type: ignore[arg-type]


def derive(events: Sequence[EventRow], stages: StageConfig) -> OpportunityState | None:
    """The state from all of an opportunity's events (corrected ones included); None when none counts."""
    counted = effective(events)
    if not counted:
        return None
    state = opening(counted[0], stages)
    for event in counted[1:]:
        state = fold(state, event, stages)
    return state


def stays(events: Sequence[EventRow]) -> list[tuple[str, datetime, datetime | None]]:
    """(stage, entered, left) for each stay in a stage, over the effective events; `left` None for the
    current one. Consecutive events of one stage are one stay."""
    out: list[tuple[str, datetime, datetime | None]] = []
    for event in effective(events):
        if out and out[-1][0] == event.stage:
            continue
        if out:
            stage, entered, _ = out[-1]
            out[-1] = (stage, entered, event.at)
        out.append((event.stage, event.at, None))
    return out
