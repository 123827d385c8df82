"""Delivery status of outbound messages: an order-safe update rule (a late `sent` never undoes
`delivered`) and error 21610 turning into an opt-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import Contact, Message

# Later stages of a message's life rank higher; terminal outcomes share a rank so the first one wins.
_RANK = {
    "pending": 0, "accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
    "receiving": 4, "received": 5, "delivered": 6, "undelivered": 6, "failed": 6, "canceled": 6, "read": 7,
}
UNSUBSCRIBED = 21610


def status_supersedes(new: str, current: str | None) -> bool:
    """Whether a callback saying `new` should replace the stored `current` status."""
    if current is None:
        return True
    return _RANK.get(new, 0) > _RANK.get(current, 0)


@dataclass(frozen=True)
class StatusResult:
    known: bool
    changed: bool
    contact_address: str | None
    opted_out: bool
    notify: str | None = None  # the message's `notify` (whom to tell what became of it)


async def apply_status(session: AsyncSession, sid: str, status: str, error_code: int | None,
                       at: datetime) -> StatusResult:
    """Store a delivery status if it moves the message forward; report whether 21610 opted the contact out."""
    row = (await session.execute(
        select(Message, Contact.address).join(Contact, Contact.id == Message.contact_id)
        .where(Message.sid == sid).with_for_update(of=Message)
    )).first()
    if row is None:
        return StatusResult(False, False, None, False)
    message, address = row
    changed = status_supersedes(status, message.status)
    if changed:
        message.status = status
        if error_code is not None:
            message.error_code = error_code
    return StatusResult(True, changed, address, error_code == UNSUBSCRIBED, message.notify)


