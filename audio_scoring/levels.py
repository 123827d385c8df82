"""Frame levels of a channel: energy, noise floor, bleed from the other channel, audibility, bandwidth.

All figures are per 32 ms frame (512 samples at 16 kHz, the frames Silero scores) and relative: to the
channel's own noise floor or to the other channel's level, never to an absolute level, so they hold for a
quiet line as for a loud one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from audio_scoring.vad_params import DEFAULT_VAD, VadParams

FRAME = 512  # samples per Silero frame at 16 kHz
BAND_BINS = 4  # FFT bins per band: 125 Hz
BANDS = 256 // BAND_BINS  # 0-8 kHz
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


@dataclass(frozen=True)
class ChannelLevels:
    """One channel as the bleed and audibility rules read it: its 16 kHz samples, the energy of each frame
    (``db``) and its noise floor (``floor_db``, see ``noise_floor_db``)."""

    audio: np.ndarray
    db: np.ndarray
    floor_db: float

    @classmethod
    def of(cls, audio: np.ndarray, db: np.ndarray | None = None) -> ChannelLevels:
        db = frame_energy_db(audio) if db is None else db
        return cls(audio=audio, db=db, floor_db=noise_floor_db(db))

    def bands(self, rows: np.ndarray) -> np.ndarray:
        """Power of frames ``rows`` in ``BANDS`` bands of 125 Hz (Hann-windowed FFT), computed only for
        the frames asked for: most frames of a call never need it."""
        return band_powers(self._frames, rows)

    @functools.cached_property
    def _frames(self) -> np.ndarray:
        n = len(self.db)
        padded = np.zeros(n * FRAME, np.float32)
        padded[: min(len(self.audio), n * FRAME)] = self.audio[: n * FRAME]
        return padded.reshape(n, FRAME)

    @functools.cached_property
    def noise(self) -> np.ndarray:
        """The line's noise spectrum: mean band power of the frames at or under the floor."""
        quiet = np.flatnonzero((self.db > DIGITAL_SILENCE_DB) & (self.db <= self.floor_db))
        return self.bands(quiet).mean(axis=0) if len(quiet) else np.zeros(BANDS, np.float32)


# Hann-windowed, one-sided FFT power of a frame -> its mean square, for stationary sound.
_WINDOW = np.hanning(FRAME).astype(np.float32)
_BAND_SCALE = 2.0 / (FRAME * float(np.sum(_WINDOW.astype(np.float64) ** 2)))


