"""Slack's `mrkdwn` text, for every feature that writes a Slack message (pure: no Slack client here)."""

from __future__ import annotations

SECTION_LIMIT = 3000  # characters of a section block's text


def escape(text: str) -> str:
    """Slack mrkdwn escaping, so a lead's `<!channel>` is shown, not executed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = 2800) -> str:
    """A lead's text as a Slack block quote, escaped and clipped to fit one section."""
    body = clip(escape(text.strip()), limit)
    return "\n".join(f"> {line}" if line else ">" for line in body.splitlines()) or "> (no text)"
