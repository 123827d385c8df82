"""Lead threads: each conversation's first inbound message becomes a parent post in SLACK_LEADS_CHANNEL, and
later inbound messages of that conversation are replies in its thread (the `slack_lead_post` job).

The webhook only enqueues the job (in the transaction that stores the message); the thread's channel
and ts are stored on the conversation once Slack has answered, and every job about one lead shares
the ordering key `lead_key(contact_id)`, so a thread reply never overtakes its parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.db import Database
from analytics.lead_threads import keep_thread, lead_text
from analytics.masking import mask_address
from analytics.models import HELP, OPT_IN, OPT_OUT
from bot.mrkdwn import escape, quote
from bot.outbox import DONE, FAILED, Job, JobKind, Outcome
from bot.settings import Settings
from bot.slack.posting import Poster, after_crash

SENTIMENT_EMOJI = {"very_happy": ":star-struck:", "happy": ":slightly_smiling_face:",
                   "neutral": ":neutral_face:", "unhappy": ":rage:"}
CHANNEL_NAMES = {"sms": "SMS", "mms": "MMS", "whatsapp": "WhatsApp", "messenger": "Messenger", "rcs": "RCS"}


@dataclass(frozen=True)
class LeadMessage:
    who: str
    channel: str
    body: str
    sentiment: str | None
    topics: tuple[str, ...]
    media_count: int
    keyword: str | None
    sent_at: datetime


def who_of(name: str | None, address: str) -> str:
    """The lead's name when known, else the masked number: never a dialable number in Slack."""
    return escape(name) if name else mask_address(address)


def _details(m: LeadMessage) -> list[str]:
    parts = [CHANNEL_NAMES.get(m.channel, m.channel)]
    if m.sentiment in SENTIMENT_EMOJI:
        parts.append(f"{SENTIMENT_EMOJI[m.sentiment]} {m.sentiment.replace('_', ' ')}")
    if m.topics:
        parts.append("topics: " + ", ".join(f"`{t}`" for t in m.topics))
    if m.media_count:
        parts.append(f":paperclip: {m.media_count} attachment{'s' if m.media_count != 1 else ''} (see Twilio)")
    return parts


def _keyword_line(m: LeadMessage) -> str | None:
    if m.keyword == OPT_OUT:
        return ":no_entry: *Opted out* (replied STOP): Leadline will not text them."
    if m.keyword == OPT_IN:
        return ":white_check_mark: *Opted back in*: texts can be sent again."
    if m.keyword == HELP:
        return ":sos: Asked for HELP."
    return None


def render_lead_message(m: LeadMessage, *, parent: bool, tz: ZoneInfo) -> tuple[str, list[dict[str, Any]]]:
    """(notification text, blocks) of one inbound message, as the thread parent or as a thread reply."""
    details = " · ".join(_details(m))
    blocks: list[dict[str, Any]] = []
    if parent:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{m.who}* · {details}"}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": quote(m.body) if m.body.strip()
                                                else "_(no text)_"}})
    context = [] if parent else [details]
    if (line := _keyword_line(m)) is not None:
        context.append(line)
    if parent:
        local = m.sent_at.astimezone(tz)
        context.append(f"New conversation at {local:%H:%M} {local:%a %b} {local.day}. Reply in this thread "
                       "to text the lead; start with `;;` for an internal note.")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(context)}]})
    preview = m.body.strip()[:150] or "(no text)"
    return f"{m.who} ({CHANNEL_NAMES.get(m.channel, m.channel)}): {preview}", blocks


class LeadThreads:
    """Runs `slack_lead_post` jobs."""

    def __init__(self, settings: Settings, db: Database, poster: Poster) -> None:
        self.settings = settings
        self.db = db
        self.poster = poster

    def kind(self) -> JobKind:
        return JobKind(run=self.run, recover=lambda job: self.run(after_crash(job)), max_attempts=12)

    async def run(self, job: Job) -> Outcome:
        async with self.db.read() as session:
            found = await lead_text(session, job.payload["message_id"])
        if found is None:
            return Outcome(DONE, "message no longer exists")
        lead = LeadMessage(who_of(found.contact_name, found.contact_address), found.channel, found.body,
                           found.sentiment, found.topics, found.media_count, found.keyword, found.sent_at)
        if found.thread is not None:
            text, blocks = render_lead_message(lead, parent=False, tz=self.settings.tz)
            channel, thread_ts = found.thread
            _, outcome = await self.poster.send(channel, text, thread_ts, blocks, job=job)
            return outcome
        if not self.settings.slack_leads_channel:
            return Outcome(FAILED, "SLACK_LEADS_CHANNEL is not set")
        text, blocks = render_lead_message(lead, parent=True, tz=self.settings.tz)
        response, outcome = await self.poster.send(self.settings.slack_leads_channel, text, None, blocks, job=job)
        if response is None or found.conversation_id is None:
            return outcome
        async with self.db.transaction() as session:
            await keep_thread(session, found.conversation_id, str(response["channel"]), str(response["ts"]))
        return outcome