def band_powers(frames: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Power of ``frames[rows]`` (16 kHz frames of ``FRAME`` samples) in ``BANDS`` bands of 125 Hz."""
    out = np.empty((len(rows), BANDS), np.float32)
    step = 4096  # frames per FFT batch: bounds the memory of an hour-long call
    for i in range(0, len(rows), step):
        spec = np.fft.rfft(frames[rows[i : i + step]] * _WINDOW, axis=1)[:, : BANDS * BAND_BINS]
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        out[i : i + len(power)] = power.reshape(len(power), BANDS, BAND_BINS).sum(axis=2)
    return out


def bleed_mask(
    own: ChannelLevels, other: ChannelLevels, other_talks: np.ndarray, params: VadParams = DEFAULT_VAD
) -> np.ndarray:
    """True where ``own`` carries the other party, not its own talker (echo, crosstalk).

    Bleed is the other channel's content showing up in this one, so it needs the other party to be
    talking (``other_talks``, one flag per frame: Silero hears speech on the other channel) and this
    frame to be explained by the other channel: ``bleed_db`` quieter than its nearby peak with an
    envelope that follows it (a copy moves with its source), or ``bleed_hard_db`` quieter with nothing
    audible left once the other channel, that much quieter, is taken out band by band (``own_sound_db``).
    A louder sound on the other channel that is not speech (a tone, beeps, hold music, line noise) or that
    does not hold this channel's sound (another voice in other bands) leaves this channel's sound its own.
    """
    return _flags(own, other, other_talks, params)[0]


def audible_frames(
    own: ChannelLevels, other: ChannelLevels, other_talks: np.ndarray, params: VadParams = DEFAULT_VAD
) -> np.ndarray:
    """Frames with sound of the channel's own talker: above the noise floor and not bleed.

    A frame counts when it stands ``audible_db`` above the floor, or when the median of the frames around
    it stands ``faint_db`` above it: on a noisy line the quiet ends of words are lost in the hiss frame by
    frame but still lift its median (line noise varies by ~0.5 dB from frame to frame). A median keeps
    sharp edges where they are, so loud speech next to silence is not smeared. Both read the channel's
    own sound (``own_sound_db``), so bleed next to a word does not lift its median.
    """
    return _flags(own, other, other_talks, params)[1]


def bleed_and_audible(
    own: ChannelLevels, other: ChannelLevels, other_talks: np.ndarray, params: VadParams = DEFAULT_VAD
) -> tuple[np.ndarray, np.ndarray]:
    """``bleed_mask`` and ``audible_frames`` in one pass."""
    return _flags(own, other, other_talks, params)


def own_sound_db(own: ChannelLevels, other: ChannelLevels, params: VadParams = DEFAULT_VAD) -> np.ndarray:
    """Per frame, the level of the channel's sound that the other channel cannot account for.

    A copy of the other channel can only hold what the other channel holds, attenuated: where the frame
    is ``bleed_hard_db`` quieter than the other channel's nearby peak (``bleed_db`` when its envelope
    follows the other's), each 125 Hz band loses up to the other channel's power that many dB down, never
    below the line's own noise in that band. Elsewhere the frame keeps its level. A tone or a beep is
    louder than speech but fills one or two bands: the speech in the others stays.
    """
    return _copy_of_other(own, other, params)[1]


def _flags(
    own: ChannelLevels, other: ChannelLevels, other_talks: np.ndarray, params: VadParams
) -> tuple[np.ndarray, np.ndarray]:
    n = min(len(own.db), len(other.db), len(other_talks))
    tracks, sound_db = _copy_of_other(own, other, params)
    floor = own.floor_db
    quieter = _max_filter(other.db[:n], half=2) - own.db[:n]
    covered = (quieter >= params.bleed_hard_db) & (sound_db[:n] < floor + params.audible_db)
    bleed = other_talks[:n] & (tracks[:n] | covered)
    if n == 0:
        return bleed, np.zeros(0, bool)
    half = params.faint_frames
    padded = np.concatenate([np.full(half, sound_db[0]), sound_db[:n], np.full(half, sound_db[n - 1])])
    median = np.median(sliding_window_view(padded, 2 * half + 1), axis=1)
    sound = (sound_db[:n] >= floor + params.audible_db) | (median >= floor + params.faint_db)
    return bleed, sound & ~bleed


def _copy_of_other(
    own: ChannelLevels, other: ChannelLevels, params: VadParams
) -> tuple[np.ndarray, np.ndarray]:
    """(frames ``bleed_db`` quieter than the other channel whose envelope follows it, ``own_sound_db``)."""
    n = min(len(own.db), len(other.db))
    own_db, other_db = own.db[:n], other.db[:n]
    # Echo arrives a few ms late and smeared, so compare against the other channel's nearby peak.
    quieter = _max_filter(other_db, half=2) - own_db
    # Following an envelope means something only if it moves: a steady tone or hiss has ~0.3 dB of
    # frame-to-frame wobble, and any envelope correlates with that by chance.
    follows = (_rolling_corr(own_db, other_db, half=4) >= params.bleed_corr) & (
        _rolling_std(other_db, half=4) >= params.bleed_swing_db
    )
    tracks = (quieter >= params.bleed_db) & follows
    sound_db = own_db.copy()
    idx = np.flatnonzero(tracks | (quieter >= params.bleed_hard_db))
    if len(idx) == 0:
        return tracks, sound_db
    margin = np.where(tracks[idx], params.bleed_db, params.bleed_hard_db)
    copy = _nearby_max(other, idx, half=2) * (10.0 ** (-margin / 10.0))[:, None]
    power = own.bands(idx)
    left = np.minimum(power, np.maximum(own.noise, power - copy))
    sound_db[idx] = 10.0 * np.log10(left.sum(axis=1) * _BAND_SCALE + 1e-10)
    return tracks, sound_db


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


def _nearby_max(levels: ChannelLevels, rows: np.ndarray, half: int) -> np.ndarray:
    """Band powers of frames ``rows``, each band the maximum over the frames within ``half`` of it."""
    last = len(levels.db) - 1
    near = np.unique(np.clip(rows[:, None] + np.arange(-half, half + 1), 0, last))
    bands = levels.bands(near)
    pos = np.searchsorted(near, rows)
    out = bands[pos]
    for k in range(1, half + 1):
        out = np.maximum(out, bands[np.searchsorted(near, np.maximum(rows - k, 0))])
        out = np.maximum(out, bands[np.searchsorted(near, np.minimum(rows + k, last))])
    return out


def _rolling_std(x: np.ndarray, half: int) -> np.ndarray:
    """Standard deviation of ``x`` over a sliding window of 2*half+1 frames (edges padded)."""
    if len(x) == 0:
        return np.zeros(0)
    padded = np.concatenate([np.full(half, x[0]), x, np.full(half, x[-1])])
    return sliding_window_view(padded, 2 * half + 1).std(axis=1)


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
