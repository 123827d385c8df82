"""The parameters of speech detection, in one frozen value (see docs/call-scoring.md, "Talk time")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VadParams:
    """How speech is found; where each value comes from is in docs/call-scoring.md ("Talk time")."""

    # Silero's own defaults (threshold, and the release threshold 0.15 below it), for wideband audio.
    threshold: float = 0.5
    neg_threshold: float = 0.35
    # Narrowband (telephone) audio: Silero's probabilities run lower, so lower thresholds.
    narrow_threshold: float = 0.12
    narrow_neg_threshold: float = 0.06
    # Pauses shorter than this inside one party's speech stay inside the utterance.
    min_silence_s: float = 0.4
    min_speech_s: float = 0.12
    # How far a segment may reach beyond Silero's region into audible sound, before trimming.
    reach_s: float = 0.192
    # Bleed (only while Silero hears the other party talk): a frame this much quieter than the other
    # channel that tracks its envelope (correlation over 9 frames, while the other's envelope swings by
    # at least bleed_swing_db: standard deviation) ...
    bleed_db: float = 12.0
    bleed_corr: float = 0.5
    bleed_swing_db: float = 3.0
    # ... or this much quieter, with nothing audible left once the other channel, this much quieter,
    # is taken out band by band.
    bleed_hard_db: float = 20.0
    # Audible: a frame this far above the channel's noise floor, or the median of the frames
    # around it (faint_frames each side) this far above it (faint speech on a noisy line).
    audible_db: float = 3.0
    faint_db: float = 2.0
    faint_frames: int = 4


DEFAULT_VAD = VadParams()
