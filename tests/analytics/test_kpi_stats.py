"""The pure KPI rules with hand-computed expectations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.errors import InvalidInput
from analytics.kpi import parse_breakdowns
from analytics.kpi.breakdowns import (
    WaitRow,
    conversation_label,
    group_figures,
    longest,
    slot_rows,
    wait_figures,
    weekday_of,
)
from analytics.kpi.render import duration
from analytics.kpi.stats import (
    BUCKET_KEYS,
    EMPTY_STATS,
    bucket_counts,
    bucket_of,
    change,
    percentile,
    share,
    sla_met,
    sla_met_share,
    summarize,
)
from analytics.kpi.window import resolve_period
from analytics.sentiment import conversation_sentiment

NY = ZoneInfo("America/New_York")


def test_empty_statistics_are_none_not_zero() -> None:
    assert summarize([]) == EMPTY_STATS
    assert EMPTY_STATS.to_json() == {"count": 0, "mean_s": None, "median_s": None, "p90_s": None, "max_s": None}
    assert sla_met_share([], 15) is None
    assert share(0, 0) is None
    assert percentile([], 0.5) is None


def test_median_of_odd_and_even_counts() -> None:
    assert summarize([30, 10, 20]).median_s == 20
    # Even count: the mean of the two middle values.
    assert summarize([40, 10, 30, 20]).median_s == 25


def test_p90_is_linear_interpolation_between_ranks() -> None:
    # 10 values 1..10: position (10-1)*0.9 = 8.1 -> 9 + 0.1*(10-9) = 9.1.
    assert percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)
    # Two values 0 and 100: position 0.9 -> 90.
    assert summarize([100, 0]).p90_s == pytest.approx(90)
    assert summarize([7]).p90_s == 7
    stats = summarize([60, 120, 600, 3600])
    assert (stats.count, stats.mean_s, stats.median_s, stats.max_s) == (4, 1095, 360, 3600)
    # position 2.7 -> 600 + 0.7 * 3000 = 2700.
    assert stats.p90_s == pytest.approx(2700)


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(0, "lt_1m"), (59.999, "lt_1m"), (60, "m1_5"), (299, "m1_5"), (300, "m5_15"), (899.9, "m5_15"),
     (900, "m15_60"), (3599, "m15_60"), (3600, "h1_4"), (14_399, "h1_4"), (14_400, "h4_24"),
     (86_399, "h4_24"), (86_400, "gt_24h"), (10**7, "gt_24h")],
)
def test_bucket_edges_are_half_open(seconds: float, bucket: str) -> None:
    assert bucket_of(seconds) == bucket


def test_bucket_counts_have_every_key_and_open_last() -> None:
    counts = bucket_counts([5, 61, 61, 90_000], open_count=3)
    assert list(counts) == list(BUCKET_KEYS) and BUCKET_KEYS[-1] == "open"
    assert counts == {"lt_1m": 1, "m1_5": 2, "m5_15": 0, "m15_60": 0, "h1_4": 0, "h4_24": 0, "gt_24h": 1,
                      "open": 3}


def test_sla_boundary_counts_as_met() -> None:
    assert sla_met(15 * 60, 15)
    assert not sla_met(15 * 60 + 0.001, 15)
    assert sla_met_share([900, 901, 10, 5000], 15) == 0.5


def test_change_and_share() -> None:
    assert change(150, 100) == 0.5
    assert change(None, 100) is None and change(5, 0) is None
    assert share(1, 4) == 0.25


T = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def wait(minutes_ago_opened: float, seconds: float, closed: bool = True, first: bool = True, rep: int | None = 1,
         topics: tuple[str, ...] = (), contact: int = 1) -> WaitRow:
    return WaitRow(contact, T - timedelta(minutes=minutes_ago_opened), closed, seconds, seconds, first, rep,
                   "sms", topics)


def test_wait_figures_split_open_closed_first() -> None:
    waits = [wait(100, 60), wait(90, 1200, first=False), wait(80, 4000, closed=False),
             wait(70, 30, closed=False, first=False)]
    f = wait_figures(waits, 15)
    assert f.first_response.count == 1 and f.first_response.median_s == 60
    assert f.response.count == 2 and f.response.mean_s == 630
    assert f.longest is waits[2]
    assert (f.unanswered.count, f.unanswered.oldest_s) == (2, 4000)
    assert f.sla_met_share == 0.5
    assert f.breached_open == 1  # 4000 s is past 15 min, 30 s is not
    assert f.buckets["m1_5"] == 1 and f.buckets["open"] == 1


def test_longest_tie_goes_to_the_earliest_opened() -> None:
    a, b = wait(10, 500, contact=2), wait(20, 500, contact=3)
    assert longest([a, b]) is b
    assert longest([]) is None


def test_group_figures_and_slots() -> None:
    waits = [wait(60 * 24 * 2, 100), wait(60, 300), wait(30, 50, closed=False)]
    g = group_figures(waits, 15)
    assert (g.waits, g.response.count, g.longest_wait_s, g.sla_met_share) == (3, 2, 300, 1.0)
    days = slot_rows(waits, UTC, weekday_of, 7)  # type: ignore[arg-type]
    assert len(days) == 7
    # T is a Monday; two days earlier is Saturday.
    assert (days[0].waits, days[0].response.count, days[5].waits) == (2, 1, 1)
    assert days[1].response.median_s is None


def test_conversation_label_from_aggregates() -> None:
    # 0.9 then -0.8 (in units of 0.0001): the latest is unhappy, so the conversation is unhappy.
    assert conversation_label(2, 1 * 9000 + 2 * -8000, -8000) == "unhappy"
    assert conversation_label(1, 0, 0) == "neutral"
    assert conversation_label(2, 1 * 2000 + 2 * 6000, 6000) == "happy"  # mean (0.2 + 1.2) / 3 = 0.467


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1, 1).map(lambda x: round(x, 4)), min_size=1, max_size=12))
def test_conversation_label_matches_conversation_sentiment(scores: list[float]) -> None:
    units = [round(s * 10_000) for s in scores]
    weighted = sum(i * k for i, k in enumerate(units, start=1))
    assert conversation_label(len(scores), weighted, units[-1]) == conversation_sentiment(scores).label


# Conversations the review found where subtracting (lo - 1) * sum(score) in floats, as the first window-free
# query did, flipped the label at a rounding boundary: a period that starts mid-conversation.
BOUNDARY_CASES = [([0.2738, -0.2951, 0.4953, 0.9575], 2), ([0.6704, -0.2341, 0.1325], 3),
                  ([-0.0385, 0.1181, 0.934], 300)]


@pytest.mark.parametrize(("scores", "lo"), BOUNDARY_CASES)
def test_the_database_labels_a_conversation_exactly_as_python(scores: list[float], lo: int) -> None:
    import sqlite3

    from analytics.kpi.breakdowns import label_bounds
    from analytics.kpi.queries import _labelled_sql
    from analytics.sentiment import UNHAPPY_BELOW

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE message (conversation_id int, sent_at int, direction text, sentiment_score real, "
                 "sentiment_seq int)")
    conn.executemany("INSERT INTO message VALUES (1, ?, 'inbound', ?, ?)",
                     [(lo + i, score, lo + i) for i, score in enumerate(scores)])
    vh, h, u = label_bounds()
    [(label,)] = conn.execute(f"WITH {_labelled_sql()} SELECT label FROM labelled",
                              {"start": lo, "end": lo + len(scores), "inbound": "inbound",
                               "unhappy_below": UNHAPPY_BELOW, "vh": vh, "h": h, "u": u}).fetchall()
    assert label == conversation_sentiment(scores).label


def test_breakdown_names() -> None:
    assert parse_breakdowns(["rep,hour", "rep", " Topic "]) == ("rep", "hour", "topic")
    with pytest.raises(InvalidInput, match="unknown breakdown 'team'"):
        parse_breakdowns(["team"])


def test_window_dates_are_local_midnights_and_to_is_exclusive() -> None:
    now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    p = resolve_period("2026-11-01", "2026-11-08", now=now, tz=NY)
    # Nov 1 2026 is the DST change in New York: midnight is still EDT (-4), Nov 8 is EST (-5).
    assert p.start == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert p.end == datetime(2026, 11, 8, 5, tzinfo=UTC)
    default = resolve_period(None, None, now=now, tz=NY)
    assert default.end == datetime(2026, 11, 11, 5, tzinfo=UTC)
    assert default.start == datetime(2026, 11, 4, 5, tzinfo=UTC)
    assert resolve_period("2026-11-01T09:30:00Z", "2026-11-01T10:00", now=now, tz=NY).end == \
        datetime(2026, 11, 1, 15, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="must be after"):
        resolve_period("2026-11-08", "2026-11-01", now=now, tz=NY)
    with pytest.raises(InvalidInput):
        resolve_period("yesterday-ish", None, now=now, tz=NY)


def test_duration_text() -> None:
    assert [duration(s) for s in (None, 45, 725, 12_000, 190_000)] == ["-", "45s", "12m 05s", "3h 20m", "2d 4h"]
