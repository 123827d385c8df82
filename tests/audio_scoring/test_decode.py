"""Decoding: stereo WAV/MP3 accepted at any rate; mono, empty, missing and corrupt files refused cleanly."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from audio_scoring import CorruptAudio, ScoringError, UnsupportedAudio, load_stereo, score_call
from audio_scoring.decode import resample, speech_band
from tests.audio_scoring.conftest import AUDIO, truth


def write_wav(path: Path, channels: int, rate: int = 8000, seconds: float = 1.0) -> Path:
    n = int(rate * seconds)
    pcm = (np.sin(np.arange(n * channels) / 7.0) * 8000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def test_stereo_wav_is_resampled_to_16k_with_exact_duration() -> None:
    audio = load_stereo(AUDIO / "plain_call.wav")
    assert audio.source_rate == 8000 and audio.sample_rate == 16000
    assert audio.duration_s == pytest.approx(truth("plain_call")["duration_s"], abs=0.01)
    assert audio.right.max() > 0.3  # the rep (right channel) is loud


def test_mp3_decodes_through_pyav() -> None:
    audio = load_stereo(AUDIO / "plain_call.mp3")
    # MP3 adds encoder padding (~0.2 s) but is otherwise the same call.
    assert audio.duration_s == pytest.approx(truth("plain_call")["duration_s"], abs=0.4)


def test_other_rates_are_accepted(tmp_path: Path) -> None:
    audio = load_stereo(write_wav(tmp_path / "x.wav", 2, rate=44100, seconds=0.5))
    assert len(audio.left) == 8000


def test_mono_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudio, match="channel-separated"):
        load_stereo(write_wav(tmp_path / "mono.wav", 1))
    with pytest.raises(ScoringError, match="mono"):
        score_call(tmp_path / "mono.wav", transcribe=False)


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage" * 200, (AUDIO / "plain_call.wav").read_bytes()[:40]],
    ids=["empty", "garbage", "truncated-header"],
)
@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
def test_corrupt_files_raise_scoring_error(tmp_path: Path, content: bytes, suffix: str) -> None:
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(content)
    with pytest.raises(CorruptAudio):
        load_stereo(bad)


def test_missing_file() -> None:
    with pytest.raises(CorruptAudio, match="no such file"):
        load_stereo("/nonexistent/call.wav")


def test_header_only_wav_has_no_audio(tmp_path: Path) -> None:
    with pytest.raises(CorruptAudio, match="no audio"):
        load_stereo(write_wav(tmp_path / "short.wav", 2, seconds=0.01))


def test_upsample_8k_keeps_samples_and_interpolates() -> None:
    x = np.array([0.0, 1.0, 0.0], np.float32)
    assert resample(x, 8000, 16000).tolist() == [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]


def test_speech_band_keeps_samples_and_adds_nothing_above_4k() -> None:
    t = np.arange(8000) / 8000
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    band = speech_band(resample(tone, 8000, 16000), 8000)
    assert np.array_equal(band[0::2], tone)
    exact = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)
    assert np.abs(band[100:-100] - exact[100:-100]).max() < 1e-3
    # Speech near the top of the phone band must not be mirrored above 4 kHz (Silero hears the mirror);
    # linear interpolation leaves the mirror at about -10 dB.
    high = speech_band(resample(np.sin(2 * np.pi * 3000 * t).astype(np.float32), 8000, 16000), 8000)
    power = np.abs(np.fft.rfft(high * np.hanning(len(high)))) ** 2
    above = power[np.fft.rfftfreq(len(high), 1 / 16000) > 4000].sum() / power.sum()
    assert 10 * np.log10(above) < -60


def test_speech_band_leaves_wideband_audio_alone() -> None:
    x = np.random.default_rng(0).normal(0.0, 0.1, 1600).astype(np.float32)
    assert np.array_equal(speech_band(x, 16000), x) and np.array_equal(speech_band(x, 44100), x)


@pytest.mark.parametrize("rate", [44100, 48000])
def test_high_rate_audio_is_band_limited_before_downsampling(tmp_path: Path, rate: int) -> None:
    """A 12 kHz tone (or the hiss and fricatives up there) cannot be held at 16 kHz: it must go, not fold
    back into the speech band at 4 kHz. Speech-band content keeps its level and timing."""
    n = 2 * rate
    t = np.arange(n) / rate
    high = 0.5 * np.sin(2 * np.pi * 12000 * t)
    burst = 0.5 * np.sin(2 * np.pi * 1000 * t) * np.exp(-(((t - 1.0) / 0.02) ** 2))  # 1 kHz at 1.0 s
    path = tmp_path / "hi.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.stack([high, burst], axis=1) * 32767).astype("<i2").tobytes())
    audio = load_stereo(path)
    assert audio.source_rate == rate and len(audio.left) == 32000
    level_db = 20 * np.log10(np.sqrt(np.mean(audio.left[1000:-1000] ** 2)) / (0.5 / np.sqrt(2)))
    assert level_db < -50  # linear interpolation left it at -2 dB (44.1 kHz) and 0 dB (48 kHz), at 4 kHz
    assert np.argmax(np.abs(audio.right)) / 16000 == pytest.approx(1.0, abs=0.001)
    assert np.abs(audio.right).max() == pytest.approx(0.5, rel=0.02)
