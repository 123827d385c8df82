"""Pure rules of the outcomes core: stage configurations, money, the Wilson interval, validation, the state fold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.errors import InvalidInput
from analytics.outcomes.changes import StageChange, check_against_state, check_change
from analytics.outcomes.figures import reached_stages
from analytics.outcomes.money import Money, parse_money, parse_quota
from analytics.outcomes.rates import RateCell, wilson
from analytics.outcomes.stages import DEFAULT_STAGES, parse_stages
from analytics.outcomes.state import EventRow, derive, stays

T = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
NOW = T + timedelta(days=30)
STAGES = parse_stages()


def test_default_stages_have_every_role_and_read_back() -> None:
    assert STAGES.names == ("new", "qualified", "demo_booked", "demo_held", "demo_no_show", "proposal_sent", "won",
                            "lost")
    assert STAGES.to_setting() == DEFAULT_STAGES
    assert STAGES.role_of("qualified") is None and STAGES.is_closing("lost")


def test_renamed_stages_keep_their_roles() -> None:
    stages = parse_stages("inquiry=new,sql,demo=demo_booked,showed=demo_held|ghosted=demo_no_show,"
                          "quote=proposal_sent,signed=won|dead=lost")
    assert stages.name_of("won") == "signed" and stages.name_of("demo_no_show") == "ghosted"
    assert parse_stages(stages.to_setting()) == stages


@pytest.mark.parametrize(("spec", "says"), [
    ("new,qualified,won", "lost"),
    ("qualified,new,won|lost", "first step"),
    ("new,won|lost,qualified", "last step"),
    ("new,demo_held|demo_no_show,demo_booked,won|lost", "demo_booked stage must come before"),
    ("new,demo_booked,demo_held,demo_no_show,won|lost", "alternatives of one step"),
    ("new,Qualified,won|lost", "not a stage name"),
    ("new,a,a,won|lost", "twice"),
    ("new,x=closer,won|lost", "unknown role"),
    ("new,,won|lost", "empty stage in step 2"),
])
def test_bad_stage_settings_say_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse_stages(spec)


def test_money_is_exact_in_minor_units() -> None:
    assert parse_money("1234.56", "usd") == Money(123456, "USD")
    assert parse_money("1234.5", "USD") == Money(123450, "USD")
    assert parse_money("500", "JPY") == Money(500, "JPY")
    assert parse_money("1.234", "BHD") == Money(1234, "BHD")
    assert parse_money(199, "EUR") == Money(199, "EUR")
    assert Money(123456, "USD").to_json()["amount"] == "1234.56"


@pytest.mark.parametrize(("amount", "currency", "says"), [
    ("12.345", "USD", "more decimals"), ("5.5", "JPY", "more decimals"), ("-3", "USD", "not an amount"),
    ("1,000", "USD", "not an amount"), ("abc", "USD", "not an amount"), ("10", "ZZZ", "not an ISO 4217"),
    ("10", "US", "three capital letters"), ("1", "XAU", "no minor unit"), ("1e20", "USD", "not an amount"),
    ("99999999999999", "USD", "too large"), (-5, "USD", "negative"),
])
def test_malformed_values_are_refused(amount: object, currency: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse_money(amount, currency)  # type: ignore[arg-type]


def test_quota_prorates_by_local_day() -> None:
    quota = parse_quota("31,000 USD/month")
    assert quota is not None and quota.amount == Money(3_100_000, "USD")
    tz = ZoneInfo("America/New_York")
    may = (datetime(2026, 5, 1, 4, tzinfo=UTC), datetime(2026, 6, 1, 4, tzinfo=UTC))
    assert quota.for_period(*may, tz) == Money(3_100_000, "USD")  # a whole month is one quota
    week = (datetime(2026, 5, 4, 4, tzinfo=UTC), datetime(2026, 5, 11, 4, tzinfo=UTC))
    assert quota.for_period(*week, tz) == Money(700_000, "USD")  # 7 of May's 31 days
    q2 = parse_quota("90000 EUR/quarter")
    assert q2 is not None and q2.for_period(datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC),
                                            ZoneInfo("UTC")) == Money(9_000_000, "EUR")
    assert parse_quota("") is None
    for bad in ("50000 USD", "lots USD/month", "0 USD/month", "5 USD/decade"):
        with pytest.raises(InvalidInput):
            parse_quota(bad)


@pytest.mark.parametrize(("hits", "n", "low", "high"), [
    (5, 10, 0.2366, 0.7634), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (1, 10, 0.0179, 0.4042),
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_interval_matches_published_values(hits: int, n: int, low: float, high: float) -> None:
    got = wilson(hits, n)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_a_cell_under_ten_shows_no_rate() -> None:
    assert RateCell(9, 9).to_json() == {"n": 9, "hits": None, "rate": None, "low": None, "high": None,
                                        "too_few": True}
    cell = RateCell(10, 5).to_json()
    assert cell["rate"] == 0.5 and cell["too_few"] is False and cell["low"] == pytest.approx(0.2366, abs=5e-5)
    with pytest.raises(ValueError):
        wilson(3, 2)


def change(stage: str, at: datetime = T, **kw: object) -> StageChange:
    return StageChange(1, stage, at, kw.pop("source", "api"), actor_id=kw.pop("actor_id", 1), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("bad", "says"), [
    (change("negotiation"), "unknown stage 'negotiation'; expected one of new, qualified"),
    (change("qualified", NOW + timedelta(hours=1)), "in the future"),
    (change("qualified", datetime(2026, 11, 2, 15, 0)), "time zone"),
    (change("demo_booked"), "needs the demo's date"),
    (change("demo_booked", demo_at=T - timedelta(days=1)), "before it was booked"),
    (change("demo_booked", demo_at=NOW + timedelta(days=400)), "more than a year"),
    (change("qualified", demo_at=T), "demo_at belongs to demo_booked"),
    (change("qualified", value=Money(100, "USD")), "a value belongs to won"),
    (change("won", value=Money(-1, "USD")), "whole number"),
    (change("won", value=Money(100, "ABC")), "not an ISO 4217"),
    (change("won", reason="price"), "a reason belongs to lost"),
    (change("lost", reason=" "), "1 to 500"),
    (change("qualified", source="email"), "unknown source"),
    (change("qualified", actor_id=None), "rep's id"),
    (change("qualified", client_event_id="x" * 129), "client_event_id"),
])
def test_bad_changes_are_refused_with_the_reason(bad: StageChange, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        check_change(bad, STAGES, NOW)


def test_a_demo_may_be_booked_for_the_future_but_nothing_happens_there() -> None:
    check_change(change("demo_booked", NOW, demo_at=NOW + timedelta(days=20)), STAGES, NOW)
    check_change(change("qualified", NOW + timedelta(minutes=4)), STAGES, NOW)  # clock skew


def ev(i: int, stage: str, minutes: int, **kw: object) -> EventRow:
    return EventRow(i, stage, T + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


def test_state_rules_need_the_stored_opportunity() -> None:
    state = derive([ev(1, "new", 0), ev(2, "won", 10)], STAGES)
    assert state is not None
    with pytest.raises(InvalidInput, match="closed"):
        check_against_state(change("proposal_sent", T + timedelta(hours=1)), state, STAGES, named=False)
    check_against_state(change("proposal_sent", T + timedelta(hours=1)), state, STAGES, named=True)
    with pytest.raises(InvalidInput, match="before the opportunity opened"):
        check_against_state(change("qualified", T - timedelta(hours=1)), state, STAGES, named=True)
    open_state = derive([ev(1, "new", 0)], STAGES)
    with pytest.raises(InvalidInput, match="no demo was booked"):
        check_against_state(change("demo_held", T + timedelta(hours=1)), open_state, STAGES, named=False)
    with pytest.raises(InvalidInput, match="no open opportunity with a booked demo"):
        check_against_state(change("demo_no_show"), None, STAGES, named=False)


def test_the_latest_event_wins_and_a_correction_voids_the_corrected_one() -> None:
    events = [ev(1, "new", 0, actor_kind="system"), ev(2, "proposal_sent", 60, value_minor=5000, currency="USD"),
              ev(3, "won", 120, actor_kind="rep", actor_id=7, value_minor=9000, currency="USD"),
              ev(4, "proposal_sent", 180)]
    moved_back = derive(events, STAGES)
    assert moved_back is not None
    assert (moved_back.stage, moved_back.closed_at, moved_back.outcome) == ("proposal_sent", None, None)
    assert "won" in moved_back.reached and moved_back.rep_id == 7 and moved_back.proposal_value_minor == 5000
    assert moved_back.proposal_at == T + timedelta(minutes=60)  # the first proposal
    fixed = derive([*events[:3], ev(5, "won", 120, value_minor=9900, currency="USD", corrects=3)], STAGES)
    assert fixed is not None and (fixed.outcome, fixed.value_minor, fixed.closed_at) == (
        "won", 9900, T + timedelta(minutes=120))
    misclick = derive([*events[:3], ev(5, "proposal_sent", 121, corrects=3)], STAGES)
    assert misclick is not None and "won" not in misclick.reached and misclick.closed_at is None


def test_events_are_taken_by_time_then_id_whatever_order_they_arrive_in() -> None:
    events = [ev(3, "qualified", 30), ev(1, "new", 0), ev(2, "lost", 90, reason="price"), ev(4, "lost", 90)]
    state = derive(events, STAGES)
    assert state is not None
    # The two lost events are one stay: the first one's time, the reason given on either.
    assert (state.stage, state.stage_entered_at, state.lost_reason) == ("lost", T + timedelta(minutes=90), "price")
    assert stays(events) == [("new", T, T + timedelta(minutes=30)),
                             ("qualified", T + timedelta(minutes=30), T + timedelta(minutes=90)),
                             ("lost", T + timedelta(minutes=90), None)]


def test_reached_counts_forward_stages_passed_on_the_way() -> None:
    assert reached_stages(("new", "won"), STAGES) == {"new", "qualified", "demo_booked", "demo_held",
                                                      "proposal_sent", "won"}
    assert reached_stages(("new", "demo_booked", "demo_no_show", "lost"), STAGES) == {
        "new", "qualified", "demo_booked", "demo_no_show", "lost"}
