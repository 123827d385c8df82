"""Call-score KPIs: averages overall, per criterion and per rep, the weekly trend, best and weakest calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from analytics.calls import CallScore, Recording, call_score_summary, criterion_columns, insert_score
from analytics.db import Database
from analytics.models import Rep

MONDAY = datetime(2026, 11, 2, 15, tzinfo=UTC)


async def seed(db: Database) -> dict[str, int]:
    """Two reps over two weeks, one call without a rep, one unscorable recording, one call out of range."""
    calls = [
        ("ann", MONDAY, 80, (80, 70, 90, None)),
        ("ann", MONDAY + timedelta(days=1), 60, (50, 60, 70, None)),
        ("ann", MONDAY + timedelta(days=7), 90, (90, 90, 90, 100)),
        ("bob", MONDAY + timedelta(days=2), 40, (40, 30, None, None)),
        (None, MONDAY + timedelta(days=3), 70, (70, None, None, None)),
        ("bob", MONDAY + timedelta(days=30), 10, (10, 10, 10, 10)),
    ]
    async with db.transaction() as session:
        reps = {name: Rep(name=name.title(), phone=f"+1555000000{i}") for i, name in enumerate(("ann", "bob"))}
        session.add_all(reps.values())
        await session.flush()
        for n, (rep, at, score, (ce, fm, qh, sp)) in enumerate(calls):
            rec = Recording(recording_sid=f"RE{n:032x}", call_sid=f"CA{n:032x}", recording_url="https://x/Recordings/R",
                            twilio_status="completed", channels=2, status="scored", created_at=at,
                            rep_id=reps[rep].id if rep else None)
            session.add(rec)
            await session.flush()
            criteria = [{"name": "Communication and Engagement", "score": ce}, {"name": "Forward Motion", "score": fm},
                        {"name": "Question Handling", "score": qh}, {"name": "Sales Process", "score": sp}]
            assert await insert_score(session, {
                "recording_id": rec.id, "rep_id": rec.rep_id, "stage": "general", "score": score,
                **criterion_columns(criteria), "duration_s": 60.0, "result": json.dumps({"score": score}),
                "called_at": at,
            })
        session.add(Recording(recording_sid="RE" + "f" * 32, call_sid="CA" + "f" * 32, recording_url="https://x",
                              twilio_status="completed", channels=1, status="not_scorable", created_at=MONDAY))
    return {name: rep.id or 0 for name, rep in reps.items()}


async def test_summary_averages_per_rep_and_criterion_with_weekly_trend(db: Database) -> None:
    reps = await seed(db)
    async with db.read() as session:
        summary = await call_score_summary(session, MONDAY - timedelta(days=1), MONDAY + timedelta(days=14))
    assert summary["count"] == 5
    assert summary["average"] == 68.0
    assert summary["criteria"] == {"communication": 66.0, "forward_motion": 62.5, "question_handling": 83.3,
                                   "sales_process": 100.0}
    assert (summary["not_scorable"], summary["failed"]) == (1, 0)
    by_rep = {item["rep"]: item for item in summary["per_rep"]}
    assert [item["rep"] for item in summary["per_rep"]] == ["Ann", None, "Bob"]  # best average first
    ann = by_rep["Ann"]
    assert (ann["rep_id"], ann["count"], ann["average"]) == (reps["ann"], 3, 76.7)
    assert ann["trend"] == [{"week": "2026-11-02", "count": 2, "average": 70.0},
                            {"week": "2026-11-09", "count": 1, "average": 90.0}]
    assert by_rep["Bob"]["criteria"]["question_handling"] is None
    assert [c["score"] for c in summary["best"]] == [90, 80, 70]
    assert [c["score"] for c in summary["weakest"]] == [40, 60, 70]
    assert summary["best"][0]["rep"] == "Ann" and summary["best"][0]["called_at"].startswith("2026-11-09")


async def test_weeks_follow_the_team_time_zone(db: Database) -> None:
    await seed(db)
    sunday_night_utc_monday = MONDAY.replace(hour=2)  # 2026-11-02 02:00 UTC is Sunday evening in New York
    async with db.transaction() as session:
        rec = Recording(recording_sid="RE" + "e" * 32, call_sid="CA" + "e" * 32, recording_url="https://x",
                        twilio_status="completed", channels=2, status="scored", created_at=sunday_night_utc_monday)
        session.add(rec)
        await session.flush()
        await insert_score(session, {"recording_id": rec.id, "rep_id": None, "stage": "general", "score": 50,
                                     "duration_s": 30.0, "result": "{}", "called_at": sunday_night_utc_monday})
        summary = await call_score_summary(session, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1),
                                           tz=ZoneInfo("America/New_York"))
    [no_rep] = [item for item in summary["per_rep"] if item["rep_id"] is None]
    assert [week["week"] for week in no_rep["trend"]] == ["2026-10-26"]


async def test_an_empty_period_has_no_averages(db: Database) -> None:
    async with db.read() as session:
        summary = await call_score_summary(session, MONDAY, MONDAY + timedelta(days=7))
    assert summary["count"] == 0 and summary["average"] is None and summary["per_rep"] == []
    assert summary["best"] == [] and summary["weakest"] == []
    assert set(summary["criteria"].values()) == {None}


async def test_a_recording_keeps_one_score(db: Database) -> None:
    await seed(db)
    async with db.transaction() as session:
        again = await insert_score(session, {"recording_id": 1, "rep_id": None, "stage": "general", "score": 1,
                                             "duration_s": 1.0, "result": "{}", "called_at": MONDAY})
    assert again is False
    async with db.read() as session:
        assert (await session.get(CallScore, 1)).score == 80  # type: ignore[union-attr]
