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
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.calls import REC_DOWNLOADING, REC_FAILED, REC_NOT_SCORABLE, criterion_columns
from analytics.db import Database
from analytics.masking import mask_address, mask_number
from analytics.outbox_store import keep_alive
from analytics.recordings import CallParties, SavedScore, begin_scoring, call_parties, mark_recording, save_score
from audio_scoring import CallScore, CorruptAudio, ScoringError, UnsupportedAudio
from bot.calls.download import DownloadError, discard, download_wav
from bot.calls.summary import summary_message
from bot.calls.worker import make_pool, score_file
from bot.outbox import DONE, FAILED, RETRY, Job, JobKind, Outbox, Outcome, jobs
from bot.outbox.kinds import lead_key
from bot.settings import Settings

log = logging.getLogger("leadline.calls")

MAX_ATTEMPTS = 8
HEARTBEAT_S = 30.0


@dataclass
class CallsPart:
    """What the calls feature holds while the service runs (`container.calls`)."""

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
            to_score = await begin_scoring(session, recording_id)
        if to_score is None:
            return Outcome(FAILED, "recording not found")
        if to_score.finished:
            return Outcome(DONE)
        url, rep_channel = to_score.recording_url, to_score.rep_channel
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
            await mark_recording(session, recording_id, status, reason)
        if status in (REC_FAILED, REC_NOT_SCORABLE):
            log.warning("recording not scored", extra={"recording_id": recording_id, "status": status,
                                                       "reason": reason})

    async def store(self, recording_id: int, result: CallScore) -> bool:
        """Store the score and queue its Slack summary; False when the recording already had a score."""
        data = result.to_dict()
        values = {"stage": result.stage, "score": result.score, **criterion_columns(data["criteria"]),
                  "talk_ratio": result.metrics.talk_ratio, "text_scored": result.text_scored,
                  "result": result.to_json()}
        async with self.db.transaction() as session:
            saved = await save_score(session, recording_id, values, result.duration_s, datetime.now(UTC))
            if saved is None:
                return False
            if saved.stored and self.settings.slack_configured:
                parties = await call_parties(session, saved.rep_id, saved.contact_id)
                await self._queue_summary(session, saved, parties, data)
        log.info("recording scored", extra={"recording": saved.recording_sid, "score": result.score,
                                            "stored": saved.stored})
        return saved.stored

    async def _queue_summary(self, session: AsyncSession, saved: SavedScore, parties: CallParties,
                             data: dict[str, Any]) -> None:
        key: str | None = None
        if parties.thread is not None and parties.contact_id is not None:
            channel, thread_ts = parties.thread
            # Inside the lead's own thread the lead needs no naming; the key keeps the thread's posts in order.
            other, key = None, lead_key(parties.contact_id)
        elif self.settings.slack_calls_channel:
            channel, thread_ts = self.settings.slack_calls_channel, None
            other = _other_party(saved, parties)
        else:
            return
        text, blocks = summary_message(data, rep=parties.rep_name, other_party=other)
        await jobs.slack_post(session, channel, text, thread_ts=thread_ts, blocks=blocks, ordering_key=key)


def _other_party(saved: SavedScore, parties: CallParties) -> str | None:
    if parties.contact_address is not None:
        return parties.contact_name or mask_address(parties.contact_address)
    for number in (saved.from_number, saved.to_number):
        if number and number != parties.rep_phone:
            return mask_number(number)
    return None
