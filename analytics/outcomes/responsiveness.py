"""Outcomes against responsiveness: win rate and demo-booked rate of the opportunities opened in a period,
by first-response bucket, conversation sentiment, topic, rep, call-score band and talk-ratio band.

Each opportunity is described by `Traits` (queries.py reads them; docs/metrics.md defines each). A cell
counts, for one value of one dimension: `win` = of those now closed, how many were won; `demo_booked` = of
all of them, how many reached the demo-booked stage. An opportunity with several topics counts in each.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from analytics.kpi.stats import BUCKET_KEYS
from analytics.outcomes.rates import RateCell
from analytics.sentiment import LABELS

NO_RESPONSE = "none"  # the opening conversation's first wait was cancelled, or it had none
FIRST_RESPONSE_KEYS = (*BUCKET_KEYS, NO_RESPONSE)
# Bands of the mean call score (0-100) and of the mean rep talk share (0-1) of the opportunity's calls:
# (key, lower bound inclusive); each band runs to the next one's bound.
SCORE_BANDS = (("lt_50", 0.0), ("s50_70", 50.0), ("s70_85", 70.0), ("ge_85", 85.0))
TALK_BANDS = (("lt_40", 0.0), ("r40_60", 0.40), ("ge_60", 0.60))
DIMENSIONS = ("first_response", "sentiment", "topic", "rep", "call_score", "talk_ratio")


class Traits(NamedTuple):
    """One opportunity opened in the period, with what it is broken down by."""

    id: int
    closed: bool
    won: bool
    demo_booked: bool
    first_response: str  # a FIRST_RESPONSE_KEYS key
    sentiment: str | None  # label of the opening conversation; None when it had no scored inbound text
    topics: tuple[str, ...]
    rep_id: int | None
    call_score: float | None  # mean score of its scored calls; None without calls
    talk_ratio: float | None


def band(value: float, bands: Sequence[tuple[str, float]]) -> str:
    key = bands[0][0]
    for name, lower in bands:
        if value >= lower:
            key = name
    return key


@dataclass(frozen=True)
class Row:
    key: Hashable
    win: RateCell
    demo_booked: RateCell

    def to_json(self, key: object) -> dict[str, object]:
        return {"key": key, "win": self.win.to_json(),
                "demo_booked": self.demo_booked.to_json()}


def table(traits: Iterable[Traits], keys_of: Callable[[Traits], Iterable[Hashable]],
          order: Sequence[Hashable] | None = None) -> list[Row]:
    """One row per key (in `order` when given, every key of it present; else sorted, None last)."""
    closed: dict[Hashable, list[int]] = {}
    for t in traits:
        for key in keys_of(t):
            cell = closed.setdefault(key, [0, 0, 0, 0])  # closed, won, all, demo booked
            cell[0] += t.closed
            cell[1] += t.won
            cell[2] += 1
            cell[3] += t.demo_booked
    keys = list(order) if order is not None else sorted(closed, key=lambda k: (k is None, str(k)))
    rows = []
    for key in keys:
        c = closed.get(key, [0, 0, 0, 0])
        rows.append(Row(key, RateCell(c[0], c[1]), RateCell(c[2], c[3])))
    return rows


def breakdowns(traits: Sequence[Traits]) -> dict[str, list[Row]]:
    """Every dimension's table. Call bands list only opportunities with scored calls."""
    return {
        "first_response": table(traits, lambda t: (t.first_response,), FIRST_RESPONSE_KEYS),
        "sentiment": table(traits, lambda t: (t.sentiment,) if t.sentiment else (), LABELS),
        "topic": table(traits, lambda t: t.topics),
        "rep": table(traits, lambda t: (t.rep_id,)),
        "call_score": table(traits, lambda t: () if t.call_score is None else (band(t.call_score, SCORE_BANDS),),
                            [k for k, _ in SCORE_BANDS]),
        "talk_ratio": table(traits, lambda t: () if t.talk_ratio is None else (band(t.talk_ratio, TALK_BANDS),),
                            [k for k, _ in TALK_BANDS]),
    }
