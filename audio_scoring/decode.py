"""Load a channel-separated call recording as two 16 kHz float32 channels.

PCM WAV is read with the stdlib ``wave`` module (fast, no extra dependency); anything else (MP3, u-law
WAV, ...) goes through PyAV (a core dependency, imported only when needed). 16 kHz is what both Silero VAD and
Whisper expect.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_scoring.errors import ScoringError

TARGET_RATE = 16000
CHANNELS = ("left", "right")


class UnsupportedAudio(ScoringError):
    """The file is readable audio but cannot be scored (e.g. mono, no channel separation)."""


class CorruptAudio(ScoringError):
    """The file is missing, empty, truncated or not audio at all."""


class MissingDependency(ScoringError):
    """A package the requested work needs is not installed (PyAV, onnxruntime, or the transcription extra)."""


@dataclass(frozen=True)
class StereoAudio:
    """Two channels at ``sample_rate`` Hz, float32 in [-1, 1]."""

    left: np.ndarray
    right: np.ndarray
    sample_rate: int
    source_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.left) / self.sample_rate

    def channel(self, name: str) -> np.ndarray:
        return self.left if name == "left" else self.right


def load_stereo(path: str | os.PathLike[str]) -> StereoAudio:
    """Decode ``path`` to two 16 kHz channels; refuse mono, empty and corrupt files with a ScoringError."""
    p = Path(path)
    if not p.is_file():
        raise CorruptAudio(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise CorruptAudio(f"{p}: file is empty")
    pcm, rate = _read_wav(p)
    if pcm is None:
        pcm, rate = _read_with_av(p)
    if pcm.ndim != 2 or pcm.shape[1] == 1:
        raise UnsupportedAudio(
            f"{p}: mono recording; call scoring needs channel-separated (stereo) audio with the rep on "
            "one channel and the prospect on the other (e.g. a Twilio dual-channel recording)"
        )
    if pcm.shape[1] != 2:
        raise UnsupportedAudio(f"{p}: {pcm.shape[1]} channels; expected 2 (rep and prospect)")
    if pcm.shape[0] < rate // 10:
        raise CorruptAudio(f"{p}: no audio (less than 0.1 s of samples)")
    left = resample(pcm[:, 0], rate, TARGET_RATE)
    right = resample(pcm[:, 1], rate, TARGET_RATE)
    return StereoAudio(left=left, right=right, sample_rate=TARGET_RATE, source_rate=rate)


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Resample one channel from ``src`` to ``dst`` Hz: what transcription gets.

    Upsampling (an 8 kHz phone line to 16 kHz) is linear interpolation. It keeps every original sample
    (at the even positions for 8 -> 16 kHz) but mirrors the speech band into 4-8 kHz at -10 to -30 dB.
    Whisper does not mind (tiny.en transcribes the fixtures slightly better with it), but Silero VAD
    does: speech detection uses ``speech_band``. Downsampling (44.1 or 48 kHz recordings) must filter
    first, or everything between 8 kHz and the source's Nyquist frequency (hiss, fricatives, a 12 kHz
    tone) folds back into the speech band: ``decimate``.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    if src == dst:
        return x
    if src > dst:
        return decimate(x, src, dst)
    if src * 2 == dst:
        # The common Twilio case, done without np.interp for speed.
        out = np.empty(len(x) * 2, dtype=np.float32)
        out[0::2] = x
        out[1:-1:2] = (x[:-1] + x[1:]) * 0.5
        out[-1] = x[-1]
        return out
    n_out = round(len(x) * dst / src)
    t = np.arange(n_out, dtype=np.float64) * (src / dst)
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


def decimate(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Downsample one channel with a band-limiting filter: libswresample through PyAV (a core
    dependency), whose default filter passes up to ~7.7 kHz (at 16 kHz) and leaves anything from 9 kHz
    up at -60 dB or less; 30 minutes of 48 kHz audio take about half a second. Output length and timing
    match the input's (``round(len(x) * dst / src)`` samples)."""
    try:
        import av
    except ImportError as exc:
        raise MissingDependency(f"resampling {src} Hz audio needs PyAV (pip install av)") from exc
    resampler = av.AudioResampler(format="flt", layout="mono", rate=dst)
    chunks: list[np.ndarray] = []
    step = 1 << 16
    for i in range(0, len(x), step):
        frame = av.AudioFrame.from_ndarray(x[None, i : i + step], format="flt", layout="mono")
        frame.sample_rate = src
        chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
    chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    out = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    n_out = round(len(x) * dst / src)
    if len(out) < n_out:
        out = np.concatenate([out, np.zeros(n_out - len(out), np.float32)])
    return np.ascontiguousarray(out[:n_out], dtype=np.float32)


