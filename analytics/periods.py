"""Time periods for reports: parsing user-given instants, named periods and human labels.

Every period is a half-open interval [start, end) of aware UTC datetimes. Periods named after
calendar days ("today", "last 7 days", "this week") start and end at *local* midnight in the
team's time zone, so they stay whole days across DST changes (a day may be 23 or 25 hours).

Decisions, so callers can rely on them:
- Periods that run "up to now" in whole days (today, this week, this month, last N days, since)
  end at *tomorrow's* local midnight, not at `now`: they stay whole days, `previous()` compares
  like with like, and the part after `now` simply holds no data yet.
- Weeks start on Monday.
- "last N days" is the N local calendar days ending with today, today included:
  [midnight N-1 days ago, tomorrow midnight). "last N hours" is the exact N*3600 s before `now`.
- `between(a, b)` includes day `b` as a whole day, because that is what people mean by
  "between Nov 1 and Nov 7"; reversed dates are swapped rather than rejected.
- A local wall-clock time that does not exist (skipped by a DST jump) maps to the first instant
  at which the clock reads that time or later, i.e. the moment of the jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.errors import InvalidInput

__all__ = [
    "Period",
    "add_months",
    "between",
    "calendar_month",
    "label",
    "last_month",
    "last_n_days",
    "last_n_hours",
    "last_week",
    "local_date",
    "local_midnight",
    "parse_when",
    "since",
    "this_month",
    "this_week",
    "today",
    "wall_to_utc",
    "yesterday",
]

_ONE_DAY = timedelta(days=1)


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant (aware UTC) at which the clock in `tz` reads `wall` or later.

    For ordinary times that is the obvious instant; for a repeated time (DST fall-back) the first
    occurrence; for a skipped time (spring-forward gap) the instant of the jump.
    """
    if wall.tzinfo is not None:
        raise InvalidInput(f"expected a naive local time, got {wall.isoformat()}")
    early = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if early <= late:
        return early
    # In a gap PEP 495 maps fold=0 with the offset before the jump (landing after it) and fold=1
    # with the offset after (landing before it); the jump itself lies between, on a whole second.
    lo = int(late.timestamp() // 1)
    hi = -int(-early.timestamp() // 1)
    offset_before = datetime.fromtimestamp(lo, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == offset_before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Start of local calendar `day` in `tz`, as aware UTC."""
    return wall_to_utc(datetime(day.year, day.month, day.day), tz)


def local_date(at: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of instant `at` in `tz`."""
    _require_aware(at, "time")
    return at.astimezone(tz).date()


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} {value.isoformat()} has no time zone; expected an aware datetime")


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """Parse a user-given date or date-time into an aware UTC instant.

    'YYYY-MM-DD' is local midnight in `tz`; an ISO 8601 date-time with an offset or 'Z' is that
    instant; one without an offset is read as local time in `tz`.
    """
    raw = text.strip()
    expected = "expected YYYY-MM-DD or an ISO 8601 date-time such as 2026-11-01T09:30:00-06:00"
    if not raw:
        raise InvalidInput(f"empty date; {expected}")
    if len(raw) <= 10:
        try:
            return local_midnight(date.fromisoformat(raw), tz)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a date or date-time; {expected}") from None
    if parsed.tzinfo is None:
        return wall_to_utc(parsed, tz)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """[start, end) as aware UTC datetimes; construction normalises any aware input to UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "period start")
        _require_aware(self.end, "period end")
        # Normalised so equality, hashing and SQL parameters never depend on the caller's zone.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise InvalidInput(
                f"period end {self.end.isoformat()} is not after its start {self.start.isoformat()}"
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def whole_days(self, tz: ZoneInfo) -> bool:
        """True when both ends fall on local midnight in `tz`."""
        return _midnight_date(self.start, tz) is not None and _midnight_date(self.end, tz) is not None

    def local_days(self, tz: ZoneInfo) -> tuple[date, date] | None:
        """(first day, last day inclusive) for a whole-days period, else None."""
        first = _midnight_date(self.start, tz)
        after = _midnight_date(self.end, tz)
        if first is None or after is None:
            return None
        return first, after - _ONE_DAY

    def previous(self, tz: ZoneInfo) -> Period:
        """The period just before this one, for "compared with the previous period".

        Whole local days give the same number of local calendar days (so a 7-day week across a
        DST change is 7 days, not 168 h); anything else gives the same duration.
        """
        days = self.local_days(tz)
        if days is None:
            return Period(self.start - self.duration, self.start)
        first, last = days
        count = (last - first).days + 1
        return Period(local_midnight(first - timedelta(days=count), tz), self.start)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def _midnight_date(at: datetime, tz: ZoneInfo) -> date | None:
    """The local date whose midnight is exactly `at`, or None when `at` is not a local midnight."""
    # Where the clock falls back across midnight the instant can read as the previous day,
    # so the following day is checked too.
    guess = at.astimezone(tz).date()
    for day in (guess, guess + _ONE_DAY):
        if local_midnight(day, tz) == at:
            return day
    return None


def _today(now: datetime, tz: ZoneInfo) -> date:
    _require_aware(now, "now")
    return now.astimezone(tz).date()


def _days(first: date, last: date, tz: ZoneInfo) -> Period:
    return Period(local_midnight(first, tz), local_midnight(last + _ONE_DAY, tz))


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamping to the end of shorter months (Mar 31 - 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_first - _ONE_DAY).day
    return date(year, month, min(day.day, last_day))


def today(now: datetime, tz: ZoneInfo) -> Period:
    day = _today(now, tz)
    return _days(day, day, tz)


def yesterday(now: datetime, tz: ZoneInfo) -> Period:
    day = _today(now, tz) - _ONE_DAY
    return _days(day, day, tz)


def this_week(now: datetime, tz: ZoneInfo) -> Period:
    """Monday of this week through today (ends at tomorrow's midnight)."""
    day = _today(now, tz)
    return _days(day - timedelta(days=day.weekday()), day, tz)


def last_week(now: datetime, tz: ZoneInfo) -> Period:
    """The full Monday-to-Sunday week before this one."""
    day = _today(now, tz)
    monday = day - timedelta(days=day.weekday())
    return _days(monday - timedelta(days=7), monday - _ONE_DAY, tz)


def this_month(now: datetime, tz: ZoneInfo) -> Period:
    """The 1st of this month through today (ends at tomorrow's midnight)."""
    day = _today(now, tz)
    return _days(day.replace(day=1), day, tz)


def last_month(now: datetime, tz: ZoneInfo) -> Period:
    first = _today(now, tz).replace(day=1)
    return _days(add_months(first, -1), first - _ONE_DAY, tz)


def calendar_month(year: int, month: int, tz: ZoneInfo) -> Period:
    """The whole calendar month, e.g. October 2026."""
    try:
        first = date(year, month, 1)
    except ValueError:
        raise InvalidInput(f"{year}-{month} is not a month") from None
    return _days(first, add_months(first, 1) - _ONE_DAY, tz)


def last_n_days(n: int, now: datetime, tz: ZoneInfo) -> Period:
    """The n local days ending with today, today included."""
    if n < 1:
        raise InvalidInput(f"need at least 1 day, got {n}")
    day = _today(now, tz)
    return _days(day - timedelta(days=n - 1), day, tz)


def last_n_hours(n: int, now: datetime) -> Period:
    """Exactly n hours up to `now` (exclusive)."""
    if n < 1:
        raise InvalidInput(f"need at least 1 hour, got {n}")
    _require_aware(now, "now")
    # In UTC, because aware arithmetic within one zone is wall-clock arithmetic.
    now = now.astimezone(UTC)
    return Period(now - timedelta(hours=n), now)


def since(day: date, now: datetime, tz: ZoneInfo) -> Period:
    """Local `day` through today."""
    current = _today(now, tz)
    if day > current:
        raise InvalidInput(f"{day.isoformat()} is in the future")
    return _days(day, current, tz)


def between(first: date, last: date, tz: ZoneInfo) -> Period:
    """Local days `first` through `last`, both included; swapped when given in reverse."""
    if last < first:
        first, last = last, first
    return _days(first, last, tz)


def _fmt_day(day: date, with_year: bool) -> str:
    text = f"{day:%b} {day.day}"
    return f"{text}, {day.year}" if with_year else text


def label(period: Period, tz: ZoneInfo, now: datetime | None = None) -> str:
    """A short human label: 'today', 'yesterday' (when `now` is given), 'October 2026',
    'Nov 1, 2026', 'Nov 1 – Nov 7, 2026', or times for periods that are not whole days."""
    days = period.local_days(tz)
    if days is None:
        start = period.start.astimezone(tz)
        end = period.end.astimezone(tz)
        if start.date() == end.date():
            return f"{_fmt_day(start.date(), True)}, {start:%H:%M}–{end:%H:%M}"
        return f"{_fmt_day(start.date(), True)} {start:%H:%M} – {_fmt_day(end.date(), True)} {end:%H:%M}"
    first, last = days
    if now is not None and first == last:
        current = _today(now, tz)
        if first == current:
            return "today"
        if first == current - _ONE_DAY:
            return "yesterday"
    if first == last:
        return _fmt_day(first, True)
    if first.day == 1 and last + _ONE_DAY == add_months(first, 1):
        return f"{first:%B} {first.year}"
    if first.year == last.year:
        return f"{_fmt_day(first, False)} – {_fmt_day(last, True)}"
    return f"{_fmt_day(first, True)} – {_fmt_day(last, True)}"
