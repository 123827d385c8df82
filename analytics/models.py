"""Leadline's tables.

Every timestamp is an aware UTC datetime (SQLModel maps them to `timestamptz` on PostgreSQL and to UTC
strings on SQLite). Indexes follow the KPI queries: waits and messages are read by the time they
happened, so `opened_at` / `sent_at` lead their indexes and a report's cost follows its window, not
the size of the history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

# Message directions.
INBOUND = "inbound"
OUTBOUND = "outbound"

# Wait states.
WAIT_OPEN = "open"
WAIT_CLOSED = "closed"
WAIT_CANCELLED = "cancelled"

# Opt-out event kinds.
OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"

def utcnow() -> datetime:
    return datetime.now(UTC)


class Contact(SQLModel, table=True):
    """A lead, known by the address they text from (`+15551234567`, `whatsapp:+15551234567`)."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=128, unique=True)
    channel: str = Field(max_length=16)
    display_name: str | None = Field(default=None, max_length=200)
    opted_out: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    opted_out_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Maintained by ingest so the next message is placed without scanning history.
    first_message_at: datetime | None = Field(default=None, index=True)
    last_message_at: datetime | None = None
    open_wait_id: int | None = None
    current_conversation_id: int | None = None
    # The last `message.sentiment_seq` given in the current conversation.
    sentiment_seq: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})


class Rep(SQLModel, table=True):
    """A member of the sales team: the people whose replies are measured."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True)
    phone: str | None = Field(default=None, max_length=64, unique=True)
    slack_user_id: str | None = Field(default=None, max_length=32, unique=True)
    role: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """A run of messages with one contact, split by `CONVERSATION_GAP_HOURS` of quiet."""

    __table_args__ = (Index("ix_conversation_contact_started", "contact_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    started_at: datetime = Field(index=True)
    last_message_at: datetime
    channel: str = Field(max_length=16)
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_thread_ts: str | None = Field(default=None, max_length=32, index=True)


class Message(SQLModel, table=True):
    """One text in either direction. `sid` is the provider's id (Twilio `SM...`/`MM...`)."""

    __table_args__ = (
        # Reports read a period's messages from this index alone on PostgreSQL (index-only scans): it is in
        # time order whatever order the rows were written in, and it carries every column a report reads.
        Index("ix_message_sent_cover", "sent_at", "direction",
              postgresql_include=["channel", "automated", "rep_id", "contact_id", "conversation_id",
                                  "sentiment_score", "sentiment_seq", "topics"]),
        Index("ix_message_contact_sent", "contact_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=64, unique=True)
    contact_id: int = Field(foreign_key="contact.id")
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id", index=True)
    direction: str = Field(max_length=8)
    channel: str = Field(max_length=16)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    media_count: int = 0
    sent_at: datetime
    status: str | None = Field(default=None, max_length=16)
    error_code: int | None = None
    error_message: str | None = Field(default=None, max_length=500)
    rep_id: int | None = Field(default=None, foreign_key="rep.id", index=True)
    automated: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    # Stored from history (`leadline import twilio`, `leadline demo`), not received live: such texts never
    # raise SLA alerts, however recent.
    imported: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    # Whom to tell what becomes of an outbound text (JSON set by the service when it queues one, e.g. the
    # Slack message a rep wrote it as): a later failed delivery is reported there. Analytics never reads it.
    notify: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # opt_out / opt_in / help when the whole message was a keyword; such messages open no wait.
    keyword: str | None = Field(default=None, max_length=16)
    sentiment_score: float | None = None
    sentiment_label: str | None = Field(default=None, max_length=16)
    # 1, 2, ... for the scored inbound messages of a conversation in time order (sent_at, sid), else NULL:
    # a period's messages of a conversation are a run of consecutive numbers, so a report ranks them
    # without sorting (queries._labelled_sql).
    sentiment_seq: int | None = None
    # Comma-joined topic names ("pricing,scheduling"); empty when none matched.
    topics: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Wait(SQLModel, table=True):
    """The time a lead waited for a human answer: from an inbound message to the next rep reply."""

    __table_args__ = (
        Index("ix_wait_opened_cover", "opened_at", "state",
              postgresql_include=["calendar_seconds", "business_seconds", "first_in_conversation",
                                  "closed_by_rep_id", "channel", "topics", "contact_id"]),
        Index("ix_wait_contact_state", "contact_id", "state"),
        Index("ix_wait_state_opened", "state", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    opened_message_id: int = Field(foreign_key="message.id")
    opened_at: datetime
    last_inbound_at: datetime
    closed_at: datetime | None = None
    closed_message_id: int | None = Field(default=None, foreign_key="message.id")
    closed_by_rep_id: int | None = Field(default=None, foreign_key="rep.id", index=True)
    state: str = Field(default=WAIT_OPEN, max_length=16)
    calendar_seconds: float | None = None
    business_seconds: float | None = None
    first_in_conversation: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    channel: str = Field(max_length=16)
    topics: str = Field(default="", max_length=500)
    inbound_count: int = 1


class OptEvent(SQLModel, table=True):
    """An opt-out, opt-in or help request by a contact (keyword, Twilio Advanced Opt-Out, error 21610)."""

    __table_args__ = (Index("ix_optevent_at_kind", "at", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    kind: str = Field(max_length=16)
    at: datetime
    source: str = Field(max_length=32)
    message_id: int | None = Field(default=None, foreign_key="message.id")
