"""The Slack summary of a scored call: plain text (notifications, fallbacks) plus Block Kit blocks."""

from __future__ import annotations

from typing import Any


def _esc(text: str) -> str:
    """Slack mrkdwn control characters; quotes come from transcripts and must not become links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _criteria_line(result: dict[str, Any]) -> str:
    parts = []
    for item in result.get("criteria", []):
        score = item.get("score")
        parts.append(f"{item.get('name')} {score if score is not None else 'n/a'}")
    return " · ".join(parts)


def _metrics_line(result: dict[str, Any]) -> str:
    metrics = result.get("metrics") or {}
    parts = []
    if metrics.get("talk_ratio") is not None:
        parts.append(f"rep talked {round(metrics['talk_ratio'] * 100)}%")
    if metrics.get("longest_monologue_s") is not None:
        parts.append(f"longest monologue {round(metrics['longest_monologue_s'])} s")
    interruptions = metrics.get("interruptions") or {}
    if interruptions.get("by_rep"):
        parts.append(f"{interruptions['by_rep']} interruption(s) by the rep")
    if metrics.get("rep_questions") is not None:
        parts.append(f"{metrics['rep_questions']} rep question(s)")
    return " · ".join(parts)


def _highlights(result: dict[str, Any]) -> list[str]:
    lines = []
    steps = result.get("next_steps") or []
    if steps:
        step = steps[0]
        agreed = " (agreed)" if step.get("agreed") else ""
        lines.append(f"Next step at {clock(step.get('at_s'))}: “{_esc(str(step.get('text', '')))[:200]}”{agreed}")
    open_objections = [o for o in result.get("objections") or [] if not o.get("addressed")]
    if open_objections:
        kinds = ", ".join(sorted({str(o.get("kind")) for o in open_objections}))
        lines.append(f"Objections left unaddressed: {kinds}")
    if not result.get("text_scored"):
        lines.append("Scored on the audio alone (no transcript): " + "; ".join(result.get("notes") or []))
    return lines


def summary_message(result: dict[str, Any], *, rep: str | None, other_party: str | None) -> tuple[str, list[Any]]:
    """(text, blocks) for a call score. `other_party` is a display name or masked number, never a raw one."""
    score = result.get("score")
    headline = (f":telephone_receiver: Call scored *{score if score is not None else 'n/a'}/100*"
                f" — {_esc(rep or 'unknown rep')}")
    if other_party:
        headline += f" with {_esc(other_party)}"
    headline += f" ({clock(result.get('duration_s'))}, {result.get('stage', 'general')} stage)"
    body = [headline, _criteria_line(result), *_highlights(result)]
    metrics = _metrics_line(result)
    text = "\n".join(line for line in [*body, metrics] if line)
    blocks: list[Any] = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(b for b in body if b)}}]
    if metrics:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": metrics}]})
    return text, blocks
