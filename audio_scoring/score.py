"""score_call: the one-call entry point the bot runs in a worker process."""

from __future__ import annotations

import os
from collections.abc import Callable

from audio_scoring import text_rules
from audio_scoring.activity import detect_activity
from audio_scoring.bant import find_bant
from audio_scoring.criteria import overall_score, score_criteria
from audio_scoring.decode import CHANNELS, load_stereo
from audio_scoring.errors import ScoringError
from audio_scoring.metrics import compute_metrics
from audio_scoring.objections import find_objections
from audio_scoring.result import Bant, BantItem, CallScore
from audio_scoring.stages import stage_profile
from audio_scoring.transcribe import transcribe_call, whisper_available

NO_BANT = Bant(BantItem(False), BantItem(False), BantItem(False), BantItem(False))


def score_call(
    path: str | os.PathLike[str],
    *,
    stage: str = "general",
    rep_channel: str = "left",
    transcribe: bool = True,
    model: str | None = None,
    device: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> CallScore:
    """Score a channel-separated call recording. Every deliberate failure is a ScoringError.

    Without faster-whisper (or with ``transcribe=False``) the audio metrics are still scored and the
    criteria that need text get ``score: None`` with the reason.
    """
    profile = stage_profile(stage)
    if rep_channel not in CHANNELS:
        raise ScoringError(f"rep_channel must be 'left' or 'right', not {rep_channel!r}")
    say = progress or (lambda _msg: None)
    say("decoding audio")
    audio = load_stereo(path)
    rep = audio.channel(rep_channel)
    prospect = audio.channel("right" if rep_channel == "left" else "left")
    say("detecting speech")
    rep_segs, pro_segs = detect_activity(rep, prospect, source_rate=audio.source_rate)
    transcript = None
    model_label = None
    notes: list[str] = []
    reason = "transcription was not requested"
    if transcribe and not whisper_available():
        reason = "faster-whisper is not installed (pip install 'leadline[audio]')"
        notes.append(f"Text criteria not scored: {reason}.")
    elif transcribe:
        say("transcribing")
        transcript, model_label = transcribe_call(
            rep, prospect, rep_segs, pro_segs, model=model, device=device
        )
    elif not transcribe:
        notes.append("Text criteria not scored: transcription was not requested.")
    say("scoring")
    duration = audio.duration_s
    metrics = compute_metrics(rep_segs, pro_segs, duration, transcript=transcript)
    next_steps = text_rules.find_next_steps(transcript) if transcript is not None else []
    objections = find_objections(transcript) if transcript is not None else []
    bant = find_bant(transcript) if transcript is not None else NO_BANT
    criteria = score_criteria(
        metrics,
        duration,
        stage=profile.name,
        transcript=transcript,
        next_steps=next_steps,
        objections=objections,
        bant=bant,
        no_text_reason=reason,
    )
    return CallScore(
        duration_s=round(duration, 3),
        stage=profile.name,
        rep_channel=rep_channel,
        model=model_label,
        score=overall_score(criteria),
        metrics=metrics,
        criteria=criteria,
        next_steps=tuple(next_steps),
        objections=tuple(objections),
        bant=bant,
        transcript=tuple(transcript or ()),
        text_scored=transcript is not None,
        notes=tuple(notes),
    )
