"""`POST /twilio/recordings`: Twilio's RecordingStatusCallback. Stores the recording (once per RecordingSid)
and, for a completed dual-channel recording, queues its scoring in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from analytics.calls import REC_FAILED, REC_NOT_SCORABLE, REC_PENDING, contact_by_number, rep_by_phone
from analytics.db import Database
from analytics.recordings import save_recording
from bot import state
from bot.calls.parse import COMPLETED, RecordingCallback, parse_recording
from bot.outbox import enqueue
from bot.outbox.kinds import SCORE_RECORDING
from bot.settings import Settings
from bot.twilio.webhooks import read_signed_form

log = logging.getLogger("leadline.calls")

MONO_REASON = ("single-channel recording: scoring needs the rep and the prospect on separate channels "
               "(record with record-from-answer-dual)")


@dataclass(frozen=True)
class Accepted:
    recording_id: int
    status: str
    queued: bool


def _state_for(cb: RecordingCallback) -> tuple[str, str | None]:
    """The recording's state from what Twilio says about it."""
    if cb.status == "in-progress":
        return REC_PENDING, "Twilio is still recording"
    if cb.status == "absent":
        return REC_NOT_SCORABLE, "Twilio found no audio in the call (RecordingStatus absent)"
    if cb.status == "failed":
        code = f" (error {cb.error_code})" if cb.error_code else ""
        return REC_FAILED, f"Twilio failed to record the call{code}"
    if cb.channels < 2:
        return REC_NOT_SCORABLE, MONO_REASON
    return REC_PENDING, None


async def accept_recording(db: Database, settings: Settings, cb: RecordingCallback,
                           now: datetime | None = None) -> Accepted:
    """Store or update the recording; queue scoring exactly once, when Twilio first reports it completed."""
    at = now or datetime.now(UTC)
    status, reason = _state_for(cb)
    async with db.transaction() as session:
        # The rep is the dialled number when Leadline placed the call, else whichever side is in the directory.
        rep = await rep_by_phone(session, [cb.dialed, cb.from_number, cb.to_number])
        others = [n for n in (cb.from_number, cb.to_number) if n and (rep is None or n != rep.phone)]
        contact = await contact_by_number(session, others)
        defaults: dict[str, Any] = {
            "call_sid": cb.call_sid, "recording_url": cb.recording_url, "twilio_status": cb.status,
            "from_number": cb.from_number, "to_number": cb.to_number,
            "rep_id": rep.id if rep else None, "contact_id": contact.id if contact else None,
            "rep_channel": cb.rep_channel or settings.recording_rep_channel,
            "channels": cb.channels, "duration_s": cb.duration_s, "status": status, "reason": reason,
            "created_at": at,
        }
        saved = await save_recording(session, cb.recording_sid, defaults)
        if not saved.changed:
            # A retry, or news older than what we know: nothing changes.
            return Accepted(saved.id, saved.status, False)
        queued = cb.status == COMPLETED and status == REC_PENDING
        if queued:
            await enqueue(session, SCORE_RECORDING, {"recording_id": saved.id}, ordering_key=cb.recording_sid,
                          now=at)
        recording_id = saved.id
    log.info("recording received", extra={"recording": cb.recording_sid, "status": status, "queued": queued})
    return Accepted(recording_id, status, queued)


async def recording_status(request: web.Request) -> web.Response:
    form = await read_signed_form(request)
    callback = parse_recording(form, request.query)
    c = request.app[state.CONTAINER]
    accepted = await accept_recording(c.db, c.settings, callback)
    part = c.calls
    if accepted.queued and part is not None and part.outbox is not None:
        part.outbox.wake.set()
    return web.Response(status=204)
