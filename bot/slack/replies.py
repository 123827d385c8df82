"""Replying to leads from Slack: a person's message in a lead thread becomes a text to the lead.

The message's `ts` (and the delivery's `event_id`) are claimed in processed_event in the same transaction
that writes the outbound message and its `send_text` job, so Slack's retries and duplicate deliveries
never send twice. The send job carries a `notify` target; its `text_result` follow-up (run here by
`TextResults`) reacts with :white_check_mark: or tells the rep in the thread, in plain words, why not. When
Twilio later reports the text undelivered, the check mark gives way to :warning: and the thread says why.
"""

from __future__ import annotations

from analytics.db import Database
from analytics.ingest import IngestConfig
from analytics.lead_threads import lead_in_thread
from analytics.processed_events import claim
from bot.errors import BadRequest, Refused
from bot.mrkdwn import quote
from bot.outbox import DONE, Job, JobKind, Outcome, jobs
from bot.outbox.kinds import (
    RESULT_GAVE_UP,
    RESULT_OPTED_OUT,
    RESULT_RETRYING,
    RESULT_SENT,
    RESULT_UNDELIVERED,
    RESULT_UNKNOWN,
    SEND_TEXT_ATTEMPTS,
    SLACK_REACT,
    SLACK_THREAD_POST,
    lead_key,
)
from bot.outbox.texts import queue_text_in
from bot.slack.client import run_call
from bot.slack.events import ThreadMessage, slack_to_plain
from bot.slack.posting import Poster, after_crash
from bot.slack.reps import RepDirectory

NOTE_PREFIX = ";;"
SENT_REACTION = "white_check_mark"
UNDELIVERED_REACTION = "warning"
NOTE_REACTION = "memo"
TWILIO_ERROR_DOCS = "https://www.twilio.com/docs/api/errors/{code}"

# Twilio error codes a rep can act on, in plain words: refusals when sending, and carrier or WhatsApp
# errors of a text Twilio took but could not deliver (status callbacks).
_TWILIO_REASONS = {
    21610: "the lead has unsubscribed (replied STOP), so carriers block texts to them",
    21211: "the lead's number is not a valid phone number",
    21614: "the lead's number cannot receive texts (not a mobile number)",
    21612: "Twilio cannot send from our number to this one",
    21408: "texting this country is not enabled on our Twilio account",
    30003: "the lead's phone is unreachable",
    30005: "the lead's number is unknown or no longer exists",
    30006: "the lead's number is a landline or cannot receive texts",
    30004: "the lead's number blocks texts from us",
    30007: "the carrier filtered it as spam",
    30008: "the carrier gave no reason (unknown error); trying again later may work",
    30034: "our number is not registered for US A2P 10DLC texting, so US carriers block it",
    63016: ("WhatsApp allows a free-form message only within 24 hours of the lead's last message; outside "
            "that window it takes an approved message template"),
}


def undelivered_message(code: int | None) -> str:
    """What to tell the rep when Twilio took a text but could not deliver it."""
    if code is None:
        return ":warning: Not delivered: the carrier did not say why."
    reason = _TWILIO_REASONS.get(code) or f"see {TWILIO_ERROR_DOCS.format(code=code)}"
    return f":warning: Not delivered (Twilio error {code}): {reason}."


def result_message(result: str, code: int | None, error: str | None) -> str | None:
    """What to tell the rep in the thread about a text's result; None when a reaction says it all."""
    if result == RESULT_SENT:
        return None
    if result == RESULT_UNDELIVERED:
        return undelivered_message(code)
    if result == RESULT_OPTED_OUT:
        return ":no_entry: Not sent: the lead opted out (replied STOP), so Leadline will not text them."
    if result == RESULT_RETRYING:
        return (":hourglass_flowing_sand: Twilio is not answering right now; Leadline keeps retrying and will "
                f"add :{SENT_REACTION}: when the text is out.")
    if result == RESULT_GAVE_UP:
        return (f":x: Not sent: Twilio kept failing, and Leadline gave up after {SEND_TEXT_ATTEMPTS} tries. Try "
                "again later.")
    if result == RESULT_UNKNOWN:
        return (":warning: Leadline restarted while sending this, and Twilio does not list it as sent. It was not "
                "resent: check with the lead before sending it again.")
    reason = _TWILIO_REASONS.get(code or 0) or f"Twilio refused it ({error or 'no reason given'})"
    return f":x: Not sent: {reason}."


