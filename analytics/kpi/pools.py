"""Wait figures from pools of durations: what one period's waits reduce to, overall and per slice.

A `Pool` holds a slice's closed durations *sorted*, its first-response durations sorted, how many closed
waits met the SLA, how many waits it has and the longest. Both ways of reading waits end here:

- PostgreSQL (queries.wait_pools): the database groups the closed waits (GROUPING SETS) and hands back
  each slice's durations as one sorted float8 array, so no Python object is made per closed wait; the few
  waits measured as of `now` (still open) come back as rows and are added with `Pool.add`.
- SQLite (and any other engine): every wait comes back as a row and is added with `Pool.add`.

Either way the figures come from the same functions over the same multisets of floats (`summarize_sorted`:
fsum mean, type-7 percentiles), so both databases give identical numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from analytics.kpi.breakdowns import WaitFigures, WaitRow, longest
from analytics.kpi.report import Backlog, GroupFigures, SlotRow
from analytics.kpi.stats import bucket_counts_sorted, sla_met, summarize_sorted


class Pool:
    """Durations of one slice of waits (the shown durations; `sla_met` judged on the SLA durations).

    `closed` and `first` are ascending; waits added one by one are sorted once, when first read.
    """

    __slots__ = ("_closed", "_first", "_unsorted", "longest_s", "sla_met", "waits")

    def __init__(self, waits: int = 0, closed: list[float] | None = None, first: list[float] | None = None,
                 sla_met: int = 0, longest_s: float | None = None) -> None:
        self.waits = waits  # not-cancelled waits, open and closed
        self._closed = closed if closed is not None else []
        self._first = first if first is not None else []  # closed waits that were first in their conversation
        self.sla_met = sla_met
        self.longest_s = longest_s
        self._unsorted = False

    @property
    def closed(self) -> list[float]:
        self._sort()
        return self._closed

    @property
    def first(self) -> list[float]:
        self._sort()
        return self._first

    def _sort(self) -> None:
        if self._unsorted:
            self._closed.sort()
            self._first.sort()
            self._unsorted = False

    def add(self, w: WaitRow, sla_minutes: float, *, count: bool = True) -> None:
        """One wait; `count=False` when the database already counted it in `waits`."""
        if count:
            self.waits += 1
        if self.longest_s is None or w.seconds > self.longest_s:
            self.longest_s = w.seconds
        if w.closed:
            self._unsorted = True
            self._closed.append(w.seconds)
            if w.first:
                self._first.append(w.seconds)
            self.sla_met += sla_met(w.sla_seconds, sla_minutes)

    def figures(self) -> GroupFigures:
        closed = self.closed
        return GroupFigures(
            waits=self.waits,
            first_response=summarize_sorted(self.first),
            response=summarize_sorted(closed),
            longest_wait_s=self.longest_s,
            sla_met_share=self.sla_met / len(closed) if closed else None,
        )


@dataclass
class WaitSummary:
    """One period's waits: the headline pool, the waits measured as of now, and the slices asked for."""

    overall: Pool
    measured: list[WaitRow]  # open waits (and closed ones without a stored duration), as of `now`
    longest_closed: WaitRow | None  # the longest closed wait the database aggregated (ties as `longest`)
    channels: dict[str, Pool] = field(default_factory=dict)
    reps: dict[int | None, Pool] = field(default_factory=dict)  # closed waits by the rep who closed them
    hours: list[Pool] = field(default_factory=list)
    weekdays: list[Pool] = field(default_factory=list)
    topics: dict[str, Pool] = field(default_factory=dict)

    def figures(self, sla_minutes: float) -> WaitFigures:
        still_open = [w for w in self.measured if not w.closed]
        candidates = self.measured if self.longest_closed is None else [self.longest_closed, *self.measured]
        pool = self.overall
        return WaitFigures(
            first_response=summarize_sorted(pool.first),
            response=summarize_sorted(pool.closed),
            longest=longest(candidates),
            unanswered=Backlog(len(still_open), max((w.seconds for w in still_open), default=None)),
            sla_met_share=pool.sla_met / len(pool.closed) if pool.closed else None,
            breached_open=sum(not sla_met(w.sla_seconds, sla_minutes) for w in still_open),
            buckets=bucket_counts_sorted(pool.first, sum(1 for w in still_open if w.first)),
        )

    def slot_rows(self, pools: Sequence[Pool]) -> tuple[SlotRow, ...]:
        return tuple(SlotRow(i, p.waits, summarize_sorted(p.closed)) for i, p in enumerate(pools))


def summary_from_rows(waits: Iterable[WaitRow], sla_minutes: float, tz: ZoneInfo, wanted: Sequence[str], *,
                      topics: bool = True) -> WaitSummary:
    """Every wait as a row: the pools built in Python (SQLite, and the reference for PostgreSQL's)."""
    summary = WaitSummary(Pool(), [], None)
    by_channel, by_rep, by_topic = "channel" in wanted, "rep" in wanted, topics
    by_hour, by_weekday = "hour" in wanted, "weekday" in wanted
    if by_hour:
        summary.hours = [Pool() for _ in range(24)]
    if by_weekday:
        summary.weekdays = [Pool() for _ in range(7)]
    closed_rows: list[WaitRow] = []
    for w in waits:
        if w.closed:
            closed_rows.append(w)
        else:
            summary.measured.append(w)
        if by_channel:
            _pool(summary.channels, w.channel).add(w, sla_minutes)
        if by_rep and w.closed:
            _pool(summary.reps, w.rep_id).add(w, sla_minutes)
        if by_topic:
            for topic in w.topics:
                _pool(summary.topics, topic).add(w, sla_minutes)
        if by_hour or by_weekday:
            local = _local(w.opened_at, tz)
            if by_hour:
                summary.hours[local.hour].add(w, sla_minutes)
            if by_weekday:
                summary.weekdays[local.weekday()].add(w, sla_minutes)
    # The headline pool in one go (it is the big one).
    summary.overall = Pool(
        len(closed_rows) + len(summary.measured),
        sorted(w.seconds for w in closed_rows),
        sorted(w.seconds for w in closed_rows if w.first),
        sum(sla_met(w.sla_seconds, sla_minutes) for w in closed_rows),
        max((w.seconds for w in (*closed_rows, *summary.measured)), default=None),
    )
    summary.longest_closed = longest(closed_rows)
    return summary


def add_measured(summary: WaitSummary, measured: Iterable[WaitRow], sla_minutes: float, tz: ZoneInfo) -> None:
    """Add waits measured as of now to pools the database built (it counted them in `waits` already)."""
    for w in measured:
        summary.measured.append(w)
        # (A closed wait here had no stored duration: the database left it out of every pool's durations.)
        summary.overall.add(w, sla_minutes, count=False)
        if summary.channels and w.channel in summary.channels:
            summary.channels[w.channel].add(w, sla_minutes, count=False)
        if summary.reps and w.closed:
            _pool(summary.reps, w.rep_id).add(w, sla_minutes, count=False)
        for topic in w.topics:
            if topic in summary.topics:
                summary.topics[topic].add(w, sla_minutes, count=False)
        if summary.hours or summary.weekdays:
            local = _local(w.opened_at, tz)
            if summary.hours:
                summary.hours[local.hour].add(w, sla_minutes, count=False)
            if summary.weekdays:
                summary.weekdays[local.weekday()].add(w, sla_minutes, count=False)


def _pool(pools: dict, key: object) -> Pool:  # type: ignore[type-arg]
    pool = pools.get(key)
    if pool is None:
        pool = pools[key] = Pool()
    return pool


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    return at.astimezone(tz)
