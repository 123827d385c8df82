from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.business_hours import BusinessCalendar, BusinessHours, parse_business_hours, parse_holidays
from analytics.errors import InvalidInput

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600.0


def cal(spec: str, tz: ZoneInfo = NY, holidays: str = "") -> BusinessCalendar:
    return BusinessCalendar(parse_business_hours(spec), parse_holidays(holidays), tz)


def at(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)  # type: ignore[misc]


# --- parsing ---------------------------------------------------------------------------------


def test_parse_split_shift_and_saturday() -> None:
    hours = parse_business_hours("Mon-Fri 09:00-12:00 13:00-17:30; Sat 10:00-14:00")
    weekday = ((9 * 3600, 12 * 3600), (13 * 3600, 17 * 3600 + 1800))
    assert hours.weekly == (weekday,) * 5 + (((10 * 3600, 14 * 3600),), ())
    assert hours.weekly_seconds == 5 * 7.5 * 3600 + 4 * 3600


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon 09:00-10:00", {0}),
        ("MONDAY 09:00-10:00", {0}),
        ("Mon,Wed 09:00-10:00", {0, 2}),
        ("Mon, Wed , Fri 09:00-10:00", {0, 2, 4}),
        ("Mon - Wed 09:00 - 10:00", {0, 1, 2}),
        ("Fri-Mon 09:00-10:00", {4, 5, 6, 0}),
        ("Sat-Sun 09:00-10:00", {5, 6}),
        ("Tues-Thurs 09:00-10:00", {1, 2, 3}),
        ("Mon-Mon 09:00-10:00", {0}),
        ("Sun,Mon-Tue 09:00-10:00;", {6, 0, 1}),
    ],
)
def test_parse_days(spec: str, days: set[int]) -> None:
    weekly = parse_business_hours(spec).weekly
    assert weekly is not None
    assert {day for day in range(7) if weekly[day]} == days


def test_parse_merges_overlaps_and_repeated_days() -> None:
    hours = parse_business_hours("Mon 09:00-12:00 11:00-13:00 13:00-14:00 16:00-24:00; Mon 08:00-09:30")
    assert hours.ranges(0) == ((8 * 3600, 14 * 3600), (16 * 3600, 86400))
    assert hours.ranges(1) == ()


def test_empty_spec_is_always_open() -> None:
    for spec in ("", "   ", "\n"):
        hours = parse_business_hours(spec)
        assert hours.is_always_open
        assert hours == BusinessHours.always_open()
        assert hours.ranges(3) == ((0, 86400),)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "Mon-Fry 09:00-17:30",
            "'Mon-Fry' is not a day; expected e.g. 'Mon-Fri 09:00-17:30; Sat 10:00-14:00'",
        ),
        ("Mon,Wedn 09:00-17:30", "'Wedn' is not a day"),
        ("Mon 9-5", "'9-5' is not a time range; expected HH:MM-HH:MM"),
        ("Mon 17:00-09:00", "'17:00-09:00' does not end after it starts"),
        ("Mon 09:00-09:00", "does not end after it starts"),
        ("Mon", "'Mon' has no hours"),
        ("09:00-17:00", "'09:00-17:00' names no days"),
        ("Mon 24:00-24:00", "24:00 is allowed only as a closing time"),
        ("Mon 09:60-10:00", "'09:60' is not a valid time"),
        ("Mon 25:00-26:00", "'25:00' is not a valid time"),
        ("Mon 09:00-17:00 lunch", "'lunch' is not a time range"),
        ("Mon,,Tue 09:00-10:00", "empty day"),
        ("Mon-Tue-Wed 09:00-10:00", "is not a day or a range of days"),
    ],
)
def test_parse_errors_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as error:
        parse_business_hours(spec)
    assert message in str(error.value)


def test_parse_holidays() -> None:
    assert parse_holidays("") == frozenset()
    assert parse_holidays(" 2026-12-25 , 2027-01-01,") == {date(2026, 12, 25), date(2027, 1, 1)}
    with pytest.raises(ValueError, match="'2026-13-01' is not a real date"):
        parse_holidays("2026-13-01")
    with pytest.raises(ValueError, match="'Dec 25' is not a date; expected YYYY-MM-DD"):
        parse_holidays("Dec 25")


