"""Talk time when the other channel carries sound that is not the other party talking.

Hold music, DTMF and beeps, a ringback tone, line noise: everyday on a call, and louder than the quiet
parts of a talker's speech. None of it is bleed (bleed is the other party's voice showing up in this
channel), so none of it may take talk time from this channel, and none of it is talk on its own channel.
The sounds are made with numpy (tests/audio_scoring/sounds.py); the speech is an espeak fixture (8 kHz)
and a real AMI talker from ../shared/data/audio/ami-dev (16 kHz wideband), each written with the sound as
a stereo WAV and scored through ``load_stereo`` and ``detect_activity``. bench/talk_time_accuracy.py
prints the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audio_scoring.activity import detect_activity
from audio_scoring.decode import load_stereo
from audio_scoring.metrics import union_length
from tests.audio_scoring.sounds import SECONDS, SOUNDS, SPEECH, louder_voice, silence, write_stereo

ALL_SOUNDS = {"silence": silence, **SOUNDS}


def talk(path: Path) -> tuple[float, float]:
    audio = load_stereo(path)
    left, right = detect_activity(audio.left, audio.right, source_rate=audio.source_rate)
    return union_length(left), union_length(right)


@pytest.fixture(scope="module")
def speech_talk(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], tuple[float, float]]:
    """(speech, other sound) -> (speech channel's talk, other channel's talk), each scored once as a
    stereo WAV; a talker is only loaded when a test asks for it (the AMI one is public data)."""
    tmp = tmp_path_factory.mktemp("other_channel")
    cache: dict[tuple[str, str], tuple[float, float]] = {}

    def get(speech_name: str, sound_name: str) -> tuple[float, float]:
        if (speech_name, sound_name) not in cache:
            speech, rate = SPEECH[speech_name]()
            i = list(ALL_SOUNDS).index(sound_name)
            other = ALL_SOUNDS[sound_name](rate, len(speech), np.random.default_rng(i))
            cache[speech_name, sound_name] = talk(write_stereo(tmp / f"{rate}_{i}.wav", speech, other, rate))
        return cache[speech_name, sound_name]

    return get


@pytest.mark.parametrize("sound", list(SOUNDS))
@pytest.mark.parametrize("speech", list(SPEECH))
def test_sound_on_the_other_channel_takes_no_talk_time(
    speech_talk: Callable[[str, str], tuple[float, float]], speech: str, sound: str
) -> None:
    alone, _ = speech_talk(speech, "silence")
    with_sound, other = speech_talk(speech, sound)
    assert alone > 8.0  # the talker is heard at all
    assert with_sound == pytest.approx(alone, rel=0.05)
    assert other <= 0.5  # and the sound is not talk either (at most one blip: see the next test)


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("sound", [*SOUNDS, "silence"])
def test_a_sound_alone_is_not_talk(tmp_path: Path, sound: str, rate: int) -> None:
    n = int(SECONDS * rate)
    made = ALL_SOUNDS[sound](rate, n, np.random.default_rng(7))
    left, right = talk(write_stereo(tmp_path / "call.wav", made, np.zeros(n), rate))
    # Silero takes the first plucked note after silence for ~0.3 s of speech; nothing else passes.
    assert left <= 0.5 and right == 0.0


@pytest.mark.parametrize("speech", ["espeak 8 kHz", "quiet espeak 8 kHz"])
def test_a_louder_voice_on_the_other_channel_is_not_this_channel_s_bleed(
    speech_talk: Callable[[str, str], tuple[float, float]], tmp_path: Path, speech: str
) -> None:
    """Another voice 20 dB louder on the other channel (a loud prospect on a low-gain rep line, a TV
    next to the prospect) talks over the rep: bleed of it would be that voice, 20 dB down, and the rep's
    own voice is not that."""
    own, rate = SPEECH[speech]()
    voice = louder_voice(own, 20.0)
    rep, other = talk(write_stereo(tmp_path / "call.wav", own, voice, rate))
    assert other > 15.0  # the voice is heard as talk
    assert rep == pytest.approx(speech_talk(speech, "silence")[0], rel=0.05)
