"""KPI engine at scale: PostgreSQL (and SQLite) with a synthetic history, timing `compute_report`.

    .venv/bin/python bench/kpi_scale.py --messages 1000000 [--grow-to 5000000] [--sqlite]

Generates `--messages` messages for `--messages/10` contacts and 25 reps over 90 days ending at NOW
(bulk COPY of rows that respect the ingest invariants: every wait is consistent with its messages; rows
are written contact by contact, so a week's rows are spread over the whole heap, the worst layout; then
VACUUM ANALYZE, as autovacuum would after such a load),
then times (median of 5 warm runs): a 7-day report with every breakdown (`calls` included: no call is
scored in this history, so it adds one empty query) and the previous period, the
90-day report, and after adding older history up to `--grow-to` messages the same 7-day report again.
It also times two straightforward computations of the 7-day response figures from the raw messages
(pandas, from the `bench` extra, and a pure-Python replay of every contact's history) and prints their
ratio to the engine's report.
PostgreSQL URL: --url (default: a fresh database `leadline_bench` on 127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.business_hours import BusinessCalendar, parse_business_hours
from analytics.db import Database
from analytics.kpi import BREAKDOWNS, compute_report
from analytics.periods import Period, local_midnight
from analytics.sentiment import score_sentiment
from analytics.topics import default_topics
from bot.migrations import upgrade

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # local midnight, Nov 1 2026
CALENDAR = BusinessCalendar(parse_business_hours("Mon-Fri 09:00-17:00"), frozenset(), TZ)
BODIES = ["hi, how much is the pro plan?", "can we book a demo tomorrow?", "thanks!! 😍", "ok",
          "this is not working, still waiting 😡", "do you integrate with salesforce?", "we use podium now",
          "I want to cancel", "sounds good", "what are your prices per user", "hello?", "perfect, see you then"]
CHANNELS = [("sms", 0.7), ("whatsapp", 0.2), ("mms", 0.05), ("messenger", 0.05)]


@dataclass
class Ids:
    message: int = 0
    wait: int = 0
    conversation: int = 0
    opt: int = 0


@dataclass
class Rows:
    contact: list[tuple] = field(default_factory=list)
    conversation: list[tuple] = field(default_factory=list)
    message: list[tuple] = field(default_factory=list)
    wait: list[tuple] = field(default_factory=list)
    optevent: list[tuple] = field(default_factory=list)


COLUMNS = {
    "contact": ("id", "address", "channel", "opted_out", "opted_out_at", "created_at", "first_message_at",
                "last_message_at", "open_wait_id", "current_conversation_id", "sentiment_seq"),
    "conversation": ("id", "contact_id", "started_at", "last_message_at", "channel"),
    "message": ("id", "sid", "contact_id", "conversation_id", "direction", "channel", "body", "media_count",
                "sent_at", "rep_id", "automated", "keyword", "sentiment_score", "sentiment_label", "topics",
                "created_at", "sentiment_seq"),
    "wait": ("id", "contact_id", "conversation_id", "opened_message_id", "opened_at", "last_inbound_at",
             "closed_at", "closed_message_id", "closed_by_rep_id", "state", "calendar_seconds",
             "business_seconds", "first_in_conversation", "channel", "topics", "inbound_count"),
    "optevent": ("id", "contact_id", "kind", "at", "source", "message_id"),
}


def generate(rng: random.Random, ids: Ids, first_contact: int, contacts: int, messages: int, lo: datetime,
             hi: datetime, reps: int) -> Rows:
    """Contacts with conversations of bursts, automated receipts, rep replies, opt-outs, open waits."""
    scored = [(b, score_sentiment(b), ",".join(default_topics().match(b))) for b in BODIES]
    rows = Rows()
    span = (hi - lo).total_seconds()
    per_contact = messages / contacts
    names, weights = zip(*CHANNELS, strict=True)
    for cid in range(first_contact, first_contact + contacts):
        channel = rng.choices(names, weights)[0]
        address = f"{'' if channel in ('sms', 'mms') else channel + ':'}+1{cid:010d}"
        budget = max(2, int(rng.expovariate(1 / per_contact)) + 1)
        t = lo + timedelta(seconds=rng.random() * span * 0.9)
        count, opted_out, open_wait, conv_id, first_at = 0, False, None, None, None
        last = t
        while count < budget and t < hi and not opted_out:
            conv_id = ids.conversation = ids.conversation + 1
            conv_start, conversation_has_wait = t, False
            if rng.random() < 0.15:  # rep outreach opens the conversation
                ids.message += 1
                rows.message.append((ids.message, f"SM{ids.message:032d}", cid, conv_id, "outbound", channel,
                                     "Hi from the team!", 0, t, rng.randint(1, reps), False, None, None, None,
                                     "", t))
                count += 1
                t += timedelta(minutes=rng.uniform(5, 600))
            for _exchange in range(rng.randint(1, 3)):
                if t >= hi or count >= budget:
                    break
                burst = rng.choice((1, 1, 1, 2, 3))
                wait_id = ids.wait = ids.wait + 1
                opened_msg, opened_at, topics = ids.message + 1, t, set()
                for _ in range(burst):
                    body, sentiment, topic = rng.choice(scored)
                    ids.message += 1
                    rows.message.append((ids.message, f"SM{ids.message:032d}", cid, conv_id, "inbound", channel,
                                         body, 0, t, None, False, None, sentiment.score, sentiment.label,
                                         topic, t))
                    topics |= set(filter(None, topic.split(",")))
                    count += 1
                    last_inbound = t
                    t += timedelta(seconds=rng.uniform(5, 180))
                if rng.random() < 0.1:
                    ids.message += 1
                    rows.message.append((ids.message, f"SM{ids.message:032d}", cid, conv_id, "outbound",
                                         channel, "Thanks! A rep will reply soon.", 0, t, None, True, None,
                                         None, None, "", t))
                    count += 1
                state, closed_at, closed_msg, rep, cal, bus = "open", None, None, None, None, None
                if rng.random() < 0.02:  # STOP in the middle of the wait: cancelled, opted out
                    t += timedelta(minutes=rng.uniform(1, 60))
                    ids.message += 1
                    rows.message.append((ids.message, f"SM{ids.message:032d}", cid, conv_id, "inbound",
                                         channel, "STOP", 0, t, None, False, "opt_out", 0.0, "neutral", "", t))
                    ids.opt += 1
                    rows.optevent.append((ids.opt, cid, "opt_out", t, "keyword", ids.message))
                    state, closed_at, opted_out = "cancelled", t, True
                    count += 1
                else:
                    # Log-normal replies: median ~6 min, a long tail into hours and days.
                    reply = t + timedelta(seconds=min(rng.lognormvariate(math.log(360), 1.6), 5 * 86_400))
                    if reply < hi and rng.random() > 0.01:
                        ids.message += 1
                        rep = rng.randint(1, reps) if rng.random() > 0.03 else None
                        rows.message.append((ids.message, f"SM{ids.message:032d}", cid, conv_id, "outbound",
                                             channel, "Happy to help!", 0, reply, rep, False, None, None, None,
                                             "", reply))
                        count += 1
                        state, closed_at, closed_msg = "closed", reply, ids.message
                        cal = (reply - opened_at).total_seconds()
                        bus = CALENDAR.business_seconds(opened_at, reply)
                        t = reply + timedelta(minutes=rng.uniform(1, 300))
                    else:
                        open_wait = wait_id
                rows.wait.append((wait_id, cid, conv_id, opened_msg, opened_at, last_inbound, closed_at, closed_msg,
                                  rep, state, cal, bus, not conversation_has_wait, channel, ",".join(sorted(topics)),
                                  burst))
                conversation_has_wait = True
                last = max(last_inbound, closed_at or last_inbound)
                if state != "closed":
                    break
            rows.conversation.append((conv_id, cid, conv_start, last, channel))
            first_at = first_at or conv_start
            if open_wait is not None:
                break
            t = last + timedelta(hours=rng.uniform(25, 24 * 20))
        rows.contact.append((cid, address, channel, opted_out, last if opted_out else None, first_at or lo,
                             first_at, last, open_wait, conv_id))
    return number_scored(rows)


def number_scored(rows: Rows) -> Rows:
    """`sentiment_seq` as ingest gives it: 1, 2, ... per conversation over its scored inbound messages (each
    conversation's messages were generated in time order)."""
    seq: dict[int, int] = defaultdict(int)
    numbered = []
    for r in rows.message:
        position = None
        if r[4] == "inbound" and r[12] is not None:
            seq[r[3]] += 1
            position = seq[r[3]]
        numbered.append((*r, position))
    rows.message = numbered
    rows.contact = [(*c, seq.get(c[9], 0)) for c in rows.contact]
    return rows


async def load_pg(url: str, rows: Rows) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        for table in ("contact", "conversation", "message", "wait", "optevent"):
            await conn.copy_records_to_table(table, records=getattr(rows, table), columns=COLUMNS[table])
        # What autovacuum does after a bulk load (PostgreSQL 13+ vacuums insert-only tables too): statistics,
        # and the visibility map that lets reports read the covering indexes without visiting the heap.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def load_sqlite(path: Path, rows: Rows) -> None:
    def value(v: object) -> object:
        if isinstance(v, datetime):
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return v

    conn = sqlite3.connect(path)
    try:
        for table in ("contact", "conversation", "message", "wait", "optevent"):
            cols = COLUMNS[table]
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            conn.executemany(sql, ([value(v) for v in r] for r in getattr(rows, table)))
        conn.commit()
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def add_reps(url: str, reps: int, sqlite_path: Path | None = None) -> None:
    if sqlite_path is not None:
        conn = sqlite3.connect(sqlite_path)
        conn.executemany("INSERT INTO rep (id, name, created_at) VALUES (?, ?, ?)",
                         [(i, f"Rep {i:02d}", "2026-01-01 00:00:00.000000") for i in range(1, reps + 1)])
        conn.commit()
        conn.close()
        return
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    await conn.executemany("INSERT INTO rep (id, name, created_at) VALUES ($1, $2, $3)",
                           [(i, f"Rep {i:02d}", NOW) for i in range(1, reps + 1)])
    await conn.close()


async def time_report(url: str, period: Period, breakdowns: tuple[str, ...], runs: int = 5) -> float:
    """Median wall time in ms of compute_report over `runs` warm runs (one discarded warm-up)."""
    db = Database(url)
    times = []
    try:
        for i in range(runs + 1):
            started = time.perf_counter()
            async with db.read() as session:
                await compute_report(session, period, now=NOW, tz=TZ, calendar=CALENDAR, sla_minutes=15,
                                     breakdowns=breakdowns)
            if i:
                times.append((time.perf_counter() - started) * 1000)
    finally:
        await db.dispose()
    return statistics.median(times)


async def raw_messages(url: str) -> list[asyncpg.Record]:
    """Every message's (contact_id, sent_at, sid, direction, automated, keyword): what a straightforward
    computation starts from."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetch("SELECT contact_id, sent_at, sid, direction, automated, keyword FROM message")
    finally:
        await conn.close()


async def naive(url: str, period: Period) -> tuple[float, int]:
    """The straightforward way: every message of every contact, replayed to find the waits (ms, waits)."""
    started = time.perf_counter()
    records = await raw_messages(url)
    by_contact: dict[int, list] = defaultdict(list)
    for r in records:
        by_contact[r["contact_id"]].append(r)
    durations = []
    for items in by_contact.values():
        items.sort(key=lambda r: (r["sent_at"], r["sid"]))
        opened = None
        for r in items:
            if r["direction"] == "inbound":
                if r["keyword"] == "opt_out":
                    opened = None
                elif opened is None and r["keyword"] is None:
                    opened = r["sent_at"]
            elif not r["automated"] and opened is not None:
                if period.contains(opened):
                    durations.append((r["sent_at"] - opened).total_seconds())
                opened = None
    statistics.median(durations or [0])
    return (time.perf_counter() - started) * 1000, len(durations)


async def pandas_replay(url: str, period: Period) -> tuple[float, int, float] | None:
    """The same response figures the straightforward pandas way: every message, sorted per contact, the
    waits found with group-wise cumulative sums (ms, waits, median seconds); None without pandas."""
    try:
        import pandas as pd
    except ImportError:
        return None
    started = time.perf_counter()
    records = await raw_messages(url)
    df = pd.DataFrame.from_records(records, columns=["contact_id", "sent_at", "sid", "direction", "automated",
                                                     "keyword"])
    df["sent_at"] = pd.to_datetime(df["sent_at"], utc=True)
    df = df.sort_values(["contact_id", "sent_at", "sid"], kind="stable")
    inbound = df["direction"] == "inbound"
    closer = ~inbound & ~df["automated"]
    opt_out = inbound & (df["keyword"] == "opt_out")
    boundary = closer | opt_out
    # A wait is a run of rows ended by a rep reply (closed) or an opt-out (cancelled): number the runs.
    df["run"] = boundary.astype("int64").groupby(df["contact_id"]).cumsum() - boundary.astype("int64")
    opened = df[inbound & df["keyword"].isna()].groupby(["contact_id", "run"])["sent_at"].min()
    ends = df[closer].set_index(["contact_id", "run"])["sent_at"]
    waits = pd.concat({"opened": opened, "closed": ends}, axis=1, join="inner")
    waits = waits[(waits["opened"] >= pd.Timestamp(period.start)) & (waits["opened"] < pd.Timestamp(period.end))]
    seconds = (waits["closed"] - waits["opened"]).dt.total_seconds()
    median = float(seconds.median()) if len(seconds) else float("nan")
    return (time.perf_counter() - started) * 1000, len(seconds), median


async def fresh_pg_database(name: str) -> str:
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--grow-to", type=int, default=None, help="default: 5 x --messages; 0 skips growing")
    parser.add_argument("--reps", type=int, default=25)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--url", default=None, help="PostgreSQL URL (its tables are created by migration)")
    parser.add_argument("--sqlite", action="store_true", help="also time the reports on SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    grow_to = 5 * args.messages if args.grow_to is None else args.grow_to
    rng, ids = random.Random(args.seed), Ids()
    contacts = max(1, args.messages // 10)

    started = time.perf_counter()
    rows = generate(rng, ids, 1, contacts, args.messages, NOW - timedelta(days=args.days), NOW, args.reps)
    print(f"generated {len(rows.message):,} messages, {len(rows.wait):,} waits, {contacts:,} contacts in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    url = args.url or asyncio.run(fresh_pg_database("leadline_bench"))
    upgrade(url)
    asyncio.run(add_reps(url, args.reps))
    started = time.perf_counter()
    asyncio.run(load_pg(url, rows))
    print(f"loaded into PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)

    week = Period(local_midnight((NOW - timedelta(days=7)).astimezone(TZ).date(), TZ), NOW)
    quarter = Period(NOW - timedelta(days=args.days), NOW)
    results = {}
    results["7-day, all breakdowns"] = asyncio.run(time_report(url, week, BREAKDOWNS))
    results["90-day"] = asyncio.run(time_report(url, quarter, ()))
    naive_ms, naive_waits = asyncio.run(naive(url, week))
    panda = asyncio.run(pandas_replay(url, week))
    for name, ms in results.items():
        print(f"PostgreSQL {len(rows.message):,} messages: {name}: {ms:.1f} ms", flush=True)
    engine_ms = results["7-day, all breakdowns"]
    print(f"pure-Python replay of all raw messages (7-day response figures, {naive_waits:,} waits): "
          f"{naive_ms:.0f} ms = {naive_ms / engine_ms:.1f}x the engine's 7-day report", flush=True)
    if panda is None:
        print("pandas computation: skipped (pip install -e '.[bench]')", flush=True)
    else:
        panda_ms, panda_waits, median = panda
        print(f"pandas computation from all raw messages (7-day response figures, {panda_waits:,} waits, "
              f"median {median:.0f} s): {panda_ms:.0f} ms = {panda_ms / engine_ms:.1f}x the engine's 7-day report",
              flush=True)

    if args.sqlite:
        path = Path("/tmp") / f"leadline-bench-{args.messages}.db"
        path.unlink(missing_ok=True)
        sqlite_url = f"sqlite+aiosqlite:///{path}"
        upgrade(sqlite_url)
        asyncio.run(add_reps(sqlite_url, args.reps, sqlite_path=path))
        load_sqlite(path, rows)
        for name, period, by in (("7-day, all breakdowns", week, BREAKDOWNS), ("90-day", quarter, ())):
            ms = asyncio.run(time_report(sqlite_url, period, by))
            print(f"SQLite {len(rows.message):,} messages: {name}: {ms:.1f} ms", flush=True)

    if grow_to > len(rows.message):
        extra = grow_to - len(rows.message)
        base = len(rows.message)
        del rows
        older = generate(rng, ids, contacts + 1, max(1, extra // 10), extra, NOW - timedelta(days=args.days * 5),
                         NOW - timedelta(days=args.days + 1), args.reps)
        asyncio.run(load_pg(url, older))
        total = base + len(older.message)
        grown = asyncio.run(time_report(url, week, BREAKDOWNS))
        ratio = grown / results["7-day, all breakdowns"]
        print(f"PostgreSQL {total:,} messages: 7-day, all breakdowns: {grown:.1f} ms ({ratio:.2f}x the time at "
              f"{base:,})", flush=True)


if __name__ == "__main__":
    main()
