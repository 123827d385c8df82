"""The wait and conversation rules, on hand-built histories with hand-computed answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analytics.models import HELP, INBOUND, OPT_IN, OPT_OUT, OUTBOUND
from analytics.opt_out import classify_keyword, effective_keyword
from analytics.waits import Event, replay

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GAP = timedelta(hours=24)


def inbound(minutes: float, key: str, text: str = "hi") -> Event:
    return Event(T0 + timedelta(minutes=minutes), key, INBOUND, False, classify_keyword(text))


def outbound(minutes: float, key: str, automated: bool = False) -> Event:
    return Event(T0 + timedelta(minutes=minutes), key, OUTBOUND, automated)


def spans(events: list[Event]) -> list[tuple[str, str, str | None, bool]]:
    timeline = replay(events, GAP)
    return [(w.opened_key, w.state, w.closed_key, w.first_in_conversation) for w in timeline.waits]


def test_burst_extends_one_wait_and_reply_closes_it() -> None:
    events = [inbound(0, "a"), inbound(1, "b"), inbound(2, "c"), outbound(10, "r")]
    timeline = replay(events, GAP)
    assert len(timeline.waits) == 1
    wait = timeline.waits[0]
    assert (wait.opened_key, wait.closed_key, wait.state) == ("a", "r", "closed")
    assert wait.inbound_keys == ["a", "b", "c"]
    assert wait.closed_at - wait.opened_at == timedelta(minutes=10)


def test_automated_reply_never_closes() -> None:
    assert spans([inbound(0, "a"), outbound(0.1, "auto", automated=True), outbound(5, "r")]) == [
        ("a", "closed", "r", True)
    ]


def test_reply_before_any_inbound_opens_nothing() -> None:
    assert spans([outbound(0, "r"), inbound(5, "a")]) == [("a", "open", None, True)]


def test_opt_out_cancels_the_open_wait_and_blocks_new_ones() -> None:
    events = [inbound(0, "a"), inbound(1, "stop", "STOP"), inbound(2, "b", "what?")]
    timeline = replay(events, GAP)
    assert spans(events) == [("a", "cancelled", "stop", True)]
    assert timeline.keywords["stop"] == OPT_OUT and timeline.opted_out


def test_yes_is_a_message_unless_opted_out() -> None:
    assert spans([inbound(0, "y", "Yes")]) == [("y", "open", None, True)]
    events = [inbound(0, "s", " stop "), inbound(5, "y", "YES"), inbound(6, "q", "price?")]
    timeline = replay(events, GAP)
    assert timeline.keywords == {"s": OPT_OUT, "y": OPT_IN, "q": None}
    assert spans(events) == [("q", "open", None, True)]


def test_help_opens_no_wait() -> None:
    timeline = replay([inbound(0, "h", "help")], GAP)
    assert timeline.waits == [] and timeline.keywords["h"] == HELP


def test_conversation_gap_boundary() -> None:
    exactly = [inbound(0, "a"), outbound(1, "r"), inbound(1 + 24 * 60, "b")]
    assert len(replay(exactly, GAP).conversations) == 1
    beyond = [inbound(0, "a"), outbound(1, "r"), inbound(1 + 24 * 60 + 0.01, "b")]
    timeline = replay(beyond, GAP)
    assert len(timeline.conversations) == 2
    assert [w.first_in_conversation for w in timeline.waits] == [True, True]


def test_waiting_lead_stays_in_one_conversation() -> None:
    day = 24 * 60
    events = [inbound(0, "a"), inbound(3 * day, "b"), outbound(3 * day + 5, "r"), inbound(3 * day + 6, "c")]
    timeline = replay(events, GAP)
    assert len(timeline.conversations) == 1
    assert [(w.opened_key, w.first_in_conversation) for w in timeline.waits] == [("a", True), ("c", False)]


def test_bare_opt_out_event_cancels() -> None:
    events = [inbound(0, "a"), Event(T0 + timedelta(minutes=1), "~opt1", opt_event=OPT_OUT), outbound(2, "r")]
    assert spans(events) == [("a", "cancelled", None, True)]


def test_order_of_arrival_does_not_matter() -> None:
    events = [inbound(0, "a"), inbound(2, "b"), outbound(7, "r"), inbound(30, "c", "STOP"),
              inbound(40, "d", "start"), inbound(41, "e"), outbound(50, "r2")]
    assert spans(events) == spans(list(reversed(events)))


def test_effective_keyword() -> None:
    assert effective_keyword(OPT_IN, opted_out=False) is None
    assert effective_keyword(OPT_IN, opted_out=True) == OPT_IN
    assert classify_keyword("Stop please") is None
    assert classify_keyword("ok", opt_out_type="STOP") == OPT_OUT
