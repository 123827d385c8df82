"""The `score_recording` job: download the recording, score it in the worker pool, store the score and
queue the Slack summary, all of the last three in one transaction.

Exactly-once: the outbox hands a job to one worker (SKIP LOCKED); a heartbeat keeps a long scoring's job
from looking abandoned to other replicas; and the score row is unique per recording, so even a job run
twice (a worker that died after storing) stores and announces the score only once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import update

from analytics.calls import (
    REC_DOWNLOADING,
    REC_FAILED,
    REC_NOT_SCORABLE,
    REC_SCORED,
    Recording,
    criterion_columns,
    insert_score,
    lead_thread,
)
from analytics.db import Database
from analytics.masking import mask_address, mask_number
from analytics.models import Contact, Rep
from analytics.outbox_store import keep_alive
from audio_scoring import CallScore, CorruptAudio, ScoringError, UnsupportedAudio
from bot.calls.download import DownloadError, discard, download_wav
from bot.calls.summary import summary_message
from bot.calls.worker import make_pool, score_file
from bot.outbox import DONE, FAILED, RETRY, Job, JobKind, Outbox, Outcome, enqueue
from bot.outbox.kinds import SLACK_POST, lead_key
from bot.settings import Settings

log = logging.getLogger("leadline.calls")

MAX_ATTEMPTS = 8
HEARTBEAT_S = 30.0


@dataclass
class CallsPart:
    """What the calls feature holds while the service runs (runtime.parts["calls"])."""

    pool: ProcessPoolExecutor
    http: aiohttp.ClientSession
    outbox: Outbox | None = None
    transcribe: bool = True
    stage: str = "general"


class RecordingScorer:
    def __init__(self, db: Database, settings: Settings, part: CallsPart) -> None:
        self.db = db
        self.settings = settings
        self.part = part

    def kind(self) -> JobKind:
        return JobKind(run=self.run, recover=self.recover, max_attempts=MAX_ATTEMPTS)

    async def recover(self, job: Job) -> Outcome:
        # Scoring has no outside effect until the score is stored, and storing is idempotent: run it again.
        return Outcome(RETRY, "the worker stopped while scoring; scoring again", retry_after=0)

    async def run(self, job: Job) -> Outcome:
        recording_id = int(job.payload["recording_id"])
        async with self.db.transaction() as session:
            rec = await session.get(Recording, recording_id, with_for_update=True)
            if rec is None:
                return Outcome(FAILED, "recording not found")
            if rec.status in (REC_SCORED, REC_NOT_SCORABLE):
                return Outcome(DONE)
            rec.status, rec.reason = REC_DOWNLOADING, None
            url, rep_channel = rec.recording_url, rec.rep_channel
        try:
            path = await download_wav(self.part.http, self.settings, url)
        except DownloadError as exc:
            if exc.retryable and job.attempts < MAX_ATTEMPTS:
                await self._mark(recording_id, REC_DOWNLOADING, f"{exc}; will retry")
                return Outcome(RETRY, str(exc), exc.retry_after)
            await self._mark(recording_id, REC_FAILED, str(exc))
            return Outcome(FAILED, str(exc))
        try:
            result = await self._score(job, str(path), rep_channel)
        except (UnsupportedAudio, CorruptAudio) as exc:
            reason = str(exc).replace(str(path), "the recording")  # the temporary file's name means nothing
            await self._mark(recording_id, REC_NOT_SCORABLE, reason)
            return Outcome(DONE, reason)
        except ScoringError as exc:
            # Missing model or dependency: a deployment problem that retrying will not fix.
            await self._mark(recording_id, REC_FAILED, f"{type(exc).__name__}: {exc}")
            return Outcome(FAILED, str(exc))
        except BrokenProcessPool:
            broken, self.part.pool = self.part.pool, make_pool(self.settings.scoring_workers)
            broken.shutdown(wait=False, cancel_futures=True)
            return Outcome(RETRY, "a scoring process died")
        finally:
            discard(path)
        await self.store(recording_id, result)
        return Outcome(DONE)

    async def _score(self, job: Job, path: str, rep_channel: str) -> CallScore:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.part.pool, score_file, path, self.part.stage, rep_channel,
                                      self.part.transcribe, self.settings.whisper_model or None,
                                      self.settings.whisper_device)
        beat = asyncio.create_task(self._heartbeat(job.id))
        try:
            return await future
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _heartbeat(self, job_id: int) -> None:
        """Keep the job's lease fresh, so other replicas do not take a long scoring for a dead one."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                async with self.db.transaction() as session:
                    await keep_alive(session, job_id, datetime.now(UTC))
            except Exception:
                log.warning("calls: heartbeat failed", extra={"job": job_id})

    async def _mark(self, recording_id: int, status: str, reason: str | None) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(Recording).where(Recording.id == recording_id)
                                  .values(status=status, reason=reason[:500] if reason else None))
        if status in (REC_FAILED, REC_NOT_SCORABLE):
            log.warning("recording not scored", extra={"recording_id": recording_id, "status": status,
                                                       "reason": reason})

    async def store(self, recording_id: int, result: CallScore) -> bool:
        """Store the score and queue its Slack summary; False when the recording already had a score."""
        data = result.to_dict()
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            rec = await session.get(Recording, recording_id, with_for_update=True)
            if rec is None:
                return False
            stored = await insert_score(session, {
                "recording_id": recording_id, "rep_id": rec.rep_id, "stage": result.stage, "score": result.score,
                **criterion_columns(data["criteria"]), "talk_ratio": result.metrics.talk_ratio,
                "duration_s": result.duration_s, "text_scored": result.text_scored,
                "result": result.to_json(), "called_at": rec.created_at, "created_at": now,
            })
            rec.status, rec.reason, rec.scored_at = REC_SCORED, None, now
            if rec.duration_s is None:
                rec.duration_s = result.duration_s
            if stored:
                await self._queue_summary(session, rec, data)
        log.info("recording scored", extra={"recording": rec.recording_sid, "score": result.score,
                                            "stored": stored})
        return stored

    async def _queue_summary(self, session: Any, rec: Recording, data: dict[str, Any]) -> None:
        if not self.settings.slack_configured:
            return
        rep = await session.get(Rep, rec.rep_id) if rec.rep_id is not None else None
        contact = await session.get(Contact, rec.contact_id) if rec.contact_id is not None else None
        thread = await lead_thread(session, contact.id) if contact is not None and contact.id else None
        key: str | None = None
        if thread is not None and contact is not None and contact.id is not None:
            channel, thread_ts = thread
            # Inside the lead's own thread the lead needs no naming; the key keeps the thread's posts in order.
            other, key = None, lead_key(contact.id)
        elif self.settings.slack_calls_channel:
            channel, thread_ts = self.settings.slack_calls_channel, None
            other = _other_party(rec, contact, rep)
        else:
            return
        text, blocks = summary_message(data, rep=rep.name if rep else None, other_party=other)
        await enqueue(session, SLACK_POST, {"channel": channel, "thread_ts": thread_ts, "text": text,
                                            "blocks": blocks}, ordering_key=key)


def _other_party(rec: Recording, contact: Contact | None, rep: Rep | None) -> str | None:
    if contact is not None:
        return contact.display_name or mask_address(contact.address)
    for number in (rec.from_number, rec.to_number):
        if number and (rep is None or number != rep.phone):
            return mask_number(number)
    return None

