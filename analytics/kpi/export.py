"""CSV exports of waits and messages for teams that want their own spreadsheets.

One row per wait that opened in the period (open, closed or cancelled) or per message sent in it,
oldest first. Contacts are masked; times are ISO 8601 in the team's zone. Free text that a spreadsheet
would run as a formula (a cell starting with =, +, -, @, tab or CR) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.errors import InvalidInput
from analytics.kpi.report import iso_local
from analytics.masking import mask_address
from analytics.models import Contact, Message, Rep, Wait
from analytics.periods import Period

KINDS = ("waits", "messages")
WAIT_COLUMNS = ("wait_id", "contact", "state", "opened_at", "closed_at", "calendar_seconds",
                "business_seconds", "rep_id", "rep", "channel", "topics", "first_in_conversation",
                "inbound_count")
MESSAGE_COLUMNS = ("sid", "direction", "channel", "sent_at", "contact", "rep_id", "rep", "automated", "body",
                   "sentiment_score", "sentiment_label", "topics", "keyword")
_BATCH = 5000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

WAITS = Wait.__table__  # type: ignore[attr-defined]
MESSAGES = Message.__table__  # type: ignore[attr-defined]
CONTACTS = Contact.__table__  # type: ignore[attr-defined]
REPS = Rep.__table__  # type: ignore[attr-defined]
W, M, C, R = WAITS.c, MESSAGES.c, CONTACTS.c, REPS.c


def safe_text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def columns(kind: str) -> tuple[str, ...]:
    if kind not in KINDS:
        raise InvalidInput(f"unknown export {kind!r}; expected one of {', '.join(KINDS)}")
    return WAIT_COLUMNS if kind == "waits" else MESSAGE_COLUMNS


def _wait_row(r: Any, tz: ZoneInfo) -> list[Any]:
    return [r.id, mask_address(r.address), r.state, iso_local(r.opened_at, tz), iso_local(r.closed_at, tz),
            r.calendar_seconds, r.business_seconds, r.closed_by_rep_id, r.rep_name or "", r.channel, r.topics,
            "true" if r.first_in_conversation else "false", r.inbound_count]


def _message_row(r: Any, tz: ZoneInfo) -> list[Any]:
    return [r.sid, r.direction, r.channel, iso_local(r.sent_at, tz), mask_address(r.address), r.rep_id,
            r.rep_name or "", "true" if r.automated else "false", safe_text(r.body), r.sentiment_score,
            r.sentiment_label or "", r.topics, r.keyword or ""]


def _statement(kind: str, period: Period):  # type: ignore[no-untyped-def]
    if kind == "waits":
        return (
            select(W.id, C.address, W.state, W.opened_at, W.closed_at, W.calendar_seconds, W.business_seconds,
                   W.closed_by_rep_id, R.name.label("rep_name"), W.channel, W.topics,
                   W.first_in_conversation, W.inbound_count)
            .select_from(WAITS.join(CONTACTS, C.id == W.contact_id)
                         .outerjoin(REPS, R.id == W.closed_by_rep_id))
            .where(W.opened_at >= period.start, W.opened_at < period.end)
            .order_by(W.opened_at, W.id)
        )
    return (
        select(M.sid, M.direction, M.channel, M.sent_at, C.address, M.rep_id, R.name.label("rep_name"),
               M.automated, M.body, M.sentiment_score, M.sentiment_label, M.topics, M.keyword)
        .select_from(MESSAGES.join(CONTACTS, C.id == M.contact_id).outerjoin(REPS, R.id == M.rep_id))
        .where(M.sent_at >= period.start, M.sent_at < period.end)
        .order_by(M.sent_at, M.id)
    )


async def export_rows(session: AsyncSession, kind: str, period: Period, tz: ZoneInfo
                      ) -> AsyncIterator[list[Any]]:
    """The export's rows (without the header), streamed from the database."""
    async for chunk in _row_chunks(session, kind, period, tz):
        for row in chunk:
            yield row


async def _row_chunks(session: AsyncSession, kind: str, period: Period, tz: ZoneInfo
                      ) -> AsyncIterator[list[list[Any]]]:
    columns(kind)
    to_row = _wait_row if kind == "waits" else _message_row
    result = await session.stream(_statement(kind, period).execution_options(yield_per=_BATCH))
    # An empty chunk first: the query has run (and failed, if it will) before anything is written.
    yield []
    async for partition in result.partitions(_BATCH):
        yield [to_row(r, tz) for r in partition]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


async def export_csv(session: AsyncSession, kind: str, period: Period, tz: ZoneInfo) -> AsyncIterator[str]:
    """CSV text in chunks: the header (once the query has started), then a few thousand rows at a time."""
    chunks = _row_chunks(session, kind, period, tz)
    await anext(chunks)
    yield csv_text([columns(kind)])
    async for chunk in chunks:
        yield csv_text(chunk)
