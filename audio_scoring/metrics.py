"""Conversation metrics from per-party speech segments (and, optionally, the transcript)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from audio_scoring import text_rules
from audio_scoring.result import Interruptions, Metrics, Utterance

Segment = tuple[float, float]

# An overlap must last this long to be an interruption (shorter is a turn-taking collision).
MIN_OVERLAP_S = 0.4
# Utterances shorter than this are backchannels ("yes", "right", "mm-hm"): listening, not taking the floor.
BACKCHANNEL_MAX_S = 1.0
# The other party must have been talking this long before the new speaker starts to call it "mid-utterance".
MIN_HELD_S = 0.3
# A speaker keeps the floor across their own pauses up to this long (unless the other takes it).
TURN_GAP_S = 1.5
# Gaps longer than this before the rep speaks are dead air, not patience.
MAX_RESPONSE_GAP_S = 5.0


@dataclass(frozen=True)
class Turn:
    speaker: str
    start_s: float
    end_s: float

    @property
    def length(self) -> float:
        return self.end_s - self.start_s


def union_length(segments: Sequence[Segment]) -> float:
    total, cur_a, cur_b = 0.0, None, None
    for a, b in sorted(segments):
        if cur_b is None or a > cur_b:
            if cur_b is not None and cur_a is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None and cur_a is not None:
        total += cur_b - cur_a
    return total


def is_backchannel(segment: Segment, speaker: str, transcript: Sequence[Utterance] | None) -> bool:
    a, b = segment
    if b - a < BACKCHANNEL_MAX_S:
        return True
    if not transcript:
        return False
    said = " ".join(u.text for u in transcript if u.speaker == speaker and u.start_s < b and u.end_s > a)
    return bool(said) and text_rules.is_backchannel_text(said)


def turns(
    rep: Sequence[Segment], prospect: Sequence[Segment], transcript: Sequence[Utterance] | None = None
) -> list[Turn]:
    """Who holds the floor, in order. Backchannels never take the floor; a speaker's own pauses up to
    TURN_GAP_S stay inside their turn unless the other party speaks in between."""
    events = sorted(
        [(a, b, "rep") for a, b in rep if not is_backchannel((a, b), "rep", transcript)]
        + [(a, b, "prospect") for a, b in prospect if not is_backchannel((a, b), "prospect", transcript)]
    )
    out: list[Turn] = []
    for a, b, who in events:
        if out and out[-1].speaker == who and a - out[-1].end_s <= TURN_GAP_S:
            out[-1] = Turn(who, out[-1].start_s, max(out[-1].end_s, b))
        elif out and out[-1].speaker != who and b <= out[-1].end_s:
            continue  # fully inside the other's turn: an overlap, the floor does not change
        else:
            out.append(Turn(who, a, b))
    return out


def count_interruptions(
    rep: Sequence[Segment], prospect: Sequence[Segment], transcript: Sequence[Utterance] | None = None
) -> Interruptions:
    """X interrupts Y when X starts while Y is mid-utterance and both talk for >= MIN_OVERLAP_S.

    Backchannels (short, or only acknowledgement words) are listening, not interrupting.
    """

    def by(starter: Sequence[Segment], who: str, other: Sequence[Segment]) -> int:
        n = 0
        for seg in starter:
            if is_backchannel(seg, who, transcript):
                continue
            a, b = seg
            for oa, ob in other:
                if oa <= a - MIN_HELD_S and min(ob, b) - a >= MIN_OVERLAP_S:
                    n += 1
                    break
        return n

    return Interruptions(by_rep=by(rep, "rep", prospect), by_prospect=by(prospect, "prospect", rep))


def compute_metrics(
    rep_segments: Sequence[Segment],
    prospect_segments: Sequence[Segment],
    duration_s: float,
    *,
    transcript: Sequence[Utterance] | None = None,
) -> Metrics:
    """All conversation metrics; text-based ones stay None when ``transcript`` is None."""
    rep_talk = union_length(rep_segments)
    pro_talk = union_length(prospect_segments)
    talk = rep_talk + pro_talk
    floor = turns(rep_segments, prospect_segments, transcript)
    gaps = [
        nxt.start_s - cur.end_s
        for cur, nxt in itertools.pairwise(floor)
        if cur.speaker == "prospect"
        and nxt.speaker == "rep"
        and 0 <= nxt.start_s - cur.end_s <= MAX_RESPONSE_GAP_S
    ]
    switches = sum(1 for cur, nxt in itertools.pairwise(floor) if cur.speaker != nxt.speaker)
    minutes = duration_s / 60.0 if duration_s > 0 else 0.0
    anyone = union_length(list(rep_segments) + list(prospect_segments))
    m = Metrics(
        rep_talk_s=round(rep_talk, 3),
        prospect_talk_s=round(pro_talk, 3),
        talk_ratio=round(rep_talk / talk, 3) if talk > 0 else None,
        longest_monologue_s=round(max((t.length for t in floor if t.speaker == "rep"), default=0.0), 3),
        longest_customer_story_s=round(
            max((t.length for t in floor if t.speaker == "prospect"), default=0.0), 3
        ),
        interruptions=count_interruptions(rep_segments, prospect_segments, transcript),
        patience_s=round(sum(gaps) / len(gaps), 3) if gaps else None,
        switches_per_min=round(switches / minutes, 2) if minutes else 0.0,
        silence_share=round(max(0.0, 1.0 - anyone / duration_s), 3) if duration_s > 0 else 0.0,
    )
    if transcript is None:
        return m
    rep_utts = [u for u in transcript if u.speaker == "rep"]
    n_words = sum(len(text_rules.words(u.text)) for u in rep_utts)
    n_questions = sum(len(text_rules.questions(u)) for u in rep_utts)
    n_fillers = sum(text_rules.count_fillers(u.text) for u in rep_utts)
    rep_minutes = rep_talk / 60.0
    return dataclasses.replace(
        m,
        rep_wpm=round(n_words / rep_minutes, 1) if rep_minutes > 0 else None,
        rep_questions=n_questions,
        question_rate_per_10min=round(n_questions / duration_s * 600.0, 2) if duration_s > 0 else None,
        filler_per_min=round(n_fillers / rep_minutes, 2) if rep_minutes > 0 else None,
    )
