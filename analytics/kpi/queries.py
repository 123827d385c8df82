"""SQL reads for KPI reports: SQLAlchemy Core, only the needed columns, bounded by the period.

Every query over messages or waits filters on `sent_at` / `opened_at` first, so the indexes
ix_message_sent_direction and ix_wait_opened_state make a report's cost follow its window, not the
size of the history. Counts are pushed into SQL (portable COUNT / GROUP BY); anything that needs the
rules (durations, medians, sentiment) comes back as rows and is aggregated in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Row, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import (
    INBOUND,
    OPT_IN,
    OPT_OUT,
    OUTBOUND,
    WAIT_CLOSED,
    WAIT_OPEN,
    Contact,
    Conversation,
    Message,
    OptEvent,
    Rep,
    Wait,
)
from analytics.periods import Period

W = Wait.__table__.c  # type: ignore[attr-defined]
M = Message.__table__.c  # type: ignore[attr-defined]
C = Contact.__table__.c  # type: ignore[attr-defined]


async def waits_opened(session: AsyncSession, period: Period) -> Sequence[Row]:
    """Open and closed (not cancelled) waits that opened in the period."""
    stmt = select(
        W.contact_id, W.opened_at, W.state, W.calendar_seconds, W.business_seconds,
        W.first_in_conversation, W.closed_by_rep_id, W.channel, W.topics,
    ).where(
        W.opened_at >= period.start, W.opened_at < period.end, W.state.in_((WAIT_OPEN, WAIT_CLOSED))
    )
    return (await session.execute(stmt)).all()


async def message_counts(session: AsyncSession, period: Period) -> Sequence[Row]:
    """(channel, direction, automated, count) of the period's messages."""
    stmt = (
        select(M.channel, M.direction, M.automated, func.count())
        .where(M.sent_at >= period.start, M.sent_at < period.end)
        .group_by(M.channel, M.direction, M.automated)
    )
    return (await session.execute(stmt)).all()


async def active_contacts(session: AsyncSession, period: Period) -> int:
    """Distinct contacts with any message, either direction, in the period."""
    stmt = select(func.count(distinct(M.contact_id))).where(M.sent_at >= period.start, M.sent_at < period.end)
    return int(await session.scalar(stmt) or 0)


async def new_contacts(session: AsyncSession, period: Period) -> int:
    stmt = select(func.count()).select_from(Contact).where(
        C.first_message_at >= period.start, C.first_message_at < period.end
    )
    return int(await session.scalar(stmt) or 0)


async def conversations_started(session: AsyncSession, period: Period) -> int:
    stmt = select(func.count()).select_from(Conversation).where(
        Conversation.started_at >= period.start, Conversation.started_at < period.end  # type: ignore[arg-type]
    )
    return int(await session.scalar(stmt) or 0)


async def opt_contacts(session: AsyncSession, period: Period) -> dict[str, int]:
    """Distinct contacts per opt event kind (opt_out, opt_in) in the period."""
    oc = OptEvent.__table__.c  # type: ignore[attr-defined]
    stmt = (
        select(oc.kind, func.count(distinct(oc.contact_id)))
        .where(oc.at >= period.start, oc.at < period.end, oc.kind.in_((OPT_OUT, OPT_IN)))
        .group_by(oc.kind)
    )
    return {kind: int(n) for kind, n in (await session.execute(stmt)).all()}


async def currently_opted_out(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(Contact).where(C.opted_out.is_(True))
    return int(await session.scalar(stmt) or 0)


async def open_now(session: AsyncSession) -> tuple[int, datetime | None]:
    """Every wait open now, whatever the period: how many and when the oldest opened."""
    stmt = select(func.count(), func.min(W.opened_at)).where(W.state == WAIT_OPEN)
    count, oldest = (await session.execute(stmt)).one()
    if isinstance(oldest, str):
        # SQLite's MIN() loses the column type; the stored text is ISO 8601 UTC.
        oldest = _parse_sqlite_datetime(oldest)
    return int(count), oldest


def _parse_sqlite_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def inbound_messages(session: AsyncSession, period: Period) -> Sequence[Row]:
    """(conversation_id, sent_at, sid, sentiment_score, topics) of the period's inbound messages."""
    stmt = select(M.conversation_id, M.sent_at, M.sid, M.sentiment_score, M.topics).where(
        M.sent_at >= period.start, M.sent_at < period.end, M.direction == INBOUND
    )
    return (await session.execute(stmt)).all()


async def rep_replies(session: AsyncSession, period: Period) -> dict[int | None, int]:
    """Non-automated outbound messages per rep id (None: no known rep) in the period."""
    stmt = (
        select(M.rep_id, func.count())
        .where(M.sent_at >= period.start, M.sent_at < period.end, M.direction == OUTBOUND,
               M.automated.is_(False))
        .group_by(M.rep_id)
    )
    return {rep_id: int(n) for rep_id, n in (await session.execute(stmt)).all()}


async def rep_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rc = Rep.__table__.c  # type: ignore[attr-defined]
    stmt = select(rc.id, rc.name).where(rc.id.in_(wanted))
    return {rep_id: name for rep_id, name in (await session.execute(stmt)).all()}


async def contact_address(session: AsyncSession, contact_id: int) -> str | None:
    return await session.scalar(select(C.address).where(C.id == contact_id))


__all__ = [
    "active_contacts",
    "contact_address",
    "conversations_started",
    "currently_opted_out",
    "inbound_messages",
    "message_counts",
    "new_contacts",
    "open_now",
    "opt_contacts",
    "rep_names",
    "rep_replies",
    "waits_opened",
]
