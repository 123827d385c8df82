from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.periods import Period, local_midnight
from bot.slack.question import (
    BREAKDOWNS,
    HELP_TEXT,
    METRICS,
    HelpRequest,
    Question,
    Unparsed,
    parse_question,
)

CHICAGO = ZoneInfo("America/Chicago")
# Wednesday 2026-11-04 15:30 CST; Chicago fell back on Sunday 2026-11-01.
NOW = datetime(2026, 11, 4, 15, 30, tzinfo=CHICAGO)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


TODAY = (d(11, 4), d(11, 4))
YESTERDAY = (d(11, 3), d(11, 3))
THIS_WEEK = (d(11, 2), d(11, 4))
LAST_WEEK = (d(10, 26), d(11, 1))
THIS_MONTH = (d(11, 1), d(11, 4))
LAST_MONTH = (d(10, 1), d(10, 31))
LAST_7 = (d(10, 29), d(11, 4))
LAST_30 = (d(10, 6), d(11, 4))
LAST_24H = 24

Expected = tuple[date, date] | int

CASES: list[tuple[str, str, tuple[str, ...], Expected]] = [
    # The examples from the brief.
    ("what's our first response time this week?", "first_response", (), THIS_WEEK),
    ("longest wait by hour last 30 days", "longest_wait", ("hour",), LAST_30),
    ("opt outs last month", "opt_outs", (), LAST_MONTH),
    ("sentiment by topic yesterday", "sentiment", ("topic",), YESTERDAY),
    ("who replied fastest last week", "reps", ("rep",), LAST_WEEK),
    ("unanswered", "unanswered", (), LAST_7),
    # first response
    ("first response time", "first_response", (), LAST_7),
    ("FRT today", "first_response", (), TODAY),
    ("frt by rep this month", "first_response", ("rep",), THIS_MONTH),
    ("How fast do we respond first?", "first_response", (), LAST_7),
    ("how quickly do we reply first to new leads, past 2 weeks", "first_response", (), (d(10, 22), d(11, 4))),
    ("first reply time per channel yesterday", "first_response", ("channel",), YESTERDAY),
    ("frist respnse time this week", "first_response", (), THIS_WEEK),
    ("FIRST RESPONSE TIME!!! last 7 days", "first_response", (), LAST_7),
    ("speed to lead since monday", "first_response", (), (d(11, 2), d(11, 4))),
    ("<@U123ABC> first-response time by hour of day last week", "first_response", ("hour",), LAST_WEEK),
    # response
    ("response time", "response", (), LAST_7),
    ("average response time last 30 days", "response", (), LAST_30),
    ("avg reply time by rep", "response", ("rep",), LAST_7),
    ("How fast are we replying today", "response", (), TODAY),
    ("how long does it take us to answer? last month", "response", (), LAST_MONTH),
    ("average respnse time per rep this week", "response", ("rep",), THIS_WEEK),
    ("median reply times by day of week in October", "response", ("weekday",), LAST_MONTH),
    ("response time between Nov 1 and Nov 3", "response", (), (d(11, 1), d(11, 3))),
    ("reply time from 2026-10-01 to 2026-10-08", "response", (), (d(10, 1), d(10, 8))),
    ("response times last 24h", "response", (), LAST_24H),
    # longest wait
    ("longest wait", "longest_wait", (), LAST_7),
    ("slowest reply this month", "longest_wait", (), THIS_MONTH),
    ("longest wiat yesterday", "longest_wait", (), YESTERDAY),
    ("max wait time per channel last week", "longest_wait", ("channel",), LAST_WEEK),
    ("who waited the longest today", "longest_wait", (), TODAY),
    ("worst response by weekday past 30 days", "longest_wait", ("weekday",), LAST_30),
    # unanswered
    ("who's waiting?", "unanswered", (), LAST_7),
    ("Who’s waiting", "unanswered", (), LAST_7),
    ("leads waiting today", "unanswered", (), TODAY),
    ("waiting leads by rep", "unanswered", ("rep",), LAST_7),
    ("how many leads are still waiting", "unanswered", (), LAST_7),
    ("unanswered leads since yesterday", "unanswered", (), (d(11, 3), d(11, 4))),
    ("is anyone waiting for a reply?", "unanswered", (), LAST_7),
    ("messages with no reply last 24 hours", "unanswered", (), LAST_24H),
    ("UNANSWERED.", "unanswered", (), LAST_7),
    # volume
    ("inbound volume", "volume", (), LAST_7),
    ("how many messages yesterday", "volume", (), YESTERDAY),
    ("how many texts did we get this week?", "volume", (), THIS_WEEK),
    ("how many leads last month", "volume", (), LAST_MONTH),
    ("new leads by channel this week", "volume", ("channel",), THIS_WEEK),
    ("volume by hour and by weekday last 2 weeks", "volume", ("hour", "weekday"), (d(10, 22), d(11, 4))),
    ("message volume in september", "volume", (), (d(9, 1), d(9, 30))),
    ("volume for each rep in December", "volume", ("rep",), (d(12, 1, 2025), d(12, 31, 2025))),
    ("new leads this year", "volume", (), (d(1, 1), d(11, 4))),
    ("volume last year", "volume", (), (d(1, 1, 2025), d(12, 31, 2025))),
    ("inbound on monday", "volume", (), (d(11, 2), d(11, 2))),
    ("volume Nov 3", "volume", (), (d(11, 3), d(11, 3))),
    # channels
    ("channels", "channels", (), LAST_7),
    ("whatsapp vs sms", "channels", (), LAST_7),
    ("WhatsApp vs. SMS last month", "channels", (), LAST_MONTH),
    ("channel mix since Nov 1", "channels", (), THIS_MONTH),
    # opt-outs
    ("opt-outs this week", "opt_outs", (), THIS_WEEK),
    ("optouts", "opt_outs", (), LAST_7),
    ("unsubscribes since 2026-10-15", "opt_outs", (), (d(10, 15), d(11, 4))),
    ("stop requests by channel last 3 months", "opt_outs", ("channel",), (d(8, 5), d(11, 4))),
    ("how many opted out yesterday", "opt_outs", (), YESTERDAY),
    # sentiment
    ("sentiment", "sentiment", (), LAST_7),
    ("mood this month", "sentiment", (), THIS_MONTH),
    ("are leads happy this week?", "sentiment", (), THIS_WEEK),
    ("angry leads yesterday", "sentiment", (), YESTERDAY),
    ("sentimnet per rep last week", "sentiment", ("rep",), LAST_WEEK),
    ("sentiment across channels", "sentiment", ("channel",), LAST_7),
    # topics
    ("topics", "topics", (), LAST_7),
    ("what are leads asking about?", "topics", (), LAST_7),
    ("what do customers want this month", "topics", (), THIS_MONTH),
    ("topics by channel last 2 weeks", "topics", ("channel",), (d(10, 22), d(11, 4))),
    # reps
    ("reps", "reps", ("rep",), LAST_7),
    ("leaderboard this month", "reps", ("rep",), THIS_MONTH),
    ("team performance", "reps", ("rep",), LAST_7),
    ("who replied fastest yesterday?", "reps", ("rep",), YESTERDAY),
    ("which rep answered the most leads last week", "reps", ("rep",), LAST_WEEK),
    ("rep leaderbord by hour", "reps", ("rep", "hour"), LAST_7),
    # calls
    ("calls", "calls", (), LAST_7),
    ("call scores last week", "calls", (), LAST_WEEK),
    ("call scores by rep last 30 days", "calls", ("rep",), LAST_30),
    ("how many calls today", "calls", (), TODAY),
    # summary
    ("summary", "summary", (), LAST_7),
    ("overview yesterday", "summary", (), YESTERDAY),
    ("how are we doing?", "summary", (), LAST_7),
    ("how did we do last week", "summary", (), LAST_WEEK),
    ("KPIs this month", "summary", (), THIS_MONTH),
    ("kpis since monday", "summary", (), (d(11, 2), d(11, 4))),
    ("summary for the past week", "summary", (), LAST_7),
    ("stats from Oct 28 to Nov 2", "summary", (), (d(10, 28), d(11, 2))),
    ("summary between Dec 28 2025 and Jan 3 2026", "summary", (), (d(12, 28, 2025), d(1, 3))),
    ("summary between 1st of October and 7th of October", "summary", (), (d(10, 1), d(10, 7))),
    ("summary last 2 weeks", "summary", (), (d(10, 22), d(11, 4))),
    ("summary last two weeks", "summary", (), (d(10, 22), d(11, 4))),
    ("summary in the last 48 hrs", "summary", (), 48),
    ("summary last hour", "summary", (), 1),
]


