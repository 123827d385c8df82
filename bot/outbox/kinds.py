"""Names of the Slack outbox job kinds and their ordering keys (no Slack imports: the Twilio side uses them).

Payloads, for other features that enqueue them with `bot.outbox.enqueue` in their own transaction:

- `slack_post`: `{"channel": str, "thread_ts": str | None, "text": str, "blocks": list | None}`; posted with
  `chat.postMessage`; 429 (after `Retry-After`), 5xx and network errors retry; other Slack errors fail.
- `slack_thread_post`: `{"conversation_id": int, "text": str, "blocks": list | None, "thread_only": bool}`;
  posted in the lead thread of the conversation as it is when the job runs (use `lead_key(contact_id)` so
  it follows the thread's parent post); without a thread it goes to the leads channel, or with
  `thread_only` nowhere.
- `slack_react`: `{"channel": str, "ts": str, "name": str}`; `already_reacted` counts as done.
- `slack_lead_post`: `{"message_id": int}`; an inbound message as the thread parent or a thread reply.
"""

from __future__ import annotations

SLACK_POST = "slack_post"
SLACK_THREAD_POST = "slack_thread_post"
SLACK_REACT = "slack_react"
SLACK_LEAD_POST = "slack_lead_post"


def lead_key(contact_id: int) -> str:
    """Ordering key for everything posted about one lead: their thread's posts stay in order."""
    return f"slack-lead:{contact_id}"
