"""The outbox job kinds: their names, payloads and ordering keys, shared by the features that queue them and
those that run them (so neither imports the other). `bot.outbox.jobs` queues each shared kind with its
payload; a feature registers the kinds it runs at start.

Shared kinds, run by the Slack feature:

- `slack_post`: `{"channel": str, "thread_ts": str | None, "text": str, "blocks": list | None}`; posted with
  `chat.postMessage`; 429 (after `Retry-After`), 5xx and network errors retry; other Slack errors fail.
- `slack_thread_post`: `{"conversation_id": int, "text": str, "blocks": list | None, "thread_only": bool}`;
  posted in the lead thread of the conversation as it is when the job runs (ordered by `lead_key(contact_id)`
  so it follows the thread's parent post); without a thread it goes to the leads channel, or with
  `thread_only` nowhere.
- `slack_react`: `{"channel": str, "ts": str, "name": str}`; `already_reacted` counts as done.
- `slack_lead_post`: `{"message_id": int}`; an inbound message as the thread parent or a thread reply.
- `text_result`: `{"notify": dict, "result": str, "code": int | None, "error": str | None[, "attempts": int]}`;
  what became of a text that asked to be told (`notify`, set by whoever queued it): one of `TEXT_RESULTS`.

Shared kind, run by the Twilio feature:

- `send_text`: `{"to": str, "body": str, "sid": str[, "notify": dict]}`, ordered by `text_key(to)`; the
  outbound message `sid` was stored when it was queued (`bot.outbox.texts`). Tried `SEND_TEXT_ATTEMPTS` times.

Kinds a feature queues and runs itself: `score_recording` (`{"recording_id": int}`, the calls feature) and
`digest_post` (the digests feature).
"""

from __future__ import annotations

SLACK_POST = "slack_post"
SLACK_THREAD_POST = "slack_thread_post"
SLACK_REACT = "slack_react"
SLACK_LEAD_POST = "slack_lead_post"
TEXT_RESULT = "text_result"
SEND_TEXT = "send_text"
SCORE_RECORDING = "score_recording"
DIGEST_POST = "digest_post"

SEND_TEXT_ATTEMPTS = 8

# `text_result` results: sent; refused because the lead opted out; refused by Twilio; failing and retrying;
# given up after SEND_TEXT_ATTEMPTS; unknown (the worker died mid-send); taken by Twilio but not delivered.
RESULT_SENT = "sent"
RESULT_OPTED_OUT = "opted_out"
RESULT_FAILED = "failed"
RESULT_RETRYING = "retrying"
RESULT_GAVE_UP = "gave_up"
RESULT_UNKNOWN = "unknown"
RESULT_UNDELIVERED = "undelivered"
TEXT_RESULTS = (RESULT_SENT, RESULT_OPTED_OUT, RESULT_FAILED, RESULT_RETRYING, RESULT_GAVE_UP, RESULT_UNKNOWN,
                RESULT_UNDELIVERED)


def lead_key(contact_id: int) -> str:
    """Ordering key for everything posted about one lead: their thread's posts stay in order."""
    return f"slack-lead:{contact_id}"


def text_key(address: str) -> str:
    """Ordering key of the texts to one address: they go out in the order they were written."""
    return f"text:{address}"