def _expected_period(expected: Expected) -> Period:
    if isinstance(expected, int):
        end = NOW.astimezone(UTC)
        return Period(end - timedelta(hours=expected), end)
    first, last = expected
    return Period(local_midnight(first, CHICAGO), local_midnight(last + timedelta(days=1), CHICAGO))


def test_enough_distinct_phrasings() -> None:
    assert len({text for text, *_ in CASES}) == len(CASES) >= 70


@pytest.mark.parametrize(("text", "metric", "breakdowns", "period"), CASES, ids=[case[0] for case in CASES])
def test_questions(text: str, metric: str, breakdowns: tuple[str, ...], period: Expected) -> None:
    result = parse_question(text, NOW, CHICAGO)
    assert isinstance(result, Question), result
    assert result.metric == metric
    assert result.breakdowns == breakdowns
    assert result.period == _expected_period(period)
    assert result.metric in METRICS
    assert set(result.breakdowns) <= set(BREAKDOWNS)


def test_last_week_across_dst_is_seven_local_days() -> None:
    result = parse_question("volume last week", NOW, CHICAGO)
    assert isinstance(result, Question)
    assert result.period.start == datetime(2026, 10, 26, 5, tzinfo=UTC)  # CDT midnight
    assert result.period.end == datetime(2026, 11, 2, 6, tzinfo=UTC)  # CST midnight
    assert result.period_label == "last week (Oct 26 – Nov 1, 2026)"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("unanswered", "last 7 days (Oct 29 – Nov 4, 2026)"),
        ("volume today", "today (Nov 4, 2026)"),
        ("volume in October", "October 2026"),
        ("volume in November", "November so far (Nov 1 – Nov 4, 2026)"),
        ("volume between Nov 1 and Nov 3", "Nov 1 – Nov 3, 2026"),
        ("volume since Nov 1", "since Nov 1, 2026 (Nov 1 – Nov 4, 2026)"),
        ("volume last 24h", "last 24 hours (Nov 3, 2026 15:30 – Nov 4, 2026 15:30)"),
    ],
)
def test_period_labels(text: str, label: str) -> None:
    result = parse_question(text, NOW, CHICAGO)
    assert isinstance(result, Question)
    assert result.period_label == label


