"""The four call-scoring criteria, each 0-100 with a summary and evidence-citing feedback, and the overall."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from audio_scoring import bant as bant_rules
from audio_scoring import objections as objection_rules
from audio_scoring import text_rules
from audio_scoring.result import Bant, Criterion, Feedback, Metrics, NextStep, Objection, Utterance
from audio_scoring.stages import (
    COMMUNICATION,
    CRITERIA,
    FORWARD_MOTION,
    QUESTION_HANDLING,
    SALES_PROCESS,
    TALK_RATIO_CEILING,
    WPM_BAND,
    StageProfile,
    stage_profile,
)


def ts(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def quote(text: str, limit: int = 120) -> str:
    text = text.strip()
    return f'"{text if len(text) <= limit else text[: limit - 1] + "…"}"'


def _band(value: float, lo: float, hi: float, falloff: float) -> float:
    """1 inside [lo, hi], falling linearly to 0 at ``falloff`` outside."""
    if lo <= value <= hi:
        return 1.0
    dist = lo - value if value < lo else value - hi
    return max(0.0, 1.0 - dist / falloff)


def talk_ratio_score(ratio: float, profile: StageProfile) -> float:
    lo, hi = profile.talk_ratio
    if ratio <= hi:
        return _band(ratio, lo, hi, 0.25)
    # Gong Labs: above ~65% rep talk, conversion drops sharply.
    if ratio <= TALK_RATIO_CEILING:
        return 1.0 - 0.5 * (ratio - hi) / (TALK_RATIO_CEILING - hi)
    return max(0.0, 0.5 - (ratio - TALK_RATIO_CEILING) / 0.4)


def question_target(profile: StageProfile, duration_s: float) -> tuple[int, int]:
    """The per-call question benchmark, scaled down for calls shorter than 30 minutes."""
    scale = min(1.0, duration_s / 1800.0)
    lo = max(1, round(profile.question_target[0] * scale))
    return lo, max(lo, round(profile.question_target[1] * scale))


def communication(
    m: Metrics, profile: StageProfile, duration_s: float, transcript: Sequence[Utterance] | None
) -> Criterion:
    parts: list[tuple[float, float]] = []  # (weight, 0..1)
    pos: list[str] = []
    neg: list[str] = []
    lo, hi = profile.talk_ratio
    if m.talk_ratio is not None:
        s = talk_ratio_score(m.talk_ratio, profile)
        parts.append((3.0, s))
        pct = f"{m.talk_ratio:.0%}"
        if s >= 0.99:
            pos.append(f"Talk ratio {pct} is in the {lo:.0%}-{hi:.0%} band for a {profile.name} call.")
        elif m.talk_ratio > hi:
            neg.append(
                f"You talked {pct} of the time; aim for {lo:.0%}-{hi:.0%} (top reps ~43%, over 65% hurts)."
            )
        else:
            neg.append(f"You talked only {pct} of the time; guide the call a bit more ({lo:.0%}-{hi:.0%}).")
    mono = m.longest_monologue_s
    parts.append(
        (2.0, 1.0 if mono <= profile.max_monologue_s else max(0.0, 2.0 - mono / profile.max_monologue_s))
    )
    (pos if mono <= profile.max_monologue_s else neg).append(
        f"Longest monologue {mono:.0f} s (keep under {profile.max_monologue_s:.0f} s)."
    )
    story_target = min(30.0, max(5.0, 0.1 * duration_s))
    parts.append((1.0, min(1.0, m.longest_customer_story_s / story_target)))
    if m.longest_customer_story_s >= story_target:
        pos.append(
            f"The prospect talked for {m.longest_customer_story_s:.0f} s in one stretch: they opened up."
        )
    else:
        neg.append(
            f"Longest customer story only {m.longest_customer_story_s:.0f} s; "
            "open questions get longer answers."
        )
    if m.patience_s is not None:
        parts.append((1.0, _band(m.patience_s, 0.6, 2.0, 2.0)))
        if m.patience_s < 0.6:
            neg.append(
                f"You answered after {m.patience_s:.1f} s on average; a short pause shows you listened."
            )
        else:
            pos.append(f"Patience {m.patience_s:.1f} s before responding.")
    per10 = m.interruptions.by_rep / max(1.0, duration_s / 600.0)
    parts.append((2.0, max(0.0, 1.0 - 0.25 * per10)))
    if m.interruptions.by_rep:
        neg.append(f"You interrupted the prospect {m.interruptions.by_rep} time(s).")
    else:
        pos.append("You never interrupted the prospect.")
    parts.append((1.0, min(1.0, m.switches_per_min / 2.0)))
    if m.switches_per_min < 2.0:
        neg.append(f"Only {m.switches_per_min:.1f} speaker switches per minute: make it more of a dialogue.")
    if transcript is not None:
        agenda = text_rules.find_agenda(transcript, within_s=max(90.0, 0.1 * duration_s))
        parts.append((1.0, 1.0 if agenda else 0.0))
        if agenda:
            pos.append(f"Set an agenda at {ts(agenda.start_s)}: {quote(agenda.text)}")
        else:
            neg.append("No agenda set at the start of the call.")
        signals = text_rules.listening_signals(transcript)
        parts.append((1.5, min(1.0, len(signals) / 3.0)))
        for kind, u in signals[:3]:
            pos.append(f"Active listening ({kind}) at {ts(u.start_s)}: {quote(u.text)}")
        if not signals:
            neg.append("No acknowledgements, paraphrases or follow-up questions from you.")
        if m.rep_questions is not None:
            qlo, qhi = question_target(profile, duration_s)
            q = m.rep_questions
            parts.append((1.0, min(1.0, q / qlo) if q <= qhi else max(0.0, 1.0 - (q - qhi) / (2.0 * qhi))))
            (pos if qlo <= q <= qhi else neg).append(
                f"You asked {q} question(s); target {qlo}-{qhi} for this call."
            )
        if m.rep_wpm is not None:
            parts.append((0.5, _band(m.rep_wpm, *WPM_BAND, 60.0)))
            if not WPM_BAND[0] - 20 <= m.rep_wpm <= WPM_BAND[1] + 20:
                neg.append(f"Speaking pace {m.rep_wpm:.0f} words/min; 140-160 is easiest to follow.")
    score = round(100 * sum(w * s for w, s in parts) / sum(w for w, _ in parts))
    summary = (
        f"Rep talked {m.talk_ratio:.0%} of the time, longest monologue {mono:.0f} s, "
        f"{m.interruptions.by_rep} interruption(s) by the rep."
        if m.talk_ratio is not None
        else "Nobody spoke in this recording."
    )
    if transcript is None:
        summary += " Scored on audio metrics only (no transcript)."
    return Criterion(COMMUNICATION, score, summary, Feedback(tuple(pos), tuple(neg)))


def forward_motion(next_steps: Sequence[NextStep]) -> Criterion:
    if not next_steps:
        return Criterion(
            FORWARD_MOTION,
            10,
            "No next step was proposed.",
            Feedback((), ("End with a concrete next step: a meeting, a demo or a proposal with a date.",)),
        )
    score = 50
    pos = [f"Next step at {ts(s.at_s)} ({s.speaker}): {quote(s.text)}" for s in next_steps[:3]]
    neg: list[str] = []
    agreed = [s for s in next_steps if s.agreed]
    if agreed:
        score += 30
        pos.append(f"The prospect agreed to it at {ts(agreed[0].at_s)}.")
    else:
        neg.append("The next step was not clearly confirmed by the prospect.")
    if any(text_rules.mentions_time(s.text) for s in next_steps):
        score += 20
    else:
        neg.append("Pin the next step to a date and time.")
    return Criterion(
        FORWARD_MOTION,
        score,
        f"{len(next_steps)} next step(s) proposed, {len(agreed)} agreed.",
        Feedback(tuple(pos), tuple(neg)),
    )


def question_handling(transcript: Sequence[Utterance], objections: Sequence[Objection]) -> Criterion:
    asked = text_rules.prospect_questions(transcript)
    total = len(asked) + len(objections)
    if total == 0:
        return Criterion(
            QUESTION_HANDLING, None, "Not scored: the prospect raised no questions or objections."
        )
    pos: list[str] = []
    neg: list[str] = []
    for u, q, answered in asked:
        (pos if answered else neg).append(
            f"{'Answered' if answered else 'Left unanswered'} the question at {ts(u.start_s)}: {quote(q)}"
        )
    for o in objections:
        (pos if o.addressed else neg).append(
            f"{'Addressed' if o.addressed else 'Did not address'} the {o.kind} objection at {ts(o.at_s)}: "
            f"{quote(o.text)}"
        )
        pause = _pause_after(transcript, o.at_s)
        if pause is not None:
            # Top reps pause instead of rushing to rebut an objection (Gong Labs).
            (pos if pause >= 0.6 else neg).append(
                f"You paused {pause:.1f} s before answering the {o.kind} objection"
                + ("." if pause >= 0.6 else "; a short pause shows you heard it.")
            )
    handled = sum(a for _, _, a in asked) + sum(o.addressed for o in objections)
    return Criterion(
        QUESTION_HANDLING,
        round(100 * handled / total),
        f"{handled} of {total} prospect question(s)/objection(s) handled.",
        Feedback(tuple(pos), tuple(neg)),
    )


def _pause_after(transcript: Sequence[Utterance], at_s: float) -> float | None:
    """Gap between the prospect utterance starting at ``at_s`` and the rep's next utterance."""
    i = next((k for k, u in enumerate(transcript) if u.speaker == "prospect" and u.start_s == at_s), None)
    if i is None:
        return None
    reply = next((u for u in transcript[i + 1 :] if u.speaker == "rep"), None)
    return None if reply is None else max(0.0, reply.start_s - transcript[i].end_s)


