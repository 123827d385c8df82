"""Speed of business-time arithmetic (analytics.business_hours.BusinessCalendar.business_seconds).

Every wait's SLA time is a business_seconds call, so a KPI report or an SLA alert pass makes one per wait.
Times 20,000 waits of up to ~2 days each on a split-shift calendar with a holiday, plus one 2-year span
(the whole-week shortcut). This was a "< 2 s" assertion in tests/analytics/test_business_hours.py; speed is
measured here instead (figures in BENCHMARKS.md).

Run: .venv/bin/python bench/business_hours.py [--waits 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.business_hours import BusinessCalendar, parse_business_hours, parse_holidays

NY = ZoneInfo("America/New_York")


def run(calendar: BusinessCalendar, waits: int) -> float:
    base = datetime(2026, 1, 1, tzinfo=NY)
    began = time.perf_counter()
    for index in range(waits):
        start = base + timedelta(minutes=97 * index)
        calendar.business_seconds(start, start + timedelta(minutes=index % 3000))
    calendar.business_seconds(datetime(2024, 1, 1, tzinfo=NY), datetime(2026, 1, 1, tzinfo=NY))
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--waits", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    calendar = BusinessCalendar(parse_business_hours("Mon-Fri 09:00-12:00 13:00-17:30; Sat 10:00-14:00"),
                                parse_holidays("2026-11-26"), NY)
    times = sorted(run(calendar, args.waits) for _ in range(args.repeat))
    print(f"{args.waits} waits: best {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s "
          f"({args.waits / times[0]:,.0f} waits/s)")


if __name__ == "__main__":
    main()
