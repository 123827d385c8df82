"""What Leadline does with a lead's message: store it with its effects, and decide the automatic reply.

Everything happens in one transaction; the webhook answers only after the commit. Automatic replies
go back in the TwiML answer (no REST call inside the webhook) and are stored as `automated` outbound
messages with the sid `auto-<inbound sid>`, so a repeated delivery can answer the same TwiML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from twilio.twiml.messaging_response import MessagingResponse

from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.models import HELP, OUTBOUND, Message
from bot.twilio.parse import InboundMessage


@dataclass(frozen=True)
class AutoReplies:
    help_reply: str
    after_hours_reply: str


# The automatic answer is stored just after the message it answers, keeping the timeline in order.
_AFTER = timedelta(microseconds=1)


def twiml(reply: str | None) -> str:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


def _auto_sid(inbound_sid: str) -> str:
    return f"auto-{inbound_sid}"


async def receive_message(db: Database, config: IngestConfig, replies: AutoReplies, inbound: InboundMessage,
                          now: datetime) -> str:
    """Store an inbound message (idempotent on its sid) and return the TwiML to answer with."""
    async with db.transaction() as session:
        result = await record_message(session, IncomingMessage(
            sid=inbound.sid, address=inbound.from_address, direction="inbound", channel=inbound.channel,
            body=inbound.body, sent_at=now, media_count=inbound.num_media, status="received",
            opt_out_type=inbound.opt_out_type,
        ), config)
        if result.duplicate:
            body = await session.scalar(select(Message.body).where(Message.sid == _auto_sid(inbound.sid)))
            return twiml(body)
        reply = None
        if result.keyword == HELP:
            reply = replies.help_reply or None
        elif (result.keyword is None and not result.opted_out and replies.after_hours_reply
              and not config.calendar.is_open(now) and result.conversation_id is not None):
            already = await session.scalar(select(exists().where(
                Message.conversation_id == result.conversation_id,
                Message.automated.is_(True),
                Message.body == replies.after_hours_reply,
            )))
            reply = None if already else replies.after_hours_reply
        if reply:
            await record_message(session, IncomingMessage(
                sid=_auto_sid(inbound.sid), address=inbound.from_address, direction=OUTBOUND,
                channel=inbound.channel, body=reply, sent_at=now + _AFTER, status="sent", automated=True,
            ), config)
        return twiml(reply)
