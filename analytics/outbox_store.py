"""The outbox table: work that talks to the outside world, written in the same transaction as the change that
needs it, then claimed and done by a worker (`bot.outbox`).

A job is claimed with `FOR UPDATE SKIP LOCKED`, so with several replicas on one PostgreSQL exactly one
takes it; on SQLite the single writer does the same. Jobs sharing an `ordering_key` are claimed one at a
time in id order: a job waits while an earlier job of its key is pending or running.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import Field, SQLModel

from analytics.models import utcnow

# Job states.
JOB_PENDING = "pending"
JOB_RUNNING = "running"
JOB_DONE = "done"
JOB_FAILED = "failed"
JOB_UNKNOWN = "unknown"


class OutboxJob(SQLModel, table=True):
    """Work that talks to the outside world (a text to send, a Slack post), done after the commit.

    `ordering_key` keeps jobs of one conversation in order: a job is only taken when no earlier job
    with the same key is still unfinished.
    """

    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    state: str = Field(default=JOB_PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ordering_key: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Job:
    """A claimed job, as its worker sees it: `attempts` counts this one."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


def _job(row: OutboxJob) -> Job:
    return Job(row.id or 0, row.kind, json.loads(row.payload), row.attempts, row.created_at)


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, ordering_key: str | None = None,
                  now: datetime | None = None) -> int:
    """Add a job in the caller's transaction (it exists exactly when the caller's change commits); its id."""
    at = now or utcnow()
    job = OutboxJob(kind=kind, payload=json.dumps(payload), ordering_key=ordering_key, next_attempt_at=at,
                    created_at=at, updated_at=at)
    session.add(job)
    await session.flush()
    return job.id or 0


async def claim_due(session: AsyncSession, kinds: Sequence[str], now: datetime, limit: int) -> list[Job]:
    """Mark up to `limit` pending jobs of `kinds` that are due and not behind an earlier job of their key as
    running, one more attempt each; a batch never holds two jobs of one ordering key."""
    earlier = aliased(OutboxJob)
    blocked = exists().where(and_(
        earlier.ordering_key == OutboxJob.ordering_key,
        earlier.id < OutboxJob.id,
        earlier.state.in_((JOB_PENDING, JOB_RUNNING)),
    ))
    query = (
        select(OutboxJob)
        .where(OutboxJob.state == JOB_PENDING, OutboxJob.next_attempt_at <= now,
               OutboxJob.kind.in_(list(kinds)), ~blocked)
        .order_by(OutboxJob.id).limit(limit)
        .with_for_update(skip_locked=True, of=OutboxJob)
    )
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        row.state = JOB_RUNNING
        row.attempts += 1
        row.updated_at = now
    return [_job(row) for row in rows]


async def claim_stale(session: AsyncSession, kinds: Sequence[str], cutoff: datetime, now: datetime) -> list[Job]:
    """Jobs of `kinds` still running with no sign of life since `cutoff` (their worker died), taken over:
    their lease restarts at `now` so no other worker takes them too."""
    rows = list((await session.execute(
        select(OutboxJob).where(OutboxJob.state == JOB_RUNNING, OutboxJob.updated_at < cutoff,
                                OutboxJob.kind.in_(list(kinds)))
        .with_for_update(skip_locked=True)
    )).scalars())
    for row in rows:
        row.updated_at = now
    return [_job(row) for row in rows]


async def set_outcome(session: AsyncSession, job_id: int, state: str, error: str | None, now: datetime, *,
                      next_attempt_at: datetime | None = None) -> None:
    """Record how an attempt ended: a final state, or `JOB_PENDING` again with the time of the next attempt."""
    values: dict[str, Any] = {"state": state, "last_error": error, "updated_at": now}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    await session.execute(update(OutboxJob).where(OutboxJob.id == job_id).values(**values))


async def keep_alive(session: AsyncSession, job_id: int, now: datetime) -> None:
    """Renew a running job's lease, so other workers do not take a long job for an abandoned one."""
    await session.execute(update(OutboxJob).where(OutboxJob.id == job_id, OutboxJob.state == JOB_RUNNING)
                          .values(updated_at=now))
