"""Typed, frozen results; every type serialises with ``to_dict()`` to plain JSON values."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Speaker = Literal["rep", "prospect"]


class _Dict:
    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


@dataclass(frozen=True)
class Word(_Dict):
    speaker: Speaker
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Utterance(_Dict):
    speaker: Speaker
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Interruptions(_Dict):
    by_rep: int
    by_prospect: int


@dataclass(frozen=True)
class Metrics(_Dict):
    rep_talk_s: float
    prospect_talk_s: float
    talk_ratio: float | None
    longest_monologue_s: float
    longest_customer_story_s: float
    interruptions: Interruptions
    patience_s: float | None
    switches_per_min: float
    silence_share: float
    # Text-based; None without a transcript.
    rep_wpm: float | None = None
    rep_questions: int | None = None
    question_rate_per_10min: float | None = None
    filler_per_min: float | None = None


@dataclass(frozen=True)
class Feedback(_Dict):
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion(_Dict):
    name: str
    score: int | None  # None: not applicable to the stage, or not scorable (reason in summary)
    summary: str
    feedback: Feedback = field(default_factory=Feedback)
    weight: float = 0.0  # share of the overall score (0 when score is None)


@dataclass(frozen=True)
class NextStep(_Dict):
    text: str
    at_s: float
    speaker: Speaker
    agreed: bool


@dataclass(frozen=True)
class Objection(_Dict):
    kind: str  # price | timing | competitor | authority | need | risk
    text: str
    at_s: float
    addressed: bool


@dataclass(frozen=True)
class BantItem(_Dict):
    found: bool
    evidence: str | None = None
    at_s: float | None = None


@dataclass(frozen=True)
class Bant(_Dict):
    budget: BantItem
    authority: BantItem
    need: BantItem
    timeline: BantItem

    @property
    def covered(self) -> int:
        return sum(item.found for item in (self.budget, self.authority, self.need, self.timeline))


@dataclass(frozen=True)
class CallScore(_Dict):
    duration_s: float
    stage: str
    rep_channel: str
    model: str | None
    score: int | None
    metrics: Metrics
    criteria: tuple[Criterion, ...]
    next_steps: tuple[NextStep, ...]
    objections: tuple[Objection, ...]
    bant: Bant
    transcript: tuple[Utterance, ...]
    text_scored: bool
    notes: tuple[str, ...] = ()

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)
