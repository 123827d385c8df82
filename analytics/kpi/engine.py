"""The KPI entry point: `compute_report(session, period, ...)` -> `KpiReport`.

I/O happens here and in queries.py; the rules live in stats.py and breakdowns.py. Definitions are in
docs/metrics.md.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from analytics.business_hours import BusinessCalendar
from analytics.calls import call_score_summary
from analytics.errors import InvalidInput
from analytics.kpi import queries
from analytics.kpi.breakdowns import (
    WaitFigures,
    WaitRow,
    empty_labels,
    label_bounds,
    longest,
    sentiment_distribution,
    split_topics,
    topic_message_counts,
)
from analytics.kpi.pools import Pool, WaitSummary, add_measured, summary_from_rows
from analytics.kpi.report import (
    NO_LONGEST_WAIT,
    Backlog,
    ChannelRow,
    Headline,
    KpiReport,
    LongestWait,
    OptOuts,
    PeriodInfo,
    RepRef,
    RepRow,
    Sla,
    TopicRow,
    TopicSummary,
    Volume,
)
from analytics.kpi.stats import share
from analytics.masking import mask_address
from analytics.models import INBOUND, OPT_IN, OPT_OUT, WAIT_CLOSED
from analytics.periods import Period
from analytics.sentiment import UNHAPPY_BELOW

BREAKDOWNS = ("rep", "channel", "hour", "weekday", "topic", "calls")
# `calls` is a section rather than a slicing of the waits: the call-score summary of the period
# (analytics.calls.call_score_summary), as `calls` in the JSON.


def parse_breakdowns(values: Iterable[str]) -> tuple[str, ...]:
    """Breakdown names from repeated and/or comma-separated values, in the order given, deduplicated."""
    out: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in BREAKDOWNS:
                raise InvalidInput(f"unknown breakdown {name!r}; expected one of {', '.join(BREAKDOWNS)}")
            if name not in out:
                out.append(name)
    return tuple(out)


class _Clock:
    """Durations of waits as the report shows them and as the SLA judges them."""

    def __init__(self, now: datetime, calendar: BusinessCalendar, business_hours: bool) -> None:
        self.now = now
        self.calendar = calendar
        self.business_hours = business_hours
        # The SLA is judged in business time whenever business hours are configured.
        self.sla_business = not calendar.always_open

    def elapsed(self, opened_at: datetime) -> tuple[float, float]:
        """(calendar, business) seconds from `opened_at` to now, never negative."""
        calendar_s = max(0.0, (self.now - opened_at).total_seconds())
        if self.calendar.always_open or not (self.business_hours or self.sla_business):
            return calendar_s, calendar_s
        return calendar_s, self.calendar.business_seconds(opened_at, self.now)

    def shown(self, calendar_s: float, business_s: float) -> tuple[float, float]:
        """(displayed seconds, SLA seconds)."""
        return (business_s if self.business_hours else calendar_s,
                business_s if self.sla_business else calendar_s)


def _wait_rows(rows: Sequence, clock: _Clock) -> list[WaitRow]:
    out: list[WaitRow] = []
    append = out.append
    topic_cache: dict[str, tuple[str, ...]] = {}
    business, sla_business = clock.business_hours, clock.sla_business
    for contact_id, opened_at, state, calendar_s, business_s, first, rep_id, channel, joined in rows:
        closed = state == WAIT_CLOSED
        if opened_at.tzinfo is None:
            opened_at = opened_at.replace(tzinfo=UTC)
        if not closed or calendar_s is None:
            calendar_s, business_s = clock.elapsed(opened_at)
        elif business_s is None:
            business_s = calendar_s
        topics = topic_cache.get(joined)
        if topics is None:
            topics = topic_cache[joined] = split_topics(joined)
        append(WaitRow(contact_id, opened_at, closed, business_s if business else calendar_s,
                       business_s if sla_business else calendar_s, first, rep_id, channel, topics))
    return out


def _headline(period: Period, tz: ZoneInfo, hours: str, figures: WaitFigures, sla_minutes: float,
              opted_out_now: int, addresses: dict[int, str], messages: _Messages
              ) -> tuple[Headline, dict[str, dict[str, int]], dict[int | None, int], dict[str, int]]:
    """The headline figures, plus message counts per channel (for by_channel), replies per rep and inbound
    messages per topic."""
    channels: dict[str, dict[str, int]] = {}
    replies: dict[int | None, int] = {}
    topic_groups: dict[str, int] = {}
    inbound = outbound = automated = 0
    for channel, direction, is_automated, rep_id, topics, count in messages.counts:
        slot = channels.setdefault(channel, {"inbound": 0, "outbound": 0})
        if direction == INBOUND:
            inbound += count
            slot["inbound"] += count
            if topics:
                topic_groups[topics] = topic_groups.get(topics, 0) + count
        else:
            outbound += count
            slot["outbound"] += count
            if is_automated:
                automated += count
            else:
                replies[rep_id] = replies.get(rep_id, 0) + count
    counts = messages.period
    volume = Volume(inbound, outbound, automated, counts["new_contacts"], counts["conversations"])
    opt_outs = OptOuts(counts[OPT_OUT], counts[OPT_IN], share(counts[OPT_OUT], counts["active"]), opted_out_now)
    best = figures.longest
    longest = NO_LONGEST_WAIT
    if best is not None:
        address = addresses.get(best.contact_id)
        longest = LongestWait(best.seconds, not best.closed, mask_address(address) if address else None,
                              best.opened_at)
    headline = Headline(
        period=PeriodInfo(period.start, period.end, tz.key, hours),
        first_response=figures.first_response,
        response=figures.response,
        longest_wait=longest,
        volume=volume,
        opt_outs=opt_outs,
        sla=Sla(sla_minutes, figures.sla_met_share, figures.breached_open),
    )
    return headline, channels, replies, topic_message_counts(topic_groups.items())


@dataclass
class _Messages:
    """One period's message-side reads."""

    counts: Sequence[Row | tuple]  # queries.message_counts
    period: dict[str, int]  # queries.period_counts


