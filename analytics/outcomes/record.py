"""Writing stage events and keeping each opportunity's derived row in step, in the caller's transaction.

`record_stage_event` is what every edge calls (Slack, API, CLI, CSV import, demo); the ingest path calls
`open_for_first_inbound` once per batch. Both lock the lead's contact row first, as ingest does, so that
changes of one lead are serialised across replicas; the partial unique index on `opportunity` backs the
one-open-opportunity rule up.

Opening, decided (docs/metrics.md, "Outcomes and funnel"):
- A lead that has **never had an opportunity** gets one automatically at its first inbound text that is
  not an opt-out/opt-in/help keyword: a `new` event by the system, at that text's time. If an earlier
  inbound text turns up later (an import, a late webhook), the system corrects that `new` event to the
  earlier time.
- **No automatic reopening**: a lead whose opportunities are all closed (won or lost) opens no new one by
  texting again; a customer's support texts are not deals. An explicit stage change for a lead with no
  open opportunity opens a new one: a `new` event by the same actor, at the first inbound text of the
  lead's conversation in progress at the change's time (when that text is after the lead's last
  opportunity closed; else at the change's own time), then the change itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.errors import Conflict, InvalidInput, NotFound
from analytics.models import INBOUND, Contact, Conversation, Message, Rep
from analytics.outcomes.changes import StageChange, check_against_state, check_change
from analytics.outcomes.stages import NEW, StageConfig
from analytics.outcomes.state import EventRow, OpportunityState, derive, fold
from analytics.outcomes.tables import Opportunity, StageEvent


@dataclass(frozen=True)
class Recorded:
    """What `record_stage_event` did."""

    event_id: int
    opportunity_id: int
    duplicate: bool  # the same client_event_id was recorded before: nothing was written
    opened: bool  # the change opened a new opportunity
    stage: str  # the opportunity's current stage after the change
    closed: bool


def event_row(e: StageEvent) -> EventRow:
    return EventRow(e.id or 0, e.stage, e.at, e.actor_kind, e.actor_id, e.source, e.demo_at, e.value_minor,
                    e.currency, e.reason, e.corrects)


def state_of(o: Opportunity) -> OpportunityState:
    return OpportunityState(
        o.opened_at, o.auto_opened, o.stage, o.stage_entered_at, o.closed_at, o.outcome, o.value_minor,
        o.currency, o.lost_reason, o.demo_at, o.demo_booked_at, o.demo_held_at, o.proposal_at,
        o.proposal_value_minor, o.proposal_currency, o.rep_id, tuple(filter(None, o.reached.split(","))),
        o.last_event_at, o.last_event_id)


def write_state(o: Opportunity, s: OpportunityState, now: datetime) -> None:
    o.opened_at, o.auto_opened, o.stage, o.stage_entered_at = s.opened_at, s.auto_opened, s.stage, s.stage_entered_at
    o.closed_at, o.outcome, o.value_minor, o.currency = s.closed_at, s.outcome, s.value_minor, s.currency
    o.lost_reason, o.demo_at, o.demo_booked_at, o.demo_held_at = s.lost_reason, s.demo_at, s.demo_booked_at, \
        s.demo_held_at
    o.proposal_at, o.proposal_value_minor, o.proposal_currency = s.proposal_at, s.proposal_value_minor, \
        s.proposal_currency
    o.rep_id, o.reached = s.rep_id, ",".join(s.reached)
    o.last_event_at, o.last_event_id, o.updated_at = s.last_event_at, s.last_event_id, now


async def events_of(session: AsyncSession, opportunity_id: int) -> list[EventRow]:
    rows = (await session.execute(select(StageEvent).where(StageEvent.opportunity_id == opportunity_id))).scalars()
    return [event_row(e) for e in rows]


async def refresh(session: AsyncSession, opportunity: Opportunity, stages: StageConfig, now: datetime) -> None:
    """Recompute one opportunity's row from all its events (after a correction or an out-of-order event)."""
    state = derive(await events_of(session, opportunity.id or 0), stages)
    if state is not None:
        write_state(opportunity, state, now)


async def _lock_contact(session: AsyncSession, contact_id: int) -> None:
    found = (await session.execute(select(Contact.id).where(Contact.id == contact_id).with_for_update())).first()
    if found is None:
        raise NotFound(f"unknown contact {contact_id}")


async def _duplicate(session: AsyncSession, change: StageChange) -> Recorded | None:
    if change.client_event_id is None:
        return None
    found = (await session.execute(select(StageEvent).where(
        StageEvent.source == change.source, StageEvent.client_event_id == change.client_event_id))).scalar_one_or_none()
    if found is None:
        return None
    same = (found.contact_id, found.stage, found.at, found.demo_at, found.value_minor, found.currency,
            found.reason, found.corrects) == (
        change.contact_id, change.stage, change.at, change.demo_at, change.value.minor if change.value else None,
        change.value.currency if change.value else None, change.reason, change.corrects)
    if not same:
        raise Conflict(f"client_event_id {change.client_event_id!r} from {change.source} was already used for "
                       f"another change (event {found.id})")
    opportunity = await session.get(Opportunity, found.opportunity_id)
    assert opportunity is not None
    return Recorded(found.id or 0, found.opportunity_id, True, False, opportunity.stage,
                    opportunity.closed_at is not None)


