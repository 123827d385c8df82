"""The outbox worker: runs the jobs written to the outbox table (`analytics.outbox_store`) by their kind.

Several replicas may run workers on one PostgreSQL: each job is claimed by exactly one worker (see the
store). Jobs sharing an `ordering_key` run one at a time in id order. A job left `running` by a dead
process is handed to its kind's `recover` function, which decides whether it is safe to run again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from analytics import outbox_store
from analytics.db import Database
from analytics.errors import Unavailable
from analytics.outbox_store import JOB_DONE, JOB_FAILED, JOB_PENDING, JOB_UNKNOWN, Job, enqueue

log = logging.getLogger("leadline.outbox")

DONE, RETRY, FAILED, UNKNOWN = JOB_DONE, "retry", JOB_FAILED, JOB_UNKNOWN
__all__ = ["DONE", "FAILED", "RETRY", "UNKNOWN", "Job", "JobKind", "Outbox", "Outcome", "enqueue"]


@dataclass(frozen=True)
class Outcome:
    state: str
    error: str | None = None
    retry_after: float | None = None


Handler = Callable[[Job], Awaitable[Outcome]]


@dataclass(frozen=True)
class JobKind:
    run: Handler
    # Called for a job found `running` past its lease (its worker died mid-way). Must not repeat an
    # action that may already have happened: e.g. a text is looked up at Twilio before any resend.
    recover: Handler
    max_attempts: int = 8


def backoff_seconds(attempt: int, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with +-20% jitter: 2, 4, 8 ... seconds, capped."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * (0.8 + 0.4 * (rng or random).random())


class Outbox:
    def __init__(self, db: Database, kinds: dict[str, JobKind], *, batch: int = 10, poll_s: float = 0.5,
                 lease: timedelta = timedelta(minutes=2), clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.kinds = kinds
        self.batch = batch
        self.poll_s = poll_s
        self.lease = lease
        self.clock = clock or (lambda: datetime.now(UTC))
        self.wake = asyncio.Event()

    async def claim(self) -> list[Job]:
        async with self.db.transaction() as session:
            return await outbox_store.claim_due(session, list(self.kinds), self.clock(), self.batch)

    async def finish(self, job: Job, outcome: Outcome) -> None:
        kind = self.kinds[job.kind]
        now = self.clock()
        state, error, next_at = outcome.state, outcome.error, None
        if outcome.state == RETRY and job.attempts < kind.max_attempts:
            delay = outcome.retry_after if outcome.retry_after is not None else backoff_seconds(job.attempts)
            state, next_at = JOB_PENDING, now + timedelta(seconds=delay)
        elif outcome.state == RETRY:
            state, error = JOB_FAILED, f"gave up after {job.attempts} attempts: {outcome.error}"
        async with self.db.transaction() as session:
            await outbox_store.set_outcome(session, job.id, state, error, now, next_attempt_at=next_at)
        if state in (JOB_FAILED, JOB_UNKNOWN):
            log.warning("outbox job ended", extra={"job": job.id, "kind": job.kind, "state": state, "error": error})

    async def run_job(self, job: Job) -> Outcome:
        try:
            outcome = await self.kinds[job.kind].run(job)
        except Unavailable as exc:
            # An outage, not a bug: no traceback; the job is tried again with the usual backoff.
            log.warning("outbox job: database unavailable, will retry", extra={"job": job.id, "kind": job.kind})
            outcome = Outcome(RETRY, str(exc))
        except Exception as exc:
            log.exception("outbox job crashed", extra={"job": job.id, "kind": job.kind})
            outcome = Outcome(RETRY, f"{type(exc).__name__}: {exc}")
        await self.finish(job, outcome)
        return outcome

    async def run_once(self) -> int:
        """Claim one batch and run it concurrently (a batch never holds two jobs of one ordering key)."""
        jobs = await self.claim()
        await asyncio.gather(*(self.run_job(job) for job in jobs))
        return len(jobs)

    async def recover_stale(self) -> int:
        """Hand jobs whose worker died (running past the lease) to their kind's recover function."""
        now = self.clock()
        async with self.db.transaction() as session:
            jobs = await outbox_store.claim_stale(session, list(self.kinds), now - self.lease, now)
        for job in jobs:
            try:
                outcome = await self.kinds[job.kind].recover(job)
            except Exception as exc:
                log.exception("outbox recovery crashed", extra={"job": job.id})
                outcome = Outcome(UNKNOWN, f"recovery failed: {type(exc).__name__}")
            await self.finish(job, outcome)
        return len(jobs)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.recover_stale()
                done = await self.run_once()
            except Unavailable:
                done = 0
                log.warning("outbox: database unavailable, will retry")
            except Exception:
                done = 0
                log.exception("outbox loop error")
            if done:
                continue
            self.wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
