"""Property: for random histories (texts through the real ingest path, stage changes through
`record_stage_event` with corrections, moves back, several opportunities per lead and three currencies, a
few scored calls), every figure of `compute_funnel` equals a slow reference computed here from the raw
rows: the stored stage events (each opportunity re-derived by its own loop, not analytics.outcomes.state)
and the raw message list (waits and conversations re-derived by test_kpi_property's state machine).
Both databases; calendar and business time; several report windows.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from analytics.calls import CallScore, Recording
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.models import Rep
from analytics.outcomes.changes import StageChange
from analytics.outcomes.funnel import compute_funnel
from analytics.outcomes.money import Money
from analytics.outcomes.opening import open_for_first_inbound
from analytics.outcomes.record import record_stage_event
from analytics.outcomes.stages import parse_stages
from analytics.outcomes.tables import StageEvent
from analytics.periods import Period
from analytics.sentiment import conversation_sentiment, score_sentiment
from tests.analytics.test_kpi_property import (
    CALENDAR,
    GAP,
    TOPICS,
    RawMessage,
    address,
    business_seconds,
    channel,
    derive,
    empty_database,
    summary,
)

T0 = datetime(2026, 11, 6, 0, 0, tzinfo=UTC)  # a Friday
STEP = timedelta(minutes=30)
NOW = T0 + 400 * STEP
STAGES = parse_stages()
FORWARD = ("new", "qualified", "demo_booked", "demo_held", "proposal_sent", "won")
BODIES = ("hi", "how much is it?", "STOP", "start", "love it, thanks!", "this is broken, terrible", "demo please")
QUOTA = Money(1_000_000, "USD")


@dataclass
class Ref:
    opened_at: datetime
    stage: str
    closed_at: datetime | None
    outcome: str | None
    value: tuple[int, str] | None
    proposal_at: datetime | None
    proposal_value: tuple[int, str] | None
    booked_at: datetime | None
    held_at: datetime | None
    reached: set[str]
    rep: int | None
    contact: int


def reference_state(events: list[StageEvent]) -> Ref:
    void = {e.corrects for e in events}
    live = sorted((e for e in events if e.id not in void), key=lambda e: (e.at, e.id))
    last = live[-1]
    run: list[StageEvent] = []
    for e in reversed(live):  # the final stay: the trailing events of the last event's stage
        if e.stage != last.stage:
            break
        run.insert(0, e)
    closing = last.stage in ("won", "lost")
    value = next(((e.value_minor, e.currency) for e in reversed(run) if e.value_minor is not None), None)
    proposals = [e for e in live if e.stage == "proposal_sent"]
    been = {e.stage for e in live}
    furthest = max(FORWARD.index(s) for s in been if s in FORWARD) if been & set(FORWARD) else 0
    reps = [e.actor_id for e in live if e.actor_kind == "rep" and e.actor_id is not None]
    return Ref(live[0].at, last.stage, run[0].at if closing else None, last.stage if closing else None,
               value if last.stage == "won" else None, proposals[0].at if proposals else None,
               next(((e.value_minor, e.currency) for e in reversed(proposals) if e.value_minor is not None), None),
               next((e.at for e in live if e.stage == "demo_booked"), None),
               next((e.at for e in live if e.stage == "demo_held"), None),
               been | set(FORWARD[:furthest + 1]), reps[-1] if reps else None, live[0].contact_id)


def seconds(start: datetime, end: datetime, business: bool) -> float:
    return business_seconds(start, end) if business else (end - start).total_seconds()


def expected(events: list[StageEvent], messages: list[RawMessage], calls: list[tuple[int, datetime, int, float]],
             period: Period, business: bool) -> dict[str, object]:
    by_opp: dict[int, list[StageEvent]] = {}
    for e in events:
        by_opp.setdefault(e.opportunity_id, []).append(e)
    refs = {o: reference_state(evs) for o, evs in by_opp.items()}
    inside = period.contains
    opened = {o: r for o, r in refs.items() if inside(r.opened_at)}
    closed = [r for r in refs.values() if r.closed_at is not None and inside(r.closed_at)]
    won = [r for r in closed if r.outcome == "won"]
    demos = {"held": 0, "no_show": 0, "pending": 0}
    for evs in by_opp.values():
        void = {e.corrects for e in evs}
        live = sorted((e for e in evs if e.id not in void), key=lambda e: (e.at, e.id))
        for i, e in enumerate(live):
            if e.stage != "demo_booked" or not inside(e.demo_at):
                continue
            after = next((x.stage for x in live[i + 1:] if x.stage in ("demo_booked", "demo_held", "demo_no_show")),
                         None)
            if after != "demo_booked":
                demos[{"demo_held": "held", "demo_no_show": "no_show", None: "pending"}[after]] += 1
    sizes: dict[str, list[int]] = {}
    for r in won:
        if r.value:
            sizes.setdefault(r.value[1], []).append(r.value[0])
    cycle_days = (sum((r.closed_at - r.opened_at).total_seconds() for r in won) / len(won) / 86400) if won else None
    rate = len(won) / len(closed) if closed else None
    pipeline: dict[str, list[int]] = {}
    for r in refs.values():
        if r.closed_at is None and r.proposal_value:
            pipeline.setdefault(r.proposal_value[1], []).append(r.proposal_value[0])
    usd_open = sum(pipeline.get("USD", []))
    return {
        "opened": len(opened),
        "stage_conversion": {s: sum(s in r.reached for r in opened.values()) for s in STAGES.names},
        "win_rate": {"won": len(won), "lost": len(closed) - len(won), "rate": rate},
        "demo_attendance": {**demos, "scheduled": sum(demos.values()),
                            "rate": demos["held"] / (demos["held"] + demos["no_show"])
                            if demos["held"] + demos["no_show"] else None},
        "to_booked": summary([seconds(r.opened_at, r.booked_at, business) for r in refs.values()
                              if r.booked_at and inside(r.booked_at)]),
        "to_held": summary([seconds(r.opened_at, r.held_at, business) for r in refs.values()
                            if r.held_at and inside(r.held_at)]),
        "proposal_sign_time": summary([seconds(r.proposal_at, r.closed_at, business) for r in won if r.proposal_at]),
        "sales_cycle": summary([seconds(r.opened_at, r.closed_at, business) for r in won]),
        "deal_size": {c: (len(v), sum(v)) for c, v in sorted(sizes.items())},
        "velocity": {c: len(opened) * (sum(v) / len(v)) * rate / cycle_days
                     for c, v in sorted(sizes.items())} if rate is not None and cycle_days else {},
        "pipeline": {c: (len(v), sum(v)) for c, v in sorted(pipeline.items())},
        "coverage": usd_open / QUOTA.minor,
        "outcomes_by": responsiveness(opened, messages, calls, business),
    }


def responsiveness(opened: dict[int, Ref], messages: list[RawMessage], calls: list[tuple[int, datetime, int, float]],
                   business: bool) -> dict[str, dict[object, tuple[int, int, int, int]]]:
    ref = derive(messages)
    tables: dict[str, dict[object, list[int]]] = {k: {} for k in ("first_response", "sentiment", "topic", "rep",
                                                                     "call_score", "talk_ratio")}
    for r in opened.values():
        starts = [(i, t) for i, (c, t) in enumerate(ref.conversations) if c == r.contact and t <= r.opened_at]
        keys: dict[str, list[object]] = {k: [] for k in tables}
        bucket = "none"
        if starts:
            index, start = starts[-1]
            later = [t for c, t in ref.conversations[index + 1:] if c == r.contact]
            end = later[0] if later else datetime.max.replace(tzinfo=UTC)
            first = [w for w in ref.waits if w.contact == r.contact and w.first and start <= w.opened_at < end]
            if first and first[0].state == "open":
                bucket = "open"
            elif first and first[0].state == "closed":
                s = seconds(first[0].opened_at, first[0].closed_at, business)
                bucket = ("lt_1m" if s < 60 else "m1_5" if s < 300 else "m5_15" if s < 900 else "m15_60" if s < 3600
                          else "h1_4" if s < 14_400 else "h4_24" if s < 86_400 else "gt_24h")
            texts = sorted((m for m in messages if m.inbound and ref.conversation_of[m.sid] == index),
                           key=lambda m: (m.at, m.sid))
            if texts:
                keys["sentiment"] = [conversation_sentiment([score_sentiment(m.body).score for m in texts]).label]
            keys["topic"] = sorted({t for m in texts for t in TOPICS.match(m.body)})
        keys["first_response"] = [bucket]
        keys["rep"] = [r.rep]
        mine = [(score, ratio) for contact, at, score, ratio in calls
                if contact == r.contact and at >= r.opened_at and (r.closed_at is None or at <= r.closed_at)]
        if mine:
            mean = sum(s for s, _ in mine) / len(mine)
            talk = sum(t for _, t in mine) / len(mine)
            keys["call_score"] = ["lt_50" if mean < 50 else "s50_70" if mean < 70 else "s70_85" if mean < 85
                                  else "ge_85"]
            keys["talk_ratio"] = ["lt_40" if talk < 0.4 else "r40_60" if talk < 0.6 else "ge_60"]
        for name, values in keys.items():
            for key in values:
                c = tables[name].setdefault(key, [0, 0, 0, 0])
                c[0] += r.closed_at is not None
                c[1] += r.outcome == "won"
                c[2] += 1
                c[3] += "demo_booked" in r.reached
    return {name: {k: tuple(v) for k, v in t.items()} for name, t in tables.items()}  # type: ignore[misc]


def actual(j: dict, by: dict) -> dict[str, object]:  # type: ignore[type-arg]
    """The figures of `Funnel.to_json()`, and the cells' counts from `Funnel.outcomes_by` (the JSON hides
    the hits of a cell under ten)."""
    def cells(rows: list) -> dict[object, tuple[int, int, int, int]]:  # type: ignore[type-arg]
        return {row.key: (row.win.n, row.win.hits, row.demo_booked.n, row.demo_booked.hits)
                for row in rows if row.demo_booked.n}

    return {
        "opened": j["opened"],
        "stage_conversion": {r["stage"]: r["reached"] for r in j["stage_conversion"]},
        "win_rate": j["win_rate"], "demo_attendance": j["demo_attendance"],
        "to_booked": j["demo_conversion"]["to_booked"], "to_held": j["demo_conversion"]["to_held"],
        "proposal_sign_time": j["proposal_sign_time"], "sales_cycle": j["sales_cycle"],
        "deal_size": {d["currency"]: (d["won"], d["total_minor"]) for d in j["deal_size"]},
        "velocity": {v["currency"]: v["per_day_minor"] for v in j["velocity"] if v["per_day_minor"] is not None},
        "pipeline": {p["currency"]: (p["opportunities"], p["value_minor"]) for p in j["pipeline"]["open"]},
        "coverage": j["pipeline"]["coverage"],
        "outcomes_by": {name: cells(rows) for name, rows in by.items()},
    }


def check(j: dict, by: dict, want: dict) -> None:  # type: ignore[type-arg]
    got = actual(j, by)
    velocity_want, velocity_got = want.pop("velocity"), got.pop("velocity")
    assert got == want
    assert velocity_got.keys() == velocity_want.keys()  # type: ignore[attr-defined]
    for c, v in velocity_want.items():  # type: ignore[attr-defined]
        assert abs(velocity_got[c] - v) <= 1e-9 * max(1.0, abs(v))  # type: ignore[index]
    for rows in j["outcomes_by"].values():  # the JSON shows a rate only from ten up
        for row in rows:
            for c in (row["win"], row["demo_booked"]):
                assert (c["rate"] is None) == (c["n"] < 10) == c["too_few"]


message = st.tuples(st.integers(1, 4), st.integers(0, 300), st.booleans(), st.sampled_from(BODIES),
                    st.sampled_from((None, 1, 2)))
# Stages weighted towards the ones figures turn on (demos, proposals, closing).
PICKS = (*STAGES.names, "demo_booked", "demo_booked", "demo_held", "demo_no_show", "proposal_sent", "won", "lost")
change = st.tuples(st.integers(0, 3), st.sampled_from(PICKS), st.integers(0, 390), st.integers(0, 200),
                   st.integers(0, 9), st.sampled_from(("USD", "EUR", "JPY")), st.integers(0, 99))
call = st.tuples(st.integers(1, 4), st.integers(0, 390), st.integers(0, 100), st.integers(0, 100))


async def run_example(url: str, msgs: list[tuple], changes: list[tuple], calls_in: list[tuple],
                      periods: list[Period]) -> None:
    db = Database(url)
    config = IngestConfig(gap=GAP, calendar=CALENDAR, topics=TOPICS)
    messages = [RawMessage(f"m{i:03d}", c, T0 + s * STEP, inbound, body if inbound else "ok", False, rep)
                for i, (c, s, inbound, body, rep) in enumerate(msgs)]
    messages.sort(key=lambda m: (m.at, m.sid))
    try:
        async with db.transaction() as session:
            session.add_all([Rep(name="R1"), Rep(name="R2")])
        contact_ids: dict[int, int] = {}
        for m in messages:
            async with db.transaction() as session:
                done = await record_message(session, IncomingMessage(
                    sid=m.sid, address=address(m.contact), direction="inbound" if m.inbound else "outbound",
                    channel=channel(m.contact), body=m.body, sent_at=m.at, rep_id=m.rep), config)
                contact_ids[m.contact] = done.contact_id
                if m.inbound and done.keyword is None:
                    await open_for_first_inbound(session, {done.contact_id: m.at}, stages=STAGES, now=NOW)
        recorded: list[tuple[int, int]] = []
        rng = random.Random(len(changes))
        for contact, stage, step, demo_steps, flag, currency, amount in changes:
            contact = sorted(contact_ids)[contact % len(contact_ids)]
            at = T0 + step * STEP
            kw: dict[str, object] = {}
            if stage == "demo_booked":
                kw["demo_at"] = at + demo_steps * STEP
            if stage in ("won", "proposal_sent") and flag < 7:
                kw["value"] = Money(amount * 1000 + flag, currency)
            if stage == "lost" and flag < 5:
                kw["reason"] = "price"
            mine = [e for c, e in recorded if c == contact]
            if flag == 9 and mine:
                kw["corrects"] = rng.choice(mine)
            elif flag == 8:
                async with db.read() as session:
                    from analytics.outcomes.tables import Opportunity
                    ids = list((await session.execute(select(Opportunity.id).where(
                        Opportunity.contact_id == contact_ids[contact]))).scalars())
                if ids:
                    kw["opportunity_id"] = rng.choice(ids)
            try:
                async with db.transaction() as session:
                    done = await record_stage_event(session, StageChange(
                        contact_ids[contact], stage, at, "api", actor_id=1 + flag % 2, **kw),  # type: ignore[arg-type]
                        stages=STAGES, now=NOW)
                recorded.append((contact, done.event_id))
            except AnalyticsError:
                pass
        calls: list[tuple[int, datetime, int, float]] = []
        async with db.transaction() as session:
            for i, (contact, step, score, ratio) in enumerate(calls_in):
                if contact not in contact_ids:
                    continue
                rec = Recording(recording_sid=f"RE{i:032d}", call_sid=f"CA{i:032d}", recording_url="u",
                                twilio_status="completed", contact_id=contact_ids[contact], status="scored")
                session.add(rec)
                await session.flush()
                at = T0 + step * STEP
                session.add(CallScore(recording_id=rec.id, stage="general", score=score, talk_ratio=ratio / 100,
                                      duration_s=60.0, result="{}", called_at=at))
                calls.append((contact, at, score, ratio / 100))
        async with db.read() as session:
            events = list((await session.execute(select(StageEvent))).scalars())
        back = {v: k for k, v in contact_ids.items()}
        for e in events:
            e.contact_id = back[e.contact_id]
        for period in periods:
            for business in (False, True):
                async with db.read() as session:
                    funnel = await compute_funnel(session, period, now=NOW, tz=ZoneInfo("UTC"), calendar=CALENDAR,
                                                  stages=STAGES, business_hours=business, quota=QUOTA)
                check(funnel.to_json(), funnel.outcomes_by, expected(events, messages, calls, period, business))
    finally:
        await db.dispose()


HISTORIES = {"sqlite": 40, "postgres": 20}
window = st.tuples(st.integers(0, 380), st.integers(1, 400))


def test_funnel_equals_reference(database_url: str, sqlite_template: Path) -> None:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"

    @settings(max_examples=HISTORIES[backend], deadline=None)
    @given(msgs=st.lists(message, min_size=3, max_size=20), changes=st.lists(change, min_size=6, max_size=30),
           calls_in=st.lists(call, max_size=4), windows=st.lists(window, min_size=1, max_size=3))
    def reference(msgs: list[tuple], changes: list[tuple], calls_in: list[tuple],
                  windows: list[tuple[int, int]]) -> None:
        periods = [Period(T0 + start * STEP, T0 + (start + length) * STEP) for start, length in windows]
        periods.append(Period(T0 - STEP, NOW))  # everything
        empty_database(database_url, sqlite_template)
        asyncio.run(run_example(database_url, msgs, changes, calls_in, periods))

    reference()
