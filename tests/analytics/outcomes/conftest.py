"""Helpers for the outcomes database tests: leads created through the real ingest path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from analytics.business_hours import BusinessCalendar, BusinessHours
from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, IngestResult, record_message
from analytics.outcomes.tables import Opportunity, StageEvent
from analytics.topics import default_topics

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
CALENDAR = BusinessCalendar(BusinessHours.always_open(), frozenset(), ZoneInfo("UTC"))
CONFIG = IngestConfig(gap=timedelta(hours=24), calendar=CALENDAR, topics=default_topics())


def address(contact: int) -> str:
    return f"+1555000{contact:04d}"


async def text(db: Database, contact: int, at: datetime, *, inbound: bool = True, body: str = "how much is it?",
               sid: str | None = None, rep: int | None = None) -> IngestResult:
    async with db.transaction() as session:
        return await record_message(session, IncomingMessage(
            sid=sid or f"SM{contact:04d}{int(at.timestamp())}{int(inbound)}", address=address(contact),
            direction="inbound" if inbound else "outbound", channel="sms", body=body, sent_at=at,
            rep_id=rep), CONFIG)


async def counts(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        return ((await session.execute(select(func.count()).select_from(StageEvent))).scalar_one(),
                (await session.execute(select(func.count()).select_from(Opportunity))).scalar_one())
