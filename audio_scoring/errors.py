"""The one exception base of the audio_scoring library."""


class ScoringError(Exception):
    """Base for every error audio_scoring raises on purpose."""
