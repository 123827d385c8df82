"""Call scoring from channel-separated sales call recordings.

Pure library: no bot/analytics imports. Heavy dependencies (PyAV, onnxruntime, faster-whisper) are imported
lazily inside the functions that need them, so importing this package is cheap.
"""

from audio_scoring.activity import VadParams, detect_activity, segments_from_probs, speech_probabilities
from audio_scoring.bant import find_bant
from audio_scoring.criteria import overall_score, score_criteria
from audio_scoring.decode import CorruptAudio, MissingDependency, StereoAudio, UnsupportedAudio, load_stereo
from audio_scoring.errors import ScoringError
from audio_scoring.metrics import compute_metrics, count_interruptions
from audio_scoring.objections import find_objections
from audio_scoring.result import (
    Bant,
    BantItem,
    CallScore,
    Criterion,
    Feedback,
    Interruptions,
    Metrics,
    NextStep,
    Objection,
    Utterance,
    Word,
)
from audio_scoring.score import score_call
from audio_scoring.stages import STAGES, stage_profile
from audio_scoring.text_rules import find_next_steps
from audio_scoring.transcribe import ModelUnavailable, transcribe_call, words_to_utterances

__all__ = [
    "STAGES",
    "Bant",
    "BantItem",
    "CallScore",
    "CorruptAudio",
    "Criterion",
    "Feedback",
    "Interruptions",
    "Metrics",
    "MissingDependency",
    "ModelUnavailable",
    "NextStep",
    "Objection",
    "ScoringError",
    "StereoAudio",
    "UnsupportedAudio",
    "Utterance",
    "VadParams",
    "Word",
    "compute_metrics",
    "count_interruptions",
    "detect_activity",
    "find_bant",
    "find_next_steps",
    "find_objections",
    "load_stereo",
    "overall_score",
    "score_call",
    "score_criteria",
    "segments_from_probs",
    "speech_probabilities",
    "stage_profile",
    "transcribe_call",
    "words_to_utterances",
]
