"""The funnel at scale: kpi_scale's 1M-message history plus 100,000 opportunities with realistic stage
events, timing `compute_funnel` beside the KPI report on PostgreSQL (and SQLite).

    .venv/bin/python bench/funnel_scale.py --messages 1000000 --opportunities 100000 [--sqlite]

The messages, waits and conversations are kpi_scale's (same generator, same seed). Each of the first
`--opportunities` leads gets the stage history of `analytics.outcomes.synthetic_outcomes` from its first
inbound text and its first response (faster answers win more often); every opportunity row is derived from
its events by `analytics.outcomes.state.derive`, exactly as recording them one by one would store it. Then
median of 5 warm runs: the 7-day KPI report with every breakdown, the 7-day funnel, both one after the
other (what the report with the funnel will cost; issue 16's target is at most +100 ms on PostgreSQL), the
90-day funnel, and the leads at risk now.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.db import Database
from analytics.kpi import BREAKDOWNS, compute_report
from analytics.outcomes.funnel import compute_funnel, leads_at_risk
from analytics.outcomes.stages import parse_stages
from analytics.outcomes.state import EventRow, derive
from analytics.outcomes.synthetic import Lead, synthetic_outcomes
from analytics.periods import Period, local_midnight
from bench.kpi_scale import CALENDAR, NOW, TZ, Ids, Rows, add_reps, fresh_pg_database, generate, load_pg, load_sqlite
from bot.migrations import upgrade

STAGES = parse_stages()
EVENT_COLUMNS = ("id", "contact_id", "opportunity_id", "stage", "at", "recorded_at", "actor_kind", "actor_id",
                 "source", "demo_at", "value_minor", "currency", "reason", "client_event_id", "corrects")
OPPORTUNITY_COLUMNS = ("id", "contact_id", "opened_at", "auto_opened", "stage", "stage_entered_at", "closed_at",
                       "outcome", "value_minor", "currency", "lost_reason", "demo_at", "demo_booked_at",
                       "demo_held_at", "proposal_at", "proposal_value_minor", "proposal_currency", "rep_id",
                       "reached", "last_event_at", "last_event_id", "updated_at")


def leads_of(rows: Rows, limit: int) -> list[Lead]:
    """Each contact's first inbound text (not a keyword) and the first wait's answer time and rep."""
    first_in: dict[int, datetime] = {}
    for m in rows.message:  # (id, sid, contact, conversation, direction, channel, body, media, sent_at, rep, ...)
        if m[4] == "inbound" and m[11] is None:
            at = first_in.get(m[2])
            if at is None or m[8] < at:
                first_in[m[2]] = m[8]
    first_wait: dict[int, tuple[datetime, float | None, int | None]] = {}
    for w in rows.wait:  # (id, contact, conversation, msg, opened_at, last_in, closed_at, closed_msg, rep, state, cal)
        seen = first_wait.get(w[1])
        if seen is None or w[4] < seen[0]:
            first_wait[w[1]] = (w[4], w[10] if w[9] == "closed" else None, w[8])
    leads = []
    for contact in sorted(first_in)[:limit]:
        _at, seconds, rep = first_wait.get(contact, (None, None, None))
        leads.append(Lead(contact, first_in[contact], seconds, rep or 1 + contact % 25))
    return leads


def outcome_rows(leads: list[Lead], rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    events: list[tuple] = []
    opportunities: list[tuple] = []
    for lead_changes in synthetic_outcomes(leads, stages=STAGES, now=NOW, rng=rng, source="import"):
        for changes in lead_changes:
            opp_id = len(opportunities) + 1
            rows = []
            for c in changes:
                eid = len(events) + 1
                value = c.value.minor if c.value else None
                currency = c.value.currency if c.value else None
                events.append((eid, c.contact_id, opp_id, c.stage, c.at, c.at, c.actor_kind, c.actor_id, c.source,
                               c.demo_at, value, currency, c.reason, None, None))
                rows.append(EventRow(eid, c.stage, c.at, c.actor_kind, c.actor_id, c.source, c.demo_at, value,
                                     currency, c.reason))
            s = derive(rows, STAGES)
            assert s is not None
            opportunities.append((opp_id, changes[0].contact_id, s.opened_at, s.auto_opened, s.stage,
                                  s.stage_entered_at, s.closed_at, s.outcome, s.value_minor, s.currency, s.lost_reason,
                                  s.demo_at, s.demo_booked_at, s.demo_held_at, s.proposal_at, s.proposal_value_minor,
                                  s.proposal_currency, s.rep_id, ",".join(s.reached), s.last_event_at,
                                  s.last_event_id, NOW))
    return events, opportunities


async def load_outcomes_pg(url: str, events: list[tuple], opportunities: list[tuple]) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.copy_records_to_table("opportunity", records=opportunities, columns=OPPORTUNITY_COLUMNS)
        await conn.copy_records_to_table("stage_event", records=events, columns=EVENT_COLUMNS)
        await conn.execute("VACUUM ANALYZE opportunity")
        await conn.execute("VACUUM ANALYZE stage_event")
    finally:
        await conn.close()


def load_outcomes_sqlite(path: Path, events: list[tuple], opportunities: list[tuple]) -> None:
    def value(v: object) -> object:
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v

    conn = sqlite3.connect(path)
    try:
        for table, cols, rows in (("opportunity", OPPORTUNITY_COLUMNS, opportunities),
                                  ("stage_event", EVENT_COLUMNS, events)):
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            conn.executemany(sql, ([value(v) for v in r] for r in rows))
        conn.commit()
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def timed(url: str, part: Callable[[Any], Awaitable[object]], runs: int = 5) -> float:
    """Median wall time in ms over `runs` warm runs (one discarded warm-up), each in a fresh read session."""
    db = Database(url)
    times = []
    try:
        for i in range(runs + 1):
            started = time.perf_counter()
            async with db.read() as session:
                await part(session)
            if i:
                times.append((time.perf_counter() - started) * 1000)
    finally:
        await db.dispose()
    return statistics.median(times)


async def measure(url: str, label: str, week: Period, quarter: Period) -> None:
    async def report(session: Any) -> object:
        return await compute_report(session, week, now=NOW, tz=TZ, calendar=CALENDAR, sla_minutes=15,
                                    breakdowns=BREAKDOWNS)

    async def funnel(session: Any, period: Period = week) -> object:
        return await compute_funnel(session, period, now=NOW, tz=TZ, calendar=CALENDAR, stages=STAGES)

    async def both(session: Any) -> object:
        await report(session)
        return await funnel(session)

    async def risk(session: Any) -> object:
        return await leads_at_risk(session, now=NOW, calendar=CALENDAR, stages=STAGES, sla_minutes=15)

    alone, with_funnel = await timed(url, report), await timed(url, both)
    print(f"{label}: 7-day report, all breakdowns: {alone:.1f} ms; report then funnel: {with_funnel:.1f} ms "
          f"(+{with_funnel - alone:.1f} ms)", flush=True)
    print(f"{label}: 7-day funnel alone: {await timed(url, funnel):.1f} ms; 7-day funnel in business time: "
          f"{await timed(url, lambda s: compute_funnel(s, week, now=NOW, tz=TZ, calendar=CALENDAR, stages=STAGES, business_hours=True)):.1f} ms",  # noqa: E501
          flush=True)
    print(f"{label}: 90-day funnel: {await timed(url, lambda s: funnel(s, quarter)):.1f} ms; leads at risk now: "
          f"{await timed(url, risk, runs=3):.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=25)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--url", default=None, help="PostgreSQL URL (its tables are created by migration)")
    parser.add_argument("--sqlite", action="store_true", help="also time on SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng, ids = random.Random(args.seed), Ids()
    started = time.perf_counter()
    rows = generate(rng, ids, 1, max(1, args.messages // 10), args.messages, NOW - timedelta(days=args.days), NOW,
                    args.reps)
    events, opportunities = outcome_rows(leads_of(rows, args.opportunities), random.Random(args.seed))
    print(f"generated {len(rows.message):,} messages, {len(opportunities):,} opportunities, {len(events):,} stage "
          f"events in {time.perf_counter() - started:.1f} s", flush=True)
    url = args.url or asyncio.run(fresh_pg_database("leadline_funnel_bench"))
    upgrade(url)
    asyncio.run(add_reps(url, args.reps))
    asyncio.run(load_pg(url, rows))
    asyncio.run(load_outcomes_pg(url, events, opportunities))
    week = Period(local_midnight((NOW - timedelta(days=7)).astimezone(TZ).date(), TZ), NOW)
    quarter = Period(NOW - timedelta(days=args.days), NOW)
    asyncio.run(measure(url, f"PostgreSQL {len(rows.message):,} messages, {len(opportunities):,} opportunities",
                        week, quarter))
    if args.sqlite:
        path = Path("/tmp") / f"leadline-funnel-bench-{args.messages}.db"
        path.unlink(missing_ok=True)
        sqlite_url = f"sqlite+aiosqlite:///{path}"
        upgrade(sqlite_url)
        asyncio.run(add_reps(sqlite_url, args.reps, sqlite_path=path))
        load_sqlite(path, rows)
        load_outcomes_sqlite(path, events, opportunities)
        asyncio.run(measure(sqlite_url, f"SQLite {len(rows.message):,} messages", week, quarter))


if __name__ == "__main__":
    main()
