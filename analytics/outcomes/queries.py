"""The funnel's reads: narrow, index-backed selects of the rows figures.py and responsiveness.py compute
from. Every read selects by the instant that attributes a row to the period, so its cost follows the
period, not the history. Same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, and_, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.calls import CallScore, Recording
from analytics.models import INBOUND, Contact, Conversation, Message, Rep, Wait
from analytics.outcomes.figures import ClosedRow, OpenedRow
from analytics.outcomes.stages import DEMO_BOOKED, StageConfig
from analytics.outcomes.state import EventRow
from analytics.outcomes.tables import Opportunity, StageEvent
from analytics.periods import Period

OP = Opportunity.__table__.c  # type: ignore[attr-defined]
E = StageEvent.__table__.c  # type: ignore[attr-defined]
W = Wait.__table__.c  # type: ignore[attr-defined]
M = Message.__table__.c  # type: ignore[attr-defined]
CV = Conversation.__table__.c  # type: ignore[attr-defined]


def raw(column: Any) -> Any:
    """A timestamp read without SQLModel's per-value conversion (SQLite then gives naive UTC: `utc`)."""
    return type_coerce(column, DateTime()).label(column.name)


def utc(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo is not None else at.replace(tzinfo=UTC)


def _in(column: Any, period: Period) -> Any:
    return and_(column >= period.start, column < period.end)


async def opened(session: AsyncSession, period: Period) -> list[OpenedRow]:
    rows = await session.execute(
        select(OP.id, OP.contact_id, raw(OP.opened_at), raw(OP.closed_at), OP.outcome, OP.reached, OP.rep_id)
        .where(_in(OP.opened_at, period)))
    return [OpenedRow(i, c, utc(a), utc(b), outcome, tuple(filter(None, reached.split(","))), rep)  # type: ignore[arg-type]
            for i, c, a, b, outcome, reached, rep in rows]


async def closed(session: AsyncSession, period: Period) -> list[ClosedRow]:
    rows = await session.execute(
        select(OP.id, raw(OP.opened_at), raw(OP.closed_at), OP.outcome, OP.value_minor, OP.currency,
               raw(OP.proposal_at))
        .where(_in(OP.closed_at, period)))
    return [ClosedRow(i, utc(a), utc(b), outcome, value, currency, utc(p))  # type: ignore[arg-type]
            for i, a, b, outcome, value, currency, p in rows]


async def milestones(session: AsyncSession, period: Period, column: str) -> list[tuple[datetime, datetime]]:
    """(opened_at, milestone) of the opportunities whose first `column` (demo_booked_at, demo_held_at) is
    in the period."""
    at = OP[column]
    rows = await session.execute(select(raw(OP.opened_at), raw(at)).where(_in(at, period)))
    return [(utc(a), utc(b)) for a, b in rows]  # type: ignore[misc]


def _event_rows(rows: Sequence[Any]) -> dict[int, list[EventRow]]:
    by: dict[int, list[EventRow]] = defaultdict(list)
    for opp, eid, stage, at, corrects in rows:
        by[opp].append(EventRow(eid, stage, utc(at), corrects=corrects))  # type: ignore[arg-type]
    return by


async def demo_bookings(session: AsyncSession, period: Period, stages: StageConfig
                        ) -> tuple[set[int], dict[int, list[EventRow]]]:
    """The booking events whose demo is scheduled in the period, and every event of their opportunities."""
    booked = stages.name_of(DEMO_BOOKED)
    if booked is None:
        return set(), {}
    in_period = select(E.id, E.opportunity_id).where(_in(E.demo_at, period), E.stage == booked)
    bookings = (await session.execute(in_period)).all()
    if not bookings:
        return set(), {}
    ids = in_period.with_only_columns(E.opportunity_id).scalar_subquery()
    rows = (await session.execute(select(E.opportunity_id, E.id, E.stage, raw(E.at), E.corrects)
                                  .where(E.opportunity_id.in_(ids)))).all()
    return {b for b, _ in bookings}, _event_rows(rows)


async def pipeline(session: AsyncSession) -> tuple[tuple[str, int, int], ...]:
    """(currency, open opportunities with a proposal value, their total) now, by currency."""
    rows = await session.execute(
        select(OP.proposal_currency, func.count(), func.sum(OP.proposal_value_minor))
        .where(OP.closed_at.is_(None), OP.proposal_value_minor.is_not(None))
        .group_by(OP.proposal_currency).order_by(OP.proposal_currency))
    return tuple((c, int(n), int(total)) for c, n, total in rows)


def _opening_conversations(period: Period) -> Any:
    """(opportunity id, its opening conversation) for those opened in the period: the lead's conversation
    with the latest start at or before the opening."""
    conversation = (select(CV.id).where(CV.contact_id == OP.contact_id, CV.started_at <= OP.opened_at)
                    .order_by(CV.started_at.desc()).limit(1).scalar_subquery())
    return select(OP.id.label("opportunity_id"), conversation.label("conversation_id")).where(
        _in(OP.opened_at, period)).cte("opening")


async def first_waits(session: AsyncSession, period: Period) -> list[tuple[int, str, float | None, float | None,
                                                                          datetime, datetime | None]]:
    """(opportunity, state, calendar s, business s, opened, closed) of each opening conversation's first wait."""
    oc = _opening_conversations(period)
    rows = await session.execute(
        select(oc.c.opportunity_id, W.state, W.calendar_seconds, W.business_seconds, raw(W.opened_at),
               raw(W.closed_at))
        .join(Wait.__table__, and_(W.conversation_id == oc.c.conversation_id, W.first_in_conversation.is_(True))))
    return [(o, s, c, b, utc(a), utc(z)) for o, s, c, b, a, z in rows]  # type: ignore[misc]


async def conversation_texts(session: AsyncSession, period: Period
                             ) -> list[tuple[int, datetime, str, float | None, str]]:
    """(opportunity, sent, sid, sentiment score, topics) of every inbound text of the opening conversations."""
    oc = _opening_conversations(period)
    rows = await session.execute(
        select(oc.c.opportunity_id, raw(M.sent_at), M.sid, M.sentiment_score, M.topics)
        .join(Message.__table__, and_(M.conversation_id == oc.c.conversation_id, M.direction == INBOUND)))
    return [(o, utc(at), sid, score, topics) for o, at, sid, score, topics in rows]  # type: ignore[misc]


async def calls(session: AsyncSession, period: Period) -> list[tuple[int, int | None, float | None]]:
    """(opportunity, score, talk ratio) of each scored call with the lead between its opening and its close
    (or now, while open), for the opportunities opened in the period."""
    cs, rec = CallScore.__table__.c, Recording.__table__.c  # type: ignore[attr-defined]
    rows = await session.execute(
        select(OP.id, cs.score, cs.talk_ratio)
        .join(Recording.__table__, rec.contact_id == OP.contact_id)
        .join(CallScore.__table__, and_(cs.recording_id == rec.id, cs.called_at >= OP.opened_at,
                       or_(OP.closed_at.is_(None), cs.called_at <= OP.closed_at)))
        .where(_in(OP.opened_at, period)))
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def rep_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(Rep.id, Rep.name).where(Rep.id.in_(sorted(ids))))).all())  # type: ignore[arg-type]


