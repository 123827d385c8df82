"""Recorded calls and their scores: the tables, the writes the recording pipeline needs, and the reads
behind the call-score KPIs (per-rep and per-criterion averages, weekly trend, best and weakest calls).

A score row copies the numbers reports need (overall, one column per criterion, talk ratio) out of the
full result JSON, so KPI queries never parse JSON. `called_at` (when the recording reached Leadline, i.e.
the end of the call) is what periods filter on; it leads the indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Column, Index, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from analytics.db import insert_ignore
from analytics.models import Contact, Message, Rep, utcnow

# Recording states.
REC_PENDING = "pending"
REC_DOWNLOADING = "downloading"
REC_SCORED = "scored"
REC_NOT_SCORABLE = "not_scorable"
REC_FAILED = "failed"

# Criterion name in the scoring result -> column of CallScore.
CRITERIA = {
    "Communication and Engagement": "communication",
    "Forward Motion": "forward_motion",
    "Question Handling": "question_handling",
    "Sales Process": "sales_process",
}


class Recording(SQLModel, table=True):
    """A call recording Twilio told us about (RecordingStatusCallback), scored or with the reason why not."""

    __table_args__ = (Index("ix_recording_created_status", "created_at", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    recording_sid: str = Field(max_length=64, unique=True)
    call_sid: str = Field(max_length=64, index=True)
    recording_url: str = Field(max_length=500)
    twilio_status: str = Field(max_length=16)
    from_number: str | None = Field(default=None, max_length=64)
    to_number: str | None = Field(default=None, max_length=64)
    rep_id: int | None = Field(default=None, foreign_key="rep.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    rep_channel: str = Field(default="left", max_length=8)
    channels: int = 1
    duration_s: float | None = None
    status: str = Field(default=REC_PENDING, max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    scored_at: datetime | None = None


class CallScore(SQLModel, table=True):
    """The score of one recording (at most one: a second scorer's insert is ignored)."""

    __table_args__ = (
        Index("ix_callscore_called_rep", "called_at", "rep_id"),
        Index("ix_callscore_rep_called", "rep_id", "called_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recording_id: int = Field(foreign_key="recording.id", unique=True)
    rep_id: int | None = Field(default=None, foreign_key="rep.id")
    stage: str = Field(max_length=16)
    score: int | None = None
    communication: int | None = None
    forward_motion: int | None = None
    question_handling: int | None = None
    sales_process: int | None = None
    talk_ratio: float | None = None
    duration_s: float
    text_scored: bool = False
    result: str = Field(sa_column=Column(Text, nullable=False))
    called_at: datetime
    created_at: datetime = Field(default_factory=utcnow)


async def lock_recording(session: AsyncSession, recording_sid: str, defaults: dict[str, Any]) -> tuple[Recording, bool]:
    """Get or create the recording row and lock it; True when this call created it.

    Twilio retries callbacks, possibly concurrently: the loser's insert does nothing, then waits on the lock.
    """
    query = (select(Recording).where(Recording.recording_sid == recording_sid).with_for_update()
             .execution_options(populate_existing=True))
    existing = (await session.execute(query)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    result = await session.execute(insert_ignore(session, Recording, ["recording_sid"])
                                   .values(recording_sid=recording_sid, **defaults))
    row = (await session.execute(query)).scalar_one()
    return row, bool(result.rowcount)


async def insert_score(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store a score unless the recording already has one; True when this call stored it."""
    result = await session.execute(insert_ignore(session, CallScore, ["recording_id"]).values(**values))
    return bool(result.rowcount)


def criterion_columns(criteria: list[dict[str, Any]]) -> dict[str, int | None]:
    """`{"communication": 80, ...}` from a result's criteria list (absent or unscored -> None)."""
    columns: dict[str, int | None] = dict.fromkeys(CRITERIA.values())
    for item in criteria:
        column = CRITERIA.get(str(item.get("name")))
        if column is not None:
            columns[column] = item.get("score")
    return columns


async def rep_by_phone(session: AsyncSession, numbers: Sequence[str | None]) -> Rep | None:
    """The first rep whose directory phone is one of `numbers` (tried in order)."""
    wanted = [n for n in numbers if n]
    if not wanted:
        return None
    reps = {r.phone: r for r in (await session.execute(select(Rep).where(Rep.phone.in_(wanted)))).scalars()}
    return next((reps[n] for n in wanted if n in reps), None)


async def contact_by_number(session: AsyncSession, numbers: Sequence[str | None]) -> Contact | None:
    """The contact texting from one of `numbers` (SMS address or its WhatsApp form)."""
    wanted = [n for n in numbers if n]
    addresses = wanted + [f"whatsapp:{n}" for n in wanted]
    if not wanted:
        return None
    found = {c.address: c for c in (await session.execute(select(Contact).where(Contact.address.in_(addresses))))
             .scalars()}
    return next((found[a] for a in addresses if a in found), None)


async def last_texting_rep_phone(session: AsyncSession, contact_id: int) -> str | None:
    """The phone of the rep who last texted the contact (and has a phone in the directory)."""
    return (await session.execute(
        select(Rep.phone).join(Message, Message.rep_id == Rep.id)
        .where(Message.contact_id == contact_id, Message.direction == "outbound", Rep.phone.is_not(None))
        .order_by(Message.sent_at.desc()).limit(1)
    )).scalar_one_or_none()


def _avg(values: list[int | float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 1) if present else None


def _week_start(at: datetime, tz: tzinfo) -> str:
    day = at.astimezone(tz).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _call_item(row: Any, names: dict[int, str]) -> dict[str, Any]:
    return {"call_score_id": row.id, "recording_sid": row.recording_sid, "rep_id": row.rep_id,
            "rep": names.get(row.rep_id) if row.rep_id is not None else None, "score": row.score,
            "stage": row.stage, "called_at": row.called_at.astimezone(UTC).isoformat(),
            "duration_s": row.duration_s}


async def call_score_summary(session: AsyncSession, start: datetime, end: datetime, *, tz: tzinfo = UTC,
                             top: int = 3) -> dict[str, Any]:
    """Call scores of calls in [start, end): averages overall and per criterion, per rep with a weekly
    trend (weeks start on Monday in `tz`), and the best and weakest calls. Averages are rounded to 0.1 and
    are None when nothing was scored; calls without a known rep are grouped under rep_id None.
    """
    columns = list(CRITERIA.values())
    rows = (await session.execute(
        select(CallScore.id, CallScore.rep_id, CallScore.stage, CallScore.score, CallScore.called_at,
               CallScore.duration_s, Recording.recording_sid, *(getattr(CallScore, c) for c in columns))
        .join(Recording, Recording.id == CallScore.recording_id)
        .where(CallScore.called_at >= start, CallScore.called_at < end)
        .order_by(CallScore.called_at)
    )).all()
    unscored = (await session.execute(
        select(Recording.status, Recording.id)
        .where(Recording.created_at >= start, Recording.created_at < end,
               Recording.status.in_((REC_NOT_SCORABLE, REC_FAILED)))
    )).all()
    rep_ids = {r.rep_id for r in rows if r.rep_id is not None}
    names = {r.id: r.name for r in (await session.execute(select(Rep).where(Rep.id.in_(rep_ids)))).scalars()} \
        if rep_ids else {}

    by_rep: dict[int | None, list[Any]] = defaultdict(list)
    for row in rows:
        by_rep[row.rep_id].append(row)
    per_rep = []
    for rep_id, items in by_rep.items():
        weeks: dict[str, list[Any]] = defaultdict(list)
        for row in items:
            weeks[_week_start(row.called_at, tz)].append(row)
        per_rep.append({
            "rep_id": rep_id,
            "rep": names.get(rep_id) if rep_id is not None else None,
            "count": len(items),
            "average": _avg([r.score for r in items]),
            "criteria": {c: _avg([getattr(r, c) for r in items]) for c in columns},
            "trend": [{"week": week, "count": len(group), "average": _avg([r.score for r in group])}
                      for week, group in sorted(weeks.items())],
        })
    per_rep.sort(key=lambda item: (item["average"] is None, -(item["average"] or 0), item["rep"] or ""))
    ranked = sorted((r for r in rows if r.score is not None), key=lambda r: (-r.score, r.called_at))
    return {
        "count": len(rows),
        "average": _avg([r.score for r in rows]),
        "criteria": {c: _avg([getattr(r, c) for r in rows]) for c in columns},
        "per_rep": per_rep,
        "best": [_call_item(r, names) for r in ranked[:top]],
        "weakest": [_call_item(r, names) for r in reversed(ranked[-top:])] if ranked else [],
        "not_scorable": sum(1 for r in unscored if r.status == REC_NOT_SCORABLE),
        "failed": sum(1 for r in unscored if r.status == REC_FAILED),
    }
