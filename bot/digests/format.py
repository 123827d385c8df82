"""Comparisons with arrows and colour words, so a reader sees at a glance whether a change is good or bad.

Direction of "good": shorter waits and response times, a higher SLA share and fewer opt-outs or unanswered
leads are better; more inbound texts and new leads are neutral-good (more demand, not a team score).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from bot.slack.text import human_duration, percent

Better = Literal["lower", "higher", "more_is_good"]
Kind = Literal["duration", "count", "share"]

GOOD, BAD, NEUTRAL = ":large_green_circle:", ":red_circle:", ":white_circle:"


def shown(value: float | None, kind: Kind) -> str:
    if value is None:
        return "–"
    if kind == "duration":
        return human_duration(value)
    if kind == "share":
        return percent(value)
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def _delta(diff: float, kind: Kind) -> str:
    if kind == "duration":
        return human_duration(abs(diff))
    if kind == "share":
        return f"{abs(diff) * 100:.0f} pts"
    return shown(abs(diff), "count")


def verdict(now: float, before: float, better: Better) -> str:
    """The colour word of a change: GOOD, BAD or NEUTRAL."""
    if now == before:
        return NEUTRAL
    up = now > before
    if better == "higher":
        return GOOD if up else BAD
    if better == "lower":
        return BAD if up else GOOD
    # More demand is welcome but is not the team's doing: good when up, neutral when down.
    return GOOD if up else NEUTRAL


def compare(now: float | None, before: float | None, *, kind: Kind, better: Better, against: str) -> str:
    """`↑ 1m 3s vs yesterday :red_circle: worse`; empty when either side has no data."""
    if now is None or before is None:
        return f"no data {against}" if now is not None else ""
    colour = verdict(now, before, better)
    if shown(now, kind) == shown(before, kind):
        return f"→ same as {against}"
    arrow = "↑" if now > before else "↓"
    word = {GOOD: "better", BAD: "worse", NEUTRAL: ""}[colour]
    if better == "more_is_good" and colour == GOOD:
        word = "up"
    return f"{arrow} {_delta(now - before, kind)} vs {against} ({shown(before, kind)}) {colour} {word}".rstrip()


def plain(text: str) -> str:
    """Slack mrkdwn made readable in a terminal: the colour emoji go (the words stay), and so do bold stars."""
    for emoji in (GOOD, BAD, NEUTRAL):
        text = text.replace(" " + emoji, "").replace(emoji, "")
    # Masked numbers (`+1555***4567`) keep their stars; only bold markers go.
    return text.replace("***", "\0").replace("*", "").replace("\0", "***")


def line(title: str, value: str, *comparisons: str) -> str:
    parts = [c for c in comparisons if c]
    tail = ("  ·  " + "  ·  ".join(parts)) if parts else ""
    return f"*{title}:* {value}{tail}"


def ranked(items: list[tuple[str, float | None]], fmt: Callable[[float | None], str], n: int = 5) -> str:
    """`a (1m), b (2m)` for the first n items."""
    return ", ".join(f"{name} ({fmt(value)})" for name, value in items[:n])
