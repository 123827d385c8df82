"""Sounds that are not talk, made with numpy, and two talkers to put beside them.

Used by tests/audio_scoring/test_talk_time_other_channel.py and bench/talk_time_accuracy.py. Every sound
is a function ``(rate, samples, rng) -> float64 array``; levels are RMS dBFS.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from audio_scoring.decode import load_stereo
from tests.audio_scoring.conftest import AUDIO, truth
from tests.public_data import public_data

SECONDS = 24.0  # of each talker


def db(level: float) -> float:
    return 10 ** (level / 20)


def tone(rate: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """A steady 440 Hz tone at -20 dBFS (RMS) on a -55 dB line: ringback, a dial tone, a test tone."""
    t = np.arange(n) / rate
    return db(-20) * np.sqrt(2) * np.sin(2 * np.pi * 440 * t) + rng.normal(0, db(-55), n)


def beeps(rate: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """1 kHz beeps at -14 dBFS, 0.5 s every 2 s (a call-waiting or recording beep, DTMF-like)."""
    t = np.arange(n) / rate
    on = (t % 2.0) < 0.5
    return db(-14) * np.sqrt(2) * np.sin(2 * np.pi * 1000 * t) * on + rng.normal(0, db(-60), n)


def music(rate: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Plucked notes (8 decaying harmonics, a new note every 0.4 s) at about -20 dBFS: hold music."""
    out = np.zeros(n)
    step = int(0.4 * rate)
    t = np.arange(step * 3) / rate
    scale = (196.0, 220.0, 261.6, 293.7, 329.6, 392.0, 440.0)
    for i, start in enumerate(range(0, n, step)):
        f0 = scale[(i * 5) % len(scale)]
        partials = [np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 9) if k * f0 < rate / 2]
        note = np.sum(partials, axis=0) * np.exp(-t / 0.35)
        end = min(n, start + len(note))
        out[start:end] += note[: end - start]
    out *= db(-20) / np.sqrt(np.mean(out**2))
    return out + rng.normal(0, db(-60), n)


def line_noise(rate: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """White noise at -40 dBFS: a hissy line or a noisy room."""
    return rng.normal(0, db(-40), n)


def silence(rate: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.zeros(n)


SOUNDS: dict[str, Callable[[int, int, np.random.Generator], np.ndarray]] = {
    "tone": tone,
    "beeps": beeps,
    "music": music,
    "line noise": line_noise,
}


def write_stereo(path: Path, left: np.ndarray, right: np.ndarray, rate: int) -> Path:
    pcm = np.clip(np.stack([left, right], axis=1), -1, 1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((pcm * 32767).astype("<i2").tobytes())
    return path


def espeak_rep() -> tuple[np.ndarray, int]:
    """The rep of the plain_call fixture at 8 kHz, with the -25 dB echo of the prospect taken out (the
    fixture's maker added it with a known gain and delay), so the channel holds the rep alone."""
    t = truth("plain_call")
    with wave.open(str(AUDIO / "plain_call.wav")) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2) / 32768.0
    own, other = (pcm[:, 1], pcm[:, 0]) if t["rep_channel"] == "right" else (pcm[:, 0], pcm[:, 1])
    delay = round(0.015 * rate)
    echo = np.concatenate([np.zeros(delay), other[:-delay]]) * db(t["bleed_db"])
    return (own - echo)[: int(SECONDS * rate)], rate


def ami_talker() -> tuple[np.ndarray, int]:
    """A real wideband talker: the rep channel of the clean 16 kHz AMI dev00 call (public data: skips or
    fails as ``public_data`` says where the set is missing)."""
    ami = public_data("audio", "ami-dev", marker="truth.json")
    rep_left = json.loads((ami / "truth.json").read_text())["files"]["dev00"]["rep_channel"] == "left"
    audio = load_stereo(ami / "dev00_clean_16k.flac")
    return (audio.left if rep_left else audio.right)[: int(SECONDS * 16000)].astype(np.float64), 16000


def quiet_espeak_rep() -> tuple[np.ndarray, int]:
    """The same rep 15 dB quieter (a soft talker, a low-gain line): most of the speech is then 20 dB or
    more under the sounds above."""
    speech, rate = espeak_rep()
    return speech * db(-15), rate


SPEECH = {"espeak 8 kHz": espeak_rep, "quiet espeak 8 kHz": quiet_espeak_rep, "AMI 16 kHz": ami_talker}


def louder_voice(own: np.ndarray, gain_db: float = 20.0) -> np.ndarray:
    """Another real voice, ``gain_db`` louder (RMS) than ``own``: the prospect side of the telephone AMI
    call tst00, its 8 kHz samples (the even ones of ``load_stereo``'s 16 kHz channel, see
    ``decode.resample``), as long as ``own``."""
    audio = load_stereo(public_data("audio", "ami-dev", marker="truth.json") / "tst00_tel_8k.flac")
    voice = audio.right[0::2][: len(own)].astype(np.float64)
    return voice * np.sqrt(np.mean(own**2) / np.mean(voice**2)) * db(gain_db)
