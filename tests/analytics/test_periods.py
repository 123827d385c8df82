from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics import periods
from analytics.errors import InvalidInput
from analytics.periods import Period, add_months, label, local_midnight, parse_when, wall_to_utc

CHICAGO = ZoneInfo("America/Chicago")
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

# Wednesday 2026-11-04 15:30 CST, three days after Chicago fell back (2026-11-01 02:00 CDT -> 01:00 CST).
NOW = datetime(2026, 11, 4, 15, 30, tzinfo=CHICAGO)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def local(day: date, tz: ZoneInfo = CHICAGO) -> datetime:
    return local_midnight(day, tz)


# --- wall clock and parse_when ---------------------------------------------------------------


def test_wall_to_utc_ordinary_repeated_and_skipped_times() -> None:
    assert wall_to_utc(datetime(2026, 7, 1, 9), NY) == utc(2026, 7, 1, 13)
    # 01:30 happens twice on 2026-11-01; the first occurrence is EDT.
    assert wall_to_utc(datetime(2026, 11, 1, 1, 30), NY) == utc(2026, 11, 1, 5, 30)
    # 02:30 never happens on 2026-03-08; the clock first reads later than it at the jump, 07:00Z.
    assert wall_to_utc(datetime(2026, 3, 8, 2, 30), NY) == utc(2026, 3, 8, 7)
    assert wall_to_utc(datetime(2026, 3, 29, 2, 0), BERLIN) == utc(2026, 3, 29, 1)
    with pytest.raises(InvalidInput):
        wall_to_utc(datetime(2026, 3, 8, tzinfo=NY), NY)


def test_missing_midnight_maps_to_the_jump() -> None:
    # Brazil started DST at midnight on 2018-11-04: the day began at 01:00 -02.
    assert local_midnight(date(2018, 11, 4), SAO_PAULO) == utc(2018, 11, 4, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", utc(2026, 11, 1, 5)),  # CDT midnight
        ("2026-11-02", utc(2026, 11, 2, 6)),  # CST midnight
        (" 2026-03-08 ", utc(2026, 3, 8, 6)),
        ("2026-11-01T09:30:00Z", utc(2026, 11, 1, 9, 30)),
        ("2026-11-01T09:30:00+02:00", utc(2026, 11, 1, 7, 30)),
        ("2026-11-01T09:30", utc(2026, 11, 1, 15, 30)),
        ("2026-11-01 09:30:15", utc(2026, 11, 1, 15, 30, 15)),
        ("2026-03-08T02:30", utc(2026, 3, 8, 8)),  # skipped in Chicago: the jump at 08:00Z
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    parsed = parse_when(text, CHICAGO)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-13-01", "2026-02-30", "11/01/2026", "2026-11-01T25:00"]
)
def test_parse_when_rejects_bad_text(text: str) -> None:
    with pytest.raises(InvalidInput, match="expected YYYY-MM-DD"):
        parse_when(text, CHICAGO)


# --- Period ----------------------------------------------------------------------------------


def test_period_normalises_to_utc_and_validates() -> None:
    period = Period(datetime(2026, 11, 1, tzinfo=CHICAGO), datetime(2026, 11, 2, tzinfo=CHICAGO))
    assert period.start == utc(2026, 11, 1, 5) and period.start.tzinfo is UTC
    assert period.duration == timedelta(hours=25)
    with pytest.raises(InvalidInput, match="not after its start"):
        Period(utc(2026, 11, 1), utc(2026, 11, 1))
    with pytest.raises(InvalidInput, match="no time zone"):
        Period(datetime(2026, 11, 1), utc(2026, 11, 2))
    assert period.contains(utc(2026, 11, 1, 5)) and not period.contains(utc(2026, 11, 2, 6))


def test_whole_days() -> None:
    assert Period(local(date(2026, 11, 1)), local(date(2026, 11, 8))).whole_days(CHICAGO)
    assert not Period(utc(2026, 11, 1), utc(2026, 11, 8)).whole_days(CHICAGO)
    assert Period(utc(2026, 11, 1), utc(2026, 11, 8)).whole_days(ZoneInfo("UTC"))


def test_previous_whole_days_across_dst_is_calendar_days() -> None:
    week = Period(local(date(2026, 11, 2)), local(date(2026, 11, 9)))  # after the change, 168 h
    before = week.previous(CHICAGO)
    assert before == Period(local(date(2026, 10, 26)), local(date(2026, 11, 2)))
    assert before.duration == timedelta(hours=169)  # contains the 25-hour day
    assert before.previous(CHICAGO).start == local(date(2026, 10, 19))


def test_previous_partial_days_is_same_duration() -> None:
    period = Period(utc(2026, 11, 4, 12), utc(2026, 11, 4, 18))
    assert period.previous(CHICAGO) == Period(utc(2026, 11, 4, 6), utc(2026, 11, 4, 12))


# --- named periods ---------------------------------------------------------------------------


