"""Opening opportunities automatically: the ingest hook and the back-fill of a stored history.

The rule (docs/metrics.md, "Outcomes and funnel"; analytics.outcomes.record for explicit openings): a lead
that has never had an opportunity gets one, opened by the system at its first inbound text that is not an
opt-out/opt-in/help keyword; an earlier text that turns up later corrects that opening; a lead whose
opportunities are all closed gets no new one by texting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import INBOUND, Contact, Message
from analytics.outcomes.record import events_of, refresh
from analytics.outcomes.stages import NEW, StageConfig
from analytics.outcomes.state import effective
from analytics.outcomes.tables import ACTOR_SYSTEM, Opportunity, StageEvent


async def open_for_first_inbound(session: AsyncSession, firsts: Mapping[int, datetime], *, stages: StageConfig,
                                 now: datetime) -> list[int]:
    """Open an opportunity for each lead that never had one, at its first inbound text.

    `firsts` maps contact id -> the earliest inbound message of this batch that is not a keyword (ingest
    knows both). One query when nothing is to be done (every lead already had an opportunity). A lead
    whose only opportunity was opened automatically, later than this text, gets its opening corrected to
    this text's time. Returns the ids of the opportunities opened or corrected.
    """
    if not firsts:
        return []
    ids = sorted(firsts)
    rows = (await session.execute(
        select(Contact.id, Opportunity.id, Opportunity.opened_at, Opportunity.auto_opened)
        .outerjoin(Opportunity, Opportunity.contact_id == Contact.id)
        .where(Contact.id.in_(ids)).order_by(Contact.id).with_for_update(of=Contact))).all()
    known: dict[int, list[tuple[int, datetime, bool]]] = {}
    for contact_id, opportunity_id, opened_at, auto in rows:
        found = known.setdefault(contact_id, [])
        if opportunity_id is not None:
            found.append((opportunity_id, opened_at, auto))
    changed: list[int] = []
    fresh = [cid for cid in ids if cid in known and not known[cid]]
    new_name = stages.name_of(NEW)
    if fresh:
        made = {cid: Opportunity(contact_id=cid, opened_at=firsts[cid], auto_opened=True, stage=new_name,
                                 stage_entered_at=firsts[cid], last_event_at=firsts[cid], last_event_id=0,
                                 reached=new_name) for cid in fresh}
        session.add_all(made.values())
        await session.flush()
        events = {cid: StageEvent(contact_id=cid, opportunity_id=o.id, stage=new_name, at=firsts[cid],
                                  recorded_at=now, actor_kind=ACTOR_SYSTEM, source="system")
                  for cid, o in made.items()}
        session.add_all(events.values())
        await session.flush()
        for cid, o in made.items():
            o.last_event_id = events[cid].id or 0
            changed.append(o.id or 0)
    for cid in ids:
        found = known.get(cid, [])
        if len(found) == 1 and found[0][2] and firsts[cid] < found[0][1]:
            changed.append(await _move_opening(session, found[0][0], cid, firsts[cid], stages, now))
    await session.flush()
    return changed


async def _move_opening(session: AsyncSession, opportunity_id: int, contact_id: int, at: datetime,
                        stages: StageConfig, now: datetime) -> int:
    """Correct an automatic opening to an earlier first inbound text."""
    counted = effective(await events_of(session, opportunity_id))
    opening_event = counted[0] if counted else None
    if opening_event is None or opening_event.actor_kind != ACTOR_SYSTEM or opening_event.stage != stages.name_of(NEW):
        return opportunity_id
    session.add(StageEvent(contact_id=contact_id, opportunity_id=opportunity_id, stage=opening_event.stage, at=at,
                           recorded_at=now, actor_kind=ACTOR_SYSTEM, source="system", corrects=opening_event.id))
    await session.flush()
    opportunity = await session.get(Opportunity, opportunity_id)
    assert opportunity is not None
    await refresh(session, opportunity, stages, now)
    return opportunity_id


async def backfill_opportunities(session: AsyncSession, *, stages: StageConfig, now: datetime,
                                 since: datetime | None = None) -> int:
    """Open opportunities for leads of the stored history that never had one (at their first inbound text
    that is not a keyword, when that is at or after `since`): what `open_for_first_inbound` would have done
    had it run when they arrived. Not run by the migration: a team chooses how far back its funnel starts."""
    firsts_q = (select(Message.contact_id, func.min(Message.sent_at))
                .where(Message.direction == INBOUND, Message.keyword.is_(None))
                .group_by(Message.contact_id))
    had = select(Opportunity.contact_id)
    firsts = {cid: at for cid, at in (await session.execute(firsts_q)).all()
              if (since is None or at >= since)}
    for cid in (await session.execute(had)).scalars():
        firsts.pop(cid, None)
    opened = 0
    items = sorted(firsts.items())
    for start in range(0, len(items), 500):
        opened += len(await open_for_first_inbound(session, dict(items[start:start + 500]), stages=stages, now=now))
    return opened