# --- business seconds, hand-computed ---------------------------------------------------------


def test_weekend_is_skipped() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00")
    # Fri 2026-11-06 16:00 to Mon 2026-11-09 10:00: 1 h Friday + 1 h Monday.
    assert weekdays.business_seconds(at(NY, 2026, 11, 6, 16), at(NY, 2026, 11, 9, 10)) == 2 * HOUR


def test_split_shift_skips_lunch() -> None:
    split = cal("Mon-Fri 09:00-12:00 13:00-17:30")
    assert split.business_seconds(at(NY, 2026, 11, 9, 11), at(NY, 2026, 11, 9, 14)) == 2 * HOUR
    assert split.business_seconds(at(NY, 2026, 11, 9, 12, 15), at(NY, 2026, 11, 9, 12, 45)) == 0.0
    assert split.business_seconds(at(NY, 2026, 11, 9, 8), at(NY, 2026, 11, 9, 20)) == 7.5 * HOUR


def test_holiday_is_closed_all_day() -> None:
    with_holiday = cal("Mon-Fri 09:00-17:00", holidays="2026-11-11")
    # Tue 16:00 to Thu 10:00 with Wednesday a holiday.
    assert with_holiday.business_seconds(at(NY, 2026, 11, 10, 16), at(NY, 2026, 11, 12, 10)) == 2 * HOUR
    assert not with_holiday.is_open(at(NY, 2026, 11, 11, 12))


def test_wait_crossing_midnight() -> None:
    evenings = cal("Mon-Sun 20:00-24:00 00:00-02:00")
    assert evenings.business_seconds(at(NY, 2026, 11, 9, 23), at(NY, 2026, 11, 10, 1)) == 2 * HOUR
    assert evenings.business_seconds(at(NY, 2026, 11, 9, 19), at(NY, 2026, 11, 10, 3)) == 6 * HOUR


def test_same_day_fast_path_and_partial_range() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00")
    start = at(NY, 2026, 11, 9, 9, 30, 15)
    assert weekdays.business_seconds(start, start + timedelta(seconds=90.5)) == 90.5
    assert weekdays.business_seconds(at(NY, 2026, 11, 9, 17), at(NY, 2026, 11, 9, 18)) == 0.0


def test_end_not_after_start_is_zero() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00")
    moment = at(NY, 2026, 11, 9, 10)
    assert weekdays.business_seconds(moment, moment) == 0.0
    assert weekdays.business_seconds(moment, moment - timedelta(hours=1)) == 0.0


def test_mixed_input_zones() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00")
    # 14:00Z is 09:00 in New York in November.
    assert weekdays.business_seconds(at(UTC, 2026, 11, 9, 14), at(BERLIN, 2026, 11, 9, 16)) == 1 * HOUR


@pytest.mark.parametrize(
    ("tz", "day", "spec", "hours"),
    [
        (NY, date(2026, 3, 8), "Sun 01:00-03:00", 1),  # spring forward: 02:00-03:00 never happens
        (NY, date(2026, 3, 8), "Sun 00:00-24:00", 23),
        (NY, date(2026, 3, 8), "Sun 02:15-02:45", 0),  # wholly inside the gap
        (NY, date(2026, 3, 8), "Sun 02:30-04:00", 1),  # opens at the jump, 03:00 EDT
        (NY, date(2026, 11, 1), "Sun 01:00-03:00", 3),  # fall back: 01:00-02:00 happens twice
        (NY, date(2026, 11, 1), "Sun 00:00-24:00", 25),
        (NY, date(2026, 11, 1), "Sun 09:00-17:00", 8),
        (BERLIN, date(2026, 3, 29), "Sun 00:00-24:00", 23),
        (BERLIN, date(2026, 3, 29), "Sun 01:00-04:00", 2),
        (BERLIN, date(2026, 10, 25), "Sun 00:00-24:00", 25),
        (BERLIN, date(2026, 10, 25), "Sun 02:00-03:00", 2),
    ],
)
def test_dst_days_count_real_elapsed_time(tz: ZoneInfo, day: date, spec: str, hours: float) -> None:
    calendar = cal(spec, tz)
    start = at(tz, day.year, day.month, day.day) - timedelta(hours=6)
    assert calendar.business_seconds(start, start + timedelta(days=2)) == hours * HOUR


