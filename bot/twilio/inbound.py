"""What Leadline does with leads' messages: store them with their effects, and decide automatic replies.

Messages are handled in batches (the webhook's micro-batcher groups those that arrive together), all in
the caller's transaction; each webhook answers only after the commit. Automatic replies go back in the
TwiML answer (no REST call inside the webhook) and are stored as `automated` outbound messages with the
sid `auto-<inbound sid>`, so a repeated delivery answers the same TwiML. When Slack is on, each message's
post to its lead thread is queued in the same transaction (never sent from here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from twilio.twiml.messaging_response import MessagingResponse

from analytics.auto_replies import bodies_by_sid, conversations_answered
from analytics.ingest import IncomingMessage, IngestConfig, IngestResult, record_messages
from analytics.models import HELP, INBOUND, OUTBOUND
from bot.container import InboundOptions
from bot.mrkdwn import quote
from bot.outbox import jobs
from bot.twilio.parse import InboundMessage

# The automatic answer is stored just after the message it answers, keeping the timeline in order.
_AFTER = timedelta(microseconds=1)
EMPTY_TWIML = str(MessagingResponse())


@dataclass(frozen=True)
class Received:
    """An inbound message and the moment Leadline received it (Twilio's webhook carries no timestamp)."""

    message: InboundMessage
    at: datetime


def twiml(reply: str | None) -> str:
    if not reply:
        return EMPTY_TWIML
    response = MessagingResponse()
    response.message(reply)
    return str(response)


def _auto_sid(inbound_sid: str) -> str:
    return f"auto-{inbound_sid}"


def _incoming(item: Received) -> IncomingMessage:
    m = item.message
    return IncomingMessage(sid=m.sid, address=m.from_address, direction=INBOUND, channel=m.channel, body=m.body,
                           sent_at=item.at, media_count=m.num_media, status="received", opt_out_type=m.opt_out_type)


async def receive_messages(session: AsyncSession, config: IngestConfig, options: InboundOptions,
                           items: Sequence[Received]) -> list[str]:
    """Store inbound messages (idempotent on sid) and return the TwiML to answer each with."""
    results = await record_messages(session, [_incoming(item) for item in items], config)
    duplicates = [item.message.sid for item, r in zip(items, results, strict=True) if r.duplicate]
    earlier = await bodies_by_sid(session, [_auto_sid(s) for s in duplicates])
    replies = await _auto_replies(session, config, options, items, results)
    for item, result, reply in zip(items, results, replies, strict=True):
        if options.slack_leads_channel and not result.duplicate:
            await jobs.lead_message_post(session, result.message_id, result.contact_id, now=item.at)
            if reply and result.conversation_id is not None:
                # The thread shows what the lead was told automatically, right after their message.
                await jobs.lead_thread_post(session, result.conversation_id, result.contact_id,
                                            f":robot_face: Automatic reply sent:\n{quote(reply)}", thread_only=True,
                                            now=item.at)
    automated = [
        IncomingMessage(sid=_auto_sid(item.message.sid), address=item.message.from_address, direction=OUTBOUND,
                        channel=item.message.channel, body=reply, sent_at=item.at + _AFTER, status="sent",
                        automated=True)
        for item, reply in zip(items, replies, strict=True) if reply
    ]
    if automated:
        await record_messages(session, automated, config)
    # A delivery repeated inside this batch answers what its first copy here answers (its reply is not
    # stored yet, so `earlier` cannot know it); one repeated from an earlier batch, what that one stored.
    first_copies = {item.message.sid: reply
                    for item, result, reply in zip(items, results, replies, strict=True) if not result.duplicate}
    return [
        twiml(first_copies.get(item.message.sid, earlier.get(_auto_sid(item.message.sid))) if result.duplicate
              else reply)
        for item, result, reply in zip(items, results, replies, strict=True)
    ]


async def _auto_replies(session: AsyncSession, config: IngestConfig, options: InboundOptions,
                        items: Sequence[Received], results: Sequence[IngestResult]) -> list[str | None]:
    """HELP_REPLY for help keywords Twilio did not answer itself; AFTER_HOURS_REPLY once per conversation
    outside business hours."""
    replies: list[str | None] = [None] * len(items)
    after_hours: dict[int, int] = {}  # conversation -> first item in this batch that may get the reply
    for i, (item, result) in enumerate(zip(items, results, strict=True)):
        if result.duplicate:
            continue
        if result.keyword == HELP:
            # With Advanced Opt-Out (`OptOutType` set) Twilio has already answered with the service's text.
            replies[i] = None if item.message.opt_out_type else options.help_reply or None
        elif (result.keyword is None and not result.opted_out and options.after_hours_reply
              and result.conversation_id is not None and not config.calendar.is_open(item.at)):
            after_hours.setdefault(result.conversation_id, i)
    if after_hours:
        answered = await conversations_answered(session, list(after_hours), options.after_hours_reply)
        for conversation, i in after_hours.items():
            if conversation not in answered:
                replies[i] = options.after_hours_reply
    return replies
