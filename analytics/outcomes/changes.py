"""A stage change as an edge hands it over, and the pure rules that accept or refuse it.

Every refusal is an `InvalidInput` whose message names the problem, raised before anything is written,
so bad input changes nothing. Rules that need the stored opportunity are in `check_against_state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.errors import InvalidInput
from analytics.outcomes.money import MAX_MINOR, Money, exponent
from analytics.outcomes.stages import DEMO_BOOKED, DEMO_HELD, DEMO_NO_SHOW, LOST, PROPOSAL_SENT, WON, StageConfig
from analytics.outcomes.state import OpportunityState
from analytics.outcomes.tables import ACTOR_KINDS, ACTOR_REP, ACTOR_SYSTEM, SOURCES

# Clocks disagree a little (a phone's, Slack's, ours): an event this much ahead of `now` is still now.
CLOCK_SKEW = timedelta(minutes=5)
# A demo can be booked this far ahead at most (further is surely a typo in the year).
DEMO_HORIZON = timedelta(days=366)
MAX_REASON = 500
MAX_CLIENT_EVENT_ID = 128


@dataclass(frozen=True)
class StageChange:
    """One stage change for a lead (`contact_id`), from any edge.

    `opportunity_id` names the opportunity when it is not the lead's open one (to move a closed one back);
    `corrects` names an earlier event this one replaces (state.py). `client_event_id` makes a retry from
    the same `source` a no-op.
    """

    contact_id: int
    stage: str
    at: datetime
    source: str
    actor_kind: str = ACTOR_REP
    actor_id: int | None = None
    demo_at: datetime | None = None
    value: Money | None = None
    reason: str | None = None
    client_event_id: str | None = None
    opportunity_id: int | None = None
    corrects: int | None = None


def check_change(change: StageChange, stages: StageConfig, now: datetime) -> None:
    """The rules that need nothing stored: stage, times, value, reason, actor, source, ids."""
    stage = stages.stage(change.stage)
    role = stage.role
    _aware(change.at, "at")
    if change.at > now + CLOCK_SKEW:
        raise InvalidInput(f"at {change.at.isoformat()} is in the future (now is {now.isoformat()})")
    if change.source not in SOURCES:
        raise InvalidInput(f"unknown source {change.source!r}; expected one of {', '.join(SOURCES)}")
    if change.actor_kind not in ACTOR_KINDS:
        raise InvalidInput(f"unknown actor kind {change.actor_kind!r}; expected rep or system")
    if change.actor_kind == ACTOR_REP and change.actor_id is None and change.source != "import":
        raise InvalidInput("a change made by a rep needs the rep's id")
    if change.actor_kind == ACTOR_SYSTEM and change.actor_id is not None:
        raise InvalidInput("a change made by the system has no rep id")
    if role == DEMO_BOOKED:
        if change.demo_at is None:
            raise InvalidInput(f"{change.stage} needs the demo's date and time (demo_at)")
        _aware(change.demo_at, "demo_at")
        if change.demo_at < change.at - CLOCK_SKEW:
            raise InvalidInput(f"the demo ({change.demo_at.isoformat()}) cannot be before it was booked "
                               f"({change.at.isoformat()})")
        if change.demo_at > now + DEMO_HORIZON:
            raise InvalidInput(f"the demo ({change.demo_at.isoformat()}) is more than a year ahead")
    elif change.demo_at is not None:
        raise InvalidInput(f"demo_at belongs to {stages.name_of(DEMO_BOOKED) or 'demo_booked'}, not {change.stage}")
    if change.value is not None:
        if role not in (WON, PROPOSAL_SENT):
            raise InvalidInput(f"a value belongs to {stages.name_of(WON)} or "
                               f"{stages.name_of(PROPOSAL_SENT) or 'proposal_sent'}, not {change.stage}")
        _money(change.value)
    if change.reason is not None:
        if role != LOST:
            raise InvalidInput(f"a reason belongs to {stages.name_of(LOST)}, not {change.stage}")
        if not change.reason.strip() or len(change.reason) > MAX_REASON:
            raise InvalidInput(f"a reason must be 1 to {MAX_REASON} characters")
    if change.client_event_id is not None:
        cid = change.client_event_id
        if not cid or len(cid) > MAX_CLIENT_EVENT_ID or not cid.isprintable():
            raise InvalidInput(f"client_event_id must be 1 to {MAX_CLIENT_EVENT_ID} printable characters")


def check_against_state(change: StageChange, state: OpportunityState | None, stages: StageConfig, *,
                        named: bool) -> None:
    """The rules that need the target opportunity (`state`; None when the change opens a new one).

    `named`: the change names its opportunity (by `opportunity_id` or `corrects`) rather than going to the
    lead's open one.
    """
    role = stages.role_of(change.stage)
    if state is None:
        if role in (DEMO_HELD, DEMO_NO_SHOW):
            raise InvalidInput(f"{change.stage}: the lead has no open opportunity with a booked demo")
        return
    if change.at < state.opened_at and change.corrects is None:
        raise InvalidInput(f"at {change.at.isoformat()} is before the opportunity opened "
                           f"({state.opened_at.isoformat()})")
    if not state.is_open and not named:
        raise InvalidInput("the opportunity is closed; name it to move it back, or the change opens a new one")
    if role in (DEMO_HELD, DEMO_NO_SHOW) and state.demo_booked_at is None and change.corrects is None:
        raise InvalidInput(f"{change.stage}: no demo was booked on this opportunity")


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{name} must have a time zone ({value.isoformat()})")


def _money(value: Money) -> None:
    exponent(value.currency)
    if isinstance(value.minor, bool) or not isinstance(value.minor, int) or not 0 <= value.minor < MAX_MINOR:
        raise InvalidInput(f"a value must be a whole number of minor units from 0 to {MAX_MINOR - 1}")
