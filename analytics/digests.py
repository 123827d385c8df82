"""KPI digests: which are due when, catch-up after downtime, and the claim that makes each post happen once.

A digest is named by its kind and the first local day it covers: the day (daily), the Monday (weekly) or
the 1st (monthly). It is due the next time the schedule fires after its period ends: the daily digest of
day D at DIGEST_TIME on D + 1 when D + 1 is one of DIGEST_DAYS, the weekly one on the Monday after, the
monthly one on the 1st after. Times are local in TIMEZONE and DST-correct (`analytics.periods`).

Every replica runs the same schedule; the row `(kind, period_start, channel)` is unique, so exactly one
claim of a digest wins, across replicas and restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from analytics.business_hours import parse_business_hours
from analytics.db import insert_ignore
from analytics.errors import InvalidInput
from analytics.periods import Period, add_months, between, calendar_month, local_date, wall_to_utc

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
KINDS = (DAILY, WEEKLY, MONTHLY)
CLAIMED, POSTED, FAILED = "claimed", "posted", "failed"
CATCH_UP_LIMIT = timedelta(hours=12)
_ONE_DAY = timedelta(days=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Digest(SQLModel, table=True):
    """One digest posted (or being posted) to one channel: the row that makes it happen once."""

    __table_args__ = (UniqueConstraint("kind", "period_start", "channel", name="uq_digest_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    # The first local day the digest covers; a plain date, so the key does not move with DST or TIMEZONE.
    period_start: date
    channel: str = Field(max_length=32)
    state: str = Field(default=CLAIMED, max_length=16)
    slack_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=_utcnow)
    posted_at: datetime | None = None


@dataclass(frozen=True, order=True)
class DigestKey:
    kind: str
    first_day: date

    def __str__(self) -> str:
        return f"{self.kind} digest of {self.first_day.isoformat()}"


@dataclass(frozen=True)
class Schedule:
    """DIGEST_TIME, DIGEST_DAYS, WEEKLY_DIGEST and MONTHLY_DIGEST, parsed."""

    hour: int
    minute: int
    days: frozenset[int]  # weekdays of the daily digest, Monday = 0
    weekly: bool = True
    monthly: bool = True

    @classmethod
    def parse(cls, digest_time: str, digest_days: str, weekly: bool = True, monthly: bool = True) -> Schedule:
        hours, _, minutes = digest_time.strip().partition(":")
        try:
            hour, minute = int(hours), int(minutes)
        except ValueError:
            raise InvalidInput(f"DIGEST_TIME {digest_time!r} is not HH:MM") from None
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise InvalidInput(f"DIGEST_TIME {digest_time!r} is not a time of day")
        try:
            # The same day syntax as BUSINESS_HOURS ("Mon-Fri", "Mon,Wed,Fri").
            hours_of = parse_business_hours(f"{digest_days} 00:00-24:00")
        except ValueError as exc:
            raise InvalidInput(f"DIGEST_DAYS {digest_days!r}: {exc}") from None
        days = frozenset(d for d in range(7) if hours_of.ranges(d))
        return cls(hour, minute, days, weekly, monthly)

    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, on in ((DAILY, True), (WEEKLY, self.weekly), (MONTHLY, self.monthly)) if on)

    def cron_days(self) -> str:
        """DIGEST_DAYS for APScheduler's `day_of_week` ("mon,tue,...")."""
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return ",".join(names[d] for d in sorted(self.days))