async def _read_messages(session: AsyncSession, period: Period, rows_only: bool) -> _Messages:
    rows, active = await queries.message_counts(session, period, with_active=not rows_only)
    counts = await queries.period_counts(session, period, active=active is None)
    if active is not None:
        counts["active"] = active
    return _Messages(rows, counts)


async def _side_by_side(session: AsyncSession, *parts: Callable[[AsyncSession], Awaitable[Any]],
                        rows_only: bool) -> list[Any]:
    """Run independent parts of a report: on PostgreSQL at once, the first on `session` and each other on
    a connection of its own (a report's queries are CPU-bound scans, so they use the server's cores side by
    side; a report holds at most len(parts) connections), elsewhere one after another on `session`. The
    parts see the same committed data as one session would in READ COMMITTED: each statement its own
    snapshot. The report settings stay on `session` until the caller's transaction ends."""
    await queries.tune_for_report(session)
    bind = session.bind
    if rows_only or not isinstance(bind, AsyncEngine):
        return [await part(session) for part in parts]

    async def on_its_own(part: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async with AsyncSession(bind) as side:
            await queries.tune_for_report(side)
            return await part(side)

    # A TaskGroup: when one part fails the others are cancelled and give their connections back.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(part(session) if i == 0 else on_its_own(part)) for i, part in enumerate(parts)]
    return [task.result() for task in tasks]


# How a report pools the waits: the database aggregates them (PostgreSQL only; see pools.py), or every wait's
# row comes back and Python pools them (SQLite, and PostgreSQL when asked, to check one path against the other).
IN_DATABASE, ROW_BY_ROW = "database", "rows"


def default_aggregation(session: AsyncSession) -> str:
    """The production path for the session's database."""
    return IN_DATABASE if session.bind.dialect.name == "postgresql" else ROW_BY_ROW


def _rows_only(session: AsyncSession, aggregation: str | None) -> bool:
    chosen = aggregation or default_aggregation(session)
    if chosen not in (IN_DATABASE, ROW_BY_ROW):
        raise InvalidInput(f"unknown aggregation {chosen!r}; expected {IN_DATABASE!r} or {ROW_BY_ROW!r}")
    if chosen == IN_DATABASE and default_aggregation(session) != IN_DATABASE:
        raise InvalidInput(f"only PostgreSQL aggregates in the database, not {session.bind.dialect.name}")
    return chosen == ROW_BY_ROW


async def _wait_summary(session: AsyncSession, period: Period, clock: _Clock, tz: ZoneInfo,
                        wanted: Sequence[str], sla_minutes: float, *, topics: bool, rows_only: bool) -> WaitSummary:
    """The period's waits as pools: aggregated by PostgreSQL, or built here from every wait's row."""
    if rows_only:
        waits = _wait_rows(await queries.waits_opened(session, period), clock)
        return summary_from_rows(waits, sla_minutes, tz, wanted, topics=topics)
    business, sla_business = clock.business_hours, clock.sla_business
    limit = sla_minutes * 60.0
    summary = WaitSummary(Pool(), [], None)
    hours: list[tuple[int, Pool]] = []
    weekdays: list[tuple[int, Pool]] = []
    for kind, key, count, closed, first, met in await queries.wait_pools(
            session, period, business=business, sla_business=sla_business, sla_seconds=limit,
            breakdowns=wanted,
            segments=offset_segments(period, tz) if {"hour", "weekday"} & set(wanted) else [(None, 0)]):
        pool = Pool(count, closed, first, met, closed[-1] if closed else None)
        if kind == "":
            summary.overall = pool
        elif kind == "rep":
            summary.reps[key] = pool
        elif kind == "channel":
            summary.channels[key] = pool
        elif kind == "hour":
            hours.append((key, pool))
        else:
            weekdays.append((key, pool))
    summary.hours = _slots(hours, 24) if "hour" in wanted else []
    summary.weekdays = _slots(weekdays, 7) if "weekday" in wanted else []
    if topics:
        for topic, count, closed, first, met, longest_s in await queries.topic_pools(
                session, period, business=business, sla_business=sla_business, sla_seconds=limit,
                durations="topic" in wanted):
            summary.topics[topic] = Pool(count, closed, first, met, longest_s)
    longest_closed_s = summary.overall.closed[-1] if summary.overall.closed else None
    rows = await queries.waits_measured_now(session, period, business=business, longest_closed_s=longest_closed_s)
    measured, tied = [], []
    for row in rows:
        # (state, calendar_seconds): a closed wait with a stored duration is a longest-wait candidate.
        (tied if row[2] == WAIT_CLOSED and row[3] is not None else measured).append(row)
    summary.longest_closed = longest(_wait_rows(tied, clock))
    add_measured(summary, _wait_rows(measured, clock), sla_minutes, tz)
    return summary


def _slots(found: list[tuple[int, Pool]], size: int) -> list[Pool]:
    slots = [Pool() for _ in range(size)]
    for index, pool in found:
        slots[index] = pool
    return slots


def offset_segments(period: Period, tz: ZoneInfo) -> list[tuple[datetime | None, int]]:
    """[(from, UTC offset in seconds)] of `tz` over the period, the first `from` None: zoneinfo's offsets,
    so the database's local hours and weekdays are exactly Python's `astimezone` (at most one change an
    hour, as in every real zone)."""
    last = period.end - timedelta(microseconds=1)
    segments: list[tuple[datetime | None, int]] = [(None, _offset(period.start, tz))]
    at = period.start
    while at < last:
        nxt = min(at + timedelta(hours=1), last)
        offset = _offset(nxt, tz)
        if offset != segments[-1][1]:
            # `at` has the old offset, `nxt` the new one: find the first instant of the new one.
            lo, hi = at, nxt
            while hi - lo > timedelta(microseconds=1):
                mid = lo + (hi - lo) // 2
                if _offset(mid, tz) == offset:
                    hi = mid
                else:
                    lo = mid
            segments.append((hi, offset))
        at = nxt
    return segments


def _offset(at: datetime, tz: ZoneInfo) -> int:
    offset = at.astimezone(tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report builds its rows.

    A 90-day report allocates hundreds of thousands of small tuples that the collector would scan again
    and again (it measured as ~40 % of the report's time); they hold no cycles, and reference counting
    still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def compute_report(
    session: AsyncSession,
    period: Period,
    *,
    now: datetime,
    tz: ZoneInfo,
    calendar: BusinessCalendar,
    sla_minutes: float,
    breakdowns: Sequence[str] = (),
    business_hours: bool = False,
    with_previous: bool = True,
    aggregation: str | None = None,
) -> KpiReport:
    """KPIs of the waits and messages in [period.start, period.end), durations as of `now`.

    `business_hours` switches every duration to business seconds; `breakdowns` adds by_rep, by_hour,
    by_weekday, by_topic (and wait figures inside by_channel) for the names in BREAKDOWNS; `calls` adds
    the period's call-score summary. `aggregation` (IN_DATABASE or ROW_BY_ROW) picks how waits are pooled;
    None is the database's production path (`default_aggregation`). Both give the same figures.
    """
    rows_only = _rows_only(session, aggregation)
    with _no_cycle_collection():
        return await _compute(session, period, now=now, tz=tz, calendar=calendar, sla_minutes=sla_minutes,
                              breakdowns=breakdowns, business_hours=business_hours, with_previous=with_previous,
                              rows_only=rows_only)


async def _compute(session: AsyncSession, period: Period, *, now: datetime, tz: ZoneInfo,
                   calendar: BusinessCalendar, sla_minutes: float, breakdowns: Sequence[str],
                   business_hours: bool, with_previous: bool, rows_only: bool) -> KpiReport:
    if now.utcoffset() is None:
        raise InvalidInput("now must be an aware datetime")
    if not sla_minutes > 0:
        raise InvalidInput(f"the SLA must be a positive number of minutes, not {sla_minutes}")
    wanted = parse_breakdowns(breakdowns)
    hours = "business" if business_hours else "calendar"
    clock = _Clock(now, calendar, business_hours)
    before = period.previous(tz)
    sentiment_by_topic = "topic" in wanted

    async def current_waits(side: AsyncSession) -> WaitSummary:
        return await _wait_summary(side, period, clock, tz, wanted, sla_minutes, topics=True, rows_only=rows_only)

    async def previous_waits(side: AsyncSession) -> WaitSummary:
        return await _wait_summary(side, before, clock, tz, (), sla_minutes, topics=False, rows_only=rows_only)

    async def previous_messages(side: AsyncSession) -> _Messages:
        return await _read_messages(side, before, rows_only)

    # The state of now rides with the period's messages: the lightest part (the wait part is the longest).
    async def messages(side: AsyncSession) -> tuple[tuple[int, int, datetime | None], _Messages]:
        return await queries.current_state(side), await _read_messages(side, period, rows_only)

    async def moods(side: AsyncSession) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        return await _sentiment(side, period, by_topic=sentiment_by_topic, rows_only=rows_only)

    summary, (state, now_messages), sentiments, *rest = await _side_by_side(
        session, current_waits, messages, moods, *([previous_waits, previous_messages] if with_previous else []),
        rows_only=rows_only)
    earlier: tuple[WaitSummary, _Messages] | None = (rest[0], rest[1]) if rest else None
    opted_out_now, open_count, oldest_at = state
    figures = summary.figures(sla_minutes)
    prev_figures = earlier[0].figures(sla_minutes) if earlier is not None else None
    # One round trip for both longest waits' contacts.
    addresses = await queries.contact_addresses(
        session, {f.longest.contact_id for f in (figures, prev_figures) if f is not None and f.longest})
    headline, channel_counts, replies, message_topics = _headline(
        period, tz, hours, figures, sla_minutes, opted_out_now, addresses, now_messages)

    open_now = Backlog(open_count, clock.shown(*clock.elapsed(oldest_at))[0] if oldest_at else None)

    sentiment, topic_sentiment = sentiments
    topic_names = sorted(set(message_topics) | {str(t) for t in summary.topics})
    topics = {}
    for name in topic_names:
        pool = summary.topics.get(name)
        topics[name] = TopicSummary(message_topics.get(name, 0), pool.longest_s if pool else None)

    channel_pools = summary.channels if "channel" in wanted else {}
    by_channel = {
        name: ChannelRow(
            counts.get("inbound", 0), counts.get("outbound", 0),
            channel_pools.get(name, Pool()).figures() if "channel" in wanted else None,
        )
        for name, counts in {**{str(k): {} for k in channel_pools}, **channel_counts}.items()
    }

    previous_headline = None
    if earlier is not None and prev_figures is not None:
        previous_headline, _, _, _ = _headline(before, tz, hours, prev_figures, sla_minutes, opted_out_now,
                                               addresses, earlier[1])

    return KpiReport(
        headline=headline,
        unanswered=figures.unanswered,
        open_now=open_now,
        by_channel=by_channel,
        first_response_buckets=figures.buckets,
        sentiment=sentiment,
        topics=topics,
        previous=previous_headline,
        by_rep=await _by_rep(session, replies, summary) if "rep" in wanted else None,
        by_hour=summary.slot_rows(summary.hours) if "hour" in wanted else None,
        by_weekday=summary.slot_rows(summary.weekdays) if "weekday" in wanted else None,
        by_topic=_by_topic(topic_names, message_topics, summary, topic_sentiment) if "topic" in wanted else None,
        calls=await call_score_summary(session, period.start, period.end, tz=tz) if "calls" in wanted else None,
    )


async def _by_rep(session: AsyncSession, replies: dict[int | None, int], summary: WaitSummary
                  ) -> tuple[RepRow, ...]:
    closed_by = {rep_id: pool for rep_id, pool in summary.reps.items() if pool.closed}
    ids = {k for k in replies if k is not None} | {k for k in closed_by if k is not None}
    names = await queries.rep_names(session, ids)  # type: ignore[arg-type]
    rows = []
    for rep_id in [*ids, None]:
        if rep_id is None and None not in replies and None not in closed_by:
            continue
        figures = closed_by.get(rep_id, Pool()).figures()
        ref = RepRef(rep_id, names.get(rep_id, f"rep {rep_id}")) if rep_id is not None else None
        rows.append(RepRow(ref, replies.get(rep_id, 0), figures.first_response, figures.response,
                           figures.sla_met_share))
    # Named reps alphabetically, replies with no known rep last.
    rows.sort(key=lambda r: (r.rep is None, r.rep.name.casefold() if r.rep else "", r.rep.id if r.rep else 0))
    return tuple(rows)


async def _sentiment(session: AsyncSession, period: Period, *, by_topic: bool, rows_only: bool
                     ) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Conversations by label, and with `by_topic` by label per topic their inbound messages touched.

    The database labels the conversations (queries.conversation_labels, the rule of
    `breakdowns.conversation_label`), so only counts come back; SQLite, which cannot split the stored topic
    lists, sends one (conversation, label) row each for the per-topic counts.
    """
    bounds = label_bounds()
    overall = empty_labels()
    per_topic: dict[str, dict[str, int]] = {}
    if not by_topic:
        for label, count in await queries.conversation_labels(session, period, bounds=bounds,
                                                               unhappy_below=UNHAPPY_BELOW, per_conversation=False):
            overall[label] += count
        return overall, per_topic
    if not rows_only:
        for topic, label, count in await queries.topic_labels(session, period, bounds=bounds,
                                                              unhappy_below=UNHAPPY_BELOW):
            counts = overall if topic is None else per_topic.setdefault(topic, empty_labels())
            counts[label] += count
        return overall, per_topic
    labels = dict(await queries.conversation_labels(session, period, bounds=bounds, unhappy_below=UNHAPPY_BELOW,
                                                    per_conversation=True))
    overall = sentiment_distribution(labels.values())
    touched: dict[str, set[int]] = {}
    for conversation_id, joined in await queries.conversation_topics(session, period):
        for topic in split_topics(joined):
            touched.setdefault(topic, set()).add(conversation_id)
    for topic, conversations in touched.items():
        per_topic[topic] = sentiment_distribution(labels[c] for c in conversations if c in labels)
    return overall, per_topic


def _by_topic(names: list[str], messages: dict[str, int], summary: WaitSummary,
              topic_sentiment: dict[str, dict[str, int]]) -> tuple[TopicRow, ...]:
    # Conversations whose inbound messages in the period touched the topic, by their label.
    return tuple(TopicRow(name, messages.get(name, 0), summary.topics.get(name, Pool()).figures(),
                          topic_sentiment.get(name, empty_labels())) for name in names)
