"""Frame levels of a channel: energy, noise floor, bleed from the other channel, audibility, bandwidth.

All figures are per 32 ms frame (512 samples at 16 kHz, the frames Silero scores) and relative: to the
channel's own noise floor or to the other channel's level, never to an absolute level, so they hold for a
quiet line as for a loud one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from audio_scoring.vad_params import DEFAULT_VAD, VadParams

FRAME = 512  # samples per Silero frame at 16 kHz
# Below this a frame is digital silence (an edited-out stretch, a muted leg), not line noise.
DIGITAL_SILENCE_DB = -90.0
# Narrowband: the loudest frames carry less than this share of their energy above 5 kHz. Wideband speech
# has -25 to -40 dB there (fricatives); audio that went through an 8 kHz line has none (-100 dB).
NARROWBAND_HF_DB = -60.0
NARROWBAND_EDGE_HZ = 5000.0


def frame_energy_db(audio: np.ndarray) -> np.ndarray:
    n = -(-len(audio) // FRAME)
    padded = np.zeros(n * FRAME, np.float32)
    padded[: len(audio)] = audio
    power = np.mean(padded.reshape(n, FRAME) ** 2, axis=1)
    return 10.0 * np.log10(power + 1e-10)


def noise_floor_db(own_db: np.ndarray) -> float:
    """The channel's noise level: the 10th percentile of its frames, digital silence left out.

    On a phone line the quietest tenth of a call is the line's hiss between words; a recording with
    digital silence in it (a clip, a muted leg) would otherwise put the floor at -100 dB.
    """
    live = own_db[own_db > DIGITAL_SILENCE_DB]
    return float(np.percentile(live, 10)) if len(live) >= 10 else DIGITAL_SILENCE_DB


def bleed_mask(own_db: np.ndarray, other_db: np.ndarray, params: VadParams = DEFAULT_VAD) -> np.ndarray:
    """True where ``own`` is a quiet, correlated copy of ``other`` (echo/crosstalk), not its own speech."""
    n = min(len(own_db), len(other_db))
    own_db, other_db = own_db[:n], other_db[:n]
    # Echo arrives a few ms late and smeared, so compare against the other channel's nearby peak.
    quieter = _max_filter(other_db, half=2) - own_db
    corr = _rolling_corr(own_db, other_db, half=4)
    return (quieter >= params.bleed_hard_db) | ((quieter >= params.bleed_db) & (corr >= params.bleed_corr))


def audible_frames(
    own_db: np.ndarray, other_db: np.ndarray, params: VadParams = DEFAULT_VAD
) -> np.ndarray:
    """Frames with sound of the channel's own talker: above the noise floor and not bleed.

    A frame counts when it stands ``audible_db`` above the floor, or when the median of the frames around
    it stands ``faint_db`` above it: on a noisy line the quiet ends of words are lost in the hiss frame by
    frame but still lift its median (line noise varies by ~0.5 dB from frame to frame). A median keeps
    sharp edges where they are, so loud speech next to silence is not smeared.
    """
    if len(own_db) == 0:
        return np.zeros(0, bool)
    floor = noise_floor_db(own_db)
    half = params.faint_frames
    padded = np.concatenate([np.full(half, own_db[0]), own_db, np.full(half, own_db[-1])])
    median = np.median(sliding_window_view(padded, 2 * half + 1), axis=1)
    sound = (own_db >= floor + params.audible_db) | (median >= floor + params.faint_db)
    return sound & ~bleed_mask(own_db, other_db, params)


def is_narrowband(
    *channels: np.ndarray, energies: Sequence[np.ndarray] | None = None, frames: int = 100
) -> bool:
    """Whether the call is telephone-band audio: nothing above 5 kHz in its loudest frames (16 kHz audio).

    Measured rather than read from the file's sample rate, so a telephone recording saved at 16 or 44.1 kHz
    is still read as one. ``energies`` are the channels' ``frame_energy_db`` when already computed.
    """
    picked = []
    for i, x in enumerate(channels):
        n = len(x) // FRAME
        if n == 0:
            continue
        db = energies[i][:n] if energies is not None else frame_energy_db(x[: n * FRAME])
        top = np.argpartition(db, -min(frames, n))[-min(frames, n) :]
        picked.append(x[: n * FRAME].reshape(n, FRAME)[top])
    if not picked:
        return False
    spec = np.abs(np.fft.rfft(np.concatenate(picked) * np.hanning(FRAME), axis=1)) ** 2
    total = float(spec.sum())
    if total <= 0.0:
        return False
    edge = int(NARROWBAND_EDGE_HZ / 16000 * FRAME)
    return 10.0 * np.log10(float(spec[:, edge:].sum()) / total + 1e-30) < NARROWBAND_HF_DB


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
