"""Queueing a text to a contact: refuse opted-out contacts, write the message and its `send_text` job in one
transaction. The Twilio feature sends it (`bot.twilio.sender`); replies from Slack and `POST /api/messages`
queue it here, so texts take one safe path whoever writes them.

The outbound message row closes the lead's wait at the moment the rep answered. A text may carry a
`notify` target (opaque here; the Slack feature sets it for texts written in a lead thread): what becomes
of it is queued as `text_result` jobs for that target, and kept on the message for a later status callback.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analytics import outbound_texts
from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.models import OUTBOUND
from bot.errors import BadRequest, Refused
from bot.outbox import jobs
from bot.outbox.kinds import lead_key

MAX_BODY_CHARS = 1600


@dataclass(frozen=True)
class QueuedText:
    job_id: int
    message_sid: str
    contact_address: str


async def queue_text(db: Database, config: IngestConfig, address: str, body: str, *, rep_id: int | None,
                     now: datetime | None = None, notify: dict[str, Any] | None = None,
                     mirror: bool = False) -> QueuedText:
    """Write the outbound message and its send job in one transaction; refuse opted-out contacts."""
    async with db.transaction() as session:
        return await queue_text_in(session, config, address, body, rep_id=rep_id, now=now, notify=notify,
                                   mirror=mirror)


async def queue_text_in(session: AsyncSession, config: IngestConfig, address: str, body: str, *,
                        rep_id: int | None, now: datetime | None = None,
                        notify: dict[str, Any] | None = None, mirror: bool = False) -> QueuedText:
    """`queue_text` in the caller's transaction; raises BadRequest/Refused before writing anything.

    `mirror` (a text written outside Slack, e.g. through the API): the result, with the text, is told in
    the lead's Slack thread (`notify` then names the conversation instead of a Slack message).
    """
    text = body.strip()
    if not text:
        raise BadRequest("the text is empty")
    if len(text) > MAX_BODY_CHARS:
        raise BadRequest(f"the text is longer than {MAX_BODY_CHARS} characters")
    at = now or datetime.now(UTC)
    local_sid = f"local-{uuid.uuid4().hex}"
    recipient = await outbound_texts.lock_recipient(session, address)
    if recipient is not None and recipient.opted_out:
        raise Refused("this contact has opted out (replied STOP); Leadline will not text them")
    channel = recipient.channel if recipient is not None else ("sms" if ":" not in address
                                                                 else address.split(":")[0])
    stored = await record_message(session, IncomingMessage(
        sid=local_sid, address=address, direction=OUTBOUND, channel=channel, body=text, sent_at=at,
        status="pending", rep_id=rep_id,
    ), config)
    if mirror and notify is None and stored.conversation_id is not None:
        notify = {"conversation_id": stored.conversation_id, "body": text, "rep_id": rep_id,
                  "ordering_key": lead_key(stored.contact_id)}
    if notify is not None:
        await outbound_texts.set_notify(session, stored.message_id, json.dumps(notify))
    job_id = await jobs.send_text(session, address, text, local_sid, notify=notify, now=at)
    return QueuedText(job_id, local_sid, address)
