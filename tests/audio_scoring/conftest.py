"""Shared fixtures: the rendered calls in tests/fixtures/audio and their ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio_scoring.result import Utterance

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
CALLS = ("qualification_call", "plain_call", "interrupt_call")


def truth(name: str) -> dict:
    return json.loads((AUDIO / f"{name}.json").read_text())


def script(name: str) -> list[Utterance]:
    """The ground-truth script as a transcript (what a perfect transcriber would produce)."""
    return [
        Utterance(speaker=t["speaker"], start_s=t["start_s"], end_s=t["end_s"], text=t["text"])
        for t in truth(name)["turns"]
    ]


@pytest.fixture(scope="session")
def activity_by_call() -> dict:
    """(rep_segments, prospect_segments, duration_s) per fixture call, computed once."""
    from audio_scoring.activity import detect_activity  # onnxruntime is a core dependency: missing, this fails
    from audio_scoring.decode import load_stereo

    out = {}
    for name in CALLS:
        audio = load_stereo(AUDIO / f"{name}.wav")
        left_is_rep = truth(name)["rep_channel"] == "left"
        rep, pro = (audio.left, audio.right) if left_is_rep else (audio.right, audio.left)
        out[name] = (*detect_activity(rep, pro, source_rate=audio.source_rate), audio.duration_s)
    return out