def days(first: date, last: date) -> Period:
    return Period(local(first), local(last + timedelta(days=1)))


def test_named_periods_at_a_fixed_now() -> None:
    assert periods.today(NOW, CHICAGO) == days(date(2026, 11, 4), date(2026, 11, 4))
    assert periods.yesterday(NOW, CHICAGO) == days(date(2026, 11, 3), date(2026, 11, 3))
    assert periods.this_week(NOW, CHICAGO) == days(date(2026, 11, 2), date(2026, 11, 4))
    last_week = periods.last_week(NOW, CHICAGO)
    assert last_week == days(date(2026, 10, 26), date(2026, 11, 1))
    assert last_week.duration == timedelta(days=7, hours=1)
    assert periods.this_month(NOW, CHICAGO) == days(date(2026, 11, 1), date(2026, 11, 4))
    assert periods.last_month(NOW, CHICAGO) == days(date(2026, 10, 1), date(2026, 10, 31))
    assert periods.last_n_days(7, NOW, CHICAGO) == days(date(2026, 10, 29), date(2026, 11, 4))
    assert periods.last_n_days(1, NOW, CHICAGO) == periods.today(NOW, CHICAGO)
    assert periods.last_n_hours(24, NOW) == Period(utc(2026, 11, 3, 21, 30), utc(2026, 11, 4, 21, 30))
    assert periods.since(date(2026, 10, 31), NOW, CHICAGO) == days(date(2026, 10, 31), date(2026, 11, 4))
    assert periods.between(date(2026, 11, 1), date(2026, 11, 7), CHICAGO) == days(
        date(2026, 11, 1), date(2026, 11, 7)
    )
    assert periods.between(date(2026, 11, 7), date(2026, 11, 1), CHICAGO) == days(
        date(2026, 11, 1), date(2026, 11, 7)
    )
    assert periods.calendar_month(2024, 2, CHICAGO) == days(date(2024, 2, 1), date(2024, 2, 29))


def test_last_n_hours_across_dst_is_real_hours() -> None:
    # 03:00 CST is 09:00Z; three real hours back is 06:00Z, i.e. 01:00 CDT before the clocks fell back.
    now = datetime(2026, 11, 1, 3, tzinfo=CHICAGO)
    period = periods.last_n_hours(3, now)
    assert period.duration == timedelta(hours=3)
    assert period.start == utc(2026, 11, 1, 6)


def test_named_periods_at_year_start_and_week_start() -> None:
    new_year = datetime(2027, 1, 1, 0, 5, tzinfo=BERLIN)  # a Friday
    assert periods.last_month(new_year, BERLIN) == Period(
        local_midnight(date(2026, 12, 1), BERLIN), local_midnight(date(2027, 1, 1), BERLIN)
    )
    monday = datetime(2026, 11, 2, 0, 0, tzinfo=CHICAGO)
    assert periods.this_week(monday, CHICAGO) == days(date(2026, 11, 2), date(2026, 11, 2))
    # "now" in another zone is read as the local date in the team's zone.
    late_utc = utc(2026, 11, 5, 3)  # still Nov 4 in Chicago
    assert periods.today(late_utc, CHICAGO) == days(date(2026, 11, 4), date(2026, 11, 4))


def test_named_period_errors() -> None:
    with pytest.raises(InvalidInput):
        periods.last_n_days(0, NOW, CHICAGO)
    with pytest.raises(InvalidInput):
        periods.last_n_hours(0, NOW)
    with pytest.raises(InvalidInput, match="in the future"):
        periods.since(date(2026, 11, 5), NOW, CHICAGO)
    with pytest.raises(InvalidInput, match="no time zone"):
        periods.today(datetime(2026, 11, 4), CHICAGO)
    with pytest.raises(InvalidInput):
        periods.calendar_month(2026, 13, CHICAGO)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 5, 10), -24, date(2024, 5, 10)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_labels() -> None:
    assert label(periods.today(NOW, CHICAGO), CHICAGO, NOW) == "today"
    assert label(periods.yesterday(NOW, CHICAGO), CHICAGO, NOW) == "yesterday"
    assert label(periods.yesterday(NOW, CHICAGO), CHICAGO) == "Nov 3, 2026"
    first_week = periods.between(date(2026, 11, 1), date(2026, 11, 7), CHICAGO)
    assert label(first_week, CHICAGO) == "Nov 1 – Nov 7, 2026"
    assert label(periods.last_month(NOW, CHICAGO), CHICAGO) == "October 2026"
    assert (
        label(periods.between(date(2025, 12, 28), date(2026, 1, 3), CHICAGO), CHICAGO)
        == "Dec 28, 2025 – Jan 3, 2026"
    )
    assert label(Period(utc(2026, 11, 4, 15), utc(2026, 11, 4, 23)), CHICAGO) == "Nov 4, 2026, 09:00–17:00"
    assert label(periods.last_n_hours(24, NOW), CHICAGO) == "Nov 3, 2026 15:30 – Nov 4, 2026 15:30"
