"""Speech activity against the exact ground truth of the rendered calls."""

from __future__ import annotations

import numpy as np
import pytest

from audio_scoring.activity import RATE, VadParams, detect_activity, segments_from_probs
from audio_scoring.decode import load_stereo, speech_band
from audio_scoring.levels import audible_frames, bleed_mask, is_narrowband, noise_floor_db
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
    rep, pro = detect_activity(audio.right, audio.left, off, source_rate=audio.source_rate)
    assert overlap(rep, pro) > 2.0


def test_bleed_mask_needs_a_quiet_correlated_copy() -> None:
    rng = np.random.default_rng(0)
    loud = 20 * np.log10(np.abs(rng.normal(0.3, 0.1, 200)) + 1e-3)
    assert bleed_mask(loud - 25.0, loud).mean() > 0.9  # echo: -25 dB, same envelope
    independent = 20 * np.log10(np.abs(rng.normal(0.3, 0.1, 200)) + 1e-3) - 14.0
    # A real talker 14 dB quieter is not a copy: a few frames may look like one by chance, but the
    # channel stays audible throughout.
    assert bleed_mask(independent, loud).mean() < 0.4
    line = np.full(50, -60.0)
    audible = audible_frames(np.concatenate([line, independent]), np.concatenate([line, loud]))
    assert not audible[:50].any() and audible[50:].mean() > 0.6


def test_faint_speech_on_a_noisy_line_is_audible_and_the_hiss_is_not() -> None:
    rng = np.random.default_rng(1)
    hiss = -55.0 + rng.normal(0.0, 0.5, 300)  # line noise: ~0.5 dB from frame to frame
    db = hiss.copy()
    db[100:200] = 10 * np.log10(10 ** (hiss[100:200] / 10) + 10 ** (-54.0 / 10))  # a talker at the floor
    quiet_other = np.full(300, -80.0)
    assert noise_floor_db(db) == pytest.approx(-55.5, abs=0.5)
    audible = audible_frames(db, quiet_other)
    assert audible[105:195].mean() > 0.9  # +3 dB is lost frame by frame, not in the median
    assert audible[:95].mean() < 0.05 and audible[205:].mean() < 0.05


def test_digital_silence_is_not_the_noise_floor() -> None:
    db = np.concatenate([np.full(500, -100.0), np.full(100, -60.0), np.full(100, -20.0)])
    assert noise_floor_db(db) == pytest.approx(-60.0)


def test_telephone_band_is_recognised() -> None:
    audio = load_stereo(AUDIO / "plain_call.wav")  # 8 kHz, read at 16 kHz
    assert is_narrowband(speech_band(audio.left, 8000), speech_band(audio.right, 8000))
    # Linear interpolation's mirror images above 4 kHz would pass for wideband speech.
    assert not is_narrowband(audio.left, audio.right)
    rng = np.random.default_rng(2)
    wideband = rng.normal(0.0, 0.1, RATE).astype(np.float32)  # energy up to 8 kHz
    assert not is_narrowband(wideband, wideband)


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


def test_segments_are_bounded_by_the_channel_s_own_sound() -> None:
    frame = 512 / RATE
    probs = np.zeros(200, np.float32)
    probs[20:60] = 0.9  # Silero lags: its region runs 4 frames past the last audible frame
    audible = np.zeros(200, bool)
    audible[18:56] = True  # the sound starts 2 frames before Silero notices
    assert segments_from_probs(probs, audible=audible) == [(round(18 * frame, 3), round(56 * frame, 3))]
    # A region with nothing audible in reach (bleed, a click Silero liked) is not speech.
    assert segments_from_probs(probs, audible=np.zeros(200, bool)) == []


def test_narrowband_thresholds_hear_a_weak_telephone_voice() -> None:
    probs = np.full(100, 0.01, np.float32)
    probs[30:60] = 0.25  # what Silero gives a quiet talker on an 8 kHz line
    assert segments_from_probs(probs) == []
    assert len(segments_from_probs(probs, narrowband=True)) == 1
