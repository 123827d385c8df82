"""Small pure helpers for Slack message text."""

from __future__ import annotations

import math

SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Slack mrkdwn escaping, so a lead's `<!channel>` is shown, not executed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = 2800) -> str:
    """A lead's text as a Slack block quote, escaped and clipped to fit one section."""
    body = clip(escape(text.strip()), limit)
    return "\n".join(f"> {line}" if line else ">" for line in body.splitlines()) or "> (no text)"


def human_duration(seconds: float | None) -> str:
    """`4m 12s`, `2h 5m`, `3d 4h`, `45s`; `–` for no data."""
    if seconds is None or math.isnan(seconds):
        return "–"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"
