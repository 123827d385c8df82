"""Pure aggregation of waits and inbound messages into report figures, overall and per slice.

Input rows are already restricted to the report's period and stripped of cancelled waits (queries.py);
open waits arrive with their elapsed time as of `now` (engine.py). Nothing here does I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from analytics.kpi.report import Backlog, GroupFigures, SlotRow
from analytics.kpi.stats import Stats, bucket_counts, sla_met, sla_met_share, summarize
from analytics.sentiment import (
    HAPPY_FROM,
    LABELS,
    SCORE_UNITS,
    UNHAPPY_BELOW,
    VERY_HAPPY_FROM,
    label_for,
    weighted_mean,
)


class WaitRow(NamedTuple):
    """A wait (open or closed) as the report sees it (a NamedTuple: big reports build many of them).

    `seconds` is the duration the report shows (calendar or business); `sla_seconds` the one the SLA is
    judged on. For an open wait both are its elapsed time as of the report's `now`.
    """

    contact_id: int
    opened_at: datetime
    closed: bool
    seconds: float
    sla_seconds: float
    first: bool
    rep_id: int | None
    channel: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class WaitFigures:
    first_response: Stats
    response: Stats
    longest: WaitRow | None
    unanswered: Backlog
    sla_met_share: float | None
    breached_open: int
    buckets: dict[str, int]


def longest(waits: Iterable[WaitRow]) -> WaitRow | None:
    """The longest wait; ties go to the earliest opened (then the lowest contact id), so it is stable."""
    best: WaitRow | None = None
    for w in waits:
        if best is None or (w.seconds, -w.opened_at.timestamp(), -w.contact_id) > (
            best.seconds, -best.opened_at.timestamp(), -best.contact_id
        ):
            best = w
    return best


def wait_figures(waits: Sequence[WaitRow], sla_minutes: float) -> WaitFigures:
    """The headline wait figures of one period."""
    closed = [w for w in waits if w.closed]
    still_open = [w for w in waits if not w.closed]
    first_closed = [w.seconds for w in closed if w.first]
    return WaitFigures(
        first_response=summarize(first_closed),
        response=summarize(w.seconds for w in closed),
        longest=longest(waits),
        unanswered=Backlog(len(still_open), max((w.seconds for w in still_open), default=None)),
        sla_met_share=sla_met_share((w.sla_seconds for w in closed), sla_minutes),
        breached_open=sum(not sla_met(w.sla_seconds, sla_minutes) for w in still_open),
        buckets=bucket_counts(first_closed, sum(1 for w in still_open if w.first)),
    )


def group_figures(waits: Sequence[WaitRow], sla_minutes: float) -> GroupFigures:
    closed = [w for w in waits if w.closed]
    best = longest(waits)
    return GroupFigures(
        waits=len(waits),
        first_response=summarize(w.seconds for w in closed if w.first),
        response=summarize(w.seconds for w in closed),
        longest_wait_s=best.seconds if best else None,
        sla_met_share=sla_met_share((w.sla_seconds for w in closed), sla_minutes),
    )


def group_by(waits: Iterable[WaitRow], key: Callable[[WaitRow], Iterable[Hashable]]
             ) -> dict[Hashable, list[WaitRow]]:
    """Waits per key; `key` returns every group a wait belongs to (a wait can touch several topics)."""
    groups: dict[Hashable, list[WaitRow]] = defaultdict(list)
    for w in waits:
        for k in key(w):
            groups[k].append(w)
    return groups


def slot_rows(waits: Iterable[WaitRow], tz: ZoneInfo, slot: Callable[[datetime], int], size: int
              ) -> tuple[SlotRow, ...]:
    """One row per local hour (size 24) or weekday (size 7) of opening, every slot present."""
    counts = [0] * size
    durations: list[list[float]] = [[] for _ in range(size)]
    for w in waits:
        index = slot(w.opened_at.astimezone(tz))
        counts[index] += 1
        if w.closed:
            durations[index].append(w.seconds)
    return tuple(SlotRow(i, counts[i], summarize(durations[i])) for i in range(size))


def hour_of(local: datetime) -> int:
    return local.hour


def weekday_of(local: datetime) -> int:
    return local.weekday()


def empty_labels() -> dict[str, int]:
    return dict.fromkeys(LABELS, 0)


def conversation_label(n: int, weighted_units: int, last_units: int) -> str:
    """`conversation_sentiment`'s label from aggregates of the conversation's n scores, oldest first, in
    units of 0.0001 (integers, so the aggregates are exact).

    `weighted_units` is sum(i * units_i) for i = 1..n and `last_units` the newest score; the rule is the
    same (recency-weighted mean, pulled down to the last score when that one is unhappy, rounded to 4
    places), so the database can aggregate and only one row per conversation reaches Python. A test checks
    it against `conversation_sentiment` itself.
    """
    mean = weighted_mean(n, weighted_units)
    last = last_units / SCORE_UNITS
    if label_for(last) == "unhappy":
        mean = min(mean, last)
    return label_for(round(max(-1.0, min(1.0, mean)), 4))


def sentiment_distribution(labels: Iterable[str]) -> dict[str, int]:
    counts = empty_labels()
    for label in labels:
        counts[label] += 1
    return counts


def topic_message_counts(grouped: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Messages per topic from (comma-joined topics, message count) groups; a message counts once per topic."""
    counts: dict[str, int] = defaultdict(int)
    for joined, count in grouped:
        for topic in split_topics(joined):
            counts[topic] += count
    return dict(counts)


def split_topics(joined: str | None) -> tuple[str, ...]:
    """Stored comma-joined topics -> a tuple ('' -> ())."""
    return tuple(t for t in (joined or "").split(",") if t)


def label_bounds() -> tuple[float, float, float]:
    """Floats b such that, for every float x, `label_for(round(x, 4))` is very_happy iff x >= b[0], else
    happy iff x >= b[1], else unhappy iff x < b[2] (else neutral), so SQL can apply `conversation_label`'s
    last step (round to 4 places, then the thresholds) with plain comparisons. `round` is monotonic, so
    each b is the smallest float that rounds to at least its threshold."""
    return _LABEL_BOUNDS


def _smallest_rounding_to(threshold: float) -> float:
    lo, hi = threshold - 0.001, threshold  # round(lo, 4) < threshold <= round(hi, 4)
    while True:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            return hi
        if round(mid, 4) >= threshold:
            hi = mid
        else:
            lo = mid


_LABEL_BOUNDS = (_smallest_rounding_to(VERY_HAPPY_FROM), _smallest_rounding_to(HAPPY_FROM),
                 _smallest_rounding_to(UNHAPPY_BELOW))
