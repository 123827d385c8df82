"""The values that cross into analytics when a message is stored, and the row a message becomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from analytics.business_hours import BusinessCalendar
from analytics.errors import InvalidInput
from analytics.models import INBOUND, OUTBOUND
from analytics.opt_out import classify_keyword
from analytics.sentiment import score_sentiment
from analytics.topics import TopicMatcher


@dataclass(frozen=True)
class IngestConfig:
    gap: timedelta
    calendar: BusinessCalendar
    topics: TopicMatcher


@dataclass(frozen=True)
class IncomingMessage:
    """A message as an edge (webhook, import, sender) hands it to analytics. `address` is the contact's."""

    sid: str
    address: str
    direction: str
    channel: str
    body: str
    sent_at: datetime
    media_count: int = 0
    status: str | None = None
    rep_id: int | None = None
    automated: bool = False
    opt_out_type: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    imported: bool = False  # from history (an import), not received live


@dataclass(frozen=True)
class IngestResult:
    duplicate: bool
    message_id: int
    contact_id: int
    conversation_id: int | None
    new_conversation: bool
    keyword: str | None
    wait_action: str | None
    opted_out: bool
    rebuilt: bool = False


def validate(msg: IncomingMessage) -> None:
    if msg.direction not in (INBOUND, OUTBOUND):
        raise InvalidInput(f"direction must be inbound or outbound, not {msg.direction!r}")
    if msg.sent_at.utcoffset() is None:
        raise InvalidInput("sent_at must be an aware datetime")
    if not msg.sid or not msg.address:
        raise InvalidInput("a message needs a sid and an address")


def message_values(msg: IncomingMessage, contact_id: int, topics: TopicMatcher, now: datetime) -> dict[str, Any]:
    """The `message` row for `msg`, as plain values (bulk inserts skip ORM objects: they cost more than SQL)."""
    inbound = msg.direction == INBOUND
    sentiment = score_sentiment(msg.body) if inbound else None
    return {
        "sid": msg.sid, "contact_id": contact_id, "direction": msg.direction, "channel": msg.channel,
        "body": msg.body, "media_count": msg.media_count, "sent_at": msg.sent_at, "status": msg.status,
        "error_code": msg.error_code, "error_message": msg.error_message, "rep_id": msg.rep_id,
        "automated": msg.automated, "imported": msg.imported,
        "keyword": classify_keyword(msg.body, msg.opt_out_type) if inbound else None,
        "sentiment_score": sentiment.score if sentiment else None,
        "sentiment_label": sentiment.label if sentiment else None,
        "topics": ",".join(topics.match(msg.body)) if inbound else "",
        "created_at": now,
    }
