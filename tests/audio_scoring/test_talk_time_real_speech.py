"""Talk time on real human speech: the AMI dev calls in ../shared/data/audio/ami-dev, clean and telephone.

Each call is 30 s of a real meeting rendered as a dual-channel call, as clean 16 kHz FLAC and as the 8 kHz
telephone band with -25 dB cross-bleed and line noise (how they were made: the data's truth.json). The
bounds are issue 13's: on the clean file at least 0.95 x what Silero alone finds and at most 1.02 x the
generous RTTM total; on the telephone file within 10 % of the clean file's own figure.
bench/talk_time_accuracy.py prints the same figures as a table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio_scoring.activity import detect_activity
from audio_scoring.decode import load_stereo, speech_band
from audio_scoring.levels import is_narrowband
from audio_scoring.metrics import union_length
from tests.public_data import public_data

PARTIES = ("rep", "prospect")


def _data() -> Path:
    return public_data("audio", "ami-dev", marker="truth.json")


def _truth() -> dict:
    return json.loads((_data() / "truth.json").read_text())["files"]


@pytest.fixture(scope="module")
def talk() -> dict:
    """{(call, variant): {"rep": seconds, "prospect": seconds}} for every dev call, clean and telephone."""
    out = {}
    for name, t in _truth().items():
        for variant in ("clean_16k", "tel_8k"):
            audio = load_stereo(_data() / f"{name}_{variant}.flac")
            rep, pro = (audio.left, audio.right) if t["rep_channel"] == "left" else (audio.right, audio.left)
            narrow = is_narrowband(speech_band(rep, audio.source_rate), speech_band(pro, audio.source_rate))
            assert narrow == (variant == "tel_8k"), f"{name} {variant}: bandwidth misread"
            rep_segs, pro_segs = detect_activity(rep, pro, source_rate=audio.source_rate)
            out[name, variant] = {"rep": union_length(rep_segs), "prospect": union_length(pro_segs)}
    return out


def test_the_dev_set_has_its_five_calls() -> None:
    assert sorted(_truth()) == ["dev00", "dev01", "trn00", "trn08", "tst00"]


@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("name", ["dev00", "dev01", "tst00", "trn00", "trn08"])
def test_clean_talk_time_between_silero_floor_and_rttm(talk: dict, name: str, party: str) -> None:
    t = _truth()[name]
    measured = talk[name, "clean_16k"][party]
    assert measured >= 0.95 * t["vad_reference_clean"][f"{party}_talk_s"]
    assert measured <= 1.02 * t[f"{party}_talk_s"]


@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("name", ["dev00", "dev01", "tst00", "trn00", "trn08"])
def test_telephone_talk_time_within_10_percent_of_clean(talk: dict, name: str, party: str) -> None:
    assert talk[name, "tel_8k"][party] == pytest.approx(talk[name, "clean_16k"][party], rel=0.10)
