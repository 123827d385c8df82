"""The outbox: work that talks to the outside world, written in the same transaction as the change that
needs it and done afterwards by a background worker.

Several replicas may run workers on one PostgreSQL: a job is claimed with `FOR UPDATE SKIP LOCKED`, so
exactly one worker takes it. On SQLite the single process's write lock does the same. Jobs sharing an
`ordering_key` run one at a time in id order. A job left `running` by a dead process is handed to its
kind's `recover` function, which decides whether it is safe to run again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from analytics.db import Database
from analytics.errors import Unavailable
from analytics.models import JOB_DONE, JOB_FAILED, JOB_PENDING, JOB_RUNNING, JOB_UNKNOWN, OutboxJob

log = logging.getLogger("leadline.outbox")

DONE, RETRY, FAILED, UNKNOWN = JOB_DONE, "retry", JOB_FAILED, JOB_UNKNOWN


@dataclass(frozen=True)
class Outcome:
    state: str
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


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


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, ordering_key: str | None = None,
                  now: datetime | None = None) -> OutboxJob:
    """Add a job in the caller's transaction: it exists exactly when the caller's change commits."""
    at = now or datetime.now(UTC)
    job = OutboxJob(kind=kind, payload=json.dumps(payload), ordering_key=ordering_key, next_attempt_at=at,
                    created_at=at, updated_at=at)
    session.add(job)
    await session.flush()
    return job


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
        now = self.clock()
        earlier = aliased(OutboxJob)
        blocked = exists().where(and_(
            earlier.ordering_key == OutboxJob.ordering_key,
            earlier.id < OutboxJob.id,
            earlier.state.in_((JOB_PENDING, JOB_RUNNING)),
        ))
        query = (
            select(OutboxJob)
            .where(OutboxJob.state == JOB_PENDING, OutboxJob.next_attempt_at <= now,
                   OutboxJob.kind.in_(list(self.kinds)), ~blocked)
            .order_by(OutboxJob.id).limit(self.batch)
            .with_for_update(skip_locked=True, of=OutboxJob)
        )
        async with self.db.transaction() as session:
            rows = list((await session.execute(query)).scalars())
            for row in rows:
                row.state = JOB_RUNNING
                row.attempts += 1
                row.updated_at = now
            return [Job(r.id or 0, r.kind, json.loads(r.payload), r.attempts, r.created_at) for r in rows]

    async def finish(self, job: Job, outcome: Outcome) -> None:
        kind = self.kinds[job.kind]
        now = self.clock()
        values: dict[str, Any] = {"updated_at": now, "last_error": outcome.error}
        if outcome.state == RETRY and job.attempts < kind.max_attempts:
            delay = outcome.retry_after if outcome.retry_after is not None else backoff_seconds(job.attempts)
            values |= {"state": JOB_PENDING, "next_attempt_at": now + timedelta(seconds=delay)}
        elif outcome.state == RETRY:
            values |= {"state": JOB_FAILED, "last_error": f"gave up after {job.attempts} attempts: {outcome.error}"}
        else:
            values["state"] = outcome.state
        async with self.db.transaction() as session:
            await session.execute(update(OutboxJob).where(OutboxJob.id == job.id).values(**values))
        if values["state"] in (JOB_FAILED, JOB_UNKNOWN):
            log.warning("outbox job ended", extra={"job": job.id, "kind": job.kind, "state": values["state"],
                                                    "error": values["last_error"]})

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
        cutoff = self.clock() - self.lease
        async with self.db.transaction() as session:
            rows = list((await session.execute(
                select(OutboxJob).where(OutboxJob.state == JOB_RUNNING, OutboxJob.updated_at < cutoff,
                                        OutboxJob.kind.in_(list(self.kinds)))
                .with_for_update(skip_locked=True)
            )).scalars())
            for row in rows:
                row.updated_at = self.clock()
            jobs = [Job(r.id or 0, r.kind, json.loads(r.payload), r.attempts, r.created_at) for r in rows]
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
