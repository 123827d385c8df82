"""The recording pipeline's steps in the database: Twilio's news about a recording, scoring it, its score.

Exactly-once: the recording row is unique per RecordingSid and locked while it changes; the score row is
unique per recording, so a scoring run twice (a worker that died after storing) stores one score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.calls import (
    REC_DOWNLOADING,
    REC_NOT_SCORABLE,
    REC_SCORED,
    Recording,
    insert_score,
    lock_recording,
)
from analytics.lead_threads import Thread, latest_thread
from analytics.models import Contact, Rep

TWILIO_COMPLETED = "completed"
TWILIO_IN_PROGRESS = "in-progress"
# What later news from Twilio replaces on a stored recording.
_NEWS = ("twilio_status", "channels", "duration_s", "status", "reason", "recording_url", "created_at")


@dataclass(frozen=True)
class SavedRecording:
    id: int
    status: str
    changed: bool  # False: the news was a retry, or older than what was stored


@dataclass(frozen=True)
class ToScore:
    recording_url: str
    rep_channel: str
    finished: bool  # already scored, or found not scorable: nothing to do


@dataclass(frozen=True)
class SavedScore:
    stored: bool  # False: the recording already had a score
    recording_sid: str
    rep_id: int | None
    contact_id: int | None
    from_number: str | None
    to_number: str | None


@dataclass(frozen=True)
class CallParties:
    """Who a scored call was between, for its summary: the rep, and the lead with their thread."""

    rep_name: str | None
    rep_phone: str | None
    contact_id: int | None
    contact_name: str | None
    contact_address: str | None
    thread: Thread | None


async def save_recording(session: AsyncSession, recording_sid: str, values: dict[str, Any]) -> SavedRecording:
    """Store the recording, or bring it up to date with Twilio's later news; the row stays locked until the
    caller's transaction ends. A repeated final status, or `in-progress` news, changes nothing."""
    row, created = await lock_recording(session, recording_sid, values)
    if not created:
        if row.twilio_status == TWILIO_COMPLETED or values["twilio_status"] == TWILIO_IN_PROGRESS:
            return SavedRecording(row.id or 0, row.status, False)
        for key in _NEWS:
            setattr(row, key, values[key])
    return SavedRecording(row.id or 0, row.status, True)


async def begin_scoring(session: AsyncSession, recording_id: int) -> ToScore | None:
    """Mark the recording as being downloaded for scoring (None when it does not exist)."""
    rec = await session.get(Recording, recording_id, with_for_update=True)
    if rec is None:
        return None
    if rec.status in (REC_SCORED, REC_NOT_SCORABLE):
        return ToScore(rec.recording_url, rec.rep_channel, True)
    rec.status, rec.reason = REC_DOWNLOADING, None
    return ToScore(rec.recording_url, rec.rep_channel, False)


async def mark_recording(session: AsyncSession, recording_id: int, status: str, reason: str | None) -> None:
    await session.execute(update(Recording).where(Recording.id == recording_id)
                          .values(status=status, reason=reason[:500] if reason else None))


async def save_score(session: AsyncSession, recording_id: int, values: dict[str, Any], duration_s: float,
                     now: datetime) -> SavedScore | None:
    """Store the score (`values`: the call_score columns but the recording's) and mark the recording scored;
    None when the recording does not exist."""
    rec = await session.get(Recording, recording_id, with_for_update=True)
    if rec is None:
        return None
    stored = await insert_score(session, {"recording_id": recording_id, "rep_id": rec.rep_id, **values,
                                          "duration_s": duration_s, "called_at": rec.created_at, "created_at": now})
    rec.status, rec.reason, rec.scored_at = REC_SCORED, None, now
    if rec.duration_s is None:
        rec.duration_s = duration_s
    return SavedScore(stored, rec.recording_sid, rec.rep_id, rec.contact_id, rec.from_number, rec.to_number)


async def call_parties(session: AsyncSession, rep_id: int | None, contact_id: int | None) -> CallParties:
    rep = await session.get(Rep, rep_id) if rep_id is not None else None
    contact = await session.get(Contact, contact_id) if contact_id is not None else None
    thread = await latest_thread(session, contact.id) if contact is not None and contact.id else None
    return CallParties(rep.name if rep else None, rep.phone if rep else None,
                       contact.id if contact else None, contact.display_name if contact else None,
                       contact.address if contact else None, thread)