def sales_process(bant: Bant) -> Criterion:
    pos: list[str] = []
    neg: list[str] = []
    for key in ("budget", "authority", "need", "timeline"):
        item = getattr(bant, key)
        if item.found:
            pos.append(f"{key.capitalize()} covered at {ts(item.at_s or 0.0)}: {quote(item.evidence or '')}")
        else:
            neg.append(f"{key.capitalize()} was not qualified.")
    return Criterion(
        SALES_PROCESS, 25 * bant.covered, f"BANT coverage {bant.covered}/4.", Feedback(tuple(pos), tuple(neg))
    )


def score_criteria(
    metrics: Metrics,
    duration_s: float,
    *,
    stage: str = "general",
    transcript: Sequence[Utterance] | None = None,
    next_steps: Sequence[NextStep] | None = None,
    objections: Sequence[Objection] | None = None,
    bant: Bant | None = None,
    no_text_reason: str = "no transcript",
) -> tuple[Criterion, ...]:
    """All four criteria in a fixed order, with each applicable criterion's share of the overall score."""
    profile = stage_profile(stage)
    if transcript is not None:
        next_steps = text_rules.find_next_steps(transcript) if next_steps is None else next_steps
        objections = objection_rules.find_objections(transcript) if objections is None else objections
        bant = bant_rules.find_bant(transcript) if bant is None else bant
    out: dict[str, Criterion] = {COMMUNICATION: communication(metrics, profile, duration_s, transcript)}
    for name in CRITERIA[1:]:
        if name not in profile.weights:
            out[name] = Criterion(
                name, None, f"Not applicable: {name} applies only to the qualification stage."
            )
        elif transcript is None:
            out[name] = Criterion(name, None, f"Not scored: {no_text_reason}.")
        elif name == FORWARD_MOTION:
            out[name] = forward_motion(next_steps or ())
        elif name == QUESTION_HANDLING:
            out[name] = question_handling(transcript, objections or ())
        elif name == SALES_PROCESS and bant is not None:
            out[name] = sales_process(bant)
    scored = {n: c for n, c in out.items() if c.score is not None}
    total_w = sum(profile.weights[n] for n in scored)
    return tuple(
        dataclasses.replace(c, weight=round(profile.weights[n] / total_w, 3)) if n in scored else c
        for n, c in ((n, out[n]) for n in CRITERIA)
    )


def overall_score(criteria: Sequence[Criterion]) -> int | None:
    """Weighted mean of the scored criteria (weights renormalised over those that have a score)."""
    scored = [c for c in criteria if c.score is not None and c.weight > 0]
    if not scored:
        return None
    return round(
        sum(c.score * c.weight for c in scored if c.score is not None) / sum(c.weight for c in scored)
    )
