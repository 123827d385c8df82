"""Opportunity stages: which criteria apply, their weights, and the targets the scores use.

Sources of each number are in docs/call-scoring.md. Where a number is a Leadline default rather than a
published benchmark, the docs say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio_scoring.errors import ScoringError

COMMUNICATION = "Communication and Engagement"
FORWARD_MOTION = "Forward Motion"
QUESTION_HANDLING = "Question Handling"
SALES_PROCESS = "Sales Process"
CRITERIA = (COMMUNICATION, FORWARD_MOTION, QUESTION_HANDLING, SALES_PROCESS)


@dataclass(frozen=True)
class StageProfile:
    name: str
    weights: dict[str, float]  # criteria absent here do not apply to the stage
    talk_ratio: tuple[float, float]  # ideal band for the rep's share of talk time
    max_monologue_s: float  # longest rep monologue before it starts to cost points
    question_target: tuple[int, int]  # rep questions on a ~30+ min call (scaled for shorter calls)


# Gong Labs: best-converting calls have the rep at ~43% talk; above 65% hurts (see docs).
TALK_RATIO_CEILING = 0.65
WPM_BAND = (140.0, 160.0)

STAGES: dict[str, StageProfile] = {
    "general": StageProfile(
        "general",
        {COMMUNICATION: 0.4, FORWARD_MOTION: 0.3, QUESTION_HANDLING: 0.3},
        (0.38, 0.48),
        90.0,
        (6, 14),
    ),
    "qualification": StageProfile(
        "qualification",
        {COMMUNICATION: 0.25, FORWARD_MOTION: 0.2, QUESTION_HANDLING: 0.2, SALES_PROCESS: 0.35},
        (0.35, 0.48),
        75.0,
        (11, 14),
    ),
    "discovery": StageProfile(
        "discovery",
        {COMMUNICATION: 0.4, FORWARD_MOTION: 0.25, QUESTION_HANDLING: 0.35},
        (0.35, 0.46),
        75.0,
        (11, 14),
    ),
    # The rep presents on a demo or proposal call, so a higher share of talk is expected.
    "demo": StageProfile(
        "demo",
        {COMMUNICATION: 0.35, FORWARD_MOTION: 0.3, QUESTION_HANDLING: 0.35},
        (0.45, 0.60),
        150.0,
        (5, 10),
    ),
    "proposal": StageProfile(
        "proposal",
        {COMMUNICATION: 0.3, FORWARD_MOTION: 0.4, QUESTION_HANDLING: 0.3},
        (0.42, 0.58),
        120.0,
        (5, 10),
    ),
    "negotiation": StageProfile(
        "negotiation",
        {COMMUNICATION: 0.25, FORWARD_MOTION: 0.4, QUESTION_HANDLING: 0.35},
        (0.38, 0.52),
        90.0,
        (5, 10),
    ),
}


def stage_profile(stage: str) -> StageProfile:
    key = stage.strip().lower() if isinstance(stage, str) else stage
    if key not in STAGES:
        raise ScoringError(f"unknown stage {stage!r}; expected one of: {', '.join(STAGES)}")
    return STAGES[key]
