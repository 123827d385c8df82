"""CLI commands of the calls feature: `leadline score-call FILE` and the rep directory (`leadline reps`)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from audio_scoring import STAGES
from bot.calls import reps_cli
from bot.cli_support import fail
from bot.settings import Settings


def _progress(step: str) -> None:
    note = " (this takes a while)" if step == "transcribing" else ""
    print(f"{step}{note}...", file=sys.stderr, flush=True)


def cmd_score_call(args: argparse.Namespace, settings: Settings) -> int:
    from audio_scoring import CorruptAudio, ScoringError, UnsupportedAudio, score_call

    path = Path(args.file)
    if not path.is_file():
        return fail(f"no such file: {args.file}", 2)
    try:
        result = score_call(path, stage=args.stage, rep_channel=args.rep_channel or settings.recording_rep_channel,
                            transcribe=not args.no_transcribe, model=settings.whisper_model or None,
                            device=settings.whisper_device, progress=_progress)
    except (UnsupportedAudio, CorruptAudio) as exc:
        return fail(f"cannot score {args.file}: {exc}", 2)
    except ScoringError as exc:
        # A missing model or dependency is the installation's problem, not the input's.
        code = 2 if type(exc) is ScoringError else 1
        return fail(str(exc), code)
    if args.json:
        print(result.to_json(indent=2))
    else:
        print(scorecard(result.to_dict()))
    return 0


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _num(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{round(value, digits):g}{unit}"


def _metric_lines(metrics: dict[str, Any]) -> list[str]:
    ratio = metrics.get("talk_ratio")
    interruptions = metrics.get("interruptions") or {}
    rows = [
        ("Talk time", f"rep {_num(metrics.get('rep_talk_s'), ' s')}, prospect "
                      f"{_num(metrics.get('prospect_talk_s'), ' s')}"
                      + (f" (rep {round(ratio * 100)}%)" if ratio is not None else "")),
        ("Longest monologue", _num(metrics.get("longest_monologue_s"), " s")),
        ("Longest customer story", _num(metrics.get("longest_customer_story_s"), " s")),
        ("Interruptions", f"by rep {interruptions.get('by_rep', 0)}, by prospect "
                          f"{interruptions.get('by_prospect', 0)}"),
        ("Patience", _num(metrics.get("patience_s"), " s", 2)),
        ("Switches per minute", _num(metrics.get("switches_per_min"))),
        ("Silence", _num((metrics.get("silence_share") or 0) * 100, "%", 0)),
        ("Rep words per minute", _num(metrics.get("rep_wpm"), "", 0)),
        ("Rep questions", "-" if metrics.get("rep_questions") is None else
         f"{metrics['rep_questions']} ({_num(metrics.get('question_rate_per_10min'))} per 10 min)"),
        ("Fillers per minute", _num(metrics.get("filler_per_min"))),
    ]
    return [f"  {name:<24}{value}" for name, value in rows]


def _wrap(text: str, prefix: str) -> list[str]:
    return textwrap.wrap(text, width=100, initial_indent=prefix, subsequent_indent=" " * len(prefix)) or [prefix]


def scorecard(result: dict[str, Any]) -> str:
    """A readable scorecard of a `CallScore.to_dict()`."""
    score = result.get("score")
    lines = [
        f"Call score: {score if score is not None else 'n/a'}/100",
        f"  {result.get('stage')} stage, {_clock(result.get('duration_s'))} long, rep on the "
        f"{result.get('rep_channel')} channel, transcript: {result.get('model') or 'none'}",
        "",
        "Criteria",
    ]
    for item in result.get("criteria", []):
        value = item.get("score")
        lines.append(f"  {item.get('name'):<30}{value if value is not None else 'n/a':>4}")
        lines += _wrap(str(item.get("summary", "")), "      ")
        feedback = item.get("feedback") or {}
        for good in feedback.get("positive", []):
            lines += _wrap(good, "      + ")
        for bad in feedback.get("negative", []):
            lines += _wrap(bad, "      - ")
    lines += ["", "Metrics", *_metric_lines(result.get("metrics") or {})]
    steps = result.get("next_steps") or []
    objections = result.get("objections") or []
    if steps:
        lines += ["", "Next steps"]
        for step in steps:
            agreed = " (agreed)" if step.get("agreed") else ""
            lines += _wrap(f"{_clock(step.get('at_s'))} {step.get('speaker')}: {step.get('text')}{agreed}", "  ")
    if objections:
        lines += ["", "Objections"]
        for obj in objections:
            handled = "addressed" if obj.get("addressed") else "not addressed"
            lines += _wrap(f"{_clock(obj.get('at_s'))} {obj.get('kind')} ({handled}): {obj.get('text')}", "  ")
    for note in result.get("notes") or []:
        lines += ["", *_wrap(note, "Note: ")]
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the feature's subcommands."""
    score = subparsers.add_parser(
        "score-call", help="score a call recording (stereo WAV or MP3) and print its scorecard",
        description="Score a local channel-separated call recording: conversation metrics, a transcript "
        "(WHISPER_MODEL, default the bundled offline tiny.en) and the four criteria with feedback. Progress "
        "goes to stderr. See docs/call-scoring.md.")
    score.add_argument("file", metavar="FILE", help="stereo recording, one party per channel")
    score.add_argument("--stage", choices=tuple(STAGES), default="general",
                       help="sales stage the call belongs to (default: general)")
    score.add_argument("--rep-channel", choices=("left", "right"),
                       help="channel of the rep (default: RECORDING_REP_CHANNEL, left)")
    score.add_argument("--json", action="store_true", help="print the full result as JSON")
    score.add_argument("--no-transcribe", action="store_true",
                       help="score on the audio metrics alone (fast; text criteria are not scored)")
    score.set_defaults(func=cmd_score_call)
    reps_cli.register(subparsers)
