"""Leads at risk: open opportunities flagged with their reasons, each with the figures behind it (no score).

Reasons (docs/metrics.md, "Leads at risk"):
- `stalled`: in its current stage longer than the team's p75 for that stage: the type-7 75th percentile of
  the stays in that stage that ended in the last `lookback` (180 days by default), when there are at least
  MIN_STAYS of them; a closing stage never stalls.
- `unanswered`: the lead has an open wait older than the SLA (business time when business hours are
  set, as the SLA is judged everywhere).
- `unhappy`: the lead's current conversation is labelled unhappy now (the reason carries the label it had
  before its latest scored inbound text, None when that text was its first).
- `no_show`: the current stage is the demo no-show stage, entered more than NO_SHOW_REBOOK ago, so no
  demo was rebooked since.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from analytics.kpi.stats import percentile
from analytics.outcomes.figures import Clock
from analytics.outcomes.stages import DEMO_NO_SHOW, StageConfig
from analytics.outcomes.state import EventRow, stays
from analytics.sentiment import conversation_sentiment

MIN_STAYS = 10
NO_SHOW_REBOOK = timedelta(days=3)
LOOKBACK = timedelta(days=180)


@dataclass(frozen=True)
class Stalled:
    stage: str
    in_stage_s: float
    team_p75_s: float
    stays: int  # how many stays the p75 is taken over
    kind: str = "stalled"


@dataclass(frozen=True)
class Unanswered:
    waiting_s: float
    sla_s: float
    since: datetime
    kind: str = "unanswered"


@dataclass(frozen=True)
class Unhappy:
    label: str
    score: float
    previous_label: str | None
    kind: str = "unhappy"


@dataclass(frozen=True)
class NoShow:
    since: datetime
    days: float
    kind: str = "no_show"


Reason = Stalled | Unanswered | Unhappy | NoShow


@dataclass(frozen=True)
class AtRisk:
    opportunity_id: int
    contact_id: int
    stage: str
    rep_id: int | None
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, object]:
        def one(reason: Reason) -> dict[str, object]:
            return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(reason).items()}
        return {"opportunity_id": self.opportunity_id, "contact_id": self.contact_id, "stage": self.stage,
                "rep_id": self.rep_id, "reasons": [one(r) for r in self.reasons]}


def stage_p75(histories: Iterable[Sequence[EventRow]], since: datetime, now: datetime, clock: Clock
              ) -> dict[str, tuple[float, int]]:
    """stage -> (p75 of the stays in it that ended in [since, now], their count), for stages with enough."""
    by_stage: dict[str, list[float]] = defaultdict(list)
    for events in histories:
        for stage, entered, left in stays(events):
            if left is not None and since <= left <= now:
                by_stage[stage].append(clock.seconds(entered, left))
    out = {}
    for stage, values in by_stage.items():
        if len(values) >= MIN_STAYS:
            out[stage] = (float(percentile(sorted(values), 0.75) or 0.0), len(values))
    return out


def mood(texts: Sequence[tuple[datetime, str, float]]) -> Unhappy | None:
    """The unhappy reason from a conversation's scored inbound texts (sent, sid, score), any order."""
    ordered = [score for _at, _sid, score in sorted(texts, key=lambda t: (t[0], t[1]))]
    if not ordered:
        return None
    now = conversation_sentiment(ordered)
    if now.label != "unhappy":
        return None
    before = conversation_sentiment(ordered[:-1]).label if len(ordered) > 1 else None
    return Unhappy(now.label, now.score, before)


def at_risk(open_rows: Sequence[tuple[int, int, str, datetime, int | None]], p75: Mapping[str, tuple[float, int]],
            waits: Mapping[int, datetime], texts: Mapping[int, Sequence[tuple[datetime, str, float]]], *,
            now: datetime, stages: StageConfig, clock: Clock, sla_clock: Clock, sla_minutes: float) -> list[AtRisk]:
    """The open opportunities with at least one reason, oldest in its stage first."""
    no_show = stages.name_of(DEMO_NO_SHOW)
    out: list[tuple[datetime, int, AtRisk]] = []
    for opp, contact, stage, entered, rep in open_rows:
        reasons: list[Reason] = []
        limit = p75.get(stage)
        in_stage = clock.seconds(entered, now)
        if limit is not None and not stages.is_closing(stage) and in_stage > limit[0]:
            reasons.append(Stalled(stage, in_stage, limit[0], limit[1]))
        opened = waits.get(opp)
        if opened is not None:
            waiting = sla_clock.seconds(opened, now)
            if waiting > sla_minutes * 60.0:
                reasons.append(Unanswered(waiting, sla_minutes * 60.0, opened))
        unhappy = mood(texts.get(opp, ()))
        if unhappy is not None:
            reasons.append(unhappy)
        if stage == no_show and now - entered > NO_SHOW_REBOOK:
            reasons.append(NoShow(entered, (now - entered).total_seconds() / 86_400.0))
        if reasons:
            out.append((entered, opp, AtRisk(opp, contact, stage, rep, tuple(reasons))))
    out.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in out]