def test_dates_without_year_look_back() -> None:
    result = parse_question("volume since Dec 1", NOW, CHICAGO)
    assert isinstance(result, Question)
    assert result.period.start == local_midnight(d(12, 1, 2025), CHICAGO)
    # A range written without years runs forward from its first date.
    result = parse_question("volume from Dec 28 to Jan 3", NOW, CHICAGO)
    assert isinstance(result, Question)
    assert result.period == _expected_period((d(12, 28, 2025), d(1, 3)))


@pytest.mark.parametrize(
    "text", ["help", "HELP", "Help me", "", "   ", "?", "what can I ask?", "<@U123> help"]
)
def test_help(text: str) -> None:
    assert parse_question(text, NOW, CHICAGO) == HelpRequest()


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather like",
        "tell me a joke",
        "order pizza for the team",
        "asdfghjkl",
        "hello there",
        "thanks!",
        "may I ask something",
    ],
)
def test_unrecognised_questions(text: str) -> None:
    result = parse_question(text, NOW, CHICAGO)
    assert isinstance(result, Unparsed)
    assert result.text == text
    assert "help" in result.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("volume nov 31", "'nov 31' is not a date"),
        ("volume since 2026-11-20", "in the future"),
        ("volume in December 2026", "has not started yet"),
        ("volume last 100000 days", "I can look back 1 to 3660 days"),
        ("volume last 0 days", "I can look back"),
        ("response time 2026-02-30", "is not a date"),
    ],
)
def test_bad_periods_are_unparsed_with_a_reason(text: str, reason: str) -> None:
    result = parse_question(text, NOW, CHICAGO)
    assert isinstance(result, Unparsed)
    assert reason in result.reason


def test_help_text_mentions_every_metric_family() -> None:
    for phrase in ("first response", "longest wait", "unanswered", "opt-outs", "leaderboard", "call scores"):
        assert phrase in HELP_TEXT


def test_naive_now_is_rejected() -> None:
    from analytics.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse_question("volume", datetime(2026, 11, 4), CHICAGO)
