"""Speech activity against the exact ground truth of the rendered calls."""

from __future__ import annotations

import numpy as np
import pytest

from audio_scoring.activity import (
    RATE,
    VadParams,
    bleed_mask,
    detect_activity,
    own_speech_support,
    segments_from_probs,
)
from audio_scoring.decode import load_stereo
from audio_scoring.metrics import union_length
from tests.audio_scoring.conftest import AUDIO, CALLS, truth

pytestmark = pytest.mark.audio


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(y, q) - max(x, p)) for x, y in a for p, q in b)


@pytest.mark.parametrize("name", CALLS)
def test_talk_time_within_5_percent_of_ground_truth(activity_by_call: dict, name: str) -> None:
    rep, pro, _ = activity_by_call[name]
    t = truth(name)
    assert union_length(rep) == pytest.approx(t["rep_talk_s"], rel=0.05)
    assert union_length(pro) == pytest.approx(t["prospect_talk_s"], rel=0.05)


@pytest.mark.parametrize("name", ["qualification_call", "plain_call"])
def test_bleed_is_not_counted_as_overlap(activity_by_call: dict, name: str) -> None:
    # These scripts never overlap, but each channel carries the other party at -25 dB.
    rep, pro, _ = activity_by_call[name]
    assert overlap(rep, pro) < 0.3


def test_without_bleed_suppression_echo_would_count_as_speech() -> None:
    """The suppression is what makes the previous test pass: Silero alone hears the echo."""
    audio = load_stereo(AUDIO / "plain_call.wav")
    off = VadParams(bleed_db=999.0, bleed_hard_db=999.0)
    rep, pro = detect_activity(audio.right, audio.left, off)
    assert overlap(rep, pro) > 2.0


def test_bleed_mask_needs_a_quiet_correlated_copy() -> None:
    rng = np.random.default_rng(0)
    loud = 20 * np.log10(np.abs(rng.normal(0.3, 0.1, 200)) + 1e-3)
    assert bleed_mask(loud - 25.0, loud).mean() > 0.9  # echo: -25 dB, same envelope
    independent = 20 * np.log10(np.abs(rng.normal(0.3, 0.1, 200)) + 1e-3) - 14.0
    # A real talker 14 dB quieter is not a copy: a few frames may look like one by chance, but the
    # channel keeps its own-speech support throughout.
    assert bleed_mask(independent, loud).mean() < 0.4
    assert (
        own_speech_support(
            np.concatenate([np.full(50, -80.0), independent]), np.concatenate([np.full(50, -80.0), loud])
        )[50:].mean()
        > 0.95
    )


def test_segments_bridge_short_pauses_and_drop_blips() -> None:
    frame = 512 / RATE
    probs = np.zeros(200, np.float32)
    probs[10:40] = 0.9  # speech
    probs[48:80] = 0.9  # after a 0.26 s pause: same utterance
    probs[150:152] = 0.9  # a 64 ms click
    segs = segments_from_probs(probs)
    assert len(segs) == 1
    assert segs[0][0] == pytest.approx(10 * frame, abs=0.01)
    assert segs[0][1] == pytest.approx(80 * frame, abs=0.1)