def test_wait_across_dst_change_in_new_york() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00")
    # Fri 2026-10-30 16:00 EDT to Mon 2026-11-02 10:00 EST: 1 h + 1 h, the extra hour is on Sunday night.
    assert weekdays.business_seconds(at(NY, 2026, 10, 30, 16), at(NY, 2026, 11, 2, 10)) == 2 * HOUR
    always = BusinessCalendar(BusinessHours.always_open(), frozenset(), NY)
    assert always.business_seconds(at(NY, 2026, 10, 30, 16), at(NY, 2026, 11, 2, 10)) == (66 + 1) * HOUR


def test_always_open_equals_calendar_time_and_ignores_holidays() -> None:
    always = cal("", holidays="2026-11-11")
    assert always.always_open
    start, end = at(NY, 2026, 11, 10, 7, 13), at(NY, 2026, 11, 12, 1, 2, 3)
    assert always.business_seconds(start, end) == end.timestamp() - start.timestamp()
    assert always.is_open(at(NY, 2026, 11, 11, 3))
    assert always.next_open(start) == start


def test_two_year_wait_uses_whole_weeks_and_is_exact() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00", tz=UTC)
    # 2025 and 2026 have 261 weekdays each.
    assert weekdays.business_seconds(at(UTC, 2025, 1, 1), at(UTC, 2027, 1, 1)) == 522 * 8 * HOUR
    with_holidays = cal("Mon-Fri 09:00-17:00", tz=UTC, holidays="2025-12-25,2026-12-25,2026-12-26")
    # 2026-12-26 is a Saturday, so only two weekdays are lost.
    assert with_holidays.business_seconds(at(UTC, 2025, 1, 1), at(UTC, 2027, 1, 1)) == 520 * 8 * HOUR


def test_is_open_and_next_open() -> None:
    weekdays = cal("Mon-Fri 09:00-12:00 13:00-17:00", holidays="2026-11-09")
    assert weekdays.is_open(at(NY, 2026, 11, 10, 9))
    assert not weekdays.is_open(at(NY, 2026, 11, 10, 12))
    assert not weekdays.is_open(at(NY, 2026, 11, 10, 17))
    assert weekdays.next_open(at(NY, 2026, 11, 10, 12, 30)) == at(NY, 2026, 11, 10, 13)
    # Friday evening -> Monday is a holiday -> Tuesday 09:00.
    assert weekdays.next_open(at(NY, 2026, 11, 6, 18)) == at(NY, 2026, 11, 10, 9)
    moment = at(NY, 2026, 11, 10, 10)
    assert weekdays.next_open(moment) == moment
    every_day_off = BusinessCalendar(parse_business_hours("Mon 09:00-10:00"), frozenset(), NY)
    assert every_day_off.next_open(at(NY, 2026, 11, 10), horizon_days=3) is None


def test_naive_datetimes_are_rejected() -> None:
    weekdays = cal("Mon-Fri 09:00-17:00")
    with pytest.raises(InvalidInput, match="no time zone"):
        weekdays.business_seconds(datetime(2026, 11, 9, 9), at(NY, 2026, 11, 9, 10))
    with pytest.raises(InvalidInput):
        weekdays.is_open(datetime(2026, 11, 9, 9))


# --- property test against a brute-force reference -------------------------------------------

ZONES = [
    ZoneInfo(name)
    for name in ("UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo")
]
QUARTER = 15 * 60


def _reference_open_at(wall: datetime, tz: ZoneInfo) -> datetime:
    """First UTC instant on a 15-minute grid whose local wall clock reads `wall` or later.

    Exact for the zones above, whose offsets and transitions all sit on quarter hours."""
    probe = wall.replace(tzinfo=UTC) - timedelta(hours=16)
    while probe.astimezone(tz).replace(tzinfo=None) < wall:
        probe += timedelta(seconds=QUARTER)
    return probe


