"""`leadline import twilio`: read the account's message history with the twilio SDK and import it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twilio.rest import Client

from analytics.ingest import IncomingMessage
from bot.twilio.parse import channel_of

# Twilio's directions: `outbound-api` is a person or a program using the API (a rep's text);
# `outbound-reply` (TwiML answers) and `outbound-call` are automatic.
AUTOMATED_DIRECTIONS = frozenset({"outbound-reply", "outbound-call"})


@dataclass(frozen=True)
class TwilioRecord:
    sid: str
    from_: str
    to: str
    body: str
    direction: str
    status: str | None
    date_sent: datetime | None
    num_media: int
    error_code: int | None
    error_message: str | None


def to_incoming(record: TwilioRecord) -> IncomingMessage | None:
    """Map a Twilio message to Leadline's; None for one without a send date (never sent)."""
    if record.date_sent is None:
        return None
    inbound = record.direction == "inbound"
    address = record.from_ if inbound else record.to
    return IncomingMessage(
        sid=record.sid, address=address, direction="inbound" if inbound else "outbound",
        channel=channel_of(address, record.num_media), body=record.body or "",
        sent_at=record.date_sent.astimezone(UTC) if record.date_sent.tzinfo else record.date_sent.replace(tzinfo=UTC),
        media_count=record.num_media, status=record.status, automated=record.direction in AUTOMATED_DIRECTIONS,
        error_code=record.error_code, error_message=record.error_message, imported=True,
    )


def _record(message: Any) -> TwilioRecord:
    status = message.status
    return TwilioRecord(
        sid=message.sid, from_=message.from_ or "", to=message.to or "", body=message.body or "",
        direction=str(message.direction.value if hasattr(message.direction, "value") else message.direction),
        status=str(status.value if hasattr(status, "value") else status) if status else None,
        date_sent=message.date_sent, num_media=int(message.num_media or 0),
        error_code=int(message.error_code) if message.error_code else None,
        error_message=message.error_message,
    )


async def fetch_history(client: Client, since: datetime, until: datetime | None,
                        progress: Callable[[str], None] | None = None) -> list[IncomingMessage]:
    """Every message sent in [since, until), read page by page; raises on any API error (nothing kept)."""
    found: list[IncomingMessage] = []
    read = 0
    kwargs: dict[str, Any] = {"date_sent_after": since.astimezone(UTC), "page_size": 1000}
    if until is not None:
        kwargs["date_sent_before"] = until.astimezone(UTC)
    async for message in await client.messages.stream_async(**kwargs):
        read += 1
        incoming = to_incoming(_record(message))
        # Twilio's date filters are inclusive and day-grained on some paths: enforce [since, until) here.
        if incoming is not None and incoming.sent_at >= since and (until is None or incoming.sent_at < until):
            found.append(incoming)
        if progress and read % 1000 == 0:
            progress(f"read {read} messages from Twilio")
    return found