def speech_band(channel: np.ndarray, source_rate: int) -> np.ndarray:
    """A channel of ``load_stereo`` as a band-limited resampler would have made it: nothing above the
    source's Nyquist frequency (windowed-sinc FIR, numpy only).

    Silero VAD reads the mirror images of linear interpolation as quieter, stranger speech: on real
    telephone speech they cost up to 40 % of the talk time. For an 8 kHz source the original samples are
    the even ones (``resample`` keeps them) and the odd ones are interpolated again by a half-band filter;
    other rates below 16 kHz are low-passed.
    """
    x = np.ascontiguousarray(channel, dtype=np.float32)
    if source_rate >= TARGET_RATE or len(x) < 2:
        return x
    if source_rate * 2 == TARGET_RATE:
        original = x[0::2]
        out = np.empty(len(original) * 2, dtype=np.float32)
        out[0::2] = original
        half = len(_HALF_BAND) // 2
        out[1::2] = np.convolve(original, _HALF_BAND, mode="full")[half : half + len(original)]
        return out[: len(x)]
    taps = _sinc_taps(0.95 * source_rate / 2 / TARGET_RATE, 63)
    return np.convolve(x, taps, mode="same").astype(np.float32)


def _sinc_taps(cutoff: float, taps: int) -> np.ndarray:
    """Kaiser-windowed sinc low-pass, ``cutoff`` as a fraction of the sample rate.

    With an even number of taps the centre falls between two samples: the filter then also delays by
    half a sample, which is what the 2x interpolation needs.
    """
    k = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * k) * np.kaiser(taps, 8.0)
    return (h / h.sum()).astype(np.float32)


# Values half-way between samples: the odd samples of a 2x upsampling. 32 taps keep the mirror image of
# anything below 3.4 kHz under -55 dB.
_HALF_BAND = _sinc_taps(0.5, 32)


def _read_wav(p: Path) -> tuple[np.ndarray | None, int]:
    """Fast path for PCM WAV; returns (None, 0) for anything the stdlib cannot read."""
    try:
        with wave.open(str(p), "rb") as w:
            channels, width, rate, frames = (
                w.getnchannels(),
                w.getsampwidth(),
                w.getframerate(),
                w.getnframes(),
            )
            raw = w.readframes(frames)
    except (wave.Error, EOFError, OSError):
        return None, 0
    if width not in (1, 2, 4) or rate <= 0 or channels <= 0:
        return None, 0
    usable = len(raw) // (width * channels) * width * channels
    raw = raw[:usable]
    if width == 1:  # unsigned 8-bit
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    else:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    return data.reshape(-1, channels), rate


def _read_with_av(p: Path) -> tuple[np.ndarray, int]:
    try:
        import av  # imported lazily so `import audio_scoring` stays cheap
    except ImportError as exc:
        raise MissingDependency(
            f"{p}: decoding non-PCM-WAV audio (MP3, u-law, ...) needs PyAV (pip install av)"
        ) from exc
    try:
        with av.open(str(p), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise CorruptAudio(f"{p}: no audio stream")
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels or len(stream.layout.channels)
            rate = stream.codec_context.sample_rate or stream.rate
            layout = "mono" if channels == 1 else "stereo"
            if channels > 2:
                raise UnsupportedAudio(f"{p}: {channels} channels; expected 2 (rep and prospect)")
            resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
            chunks = []
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except ScoringError:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise CorruptAudio(f"{p}: cannot decode audio ({exc})") from exc
    if not chunks:
        raise CorruptAudio(f"{p}: no audio frames")
    # Packed float output: samples interleaved per channel.
    data = np.concatenate(chunks).astype(np.float32)
    return data.reshape(-1, channels), int(rate)
