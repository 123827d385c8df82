"""The KPI report on both databases, from histories ingested exactly as live messages are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.business_hours import BusinessCalendar, parse_business_hours
from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.kpi import compute_report
from analytics.kpi.report import KpiReport
from analytics.kpi.window import resolve_period
from analytics.models import Rep
from analytics.periods import Period
from analytics.sentiment import conversation_sentiment, score_sentiment
from analytics.topics import default_topics

UTC_ALWAYS = BusinessCalendar(parse_business_hours(""), frozenset(), ZoneInfo("UTC"))
NY = ZoneInfo("America/New_York")
NY_HOURS = BusinessCalendar(parse_business_hours("Mon-Fri 09:00-17:00"), frozenset(), NY)
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # a Monday


def config(calendar: BusinessCalendar) -> IngestConfig:
    return IngestConfig(gap=timedelta(hours=24), calendar=calendar, topics=default_topics())


def m(sid: str, at: datetime, address: str, direction: str = "inbound", body: str = "hi", *,
      rep_id: int | None = None, automated: bool = False, channel: str = "sms") -> IncomingMessage:
    return IncomingMessage(sid=sid, address=address, direction=direction, channel=channel, body=body,
                           sent_at=at, rep_id=rep_id, automated=automated)


async def ingest(db: Database, messages: list[IncomingMessage], calendar: BusinessCalendar) -> None:
    for msg in messages:
        async with db.transaction() as session:
            await record_message(session, msg, config(calendar))


async def add_reps(db: Database, *names: str) -> list[int]:
    async with db.transaction() as session:
        reps = [Rep(name=name) for name in names]
        session.add_all(reps)
        await session.flush()
        return [r.id or 0 for r in reps]


async def report(db: Database, period: Period, now: datetime, calendar: BusinessCalendar, **kw: object
                 ) -> KpiReport:
    async with db.read() as session:
        return await compute_report(session, period, now=now, tz=calendar.tz, calendar=calendar,
                                    sla_minutes=15, **kw)  # type: ignore[arg-type]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


A, B, C, D, E = "+15550000001", "+15550000002", "whatsapp:+15550000003", "+15550000004", "+15550000005"


def scenario(ana: int, bob: int) -> list[IncomingMessage]:
    return [
        m("e1", at(-90), E, body="hello there"),
        m("e2", at(-80), E, "outbound", "hi!", rep_id=ana),  # previous period: a 600 s first response
        m("o0", at(-30), A, "outbound", "Hi, saw you downloaded our guide", rep_id=ana),  # outreach
        m("a1", at(0), A, body="How much is the pro plan?"),
        m("au", at(0.5), A, "outbound", "Thanks! A rep will answer soon", automated=True),
        m("a2", at(1), A, body="hello?"),
        m("a3", at(2), A, body="anyone"),
        m("b1", at(5), B, body="hey"),
        m("b2", at(8), B, body="STOP"),  # opt-out in the middle of a wait: cancelled
        m("r1", at(10), A, "outbound", "It is $49", rep_id=ana),
        m("c1", at(20), C, body="My login is broken", channel="whatsapp"),  # never answered
        m("a4", at(30), A, body="ok and annual?"),
        m("d1", at(40), D, body="This is terrible, still waiting!!"),
        m("r2", at(50), A, "outbound", "20% off", rep_id=bob),
        m("rd", at(55), D, "outbound", "Sorry about that"),  # imported: no known rep; exactly 15 min
    ]


async def test_bursts_automated_replies_opt_out_and_open_waits(db: Database) -> None:
    ana, bob = await add_reps(db, "Ana", "Bob")
    await ingest(db, scenario(ana, bob), UTC_ALWAYS)
    period = Period(at(-60), at(60))
    r = await report(db, period, at(120), UTC_ALWAYS, breakdowns=["rep", "hour", "channel", "topic"])
    j = r.to_json()
    assert j["period"] == {"from": "2026-11-02T13:00:00+00:00", "to": "2026-11-02T15:00:00+00:00",
                           "timezone": "UTC", "hours": "calendar"}
    # The burst a1-a3 is one wait; the automated reply does not close it; r1 does (600 s).
    assert j["first_response"] == {"count": 2, "mean_s": 750.0, "median_s": 750.0,
                                   "p90_s": pytest.approx(870.0), "max_s": 900.0}
    assert j["response"] == {"count": 3, "mean_s": 900.0, "median_s": 900.0,
                             "p90_s": pytest.approx(1140.0), "max_s": 1200.0}
    assert j["longest_wait"] == {"seconds": 6000.0, "open": True, "contact": "whatsapp:+1555***0003",
                                 "opened_at": "2026-11-02T14:20:00+00:00"}
    assert j["unanswered"] == {"count": 1, "oldest_s": 6000.0}
    assert j["open_now"] == {"count": 1, "oldest_s": 6000.0}
    assert j["volume"] == {"inbound": 8, "outbound": 5, "outbound_automated": 1, "new_contacts": 4,
                           "conversations": 4}
    assert {k: (v["inbound"], v["outbound"]) for k, v in j["by_channel"].items()} == {
        "sms": (7, 5), "whatsapp": (1, 0)}
    assert j["by_channel"]["whatsapp"]["waits"] == 1
    assert j["opt_outs"] == {"count": 1, "opt_ins": 0, "rate": 0.25, "currently_opted_out": 1}
    # 600 and 900 (exactly the SLA) are met, 1200 is not; the open 6000 s wait is breached.
    assert j["sla"] == {"minutes": 15, "met_share": pytest.approx(2 / 3), "breached_open": 1}
    assert j["first_response_buckets"] == {"lt_1m": 0, "m1_5": 0, "m5_15": 1, "m15_60": 1, "h1_4": 0,
                                           "h4_24": 0, "gt_24h": 0, "open": 1}
    expected = {"very_happy": 0, "happy": 0, "neutral": 0, "unhappy": 0}
    for bodies in (["How much is the pro plan?", "hello?", "anyone", "ok and annual?"], ["hey", "STOP"],
                   ["My login is broken"], ["This is terrible, still waiting!!"]):
        expected[conversation_sentiment([score_sentiment(b).score for b in bodies]).label] += 1
    assert j["sentiment"] == expected and expected["unhappy"] >= 1
    assert j["topics"]["pricing"] == {"messages": 1, "longest_wait_s": 600.0}
    assert j["topics"]["support"] == {"messages": 1, "longest_wait_s": 6000.0}

    reps = [(row["rep"], row["replies"], row["first_response"]["count"], row["response"]["median_s"],
             row["sla_met_share"]) for row in j["by_rep"]]
    assert reps == [({"id": ana, "name": "Ana"}, 2, 1, 600.0, 1.0), ({"id": bob, "name": "Bob"}, 1, 0, 1200.0, 0.0),
                    (None, 1, 1, 900.0, 1.0)]
    hours = {row["hour"]: row for row in j["by_hour"]}
    assert len(j["by_hour"]) == 24 and hours[14] == {"hour": 14, "waits": 4, "median_s": 900.0, "mean_s": 900.0,
                                                      "max_s": 1200.0}
    support = next(t for t in j["by_topic"] if t["topic"] == "support")
    assert (support["waits"], support["longest_wait_s"], support["response"]["count"]) == (1, 6000.0, 0)

    prev = j["previous"]
    assert prev["period"]["from"] == "2026-11-02T11:00:00+00:00"
    assert prev["first_response"]["count"] == 1 and prev["first_response"]["median_s"] == 600.0
    assert prev["volume"] == {"inbound": 1, "outbound": 1, "outbound_automated": 0, "new_contacts": 1,
                              "conversations": 1}
    assert prev["opt_outs"] == {"count": 0, "opt_ins": 0, "rate": 0.0, "currently_opted_out": 1}
    assert prev["longest_wait"]["open"] is False and prev["longest_wait"]["seconds"] == 600.0


async def test_business_hours_over_a_weekend_and_a_dst_change(db: Database) -> None:
    (rep,) = await add_reps(db, "Ana")
    fri = datetime(2026, 10, 30, 20, 30, tzinfo=UTC)  # Fri 16:30 EDT
    sat = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # Sat 12:00 EDT
    sun = datetime(2026, 11, 2, 4, 50, tzinfo=UTC)  # Sun 23:50 EST (after the change on Nov 1)
    await ingest(db, [
        m("f1", fri, A, body="question"),
        m("f2", datetime(2026, 11, 2, 14, 30, tzinfo=UTC), A, "outbound", "answer", rep_id=rep),  # Mon 09:30
        m("s1", sat, B, body="question"),
        m("s2", datetime(2026, 11, 2, 14, 10, tzinfo=UTC), B, "outbound", "answer", rep_id=rep),  # Mon 09:10
        m("n1", sun, D, body="question"),
        m("n2", sun + timedelta(minutes=30), D, "outbound", "answer", rep_id=rep),  # Mon 00:20: crosses midnight
    ], NY_HOURS)
    now = datetime(2026, 11, 3, 12, tzinfo=UTC)
    period = resolve_period("2026-10-30", "2026-11-03", now=now, tz=NY)
    cal = (await report(db, period, now, NY_HOURS, breakdowns=["hour", "weekday"])).to_json()
    assert cal["period"] == {"from": "2026-10-30T00:00:00-04:00", "to": "2026-11-03T00:00:00-05:00",
                             "timezone": "America/New_York", "hours": "calendar"}
    # Fri 16:30 EDT -> Mon 09:30 EST is 2 d 18 h of calendar time (the Sunday had 25 hours).
    assert cal["response"]["max_s"] == 237_600.0
    assert cal["response"]["median_s"] == 166_200.0
    assert cal["response"]["count"] == 3
    # The SLA is judged in business time whenever BUSINESS_HOURS is set: 0 s and 600 s meet it, 3600 s not.
    assert cal["sla"]["met_share"] == pytest.approx(2 / 3)
    assert {r["hour"]: r["waits"] for r in cal["by_hour"] if r["waits"]} == {12: 1, 16: 1, 23: 1}
    assert cal["by_hour"][23]["median_s"] == 1800.0
    assert [r["waits"] for r in cal["by_weekday"]] == [0, 0, 0, 0, 1, 1, 1]
    # Whole local days: the previous period is the 4 local days before, DST-correct.
    assert cal["previous"]["period"]["from"] == "2026-10-26T00:00:00-04:00"
    assert cal["previous"]["period"]["to"] == "2026-10-30T00:00:00-04:00"

    bus = (await report(db, period, now, NY_HOURS, business_hours=True)).to_json()
    assert bus["period"]["hours"] == "business"
    # Fri 16:30-17:00 plus Mon 09:00-09:30; Sat noon -> Mon 09:10; Sun night is closed all along.
    assert bus["response"] == {"count": 3, "mean_s": 1400.0, "median_s": 600.0, "p90_s": pytest.approx(3000.0),
                               "max_s": 3600.0}
    assert bus["first_response_buckets"]["lt_1m"] == 1 and bus["first_response_buckets"]["h1_4"] == 1
    assert bus["longest_wait"]["seconds"] == 3600.0 and bus["longest_wait"]["open"] is False


async def test_open_wait_in_business_time_is_measured_as_of_now(db: Database) -> None:
    fri = datetime(2026, 10, 30, 20, 30, tzinfo=UTC)  # Fri 16:30 EDT, never answered
    await ingest(db, [m("f1", fri, A, body="question")], NY_HOURS)
    now = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)  # Mon 09:30 EST
    period = resolve_period("2026-10-30", "2026-10-31", now=now, tz=NY)
    j = (await report(db, period, now, NY_HOURS, business_hours=True)).to_json()
    assert j["unanswered"] == {"count": 1, "oldest_s": 3600.0}
    assert j["open_now"] == {"count": 1, "oldest_s": 3600.0}
    assert j["longest_wait"]["open"] is True and j["longest_wait"]["seconds"] == 3600.0
    assert j["sla"] == {"minutes": 15, "met_share": None, "breached_open": 1}
    assert j["first_response_buckets"]["open"] == 1


async def test_a_period_with_no_data_gives_nulls(db: Database) -> None:
    ana, bob = await add_reps(db, "Ana", "Bob")
    await ingest(db, scenario(ana, bob), UTC_ALWAYS)
    period = Period(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 2, tzinfo=UTC))
    j = (await report(db, period, at(120), UTC_ALWAYS, breakdowns=["rep", "hour", "weekday", "topic",
                                                                     "channel"])).to_json()
    null_stats = {"count": 0, "mean_s": None, "median_s": None, "p90_s": None, "max_s": None}
    assert j["first_response"] == null_stats and j["response"] == null_stats
    assert j["longest_wait"] == {"seconds": None, "open": None, "contact": None, "opened_at": None}
    assert j["unanswered"] == {"count": 0, "oldest_s": None}
    assert j["open_now"]["count"] == 1  # whatever the period
    assert j["volume"] == dict.fromkeys(("inbound", "outbound", "outbound_automated", "new_contacts",
                                         "conversations"), 0)
    assert j["opt_outs"] == {"count": 0, "opt_ins": 0, "rate": None, "currently_opted_out": 1}
    assert j["sla"]["met_share"] is None and j["sla"]["breached_open"] == 0
    assert set(j["first_response_buckets"].values()) == {0}
    assert set(j["sentiment"].values()) == {0}
    assert j["by_channel"] == {} and j["topics"] == {} and j["by_rep"] == [] and j["by_topic"] == []
    assert all(r["waits"] == 0 and r["median_s"] is None for r in j["by_hour"] + j["by_weekday"])
    assert j["previous"]["response"] == null_stats


async def test_conversation_gap_exactly_at_the_boundary_stays_one_conversation(db: Database) -> None:
    await ingest(db, [
        m("g1", at(0), A), m("g2", at(5), A, "outbound", "hello"),
        m("g3", at(5 + 24 * 60), A, body="back"),  # exactly 24 h of quiet: same conversation
        m("g4", at(10 + 24 * 60), A, "outbound", "hi again"),
        m("g5", at(11 + 48 * 60), A, body="later"),  # 24 h + 1 min: a new one
        m("g6", at(12 + 48 * 60), A, "outbound", "yes"),
    ], UTC_ALWAYS)
    r = await report(db, Period(at(-1), at(3 * 24 * 60)), at(4 * 24 * 60), UTC_ALWAYS)
    assert r.volume.conversations == 2
    # Both conversations' first waits are first responses; the wait inside the first one is not.
    assert (r.first_response.count, r.response.count) == (2, 3)
    assert r.first_response.median_s == pytest.approx((300 + 60) / 2)
