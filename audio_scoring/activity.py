"""Speech activity per channel: Silero VAD probabilities, echo/bleed suppression, segmentation.

Silero VAD (the ONNX export faster-whisper 1.2.1 ships, vendored in ``assets/`` so that scoring works
without the ``audio`` extra, run through onnxruntime) gives a speech
probability per 32 ms frame. A phone line leaks each party into the other's channel (echo, crosstalk);
Silero happily calls that quiet copy speech, so a frame is dropped from a channel when that channel is
much quieter than the other AND its energy envelope follows the other's (a real quiet talker does not
track the loud one). The surviving frames are turned into utterances the way a person marking the
recording would: short pauses inside a sentence bridged, tiny blips dropped.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_scoring.decode import MissingDependency

FRAME = 512  # samples per Silero frame at 16 kHz
RATE = 16000
FRAME_S = FRAME / RATE

Segment = tuple[float, float]


@dataclass(frozen=True)
class VadParams:
    """Tuned on the espeak fixtures against exact ground truth (see docs/call-scoring.md)."""

    threshold: float = 0.5
    neg_threshold: float = 0.35
    # Pauses shorter than this inside one party's speech stay inside the utterance.
    min_silence_s: float = 0.45
    min_speech_s: float = 0.12
    # Silero's probability falls ~100 ms after the last word ends (measured on the fixtures), so
    # segment ends are pulled in rather than padded out.
    pad_start_s: float = 0.0
    pad_end_s: float = -0.08
    # Bleed: drop a frame that is this much quieter than the other channel and tracks its envelope.
    bleed_db: float = 12.0
    bleed_corr: float = 0.5
    # Far below the other channel, a frame is bleed whatever its envelope does.
    bleed_hard_db: float = 20.0
    # Own-speech evidence: this far above the channel's noise floor, and how far it reaches (frames).
    loud_db: float = 6.0
    support_frames: int = 4
    min_evidence_frames: int = 4


DEFAULT_VAD = VadParams()


MODEL_FILE = Path(__file__).parent / "assets" / "silero_vad_v6.onnx"


def silero_model_path() -> Path:
    """The Silero VAD v6 ONNX file (MIT, Silero Team) vendored from faster-whisper's assets.

    The same file faster-whisper's own VAD filter uses, so activity and transcription gating agree; it is
    vendored because speech detection must work without the transcription extra.
    """
    if not MODEL_FILE.is_file():
        raise MissingDependency(f"the Silero VAD model {MODEL_FILE} is missing; reinstall leadline")
    return MODEL_FILE


@functools.lru_cache(maxsize=1)
def _session():  # type: ignore[no-untyped-def]
    try:
        import onnxruntime
    except ImportError as exc:
        raise MissingDependency("speech detection needs onnxruntime; reinstall leadline") from exc
    opts = onnxruntime.SessionOptions()
    # One thread: the bot runs several calls in a process pool; threads would fight over cores.
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(
        str(silero_model_path()), providers=["CPUExecutionProvider"], sess_options=opts
    )


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero speech probability per 32 ms frame of 16 kHz mono audio.

    Same batched call as faster_whisper.vad.SileroVADModel (each frame carries 64 samples of context).
    """
    context = 64
    n = -(-len(audio) // FRAME)
    if n == 0:
        return np.zeros(0, np.float32)
    padded = np.zeros(n * FRAME, np.float32)
    padded[: len(audio)] = audio
    frames = padded.reshape(n, FRAME)
    ctx = np.roll(frames[:, -context:], 1, axis=0)
    ctx[0] = 0
    batch = np.concatenate([ctx, frames], axis=1)
    h = np.zeros((1, 1, 128), np.float32)
    c = np.zeros((1, 1, 128), np.float32)
    session = _session()
    out = []
    for i in range(0, n, 10000):
        prob, h, c = session.run(None, {"input": batch[i : i + 10000], "h": h, "c": c})
        out.append(prob.reshape(-1))
    return np.concatenate(out).astype(np.float32)


def frame_energy_db(audio: np.ndarray) -> np.ndarray:
    n = -(-len(audio) // FRAME)
    padded = np.zeros(n * FRAME, np.float32)
    padded[: len(audio)] = audio
    power = np.mean(padded.reshape(n, FRAME) ** 2, axis=1)
    return 10.0 * np.log10(power + 1e-10)


def bleed_mask(own_db: np.ndarray, other_db: np.ndarray, params: VadParams = DEFAULT_VAD) -> np.ndarray:
    """True where ``own`` is a quiet, correlated copy of ``other`` (echo/crosstalk), not its own speech."""
    n = min(len(own_db), len(other_db))
    own_db, other_db = own_db[:n], other_db[:n]
    # Echo arrives a few ms late and smeared, so compare against the other channel's nearby peak.
    quieter = _max_filter(other_db, half=2) - own_db
    corr = _rolling_corr(own_db, other_db, half=4)
    return (quieter >= params.bleed_hard_db) | ((quieter >= params.bleed_db) & (corr >= params.bleed_corr))


def own_speech_support(
    own_db: np.ndarray, other_db: np.ndarray, params: VadParams = DEFAULT_VAD
) -> np.ndarray:
    """Frames near (within ~130 ms of) audible sound on this channel that is not bleed from the other.

    Silero's probability is smoothed over time, so it stays high through the quiet frames around bleed;
    gating it with this support keeps only speech the channel's own talker produced.
    """
    bleed = bleed_mask(own_db, other_db, params)
    floor = float(np.percentile(own_db, 10)) if len(own_db) else 0.0
    evidence = (own_db[: len(bleed)] > floor + params.loud_db) & ~bleed
    # A lone loud frame is usually an echo peak that slipped past the test; speech lasts > 100 ms.
    window = np.ones(2 * params.support_frames + 1)
    count = np.convolve(evidence.astype(np.float64), window, mode="same")
    return (
        _max_filter((count >= params.min_evidence_frames).astype(np.float64), half=params.support_frames) > 0
    )


def _max_filter(x: np.ndarray, half: int) -> np.ndarray:
    out = x.copy()
    for k in range(1, half + 1):
        out[k:] = np.maximum(out[k:], x[:-k])
        out[:-k] = np.maximum(out[:-k], x[k:])
    return out


def _rolling_corr(a: np.ndarray, b: np.ndarray, half: int) -> np.ndarray:
    """Pearson correlation of two envelopes over a sliding window of 2*half+1 frames."""
    w = 2 * half + 1
    if len(a) < w:
        return np.zeros(len(a))
    kernel = np.ones(w) / w

    def mean(x: np.ndarray) -> np.ndarray:
        return np.convolve(x, kernel, mode="same")

    ma, mb = mean(a), mean(b)
    cov = mean(a * b) - ma * mb
    va = np.maximum(mean(a * a) - ma * ma, 1e-9)
    vb = np.maximum(mean(b * b) - mb * mb, 1e-9)
    return cov / np.sqrt(va * vb)


def segments_from_probs(probs: np.ndarray, params: VadParams = DEFAULT_VAD) -> list[Segment]:
    """Hysteresis over frame probabilities, then bridge short pauses and drop blips."""
    raw: list[list[float]] = []
    active = False
    start = 0
    for i, p in enumerate(probs.tolist()):
        if not active and p >= params.threshold:
            active, start = True, i
        elif active and p < params.neg_threshold:
            active = False
            raw.append([start * FRAME_S, i * FRAME_S])
    if active:
        raw.append([start * FRAME_S, len(probs) * FRAME_S])
    merged: list[list[float]] = []
    for seg in raw:
        if merged and seg[0] - merged[-1][1] < params.min_silence_s:
            merged[-1][1] = seg[1]
        else:
            merged.append(seg)
    total = len(probs) * FRAME_S
    out = []
    for a, b in merged:
        if b - a < params.min_speech_s or b + params.pad_end_s <= a:
            continue
        out.append((round(max(0.0, a - params.pad_start_s), 3), round(min(total, b + params.pad_end_s), 3)))
    return out


def detect_activity(
    rep: np.ndarray, prospect: np.ndarray, params: VadParams = DEFAULT_VAD
) -> tuple[list[Segment], list[Segment]]:
    """Speech segments (seconds) of the rep and the prospect channels, bleed removed."""
    probs_rep = speech_probabilities(rep)
    probs_pro = speech_probabilities(prospect)
    db_rep, db_pro = frame_energy_db(rep), frame_energy_db(prospect)
    probs_rep = np.where(own_speech_support(db_rep, db_pro, params), probs_rep, 0.0)
    probs_pro = np.where(own_speech_support(db_pro, db_rep, params), probs_pro, 0.0)
    return segments_from_probs(probs_rep, params), segments_from_probs(probs_pro, params)


def total_length(segments: list[Segment]) -> float:
    return round(sum(b - a for a, b in segments), 3)
