"""The outcome tables: every stage change as an event, and each opportunity's state derived from them.

`stage_event` is the record: rows are only ever added (a correction is a new event, see state.py).
`opportunity` is derived from its events in the same transaction as each event, as waits are derived
from messages, and `rebuild_opportunities` recomputes it from the events alone.

Indexes follow the funnel's reads: a report selects opportunities by the instant that attributes them to
the period (`opened_at`, `closed_at`, first demo booked, first demo held) and demos by their scheduled
time, so its cost follows the period, not the history; the partial unique index keeps one open
opportunity per lead on both databases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from analytics.models import utcnow

# Who made a change.
ACTOR_REP = "rep"
ACTOR_SYSTEM = "system"
ACTOR_KINDS = (ACTOR_REP, ACTOR_SYSTEM)

# Where a change came from.
SOURCES = ("slack", "api", "cli", "import", "system", "demo")

OUTCOME_WON = "won"
OUTCOME_LOST = "lost"


class StageEvent(SQLModel, table=True):
    """One change of an opportunity's stage, as it was reported; never updated or deleted."""

    __tablename__ = "stage_event"
    __table_args__ = (
        # Idempotency: an edge's retry (API, CSV re-import) carries the same id and adds nothing.
        UniqueConstraint("source", "client_event_id", name="uq_stage_event_client"),
        Index("ix_stage_event_opportunity_at", "opportunity_id", "at", "id"),
        Index("ix_stage_event_demo_at", "demo_at"),
        Index("ix_stage_event_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    opportunity_id: int = Field(foreign_key="opportunity.id")
    stage: str = Field(max_length=32)
    # When it happened (what every figure uses); `recorded_at` is when Leadline learnt of it.
    at: datetime
    recorded_at: datetime = Field(default_factory=utcnow)
    actor_kind: str = Field(max_length=8)
    actor_id: int | None = Field(default=None, foreign_key="rep.id")
    source: str = Field(max_length=16)
    # The demo's date and time, for a demo_booked event.
    demo_at: datetime | None = None
    # A deal value (won) or a proposal's value (proposal_sent): ISO 4217 minor units, exact.
    value_minor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    currency: str | None = Field(default=None, max_length=3)
    reason: str | None = Field(default=None, max_length=500)
    client_event_id: str | None = Field(default=None, max_length=128)
    # The earlier event this one replaces: the corrected event then counts nowhere (state.py).
    corrects: int | None = Field(default=None, foreign_key="stage_event.id", index=True)


class Opportunity(SQLModel, table=True):
    """A lead's sales opportunity as its events make it now (derived; see analytics.outcomes.state)."""

    __table_args__ = (
        Index("ix_opportunity_opened", "opened_at"),
        Index("ix_opportunity_closed", "closed_at"),
        Index("ix_opportunity_contact_opened", "contact_id", "opened_at"),
        Index("ix_opportunity_demo_booked", "demo_booked_at"),
        Index("ix_opportunity_demo_held", "demo_held_at"),
        # At most one open opportunity per lead, whatever the callers do.
        Index("uq_opportunity_open_contact", "contact_id", unique=True,
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    opened_at: datetime
    # Opened by the system at the lead's first inbound text (not by an explicit event).
    auto_opened: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    stage: str = Field(max_length=32)
    stage_entered_at: datetime
    closed_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=8)
    value_minor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    currency: str | None = Field(default=None, max_length=3)
    lost_reason: str | None = Field(default=None, max_length=500)
    demo_at: datetime | None = None
    demo_booked_at: datetime | None = None
    demo_held_at: datetime | None = None
    proposal_at: datetime | None = None
    proposal_value_minor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    proposal_currency: str | None = Field(default=None, max_length=3)
    rep_id: int | None = Field(default=None, foreign_key="rep.id")
    # Comma-joined names of every stage it has been in, in the order first reached.
    reached: str = Field(default="", max_length=400)
    last_event_at: datetime
    last_event_id: int
    updated_at: datetime = Field(default_factory=utcnow)