async def _target(session: AsyncSession, change: StageChange) -> tuple[Opportunity | None, bool]:
    """The opportunity the change goes to (None: it opens one), and whether the change named it."""
    if change.corrects is not None:
        corrected = await session.get(StageEvent, change.corrects)
        if corrected is None or corrected.contact_id != change.contact_id:
            raise NotFound(f"event {change.corrects} is not an event of contact {change.contact_id}")
        if change.opportunity_id not in (None, corrected.opportunity_id):
            raise InvalidInput(f"event {change.corrects} belongs to opportunity {corrected.opportunity_id}, "
                               f"not {change.opportunity_id}")
        already = (await session.execute(select(StageEvent.id).where(StageEvent.corrects == change.corrects)
                                         .limit(1))).scalar_one_or_none()
        if already is not None:
            raise Conflict(f"event {change.corrects} was already corrected by event {already}; correct that one")
        return await session.get(Opportunity, corrected.opportunity_id, with_for_update=True), True
    if change.opportunity_id is not None:
        named = await session.get(Opportunity, change.opportunity_id, with_for_update=True)
        if named is None or named.contact_id != change.contact_id:
            raise NotFound(f"opportunity {change.opportunity_id} is not an opportunity of contact "
                           f"{change.contact_id}")
        return named, True
    current = (await session.execute(select(Opportunity).where(
        Opportunity.contact_id == change.contact_id, Opportunity.closed_at.is_(None)))).scalar_one_or_none()
    return current, False


async def _opening_instant(session: AsyncSession, contact_id: int, at: datetime) -> datetime:
    """Where an explicitly opened opportunity starts: see the module's docstring."""
    last_closed = (await session.execute(select(func.max(Opportunity.closed_at)).where(
        Opportunity.contact_id == contact_id))).scalar_one_or_none()
    conversation = (await session.execute(
        select(Conversation.id).where(Conversation.contact_id == contact_id, Conversation.started_at <= at)
        .order_by(Conversation.started_at.desc()).limit(1))).scalar_one_or_none()
    if conversation is None:
        return at
    first = (await session.execute(select(func.min(Message.sent_at)).where(
        Message.conversation_id == conversation, Message.direction == INBOUND, Message.keyword.is_(None),
        Message.sent_at <= at))).scalar_one_or_none()
    if first is None or (last_closed is not None and first <= last_closed):
        return at
    return first


def _event(change: StageChange, opportunity_id: int, now: datetime, **overrides: object) -> StageEvent:
    values: dict[str, object] = dict(
        contact_id=change.contact_id, opportunity_id=opportunity_id, stage=change.stage, at=change.at,
        recorded_at=now, actor_kind=change.actor_kind, actor_id=change.actor_id, source=change.source,
        demo_at=change.demo_at, value_minor=change.value.minor if change.value else None,
        currency=change.value.currency if change.value else None, reason=change.reason,
        client_event_id=change.client_event_id, corrects=change.corrects)
    values.update(overrides)
    return StageEvent(**values)


async def record_stage_event(session: AsyncSession, change: StageChange, *, stages: StageConfig,
                             now: datetime) -> Recorded:
    """Record one stage change and update the opportunity it moves, in the caller's transaction.

    Raises InvalidInput (bad change: unknown stage, future time, bad value, ...), NotFound (unknown contact,
    opportunity or corrected event) or Conflict (a client_event_id reused for another change, a second open
    opportunity, an event corrected twice), before writing anything. Idempotent by (source, client_event_id).
    """
    check_change(change, stages, now)
    await _lock_contact(session, change.contact_id)
    duplicate = await _duplicate(session, change)
    if duplicate is not None:
        return duplicate
    if change.actor_id is not None and await session.get(Rep, change.actor_id) is None:
        raise InvalidInput(f"unknown rep {change.actor_id}")
    opportunity, named = await _target(session, change)
    state = state_of(opportunity) if opportunity is not None else None
    check_against_state(change, state, stages, named=named)

    opened = opportunity is None
    if opportunity is None:
        start = change.at
        if stages.role_of(change.stage) != NEW:
            start = await _opening_instant(session, change.contact_id, change.at)
        opportunity = Opportunity(contact_id=change.contact_id, opened_at=start, stage=change.stage,
                                  stage_entered_at=start, last_event_at=start, last_event_id=0)
        session.add(opportunity)
        await session.flush()
        if stages.role_of(change.stage) != NEW:
            session.add(_event(change, opportunity.id or 0, now, stage=stages.name_of(NEW), at=start, demo_at=None,
                               value_minor=None, currency=None, reason=None, client_event_id=None, corrects=None))
    event = _event(change, opportunity.id or 0, now)
    session.add(event)
    await session.flush()
    if state is not None and change.corrects is None and state.sorts_before(event_row(event)):
        after = fold(state, event_row(event), stages)
    else:
        derived = derive(await events_of(session, opportunity.id or 0), stages)
        assert derived is not None  # the new event itself counts
        after = derived
    if after.is_open and not opened and (state is None or not state.is_open):
        other = (await session.execute(select(Opportunity.id).where(
            Opportunity.contact_id == change.contact_id, Opportunity.closed_at.is_(None),
            Opportunity.id != opportunity.id))).scalar_one_or_none()
        if other is not None:
            raise Conflict(f"contact {change.contact_id} already has an open opportunity ({other}); "
                           f"close it before moving opportunity {opportunity.id} back")
    write_state(opportunity, after, now)
    await session.flush()
    return Recorded(event.id or 0, opportunity.id or 0, False, opened, opportunity.stage,
                    opportunity.closed_at is not None)


async def rebuild_opportunities(session: AsyncSession, stages: StageConfig, now: datetime,
                                opportunity_ids: Sequence[int] | None = None) -> int:
    """Recompute opportunity rows from their events alone (all, or the given ones); returns how many."""
    query = select(Opportunity)
    if opportunity_ids is not None:
        query = query.where(Opportunity.id.in_(list(opportunity_ids)))
    count = 0
    for opportunity in (await session.execute(query.order_by(Opportunity.id))).scalars().all():
        await refresh(session, opportunity, stages, now)
        count += 1
    await session.flush()
    return count