def mirrored_text(body: str, result: str, message: str | None) -> str | None:
    """The thread post for a text sent from outside Slack: the text once out; the reason if it failed;
    nothing for a passing retry notice (the text follows once it is out)."""
    quoted = quote(body)
    if result == RESULT_RETRYING:
        return None
    if message is None:
        return f":outbox_tray: Texted to the lead through the API:\n{quoted}"
    return f"{message}\nThe text, written through the API:\n{quoted}"


class ThreadReplies:
    def __init__(self, db: Database, config: IngestConfig, reps: RepDirectory) -> None:
        self.db = db
        self.config = config
        self.reps = reps

    async def handle(self, msg: ThreadMessage) -> str:
        """Send (or note) a thread reply; returns what happened: queued, note, refused, invalid, duplicate,
        or not_a_lead_thread."""
        async with self.db.read() as session:
            lead = await lead_in_thread(session, msg.channel, msg.thread_ts)
        if lead is None:
            return "not_a_lead_thread"
        contact_id, address = lead
        text = slack_to_plain(msg.text)
        note = text.startswith(NOTE_PREFIX)
        rep_id = None if note else await self.reps.rep_id(msg.user)
        key = lead_key(contact_id)
        async with self.db.transaction() as session:
            fresh = await claim(session, f"slack-msg:{msg.channel}:{msg.ts}")
            if msg.event_id:
                fresh = await claim(session, f"slack-event:{msg.event_id}") and fresh
            if not fresh:
                return "duplicate"
            if note:
                await jobs.slack_react(session, msg.channel, msg.ts, NOTE_REACTION, ordering_key=key)
                return "note"
            notify = {"channel": msg.channel, "thread_ts": msg.thread_ts, "ts": msg.ts, "ordering_key": key}
            try:
                if not text and msg.files:
                    raise BadRequest("only text can be sent to a lead; files are not forwarded")
                await queue_text_in(session, self.config, address, text, rep_id=rep_id, notify=notify)
            except Refused:
                await jobs.slack_post(session, msg.channel, str(result_message(RESULT_OPTED_OUT, None, None)),
                                      thread_ts=msg.thread_ts, ordering_key=key)
                return "refused"
            except BadRequest as exc:
                await jobs.slack_post(session, msg.channel, f":x: Not sent: {exc}.", thread_ts=msg.thread_ts,
                                      ordering_key=key)
                return "invalid"
        return "queued"


class TextResults:
    """Runs `text_result` jobs: the follow-up of a text written in a lead thread."""

    def __init__(self, poster: Poster) -> None:
        self.poster = poster

    def kind(self) -> JobKind:
        return JobKind(run=self.run, recover=lambda job: self.run(after_crash(job)), max_attempts=10)

    async def run(self, job: Job) -> Outcome:
        p = job.payload
        notify = p["notify"]
        message = result_message(p["result"], p.get("code"), p.get("error"))
        if "conversation_id" in notify:
            # A text written outside Slack (the API): the thread shows it, and what became of it.
            text = mirrored_text(notify["body"], p["result"], message)
            if text is None:
                return Outcome(DONE)
            return await self.poster.thread_post(Job(job.id, SLACK_THREAD_POST,
                                                     {"conversation_id": notify["conversation_id"], "text": text,
                                                      "thread_only": True},
                                                     job.attempts, job.created_at))
        if message is None:
            return await self.poster.react(Job(job.id, SLACK_REACT, {"channel": notify["channel"], "ts": notify["ts"],
                                                                     "name": SENT_REACTION},
                                               job.attempts, job.created_at))
        if p["result"] == RESULT_UNDELIVERED:
            outcome = await self._mark_undelivered(notify["channel"], notify["ts"])
            if outcome.state != DONE:
                return outcome
        _, outcome = await self.poster.send(notify["channel"], message, notify.get("thread_ts"), job=job)
        return outcome

    async def _mark_undelivered(self, channel: str, ts: str) -> Outcome:
        """The rep's message loses its check mark and gets a warning (both calls are safe to repeat)."""
        web = self.poster.web
        _, outcome = await run_call(web.reactions_remove(channel=channel, timestamp=ts, name=SENT_REACTION),
                                    ok_errors=frozenset({"no_reaction"}))
        if outcome.state != DONE:
            return outcome
        _, outcome = await run_call(web.reactions_add(channel=channel, timestamp=ts, name=UNDELIVERED_REACTION),
                                    ok_errors=frozenset({"already_reacted"}))
        return outcome