async def open_opportunities(session: AsyncSession) -> list[tuple[int, int, str, datetime, int | None]]:
    """(id, contact, stage, stage entered, rep) of every open opportunity."""
    rows = await session.execute(select(OP.id, OP.contact_id, OP.stage, raw(OP.stage_entered_at), OP.rep_id)
                                 .where(OP.closed_at.is_(None)).order_by(OP.id))
    return [(i, c, s, utc(at), rep) for i, c, s, at, rep in rows]  # type: ignore[misc]


async def events_since(session: AsyncSession, since: datetime) -> dict[int, list[EventRow]]:
    """Every event of the opportunities that have an event at or after `since`."""
    recent = select(E.opportunity_id).where(E.at >= since).scalar_subquery()
    rows = (await session.execute(select(E.opportunity_id, E.id, E.stage, raw(E.at), E.corrects)
                                  .where(E.opportunity_id.in_(recent)))).all()
    return _event_rows(rows)


async def open_waits_of_open(session: AsyncSession) -> list[tuple[int, datetime]]:
    """(opportunity, opened_at of the lead's open wait) for open opportunities whose lead waits now."""
    c, w = Contact.__table__.c, W  # type: ignore[attr-defined]
    rows = await session.execute(
        select(OP.id, raw(w.opened_at)).join(Contact.__table__, c.id == OP.contact_id)
        .join(Wait.__table__, w.id == c.open_wait_id).where(OP.closed_at.is_(None)))
    return [(i, utc(at)) for i, at in rows]  # type: ignore[misc]


async def current_texts_of_open(session: AsyncSession) -> list[tuple[int, datetime, str, float]]:
    """(opportunity, sent, sid, score) of the scored inbound texts of the lead's current conversation, for
    open opportunities."""
    c = Contact.__table__.c  # type: ignore[attr-defined]
    rows = await session.execute(
        select(OP.id, raw(M.sent_at), M.sid, M.sentiment_score).join(Contact.__table__, c.id == OP.contact_id)
        .join(Message.__table__, and_(M.conversation_id == c.current_conversation_id, M.direction == INBOUND,
                                      M.sentiment_score.is_not(None)))
        .where(OP.closed_at.is_(None)))
    return [(i, utc(at), sid, score) for i, at, sid, score in rows]  # type: ignore[misc]
