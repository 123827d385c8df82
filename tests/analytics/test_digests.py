"""Digest schedule (due times, catch-up, DST) and the claim that makes a digest post once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics import digests
from analytics.db import Database
from analytics.digests import DAILY, MONTHLY, WEEKLY, DigestKey, Schedule
from analytics.errors import InvalidInput

NY = ZoneInfo("America/New_York")
WEEKDAYS = Schedule.parse("08:30", "Mon-Fri")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def test_schedule_parses_the_settings() -> None:
    assert WEEKDAYS.days == frozenset(range(5)) and (WEEKDAYS.hour, WEEKDAYS.minute) == (8, 30)
    assert Schedule.parse("07:05", "Mon,Wed,Fri").cron_days() == "mon,wed,fri"
    assert Schedule.parse("9:00", "Sat-Mon").days == frozenset({5, 6, 0})
    assert Schedule.parse("08:30", "Mon-Fri", weekly=False, monthly=False).kinds() == (DAILY,)
    with pytest.raises(InvalidInput):
        Schedule.parse("8h30", "Mon-Fri")
    with pytest.raises(InvalidInput):
        Schedule.parse("08:30", "Mon-Funday")


def test_periods_and_first_days() -> None:
    week = digests.period_of(DigestKey(WEEKLY, date(2026, 10, 26)), NY)  # the week the clocks go back
    assert week.local_days(NY) == (date(2026, 10, 26), date(2026, 11, 1))
    assert week.duration == timedelta(days=7, hours=1)
    month = digests.period_of(DigestKey(MONTHLY, date(2027, 2, 1)), NY)
    assert month.local_days(NY) == (date(2027, 2, 1), date(2027, 2, 28))
    with pytest.raises(InvalidInput, match="Monday"):
        digests.check_first_day(WEEKLY, date(2026, 11, 3))
    with pytest.raises(InvalidInput, match="1st"):
        digests.check_first_day(MONTHLY, date(2026, 11, 3))
    now = local(2026, 11, 3, 0, 30)  # Tuesday just after midnight
    assert digests.last_complete(DAILY, now, NY) == DigestKey(DAILY, date(2026, 11, 2))
    assert digests.last_complete(WEEKLY, now, NY) == DigestKey(WEEKLY, date(2026, 10, 26))
    assert digests.last_complete(MONTHLY, now, NY) == DigestKey(MONTHLY, date(2026, 10, 1))


def test_due_times_are_local_and_follow_dst() -> None:
    every_day = Schedule.parse("08:30", "Mon-Sun")
    # 08:30 in New York is 12:30 UTC in summer time and 13:30 UTC after the clocks go back (Nov 1, 2026)
    # and 12:30 again after they go forward (Mar 14, 2027).
    assert digests.due_time(DigestKey(DAILY, date(2026, 10, 30)), every_day, NY) == datetime(2026, 10, 31, 12, 30,
                                                                                             tzinfo=UTC)
    assert digests.due_time(DigestKey(DAILY, date(2026, 10, 31)), every_day, NY) == datetime(2026, 11, 1, 13, 30,
                                                                                             tzinfo=UTC)
    assert digests.due_time(DigestKey(DAILY, date(2027, 3, 13)), every_day, NY) == datetime(2027, 3, 14, 12, 30,
                                                                                            tzinfo=UTC)
    # Mon-Fri: Friday's and Saturday's digests would be posted on a weekend, so they are not posted.
    assert digests.due_time(DigestKey(DAILY, date(2026, 11, 6)), WEEKDAYS, NY) is None
    assert digests.due_time(DigestKey(DAILY, date(2026, 11, 8)), WEEKDAYS, NY) == local(2026, 11, 9, 8, 30)
    assert digests.due_time(DigestKey(WEEKLY, date(2026, 11, 2)), WEEKDAYS, NY) == local(2026, 11, 9, 8, 30)
    assert digests.due_time(DigestKey(MONTHLY, date(2026, 10, 1)), WEEKDAYS, NY) == local(2026, 11, 1, 8, 30)


def test_what_is_due_at_a_given_time() -> None:
    monday = local(2026, 11, 2, 8, 30)  # Monday, Nov 2, 2026, after the month's first Sunday
    assert digests.due_now(monday, WEEKDAYS, NY) == [DigestKey(DAILY, date(2026, 11, 1)),
                                                      DigestKey(WEEKLY, date(2026, 10, 26))]
    assert digests.due_now(monday - timedelta(minutes=1), WEEKDAYS, NY) == []
    # The 1st of December is a Tuesday: daily and monthly.
    assert digests.due_now(local(2026, 12, 1, 9, 0), WEEKDAYS, NY) == [DigestKey(DAILY, date(2026, 11, 30)),
                                                                        DigestKey(MONTHLY, date(2026, 11, 1))]
    # Saturday and Sunday: nothing (DIGEST_DAYS Mon-Fri), whatever the time.
    for hour in (0, 8, 9, 23):
        assert digests.due_now(local(2026, 11, 7, hour, 45), WEEKDAYS, NY) == []
        assert digests.due_now(local(2026, 11, 8, hour, 45), WEEKDAYS, NY) == []


def test_catch_up_sends_what_is_less_than_12_hours_late_and_skips_older() -> None:
    send, skip = digests.catch_up(local(2026, 11, 3, 14, 0), WEEKDAYS, NY)  # Tuesday, 5.5 h late
    assert send == [DigestKey(DAILY, date(2026, 11, 2))]
    weekly = [(k, late) for k, late in skip if k.kind == WEEKLY]
    assert weekly == [(DigestKey(WEEKLY, date(2026, 10, 26)), timedelta(days=1, hours=5, minutes=30))]
    send, skip = digests.catch_up(local(2026, 11, 3, 20, 31), WEEKDAYS, NY)  # exactly 12 h 1 min late
    assert send == [] and DigestKey(DAILY, date(2026, 11, 2)) in [k for k, _ in skip]
    send, _ = digests.catch_up(local(2026, 11, 3, 20, 29), WEEKDAYS, NY)
    assert send == [DigestKey(DAILY, date(2026, 11, 2))]


async def test_a_digest_is_claimed_once(db: Database) -> None:
    key = DigestKey(DAILY, date(2026, 11, 2))
    async with db.transaction() as session:
        first = await digests.claim(session, key, "CDIGEST")
    async with db.transaction() as session:
        assert await digests.claim(session, key, "CDIGEST") is None
        other = await digests.claim(session, key, "COTHER")  # another channel is another digest
    assert first is not None and other is not None and other != first
    async with db.transaction() as session:
        await digests.mark_posted(session, first, "1763900000.000100")
    async with db.transaction() as session:
        assert await digests.claim(session, key, "CDIGEST", force=True) == first
        row = await digests.get(session, first)
        assert row is not None and row.state == digests.CLAIMED and row.slack_ts is None


async def test_concurrent_claims_from_two_processes_give_one_winner(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    key = DigestKey(WEEKLY, date(2026, 10, 26))

    async def claim(db: Database) -> int | None:
        async with db.transaction() as session:
            got = await digests.claim(session, key, "CDIGEST")
            await asyncio.sleep(0.05)  # hold the transaction so the other claim overlaps it
            return got

    try:
        results = await asyncio.gather(*(claim(db) for db in (first, second, first, second)))
    finally:
        await first.dispose()
        await second.dispose()
    assert len([r for r in results if r is not None]) == 1
