"""Small pure helpers for Slack message text (escaping, clipping and quoting: `bot.mrkdwn`)."""

from __future__ import annotations

import math


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
