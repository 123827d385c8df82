"""Conversation metrics from segments: hand-made cases, and exact interruption counts on the fixtures."""

from __future__ import annotations

import pytest

from audio_scoring import Interruptions, compute_metrics, count_interruptions
from audio_scoring.result import Utterance
from tests.audio_scoring.conftest import CALLS, truth


def test_talk_ratio_silence_and_switches() -> None:
    rep = [(0.0, 10.0), (20.0, 25.0)]
    pro = [(11.0, 19.0)]
    m = compute_metrics(rep, pro, 60.0)
    assert m.rep_talk_s == 15.0 and m.prospect_talk_s == 8.0
    assert m.talk_ratio == pytest.approx(15 / 23, abs=1e-3)
    assert m.silence_share == pytest.approx(1 - 23 / 60, abs=1e-3)
    assert m.switches_per_min == 2.0
    assert m.patience_s == 1.0  # prospect stopped at 19, rep spoke at 20
    assert m.longest_monologue_s == 10.0 and m.longest_customer_story_s == 8.0
    assert m.rep_wpm is None and m.rep_questions is None and m.filler_per_min is None


def test_backchannels_neither_interrupt_nor_break_a_monologue() -> None:
    rep = [(0.0, 20.0), (20.8, 40.0)]
    pro = [(5.0, 5.4), (12.0, 12.6), (30.0, 30.5)]  # "right", "mm-hm", "got it"
    m = compute_metrics(rep, pro, 45.0)
    assert m.interruptions == Interruptions(0, 0)
    assert m.longest_monologue_s == 40.0


def test_interruption_needs_the_other_mid_utterance_and_a_real_overlap() -> None:
    rep = [(0.0, 10.0)]
    assert count_interruptions(rep, [(6.0, 12.0)]) == Interruptions(by_rep=0, by_prospect=1)
    assert count_interruptions(rep, [(9.8, 14.0)]) == Interruptions(0, 0)  # 0.2 s collision at the end
    assert count_interruptions(rep, [(0.1, 4.0)]) == Interruptions(0, 0)  # both started together


def test_long_backchannel_is_recognised_by_its_words() -> None:
    rep = [(0.0, 10.0)]
    pro = [(4.0, 5.5)]
    words = [Utterance("prospect", 4.0, 5.5, "Mm-hm, right.")]
    assert count_interruptions(rep, pro) == Interruptions(0, 1)
    assert count_interruptions(rep, pro, words) == Interruptions(0, 0)


def test_text_metrics() -> None:
    transcript = [
        Utterance(
            "rep", 0.0, 30.0, "Um, so what does your team use today? Like, you know, for calls. Tell me."
        ),
        Utterance("prospect", 31.0, 40.0, "Spreadsheets."),
        Utterance("rep", 41.0, 60.0, "How many reps do you have"),
    ]
    m = compute_metrics([(0.0, 30.0), (41.0, 60.0)], [(31.0, 40.0)], 120.0, transcript=transcript)
    assert m.rep_questions == 2
    assert m.question_rate_per_10min == 10.0
    assert m.filler_per_min == pytest.approx(3 / (49 / 60), abs=0.01)  # um, like, you know
    assert m.rep_wpm == pytest.approx(21 / (49 / 60), abs=0.1)


def test_empty_call() -> None:
    m = compute_metrics([], [], 10.0)
    assert m.talk_ratio is None and m.silence_share == 1.0 and m.patience_s is None


@pytest.mark.audio
@pytest.mark.parametrize("name", CALLS)
def test_interruptions_counted_exactly_on_fixtures(activity_by_call: dict, name: str) -> None:
    rep, pro, duration = activity_by_call[name]
    m = compute_metrics(rep, pro, duration)
    assert m.interruptions.to_dict() == truth(name)["interruptions"]
