"""The report window from user input (`--from`/`--to`, `?from=&to=`), shared by the CLI and the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.errors import InvalidInput
from analytics.periods import Period, local_date, local_midnight, parse_when

DEFAULT_DAYS = 7


def resolve_period(from_text: str | None, to_text: str | None, *, now: datetime, tz: ZoneInfo) -> Period:
    """[from, to) from optional texts; each a date (local midnight) or an ISO 8601 date-time.

    Without `to` the window runs to the end of today (tomorrow's local midnight); without `from` it
    starts DEFAULT_DAYS local days before `to`'s day (so the default is the last 7 days, today included).
    """
    end = parse_when(to_text, tz) if to_text else local_midnight(local_date(now, tz) + timedelta(days=1), tz)
    if from_text:
        start = parse_when(from_text, tz)
    else:
        end_day = local_date(end, tz)
        # A `to` that is not a local midnight still gets whole days before it.
        if local_midnight(end_day, tz) != end:
            end_day += timedelta(days=1)
        start = local_midnight(end_day - timedelta(days=DEFAULT_DAYS), tz)
    if end <= start:
        raise InvalidInput(f"--to ({end.astimezone(tz).isoformat()}) must be after --from "
                           f"({start.astimezone(tz).isoformat()}); --to is exclusive")
    return Period(start, end)
