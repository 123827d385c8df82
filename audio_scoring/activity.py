"""Speech activity per channel: Silero VAD finds the speech, the channel's own sound bounds it.

Silero VAD (the ONNX export faster-whisper 1.2.1 ships, vendored in ``assets/`` so that scoring works
without the ``audio`` extra, run through onnxruntime) gives a speech probability per 32 ms frame. Three
things stand between those probabilities and talk time on a phone call:

* Silero is far less sure of narrowband (8 kHz telephone) speech than of wideband speech: on the same
  words its probabilities run about half as high, and quiet talkers on a noisy line barely reach 0.3. A
  call whose audio has no content above 5 kHz is therefore read with lower thresholds.
* A phone line leaks each party into the other's channel (echo, crosstalk) and Silero calls that quiet
  copy speech. A frame is *bleed* while Silero hears the other party talk and the other channel explains
  the frame: much quieter with an envelope that follows it, or covering it band by band. Bleed frames
  never count as speech; a tone, music or noise on the other channel is never bleed (see ``levels.py``).
* Silero's probability lags the sound by ~100 ms and its regions start and stop on its own schedule. Each
  region found by Silero is widened by up to ``reach_s`` and then trimmed to the channel's audible sound,
  so utterances run from the first to the last frame that stands above the line's own noise floor.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from audio_scoring.decode import TARGET_RATE, MissingDependency, speech_band
from audio_scoring.levels import FRAME, ChannelLevels, bleed_and_audible, frame_energy_db, is_narrowband
from audio_scoring.vad_params import DEFAULT_VAD, VadParams

RATE = 16000
FRAME_S = FRAME / RATE

Segment = tuple[float, float]


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


def speech_regions(
    probs: np.ndarray, params: VadParams = DEFAULT_VAD, *, narrowband: bool = False
) -> list[tuple[int, int]]:
    """Frame ranges [start, end) where Silero hears speech: hysteresis, then short pauses bridged."""
    on, off = (
        (params.narrow_threshold, params.narrow_neg_threshold)
        if narrowband
        else (params.threshold, params.neg_threshold)
    )
    raw: list[list[int]] = []
    active, start = False, 0
    for i, p in enumerate(probs.tolist()):
        if not active and p >= on:
            active, start = True, i
        elif active and p < off:
            active = False
            raw.append([start, i])
    if active:
        raw.append([start, len(probs)])
    bridge = params.min_silence_s / FRAME_S
    merged: list[list[int]] = []
    for seg in raw:
        if merged and seg[0] - merged[-1][1] < bridge:
            merged[-1][1] = seg[1]
        else:
            merged.append(seg)
    return [(a, b) for a, b in merged]


def segments_from_probs(
    probs: np.ndarray,
    params: VadParams = DEFAULT_VAD,
    audible: np.ndarray | None = None,
    *,
    narrowband: bool = False,
) -> list[Segment]:
    """Speech segments in seconds from frame probabilities.

    With ``audible`` (one flag per frame), each Silero region is widened by ``reach_s`` and trimmed to
    its first and last audible frame (a region with no audible frame is dropped); without it the regions
    are taken as they are. Segments shorter than ``min_speech_s`` are dropped.
    """
    n = len(probs)
    reach = round(params.reach_s / FRAME_S) if audible is not None else 0
    spans: list[list[int]] = []
    for a, b in speech_regions(probs, params, narrowband=narrowband):
        lo, hi = max(0, a - reach), min(n, b + reach)
        if audible is not None:
            heard = np.flatnonzero(audible[lo:hi])
            if len(heard) == 0:
                continue
            lo, hi = lo + int(heard[0]), lo + int(heard[-1]) + 1
        if (hi - lo) * FRAME_S < params.min_speech_s:
            continue
        if spans and lo <= spans[-1][1]:  # widened neighbours touch: one utterance
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [(round(a * FRAME_S, 3), round(b * FRAME_S, 3)) for a, b in spans]


def detect_activity(
    rep: np.ndarray,
    prospect: np.ndarray,
    params: VadParams = DEFAULT_VAD,
    *,
    source_rate: int = TARGET_RATE,
    narrowband: bool | None = None,
) -> tuple[list[Segment], list[Segment]]:
    """Speech segments (seconds) of the rep and the prospect channels, bleed removed.

    ``rep`` and ``prospect`` are 16 kHz channels as ``load_stereo`` returns them; pass the file's
    ``source_rate`` (``StereoAudio.source_rate``) so the speech detector hears them band-limited.
    ``narrowband`` says whether the call is telephone-band audio; by default it is measured.
    """
    rep, prospect = speech_band(rep, source_rate), speech_band(prospect, source_rate)
    db_rep, db_pro = frame_energy_db(rep), frame_energy_db(prospect)
    if narrowband is None:
        narrowband = is_narrowband(rep, prospect, energies=(db_rep, db_pro))
    levels = ChannelLevels.of(rep, db_rep), ChannelLevels.of(prospect, db_pro)
    probs = speech_probabilities(rep), speech_probabilities(prospect)
    talks = [_regions_mask(p, params, narrowband) for p in probs]
    out = []
    for own, other in ((0, 1), (1, 0)):
        bleed, audible = bleed_and_audible(levels[own], levels[other], talks[other], params)
        n = min(len(probs[own]), len(bleed))
        p = np.where(bleed[:n], 0.0, probs[own][:n])
        out.append(segments_from_probs(p, params, audible[:n], narrowband=narrowband))
    return out[0], out[1]


def _regions_mask(probs: np.ndarray, params: VadParams, narrowband: bool) -> np.ndarray:
    """One flag per frame: inside a region where Silero hears speech (bleed included)."""
    mask = np.zeros(len(probs), bool)
    for a, b in speech_regions(probs, params, narrowband=narrowband):
        mask[a:b] = True
    return mask


def total_length(segments: list[Segment]) -> float:
    return round(sum(b - a for a, b in segments), 3)