def _reference_seconds(
    hours: BusinessHours, holidays: frozenset[date], tz: ZoneInfo, start: datetime, end: datetime
) -> float:
    intervals = []
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    day = first
    while day <= last:
        if day not in holidays:
            midnight = datetime(day.year, day.month, day.day)
            for open_, close in hours.ranges(day.weekday()):
                opens = _reference_open_at(midnight + timedelta(seconds=open_), tz)
                closes = _reference_open_at(midnight + timedelta(seconds=close), tz)
                intervals.append((opens, closes))
        day += timedelta(days=1)
    # Count minute by minute; every boundary lies on the minute grid.
    total = 0
    minute = start
    while minute < end:
        if any(opens <= minute < closes for opens, closes in intervals):
            total += 60
        minute += timedelta(minutes=1)
    return float(total)


DAY_TOKENS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@st.composite
def specs(draw: st.DrawFn) -> str:
    entries = []
    for _ in range(draw(st.integers(1, 3))):
        first = draw(st.integers(0, 6))
        span = draw(st.integers(0, 6))
        days = DAY_TOKENS[first] if span == 0 else f"{DAY_TOKENS[first]}-{DAY_TOKENS[(first + span) % 7]}"
        ranges = []
        for _ in range(draw(st.integers(1, 3))):
            open_ = draw(st.integers(0, 95))
            close = draw(st.integers(open_ + 1, 96))
            ranges.append(f"{open_ // 4:02d}:{open_ % 4 * 15:02d}-{close // 4:02d}:{close % 4 * 15:02d}")
        entries.append(f"{days} {' '.join(ranges)}")
    return "; ".join(entries)


# Start dates near DST changes in each zone, so the random intervals often cross one.
ANCHORS = [
    datetime(2026, 3, 7, tzinfo=UTC),
    datetime(2026, 10, 31, tzinfo=UTC),
    datetime(2026, 3, 28, tzinfo=UTC),
    datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2018, 11, 3, tzinfo=UTC),
    datetime(2019, 2, 16, tzinfo=UTC),
    datetime(2026, 6, 15, tzinfo=UTC),
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=specs(),
    tz=st.sampled_from(ZONES),
    anchor=st.sampled_from(ANCHORS),
    offset_minutes=st.integers(0, 3 * 24 * 60),
    length_minutes=st.integers(0, 3 * 24 * 60),
    holiday_offset=st.one_of(st.none(), st.integers(0, 4)),
)
def test_business_seconds_matches_brute_force(
    spec: str,
    tz: ZoneInfo,
    anchor: datetime,
    offset_minutes: int,
    length_minutes: int,
    holiday_offset: int | None,
) -> None:
    hours = parse_business_hours(spec)
    holidays = frozenset() if holiday_offset is None else {anchor.date() + timedelta(days=holiday_offset)}
    calendar = BusinessCalendar(hours, frozenset(holidays), tz)
    start = anchor + timedelta(minutes=offset_minutes)
    end = start + timedelta(minutes=length_minutes)
    expected = _reference_seconds(hours, frozenset(holidays), tz, start, end)
    assert calendar.business_seconds(start, end) == expected


@settings(max_examples=60, deadline=None)
@given(
    spec=specs(),
    tz=st.sampled_from(ZONES),
    start_hours=st.integers(0, 24 * 800),
    length_hours=st.integers(0, 24 * 800),
    cut=st.floats(0, 1),
)
def test_long_spans_are_additive_and_match_day_by_day(
    spec: str, tz: ZoneInfo, start_hours: int, length_hours: int, cut: float
) -> None:
    calendar = BusinessCalendar(parse_business_hours(spec), frozenset({date(2025, 12, 25)}), tz)
    start = datetime(2024, 6, 1, tzinfo=UTC) + timedelta(hours=start_hours, minutes=7)
    end = start + timedelta(hours=length_hours, seconds=13)
    middle = start + (end - start) * cut
    total = calendar.business_seconds(start, end)
    halves = calendar.business_seconds(start, middle) + calendar.business_seconds(middle, end)
    assert total == pytest.approx(halves)
    # Day-by-day clipping over the whole span, without the whole-week shortcut.
    first = start.astimezone(tz).toordinal()
    last = end.astimezone(tz).toordinal()
    assert total == pytest.approx(calendar._clipped(first, last + 1, start.timestamp(), end.timestamp()))
