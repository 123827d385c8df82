"""Talk time when the other channel carries sound that is not the other party talking.

Hold music, DTMF and beeps, a ringback tone, line noise: everyday on a call, and louder than the quiet
parts of a talker's speech. None of it is bleed (bleed is the other party's voice showing up in this
channel), so none of it may take talk time from this channel, and none of it is talk on its own channel.
The sounds are made here with numpy; the speech is an espeak fixture (8 kHz) and a real AMI talker from
../shared/data/audio/ami-dev (16 kHz wideband), each written with the sound as a stereo WAV and scored
through ``load_stereo`` and ``detect_activity``.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audio_scoring.activity import detect_activity
from audio_scoring.decode import load_stereo
from audio_scoring.metrics import union_length
from tests.audio_scoring.conftest import AUDIO, truth

AMI = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "audio" / "ami-dev"
SECONDS = 24.0


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
    """A real wideband talker: the rep channel of the clean 16 kHz AMI dev00 call."""
    assert (AMI / "truth.json").is_file(), f"the ami-dev data set is missing: {AMI}"
    rep_left = json.loads((AMI / "truth.json").read_text())["files"]["dev00"]["rep_channel"] == "left"
    audio = load_stereo(AMI / "dev00_clean_16k.flac")
    return (audio.left if rep_left else audio.right)[: int(SECONDS * 16000)].astype(np.float64), 16000


def quiet_espeak_rep() -> tuple[np.ndarray, int]:
    """The same rep 15 dB quieter (a soft talker, a low-gain line): most of the speech is then 20 dB or
    more under the sounds above."""
    speech, rate = espeak_rep()
    return speech * db(-15), rate


SPEECH = {"espeak 8 kHz": espeak_rep, "quiet espeak 8 kHz": quiet_espeak_rep, "AMI 16 kHz": ami_talker}


def talk(path: Path) -> tuple[float, float]:
    audio = load_stereo(path)
    left, right = detect_activity(audio.left, audio.right, source_rate=audio.source_rate)
    return union_length(left), union_length(right)


@pytest.fixture(scope="module")
def speech_talk(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """{(speech, other sound): (speech channel's talk, other channel's talk)}, each a stereo WAV."""
    tmp = tmp_path_factory.mktemp("other_channel")
    out = {}
    for speech_name, make in SPEECH.items():
        speech, rate = make()
        for i, (sound_name, sound) in enumerate({"silence": silence, **SOUNDS}.items()):
            other = sound(rate, len(speech), np.random.default_rng(i))
            path = write_stereo(tmp / f"{rate}_{i}.wav", speech, other, rate)
            out[speech_name, sound_name] = talk(path)
    return out


@pytest.mark.parametrize("sound", list(SOUNDS))
@pytest.mark.parametrize("speech", list(SPEECH))
def test_sound_on_the_other_channel_takes_no_talk_time(speech_talk: dict, speech: str, sound: str) -> None:
    alone, _ = speech_talk[speech, "silence"]
    with_sound, other = speech_talk[speech, sound]
    assert alone > 8.0  # the talker is heard at all
    assert with_sound == pytest.approx(alone, rel=0.05)
    assert other <= 0.5  # and the sound is not talk either (at most one blip: see the next test)


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("sound", [*SOUNDS, "silence"])
def test_a_sound_alone_is_not_talk(tmp_path: Path, sound: str, rate: int) -> None:
    n = int(SECONDS * rate)
    made = {"silence": silence, **SOUNDS}[sound](rate, n, np.random.default_rng(7))
    left, right = talk(write_stereo(tmp_path / "call.wav", made, np.zeros(n), rate))
    # Silero takes the first plucked note after silence for ~0.3 s of speech; nothing else passes.
    assert left <= 0.5 and right == 0.0


@pytest.mark.parametrize("speech", ["espeak 8 kHz", "quiet espeak 8 kHz"])
def test_a_louder_voice_on_the_other_channel_is_not_this_channel_s_bleed(
    speech_talk: dict, tmp_path: Path, speech: str
) -> None:
    """Another voice 20 dB louder on the other channel (a loud prospect on a low-gain rep line, a TV
    next to the prospect) talks over the rep: bleed of it would be that voice, 20 dB down, and the rep's
    own voice is not that. The voice is the prospect side of the telephone AMI call tst00."""
    own, rate = SPEECH[speech]()
    audio = load_stereo(AMI / "tst00_tel_8k.flac")
    voice = audio.right[0::2][: len(own)].astype(np.float64)  # its 8 kHz samples (see decode.resample)
    voice *= np.sqrt(np.mean(own**2) / np.mean(voice**2)) * db(20)
    rep, other = talk(write_stereo(tmp_path / "call.wav", own, voice, rate))
    assert other > 15.0  # the voice is heard as talk
    assert rep == pytest.approx(speech_talk[speech, "silence"][0], rel=0.05)
