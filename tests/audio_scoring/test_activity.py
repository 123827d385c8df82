"""Speech activity against the exact ground truth of the rendered calls."""

from __future__ import annotations

import numpy as np
import pytest

from audio_scoring.activity import RATE, VadParams, detect_activity, segments_from_probs
from audio_scoring.decode import load_stereo, speech_band
from audio_scoring.levels import FRAME, ChannelLevels, audible_frames, bleed_mask, is_narrowband, noise_floor_db
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


def syllables(rng: np.random.Generator, frames: int, level_db: float) -> np.ndarray:
    """Noise in bursts of 3-8 frames with 1-4 frame gaps, at ``level_db`` (RMS) while on: a talker's
    envelope."""
    env = np.zeros(frames)
    i = 0
    while i < frames:
        on = rng.integers(3, 9)
        env[i : i + on] = rng.uniform(0.3, 1.0)
        i += on + rng.integers(1, 5)
    return rng.normal(0, 10 ** (level_db / 20), frames * FRAME) * np.repeat(env, FRAME)


def band(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    return np.fft.irfft(spec * ((f >= lo) & (f <= hi)), len(x))


def levels(x: np.ndarray) -> ChannelLevels:
    return ChannelLevels.of(x.astype(np.float32))


def test_bleed_is_a_quiet_copy_of_the_other_party() -> None:
    rng = np.random.default_rng(0)
    n = 300
    loud = syllables(rng, n, -20.0)
    talks = np.ones(n, bool)
    hiss = rng.normal(0, 10 ** (-75 / 20), n * FRAME)
    delay = round(0.015 * RATE)
    echo = np.concatenate([np.zeros(delay), loud[:-delay]]) * 10 ** (-25 / 20) + hiss
    other = levels(loud)
    on = other.db > -40
    assert bleed_mask(levels(echo), other, talks)[on].mean() > 0.9
    # Only the other party's voice leaks: the same copy while Silero hears no one there is left to
    # Silero (it hears no speech in a copy of what is not speech).
    assert not bleed_mask(levels(echo), other, np.zeros(n, bool)).any()
    # A real talker 14 dB quieter is not a copy: a few frames may look like one by chance, but the
    # channel stays audible throughout.
    independent = syllables(rng, n, -34.0) + hiss
    assert bleed_mask(levels(independent), other, talks)[on].mean() < 0.4
    line = np.zeros(50 * FRAME)
    quiet, loud_line = levels(np.concatenate([line + hiss[: len(line)], independent])), levels(
        np.concatenate([line, loud])
    )
    audible = audible_frames(quiet, loud_line, np.ones(n + 50, bool))
    speaking = quiet.db[50:] > quiet.floor_db + 10
    assert not audible[:50].any() and audible[50:][speaking].mean() > 0.8


def test_a_louder_sound_in_other_bands_does_not_cover_speech() -> None:
    """A tone 25 dB over the talker is louder, but a copy of it holds only 440 Hz: the talker's sound in
    1-3 kHz is the talker's own, even where the other side is taken for speech."""
    rng = np.random.default_rng(3)
    n = 200
    talker = band(syllables(rng, n, -40.0), 1000.0, 3000.0) + rng.normal(0, 10 ** (-75 / 20), n * FRAME)
    t = np.arange(n * FRAME) / RATE
    tone = 0.1 * np.sin(2 * np.pi * 440 * t)
    own, other, talks = levels(talker), levels(tone), np.ones(n, bool)
    speaking = own.db > own.floor_db + 10
    assert (other.db[speaking] - own.db[speaking]).min() > 20  # the level rule alone would call it bleed
    assert not bleed_mask(own, other, talks)[speaking].any()
    assert audible_frames(own, other, talks)[speaking].mean() > 0.95
    # A copy of the tone itself is covered by it.
    echo = levels(tone * 10 ** (-25 / 20) + rng.normal(0, 10 ** (-75 / 20), n * FRAME))
    assert bleed_mask(echo, other, talks)[5:-5].all()


def test_faint_speech_on_a_noisy_line_is_audible_and_the_hiss_is_not() -> None:
    rng = np.random.default_rng(1)
    hiss = rng.normal(0, 10 ** (-55 / 20), 300 * FRAME)  # line noise: ~0.3 dB from frame to frame
    talker = np.zeros(300 * FRAME)
    talker[100 * FRAME : 200 * FRAME] = rng.normal(0, 10 ** (-54 / 20), 100 * FRAME)  # at the floor
    own, quiet_other = levels(hiss + talker), levels(np.zeros(300 * FRAME))
    assert own.floor_db == pytest.approx(-55.2, abs=0.5)
    audible = audible_frames(own, quiet_other, np.zeros(300, bool))
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
