"""The fast paths of the KPI engine give exactly the figures of the row-by-row path.

On PostgreSQL the database aggregates waits into pools (sorted float8 arrays per slice, GROUPING SETS) and
labels conversations in SQL; the row-by-row path (what SQLite runs) builds the same pools in Python. Both
paths exist only on PostgreSQL: here both run on the same random histories there, and the JSON must be
identical, not merely close. test_kpi_property.py checks each database's production path against a slow
reference.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from analytics.business_hours import BusinessCalendar, parse_business_hours
from analytics.db import Database
from analytics.errors import InvalidInput
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.kpi import BREAKDOWNS, compute_report, engine
from analytics.kpi.breakdowns import label_bounds
from analytics.kpi.stats import bucket_counts, bucket_counts_sorted, summarize, summarize_sorted
from analytics.models import Rep
from analytics.periods import Period, local_midnight
from analytics.sentiment import label_for
from analytics.topics import default_topics

NY = ZoneInfo("America/New_York")
NY_HOURS = BusinessCalendar(parse_business_hours("Mon-Fri 09:00-17:00"), frozenset(), NY)
ALWAYS = BusinessCalendar(parse_business_hours(""), frozenset(), NY)
T0 = datetime(2026, 10, 29, 12, 0, tzinfo=UTC)  # a Thursday; the history crosses the end of DST (Nov 1)
BODIES = ("hi", "how much is the pro plan?", "can we book a demo?", "love it, thanks!! 😍", "this is broken 😡",
          "we use podium now", "I want to cancel", "ok", "STOP", "start", "HELP", "not working, still waiting")


async def load_random_history(db: Database, seed: int, calendar: BusinessCalendar) -> None:
    rng = random.Random(seed)
    config = IngestConfig(gap=timedelta(hours=24), calendar=calendar, topics=default_topics())
    async with db.transaction() as session:
        session.add_all([Rep(name=name) for name in ("Ana", "Ben", "Cy")])
    messages = []
    for n in range(160):
        contact = rng.randint(1, 14)
        channel = ("sms", "whatsapp", "mms")[contact % 3]
        address = f"{'whatsapp:' if channel == 'whatsapp' else ''}+1555000{contact:04d}"
        inbound = rng.random() < 0.55
        at = T0 + timedelta(minutes=rng.randint(0, 6 * 24 * 60), seconds=rng.choice((0, 0, 30, 59.5)))
        messages.append(IncomingMessage(
            sid=f"SM{n:04d}", address=address, direction="inbound" if inbound else "outbound", channel=channel,
            body=rng.choice(BODIES) if inbound else "on it", sent_at=at,
            rep_id=None if inbound else rng.choice((None, 1, 2, 3)),
            automated=not inbound and rng.random() < 0.15))
    rng.shuffle(messages)
    for msg in messages:
        async with db.transaction() as session:
            await record_message(session, msg, config)


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url, pool_size=5)
    yield database
    await database.dispose()


async def both_paths(db: Database, period: Period, now: datetime, calendar: BusinessCalendar, business: bool,
                     breakdowns: tuple[str, ...]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """(in the database, row by row): the first is what production runs on PostgreSQL."""
    out = []
    for aggregation in (None, engine.ROW_BY_ROW):
        statements: list[str] = []

        def seen(_conn, _cursor, statement, *_args, into=statements) -> None:  # type: ignore[no-untyped-def]
            into.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
        try:
            async with db.read() as session:
                report = await compute_report(session, period, now=now, tz=NY, calendar=calendar, sla_minutes=15,
                                              breakdowns=breakdowns, business_hours=business,
                                              aggregation=aggregation)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
        # Two different paths, not one path twice: only the database path pools waits in SQL.
        pooled_in_sql = any("array_agg" in s for s in statements)
        assert pooled_in_sql == (aggregation is None), aggregation
        out.append(report.to_json())
    return out[0], out[1]


async def test_production_path_on_postgresql_aggregates_in_the_database(db: Database) -> None:
    async with db.read() as session:
        assert engine.default_aggregation(session) == engine.IN_DATABASE


@pytest.mark.sqlite
async def test_sqlite_cannot_be_asked_to_aggregate_in_the_database(sqlite_template: Path, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "kpi.db")
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path / 'kpi.db'}")
    try:
        async with sqlite.read() as session:
            assert engine.default_aggregation(session) == engine.ROW_BY_ROW
            with pytest.raises(InvalidInput, match="only PostgreSQL"):
                await compute_report(session, Period(T0, T0 + timedelta(days=1)), now=T0, tz=NY, calendar=ALWAYS,
                                     sla_minutes=15, aggregation=engine.IN_DATABASE)
    finally:
        await sqlite.dispose()


@pytest.mark.parametrize("seed", [1, 2])
async def test_database_aggregation_equals_the_row_by_row_path(db: Database, seed: int) -> None:
    calendar = NY_HOURS if seed % 2 else ALWAYS
    await load_random_history(db, seed, calendar)
    now = T0 + timedelta(days=5, hours=7)
    days = Period(local_midnight(T0.astimezone(NY).date() + timedelta(days=2), NY),
                  local_midnight(T0.astimezone(NY).date() + timedelta(days=5), NY))  # across the DST change
    odd = Period(T0 + timedelta(hours=5, minutes=17), T0 + timedelta(days=4, hours=1))
    for period in (days, odd):
        for business in (False, True):
            fast, rows = await both_paths(db, period, now, calendar, business, BREAKDOWNS)
            assert fast == rows, (period, business)
            assert fast["response"]["count"] > 0
    fast, rows = await both_paths(db, days, now, calendar, False, ())
    assert fast == rows


async def test_empty_period_is_the_same_on_both_paths(db: Database) -> None:
    period = Period(T0, T0 + timedelta(days=1))
    fast, rows = await both_paths(db, period, T0, NY_HOURS, False, BREAKDOWNS)
    assert fast == rows
    assert fast["response"] == {"count": 0, "mean_s": None, "median_s": None, "p90_s": None, "max_s": None}


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu",
                                  "UTC"])
def test_offset_segments_match_astimezone(zone: str) -> None:
    tz = ZoneInfo(zone)
    period = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    segments = engine.offset_segments(period, tz)

    def offset_at(at: datetime) -> int:
        current = segments[0][1]
        for start, offset in segments[1:]:
            if start is not None and at >= start:
                current = offset
        return current

    rng = random.Random(zone)
    probes = [period.start, period.end - timedelta(microseconds=1)]
    probes += [s for s, _ in segments[1:] if s is not None] + [s - timedelta(microseconds=1)
                                                                for s, _ in segments[1:] if s is not None]
    probes += [period.start + timedelta(seconds=rng.uniform(0, 275 * 86_400)) for _ in range(2000)]
    for at in probes:
        assert offset_at(at) == at.astimezone(tz).utcoffset().total_seconds(), at  # type: ignore[union-attr]


durations = st.lists(st.one_of(st.sampled_from([0.0, 59.999, 60.0, 300.0, 899.0, 900.0, 3600.0, 14_400.0,
                                                86_399.9, 86_400.0]),
                               st.floats(0, 10 * 86_400, allow_nan=False)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(values=durations, open_count=st.integers(0, 3))
def test_sorted_helpers_equal_the_plain_rules(values: list[float], open_count: int) -> None:
    ordered = sorted(values)
    assert bucket_counts_sorted(ordered, open_count) == bucket_counts(values, open_count)
    fast, plain = summarize_sorted(ordered), summarize(values)
    assert fast == plain
    if values:
        assert fast.mean_s == math.fsum(values) / len(values)


@settings(max_examples=500, deadline=None)
@given(x=st.one_of(st.floats(-1.5, 1.5, allow_nan=False),
                   st.sampled_from([0.5, 0.1, -0.05]).flatmap(
                       lambda t: st.floats(t - 0.0002, t + 0.0002, allow_nan=False))))
def test_label_bounds_classify_like_rounding_then_thresholds(x: float) -> None:
    very_happy, happy, unhappy = label_bounds()
    by_bounds = ("very_happy" if x >= very_happy else "happy" if x >= happy else "unhappy" if x < unhappy
                 else "neutral")
    assert by_bounds == label_for(round(max(-1.0, min(1.0, x)), 4))
