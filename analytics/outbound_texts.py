"""Texts Leadline sends to leads (a rep's reply, the API): the outbound message row from queued to sent or failed.

The row is written when the text is queued, so it closes the lead's wait at the moment the rep answered.
It gets Twilio's sid once Twilio has the text; a text that never left is marked failed, which reopens the
wait it had closed (the lead got no answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.delivery import UNSUBSCRIBED
from analytics.ingest import IngestConfig, record_opt_event
from analytics.models import OPT_OUT, Contact, Message
from analytics.rebuild import rebuild_contact


@dataclass(frozen=True)
class Recipient:
    opted_out: bool
    channel: str


async def lock_recipient(session: AsyncSession, address: str) -> Recipient | None:
    """The contact texting from `address`, locked until the caller's transaction ends (so an opt-out
    arriving meanwhile waits for it); None when no contact has that address yet."""
    contact = (await session.execute(
        select(Contact).where(Contact.address == address).with_for_update()
    )).scalar_one_or_none()
    return None if contact is None else Recipient(contact.opted_out, contact.channel)


async def opted_out(session: AsyncSession, address: str) -> bool:
    return bool(await session.scalar(select(Contact.opted_out).where(Contact.address == address)))


async def stored_sids(session: AsyncSession, sids: Sequence[str]) -> set[str]:
    """Those of `sids` that a stored message already has (a text Twilio lists that Leadline has recorded)."""
    if not sids:
        return set()
    return set((await session.execute(select(Message.sid).where(Message.sid.in_(list(sids))))).scalars())


async def set_notify(session: AsyncSession, message_id: int, notify: str) -> None:
    """Keep whom to tell what becomes of the text (opaque JSON) on its message."""
    await session.execute(update(Message).where(Message.id == message_id).values(notify=notify))


async def set_status(session: AsyncSession, sid: str, status: str) -> None:
    await session.execute(update(Message).where(Message.sid == sid).values(status=status))


async def mark_sent(session: AsyncSession, local_sid: str, provider_sid: str, status: Any) -> None:
    """The text is with Twilio: the message takes Twilio's sid and status (`queued` when none is given)."""
    await session.execute(update(Message).where(Message.sid == local_sid).values(
        sid=provider_sid, status=str(status.value if hasattr(status, "value") else status or "queued")))


async def mark_failed(session: AsyncSession, sid: str, code: int | None, reason: str, config: IngestConfig,
                      now: datetime) -> None:
    """The text never left: record why, reopen the wait it had closed, and record the opt-out that Twilio's
    21610 (unsubscribed) means."""
    row = (await session.execute(
        select(Message, Contact.address).join(Contact, Contact.id == Message.contact_id).where(Message.sid == sid)
    )).first()
    if row is None:
        return
    message, address = row
    message.status = "failed"
    message.error_code = code
    message.error_message = reason
    await session.flush()
    await rebuild_contact(session, message.contact_id, config)
    if code == UNSUBSCRIBED:
        await record_opt_event(session, address, OPT_OUT, now, "twilio_21610", config)
