"""Business hours: parsing the BUSINESS_HOURS / HOLIDAYS settings and measuring business time.

Semantics of a range such as 'Mon 09:00-17:30' on a given local day: it opens at the first
instant the local clock reads 09:00 (or later) that day and closes at the first instant it reads
17:30 (or later). On DST-change days that counts real elapsed seconds: 01:00-03:00 on a
spring-forward day in New York is 1 hour, on a fall-back day 3 hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.errors import InvalidInput
from analytics.periods import wall_to_utc

__all__ = ["BusinessCalendar", "BusinessHours", "parse_business_hours", "parse_holidays"]

_DAY_SECONDS = 86_400
_EXAMPLE = "expected e.g. 'Mon-Fri 09:00-17:30; Sat 10:00-14:00'"
_DAY_NAMES = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_RANGE = re.compile(r"(\d{1,2}:\d{2})-(\d{1,2}:\d{2})")

# (open, close) in seconds since local midnight; sorted, merged, close <= 86_400.
Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class BusinessHours:
    """Weekly opening hours, one tuple of ranges per weekday (Monday first).

    `weekly is None` means always open: no hours were configured.
    """

    weekly: tuple[Ranges, ...] | None = None

    @classmethod
    def always_open(cls) -> BusinessHours:
        return cls(None)

    @property
    def is_always_open(self) -> bool:
        return self.weekly is None

    def ranges(self, weekday: int) -> Ranges:
        """Ranges for `weekday` (0 = Monday); a full day when always open."""
        if self.weekly is None:
            return ((0, _DAY_SECONDS),)
        return self.weekly[weekday]

    @property
    def weekly_seconds(self) -> int:
        """Nominal open seconds per week, ignoring DST and holidays."""
        return sum(close - open_ for day in range(7) for open_, close in self.ranges(day))


def _merge(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for open_, close in sorted(ranges):
        # Touching ranges merge too: 09:00-12:00 and 12:00-17:00 is one open stretch.
        if merged and open_ <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], close))
        else:
            merged.append((open_, close))
    return tuple(merged)


def _parse_day(word: str) -> int:
    day = _DAY_NAMES.get(word.lower())
    if day is None:
        raise ValueError(f"{word!r} is not a day; {_EXAMPLE}")
    return day


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        if not part:
            raise ValueError(f"{text!r} has an empty day in its list; {_EXAMPLE}")
        if "-" in part:
            ends = part.split("-")
            if len(ends) != 2 or not all(ends):
                raise ValueError(f"{part!r} is not a day or a range of days; {_EXAMPLE}")
            try:
                first, last = _parse_day(ends[0]), _parse_day(ends[1])
            except ValueError:
                raise ValueError(f"{part!r} is not a day; {_EXAMPLE}") from None
            # A wrapping range such as Fri-Mon runs through the weekend.
            span = (last - first) % 7
            days.extend((first + offset) % 7 for offset in range(span + 1))
        else:
            days.append(_parse_day(part))
    return days


def _parse_time(text: str, *, is_end: bool) -> int:
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time; expected HH:MM, e.g. 09:00")
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0 and is_end:
        return _DAY_SECONDS
    if hours > 23 or minutes > 59:
        hint = "24:00 is allowed only as a closing time" if hours == 24 else "hours 00-23, minutes 00-59"
        raise ValueError(f"{text!r} is not a valid time; {hint}")
    return hours * 3600 + minutes * 60


def _parse_range(text: str) -> tuple[int, int]:
    match = _RANGE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time range; expected HH:MM-HH:MM, e.g. 09:00-17:30")
    open_ = _parse_time(match[1], is_end=False)
    close = _parse_time(match[2], is_end=True)
    if close <= open_:
        raise ValueError(
            f"{text!r} does not end after it starts; split hours past midnight, "
            "e.g. 'Fri 22:00-24:00; Sat 00:00-02:00'"
        )
    return open_, close


def parse_business_hours(spec: str) -> BusinessHours:
    """Parse BUSINESS_HOURS, e.g. 'Mon-Fri 09:00-12:00 13:00-17:30; Sat 10:00-14:00'.

    Entries are separated by ';'. Each is days (a day, a range such as Mon-Fri or wrapping Fri-Mon,
    or a comma list) followed by one or more HH:MM-HH:MM ranges. Day names are case-insensitive
    and may be written out. Days not named are closed; an empty spec means always open.
    Raises ValueError with a message naming the offending part.
    """
    if not spec.strip():
        return BusinessHours.always_open()
    per_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for raw_entry in spec.split(";"):
        # Spaces around '-' and ',' are tolerated: 'Mon - Fri', 'Mon, Wed', '09:00 - 17:00'.
        entry = re.sub(r"\s*([-,])\s*", r"\1", raw_entry.strip())
        if not entry:
            continue
        words = entry.split()
        first_time = next((i for i, word in enumerate(words) if word[:1].isdigit()), len(words))
        day_text = "".join(words[:first_time])
        range_texts = words[first_time:]
        if not day_text:
            raise ValueError(f"{raw_entry.strip()!r} names no days; {_EXAMPLE}")
        if not range_texts:
            raise ValueError(f"{raw_entry.strip()!r} has no hours; {_EXAMPLE}")
        days = _parse_days(day_text)
        ranges = [_parse_range(text) for text in range_texts]
        for day in days:
            per_day[day].extend(ranges)
    return BusinessHours(tuple(_merge(ranges) for ranges in per_day))


def parse_holidays(spec: str) -> frozenset[date]:
    """Parse HOLIDAYS: comma-separated ISO dates such as '2026-12-25, 2027-01-01'; empty = none."""
    days: set[date] = set()
    for part in spec.split(","):
        text = part.strip()
        if not text:
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f"{text!r} is not a date; expected YYYY-MM-DD, e.g. '2026-12-25, 2027-01-01'")
        try:
            days.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a real date; expected YYYY-MM-DD") from None
    return frozenset(days)


# (open, close) as POSIX timestamps for one local day.
_Intervals = tuple[tuple[float, float], ...]
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class BusinessCalendar:
    """Business hours in a time zone, with holidays closed all day.

    With no hours configured business time equals calendar time and holidays are ignored.
    Per-day open intervals are computed once and cached, so measuring many waits over the same
    few weeks costs a dict lookup per local day.
    """

    hours: BusinessHours
    holidays: frozenset[date]
    tz: ZoneInfo
    _days: dict[int, _Intervals] = field(default_factory=dict, init=False, repr=False, compare=False)
    _weeks: dict[int, float] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def always_open(self) -> bool:
        return self.hours.is_always_open

    def _intervals(self, ordinal: int) -> _Intervals:
        """Open intervals of the local day with this proleptic ordinal."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        day = date.fromordinal(ordinal)
        intervals: list[tuple[float, float]] = []
        if day not in self.holidays:
            midnight = datetime(day.year, day.month, day.day)
            for open_, close in self.hours.ranges(day.weekday()):
                start = wall_to_utc(midnight + timedelta(seconds=open_), self.tz).timestamp()
                end = wall_to_utc(midnight + timedelta(seconds=close), self.tz).timestamp()
                # A range that lies wholly inside a DST gap never happens on the clock.
                if end > start:
                    intervals.append((start, end))
        if len(self._days) >= _CACHE_LIMIT:
            self._days.clear()
        result = tuple(intervals)
        self._days[ordinal] = result
        return result

    def _day_total(self, ordinal: int) -> float:
        return sum(end - start for start, end in self._intervals(ordinal))

    def _week_total(self, monday: int) -> float:
        cached = self._weeks.get(monday)
        if cached is None:
            cached = sum(self._day_total(monday + offset) for offset in range(7))
            if len(self._weeks) >= _CACHE_LIMIT:
                self._weeks.clear()
            self._weeks[monday] = cached
        return cached

    def _clipped(self, first: int, last: int, start: float, end: float) -> float:
        total = 0.0
        for ordinal in range(first, last + 1):
            for open_, close in self._intervals(ordinal):
                overlap = min(close, end) - max(open_, start)
                if overlap > 0:
                    total += overlap
        return total

    def _full_days(self, first: int, last: int) -> float:
        """Open seconds of local days first..last inclusive, whole weeks at a time where possible."""
        total = 0.0
        ordinal = first
        # date.fromordinal(1) is a Monday, so ordinal % 7 == 1 marks Mondays.
        while ordinal <= last and ordinal % 7 != 1:
            total += self._day_total(ordinal)
            ordinal += 1
        while ordinal + 6 <= last:
            total += self._week_total(ordinal)
            ordinal += 7
        while ordinal <= last:
            total += self._day_total(ordinal)
            ordinal += 1
        return total

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of [start, end) inside business hours; 0.0 when end <= start."""
        _require_aware(start)
        _require_aware(end)
        # Timestamps, not datetime arithmetic: Python subtracts and compares datetimes that share
        # a tzinfo by wall clock, which is wrong across a DST change.
        start_ts, end_ts = start.timestamp(), end.timestamp()
        if end_ts <= start_ts:
            return 0.0
        if self.always_open:
            return end_ts - start_ts
        first = start.astimezone(self.tz).toordinal()
        last = end.astimezone(self.tz).toordinal()
        # An instant never precedes its own local date's hours, but where the clock falls back
        # across midnight it can read as one date while belonging to the next day's hours, so the
        # day after each end is clipped too.
        if last - first <= 4:
            return self._clipped(first, last + 1, start_ts, end_ts)
        return (
            self._clipped(first, first + 1, start_ts, end_ts)
            + self._full_days(first + 2, last - 2)
            + self._clipped(last - 1, last + 1, start_ts, end_ts)
        )

    def is_open(self, at: datetime) -> bool:
        _require_aware(at)
        if self.always_open:
            return True
        ts = at.timestamp()
        day = at.astimezone(self.tz).toordinal()
        return any(
            open_ <= ts < close for ordinal in (day, day + 1) for open_, close in self._intervals(ordinal)
        )

    def next_open(self, at: datetime, horizon_days: int = 400) -> datetime | None:
        """`at` itself when open, else the next opening (aware, in `tz`); None if nothing opens
        within `horizon_days` (e.g. every day is a holiday)."""
        _require_aware(at)
        if self.is_open(at):
            return at.astimezone(self.tz)
        ts = at.timestamp()
        day = at.astimezone(self.tz).toordinal()
        for ordinal in range(day, day + horizon_days + 1):
            for open_, _close in self._intervals(ordinal):
                if open_ >= ts:
                    return datetime.fromtimestamp(open_, UTC).astimezone(self.tz)
        return None


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{value.isoformat()} has no time zone; expected an aware datetime")
