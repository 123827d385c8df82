"""Pure parsing of Slack payloads into small frozen dataclasses; the listeners only call these and the core.

What is ignored, and why: bot messages (ours included) would loop; edits (`message_changed`) must not
resend a text; deletions cannot unsend one; joins and other subtypes are not speech. A thread message
that mentions the bot is a question to the bot, not a text for the lead.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

# Subtypes that are still a person writing (a file with a caption, "also send to channel").
_HUMAN_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class ThreadMessage:
    """A person's message inside a thread (maybe a lead thread, the core decides)."""

    event_id: str | None
    channel: str
    ts: str
    thread_ts: str
    user: str
    text: str
    files: int


@dataclass(frozen=True)
class Ask:
    """A KPI question: a mention, a DM or `/kpi`. `thread_ts` is where to answer (None: the channel)."""

    text: str
    user: str
    channel: str
    ts: str | None
    thread_ts: str | None
    source: str  # "mention" | "dm" | "command"
    event_id: str | None = None


def _human(event: dict[str, Any], bot_user_id: str | None) -> bool:
    user = event.get("user")
    return (event.get("subtype") in _HUMAN_SUBTYPES and not event.get("bot_id") and not event.get("bot_profile")
            and isinstance(user, str) and bool(user) and user != bot_user_id)


def _mentions(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


def parse_message(body: dict[str, Any], bot_user_id: str | None) -> ThreadMessage | Ask | None:
    """A `message` event: a thread reply, a DM question, or None (ignored)."""
    event = body.get("event") or {}
    if event.get("type") != "message" or not _human(event, bot_user_id):
        return None
    text, channel, ts = str(event.get("text") or ""), str(event.get("channel") or ""), str(event.get("ts") or "")
    if not channel or not ts:
        return None
    thread_ts = event.get("thread_ts")
    if event.get("channel_type") == "im":
        return Ask(text, event["user"], channel, ts, thread_ts, "dm", body.get("event_id"))
    if not thread_ts or thread_ts == ts or _mentions(text, bot_user_id):
        return None
    return ThreadMessage(body.get("event_id"), channel, ts, str(thread_ts), event["user"], text,
                         len(event.get("files") or ()))


def parse_mention(body: dict[str, Any], bot_user_id: str | None) -> Ask | None:
    """An `app_mention` event: a question answered in the mention's thread."""
    event = body.get("event") or {}
    if event.get("type") != "app_mention" or event.get("edited") or not _human(event, bot_user_id):
        return None
    ts = str(event.get("ts") or "")
    channel = str(event.get("channel") or "")
    if not ts or not channel:
        return None
    return Ask(str(event.get("text") or ""), event["user"], channel, ts, str(event.get("thread_ts") or ts),
               "mention", body.get("event_id"))


def parse_command(body: dict[str, Any]) -> Ask:
    """A `/kpi <question>` slash command."""
    return Ask(str(body.get("text") or ""), str(body.get("user_id") or ""), str(body.get("channel_id") or ""),
               None, None, "command")


def slack_to_plain(text: str) -> str:
    """What a rep typed in Slack as a plain text message: links and mentions unwrapped, entities decoded."""

    def unwrap(match: re.Match[str]) -> str:
        target, label = match[1], match[2]
        if target.startswith(("@", "#", "!")):
            return label or ""
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return target

    return html.unescape(_LINK.sub(unwrap, text)).strip()
