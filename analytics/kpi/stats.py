"""Pure statistics for KPI reports: summaries of durations, first-response buckets, SLA share.

Definitions (docs/metrics.md repeats them):

- `summarize(values)`: count, mean, median, p90 and max of a list of durations in seconds; every
  figure but the count is None for an empty list (no data is not zero seconds).
- Percentiles use linear interpolation between closest ranks (Hyndman & Fan type 7, numpy's default,
  Excel's PERCENTILE.INC): for sorted values v[0..n-1] the q-quantile sits at position h = (n-1)q and
  is v[floor h] + (h - floor h)(v[floor h + 1] - v[floor h]). The median is its q = 0.5 case, so with
  an even count it is the mean of the two middle values.
- Buckets are half-open [lower, upper): exactly 60 s is in `m1_5`, exactly 24 h in `gt_24h`.
- SLA: a wait is met when its duration is at most the SLA (exactly SLA_MINUTES counts as met).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# (key, lower bound inclusive, upper bound exclusive) in seconds; `open` is added for open waits.
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("lt_1m", 0.0, 60.0),
    ("m1_5", 60.0, 300.0),
    ("m5_15", 300.0, 900.0),
    ("m15_60", 900.0, 3600.0),
    ("h1_4", 3600.0, 14_400.0),
    ("h4_24", 14_400.0, 86_400.0),
    ("gt_24h", 86_400.0, math.inf),
)
OPEN_BUCKET = "open"
BUCKET_KEYS: tuple[str, ...] = (*(key for key, _, _ in BUCKETS), OPEN_BUCKET)


@dataclass(frozen=True)
class Stats:
    """Summary of durations in seconds; None figures when `count` is 0."""

    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None

    def to_json(self) -> dict[str, int | float | None]:
        return {"count": self.count, "mean_s": self.mean_s, "median_s": self.median_s,
                "p90_s": self.p90_s, "max_s": self.max_s}


EMPTY_STATS = Stats(0, None, None, None, None)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0 <= q <= 1) of already sorted values by linear interpolation; None if empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be within [0, 1], got {q}")
    n = len(sorted_values)
    if n == 0:
        return None
    position = (n - 1) * q
    low = math.floor(position)
    high = min(low + 1, n - 1)
    fraction = position - low
    lower = float(sorted_values[low])
    return lower + fraction * (float(sorted_values[high]) - lower)


def summarize(values: Iterable[float]) -> Stats:
    """count / mean / median / p90 / max of durations in seconds."""
    return summarize_sorted(sorted(float(v) for v in values))


def summarize_sorted(ordered: Sequence[float]) -> Stats:
    """`summarize` of floats already in ascending order (the database sorts them for big reports).

    The mean is `math.fsum` (exactly rounded, so independent of the order the values arrive in).
    """
    if not ordered:
        return EMPTY_STATS
    return Stats(
        count=len(ordered),
        mean_s=math.fsum(ordered) / len(ordered),
        median_s=percentile(ordered, 0.5),
        p90_s=percentile(ordered, 0.9),
        max_s=float(ordered[-1]),
    )


def bucket_of(seconds: float) -> str:
    """The first-response bucket of a closed wait's duration."""
    for key, lower, upper in BUCKETS:
        if lower <= seconds < upper:
            return key
    # Negative durations cannot come from ingest (a wait closes at or after it opens); clamp anyway.
    return BUCKETS[0][0]


def bucket_counts(closed: Iterable[float], open_count: int) -> dict[str, int]:
    """Counts per bucket key, every key present (zeros included), `open` last."""
    counts = dict.fromkeys(BUCKET_KEYS, 0)
    for seconds in closed:
        counts[bucket_of(seconds)] += 1
    counts[OPEN_BUCKET] = open_count
    return counts


def bucket_counts_sorted(closed: Sequence[float], open_count: int) -> dict[str, int]:
    """`bucket_counts` of durations already in ascending order, by bisection (same half-open bounds)."""
    counts = dict.fromkeys(BUCKET_KEYS, 0)
    below = 0
    for key, _lower, upper in BUCKETS:
        # Everything under `upper` not counted yet (negatives land in the first bucket, as in `bucket_of`).
        up_to = len(closed) if upper == math.inf else bisect_left(closed, upper)
        counts[key] = up_to - below
        below = up_to
    counts[OPEN_BUCKET] = open_count
    return counts


def sla_met(seconds: float, sla_minutes: float) -> bool:
    """A wait meets the SLA when it lasted at most `sla_minutes` (the boundary itself is met)."""
    return seconds <= sla_minutes * 60.0


def sla_met_share(closed: Iterable[float], sla_minutes: float) -> float | None:
    """Share (0..1) of closed waits that met the SLA; None when there are none."""
    total = met = 0
    for seconds in closed:
        total += 1
        met += sla_met(seconds, sla_minutes)
    return met / total if total else None


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is 0 (a rate of nothing is unknown, not 0)."""
    return part / whole if whole else None


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change from `previous` to `current` (0.25 = +25 %); None if either is missing or 0."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous
