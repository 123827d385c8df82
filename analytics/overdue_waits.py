"""Waits past the SLA: the leads an SLA alert is due for.

A wait counts when at least one of its texts was received live (history stored by `leadline import
twilio` or `leadline demo` never does, however recent) and it opened within `max_age`. With business
hours the wait is measured in business time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.business_hours import BusinessCalendar
from analytics.models import INBOUND, WAIT_OPEN, Contact, Message, Wait


@dataclass(frozen=True)
class OverdueWait:
    wait_id: int
    opened_message_id: int
    conversation_id: int
    contact_id: int
    contact_name: str | None
    contact_address: str
    waited_s: float


async def overdue_waits(session: AsyncSession, now: datetime, sla: timedelta, max_age: timedelta,
                        calendar: BusinessCalendar) -> list[OverdueWait]:
    """Open waits that have waited longer than `sla` at `now`, oldest first."""
    # The wait's texts are the lead's inbound messages from its opening to its last inbound one.
    live_text = exists().where(Message.contact_id == Wait.contact_id, Message.direction == INBOUND,
                               Message.sent_at >= Wait.opened_at, Message.sent_at <= Wait.last_inbound_at,
                               Message.imported.is_(False))
    # Calendar time is never shorter than business time, so this bound loses no candidate.
    rows = (await session.execute(
        select(Wait.id, Wait.opened_message_id, Wait.conversation_id, Wait.contact_id, Wait.opened_at,
               Contact.display_name, Contact.address)
        .join(Contact, Contact.id == Wait.contact_id)
        .where(Wait.state == WAIT_OPEN, Wait.opened_at >= now - max_age, Wait.opened_at <= now - sla, live_text)
        .order_by(Wait.opened_at)
    )).all()
    out = []
    for wait_id, message_id, conversation_id, contact_id, opened_at, name, address in rows:
        waited = (now - opened_at).total_seconds() if calendar.always_open else \
            calendar.business_seconds(opened_at, now)
        if waited > sla.total_seconds():
            out.append(OverdueWait(wait_id, message_id, conversation_id, contact_id, name, address, waited))
    return out


async def still_open(session: AsyncSession, wait_id: int) -> bool:
    return await session.scalar(select(Wait.id).where(Wait.id == wait_id, Wait.state == WAIT_OPEN)) is not None