def check_first_day(kind: str, first_day: date) -> None:
    """A weekly digest starts on a Monday and a monthly one on the 1st."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown digest kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == WEEKLY and first_day.weekday() != 0:
        raise InvalidInput(f"a weekly digest starts on a Monday; {first_day.isoformat()} is a {first_day:%A}")
    if kind == MONTHLY and first_day.day != 1:
        raise InvalidInput(f"a monthly digest starts on the 1st, not {first_day.isoformat()}")


def period_of(key: DigestKey, tz: ZoneInfo) -> Period:
    """The local days the digest covers, as a Period of whole days."""
    check_first_day(key.kind, key.first_day)
    if key.kind == DAILY:
        return between(key.first_day, key.first_day, tz)
    if key.kind == WEEKLY:
        return between(key.first_day, key.first_day + timedelta(days=6), tz)
    return calendar_month(key.first_day.year, key.first_day.month, tz)


def last_complete(kind: str, now: datetime, tz: ZoneInfo) -> DigestKey:
    """The digest of the last period that has fully ended by `now` (yesterday, last week, last month)."""
    today = local_date(now, tz)
    if kind == DAILY:
        return DigestKey(kind, today - _ONE_DAY)
    if kind == WEEKLY:
        return DigestKey(kind, today - timedelta(days=today.weekday() + 7))
    if kind == MONTHLY:
        return DigestKey(kind, add_months(today.replace(day=1), -1))
    raise InvalidInput(f"unknown digest kind {kind!r}; expected one of {', '.join(KINDS)}")


def _post_day(key: DigestKey) -> date:
    if key.kind == DAILY:
        return key.first_day + _ONE_DAY
    if key.kind == WEEKLY:
        return key.first_day + timedelta(days=7)
    return add_months(key.first_day, 1)


def due_time(key: DigestKey, schedule: Schedule, tz: ZoneInfo) -> datetime | None:
    """When the schedule posts this digest (aware UTC), or None when it never does (a day off, kind off)."""
    if key.kind not in schedule.kinds():
        return None
    day = _post_day(key)
    if key.kind == DAILY and day.weekday() not in schedule.days:
        return None
    return wall_to_utc(datetime(day.year, day.month, day.day, schedule.hour, schedule.minute), tz)


def scheduled_on(day: date, schedule: Schedule) -> list[DigestKey]:
    """The digests the schedule posts on local `day`."""
    out = []
    if day.weekday() in schedule.days:
        out.append(DigestKey(DAILY, day - _ONE_DAY))
    if schedule.weekly and day.weekday() == 0:
        out.append(DigestKey(WEEKLY, day - timedelta(days=7)))
    if schedule.monthly and day.day == 1:
        out.append(DigestKey(MONTHLY, add_months(day, -1)))
    return out


def due_now(now: datetime, schedule: Schedule, tz: ZoneInfo, *, limit: timedelta = CATCH_UP_LIMIT
            ) -> list[DigestKey]:
    """Digests whose time has come by `now` and is less than `limit` ago: what a run at `now` should post."""
    return [key for key, late in latest_due(now, schedule, tz) if late < limit]


def latest_due(now: datetime, schedule: Schedule, tz: ZoneInfo) -> list[tuple[DigestKey, timedelta]]:
    """For each kind the schedule posts, its latest digest due at or before `now`, and how late `now` is.

    Start-up catch-up sends those less than CATCH_UP_LIMIT late and logs the others as skipped.
    """
    found: dict[str, tuple[DigestKey, timedelta]] = {}
    today = local_date(now, tz)
    # A month plus a week covers the longest gap between two posts of one kind.
    for back in range(0, 40):
        for key in scheduled_on(today - timedelta(days=back), schedule):
            at = due_time(key, schedule, tz)
            if key.kind not in found and at is not None and at <= now:
                found[key.kind] = (key, now - at)
        if len(found) == len(schedule.kinds()):
            break
    return sorted(found.values(), key=lambda item: KINDS.index(item[0].kind))


def catch_up(now: datetime, schedule: Schedule, tz: ZoneInfo, *, limit: timedelta = CATCH_UP_LIMIT
             ) -> tuple[list[DigestKey], list[tuple[DigestKey, timedelta]]]:
    """(digests to send now, (digest, lateness) too late to send) for a process starting at `now`."""
    send: list[DigestKey] = []
    skip: list[tuple[DigestKey, timedelta]] = []
    for key, late in latest_due(now, schedule, tz):
        if late < limit:
            send.append(key)
        else:
            skip.append((key, late))
    return send, skip


async def find(session: AsyncSession, key: DigestKey, channel: str) -> Digest | None:
    return (await session.execute(select(Digest).where(
        Digest.kind == key.kind, Digest.period_start == key.first_day, Digest.channel == channel))).scalar_one_or_none()


async def claim(session: AsyncSession, key: DigestKey, channel: str, *, now: datetime | None = None,
                force: bool = False) -> int | None:
    """Claim the digest in the caller's transaction: its row id, or None when it is already claimed.

    On PostgreSQL a concurrent claim waits for the first transaction and then loses; SQLite's write lock
    serialises them. `force` takes the row over whatever its state (an explicit re-post).
    """
    at = now or _utcnow()
    result = await session.execute(
        insert_ignore(session, Digest, ["kind", "period_start", "channel"])
        .values(kind=key.kind, period_start=key.first_day, channel=channel, state=CLAIMED, created_at=at)
        .returning(Digest.id)  # type: ignore[arg-type]
    )
    new_id = result.scalar_one_or_none()
    if new_id is not None or not force:
        return new_id
    row = (await session.execute(select(Digest).where(
        Digest.kind == key.kind, Digest.period_start == key.first_day, Digest.channel == channel
    ).with_for_update())).scalar_one()
    row.state, row.slack_ts, row.error, row.posted_at, row.created_at = CLAIMED, None, None, None, at
    await session.flush()
    return row.id


async def mark_posted(session: AsyncSession, digest_id: int, slack_ts: str, *, now: datetime | None = None) -> None:
    await session.execute(update(Digest).where(Digest.id == digest_id).values(
        state=POSTED, slack_ts=slack_ts, posted_at=now or _utcnow(), error=None))


async def mark_failed(session: AsyncSession, digest_id: int, error: str) -> None:
    await session.execute(update(Digest).where(Digest.id == digest_id).values(state=FAILED, error=error[:500]))


async def get(session: AsyncSession, digest_id: int) -> Digest | None:
    return await session.get(Digest, digest_id)
