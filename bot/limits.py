"""The most the service reads of a request body: the app refuses more (413), and the webhooks check the
declared length before reading. Twilio's and Slack's largest bodies are a few KiB; anything near this is
neither."""

from __future__ import annotations

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = f"request body over {MAX_BODY_BYTES // 1024} KiB"
