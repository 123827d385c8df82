"""Outbox job kinds that post to Slack: `slack_post`, `slack_thread_post`, `slack_react` (see bot.outbox.kinds).

Retries follow `bot.slack.client.outcome_of`. Every post made for a job carries the job's id as Slack
message metadata; when an earlier attempt may have reached Slack (a retry after a timeout or a 5xx, or a
job whose worker died mid-call), the channel or thread is searched for that id first, so the post is not
made twice. Where the search cannot be made (a workspace without the history scopes), the post is made
again: a repeated Slack message is a smaller harm than a lost one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from analytics.db import Database
from analytics.lead_threads import thread_of
from bot.mrkdwn import clip
from bot.outbox import DONE, FAILED, RETRY, Job, JobKind, Outcome
from bot.outbox.kinds import SLACK_POST, SLACK_REACT, SLACK_THREAD_POST
from bot.slack.client import run_call

MAX_BLOCKS = 50
JOB_EVENT = "leadline_job"  # the metadata event type of posts made for outbox jobs
SEARCH_PAGES = 5  # pages of 200 messages searched for an earlier attempt's post
# An earlier attempt's post is at most this much older than its job's row (clock skew between hosts).
SEARCH_SLACK_S = 300

log = logging.getLogger("leadline.slack")


async def earlier_post(web: Any, job: Job, channel: str, thread_ts: str | None = None
                       ) -> tuple[dict[str, Any] | None, Outcome | None]:
    """(the message an earlier attempt of `job` posted, None) if there is one; (None, an outcome to end
    this attempt with) when Slack could not be searched for now; (None, None): post it."""
    # `created_at` is aware UTC on both backends (the models' UTCDateTime).
    args: dict[str, Any] = {"channel": channel, "oldest": f"{job.created_at.timestamp() - SEARCH_SLACK_S:.6f}",
                            "include_all_metadata": True, "limit": 200}
    for _ in range(SEARCH_PAGES):
        call = web.conversations_replies(ts=thread_ts, **args) if thread_ts else web.conversations_history(**args)
        response, outcome = await run_call(call)
        if response is None:
            if outcome.state == RETRY:
                return None, outcome
            log.warning("cannot search Slack for an earlier post; posting again",
                        extra={"job": job.id, "error": outcome.error})
            return None, None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (metadata.get("event_type") == JOB_EVENT
                    and (metadata.get("event_payload") or {}).get("job_id") == job.id):
                return {"channel": channel, "ts": message["ts"]}, None
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
        args["cursor"] = cursor
    return None, None


def job_metadata(job: Job) -> dict[str, Any]:
    """The message metadata that ties a post to its outbox job (found again by `earlier_post`)."""
    return {"event_type": JOB_EVENT, "event_payload": {"job_id": job.id}}


def after_crash(job: Job) -> Job:
    """A job found running past its lease, as the attempt after its dead worker's (which may have posted)."""
    return replace(job, attempts=job.attempts + 1)


class Poster:
    def __init__(self, db: Database, web: AsyncWebClient, leads_channel: str) -> None:
        self.db = db
        self.web = web
        self.leads_channel = leads_channel

    def kinds(self) -> dict[str, JobKind]:
        return {
            SLACK_POST: JobKind(run=self.post, recover=lambda job: self.post(after_crash(job)), max_attempts=10),
            SLACK_THREAD_POST: JobKind(run=self.thread_post, recover=lambda job: self.thread_post(after_crash(job)),
                                       max_attempts=10),
            SLACK_REACT: JobKind(run=self.react, recover=self.react, max_attempts=10),
        }

    async def send(self, channel: str, text: str, thread_ts: str | None = None,
                   blocks: list[dict[str, Any]] | None = None, *, job: Job | None = None) -> tuple[Any, Outcome]:
        """One chat.postMessage; `text` is the notification/fallback text when blocks are given.

        With `job`, the post carries the job's id, and a job that may have been posted already (any but
        its first attempt; a recovered job's first attempt was its dead worker's) is looked for first:
        found, its message stands for the post (`channel` and `ts` as chat.postMessage answers)."""
        if job is not None and job.attempts > 1:
            found, outcome = await earlier_post(self.web, job, channel, thread_ts)
            if found is not None or outcome is not None:
                return found, outcome or Outcome(DONE)
        args: dict[str, Any] = {"channel": channel, "text": clip(text, 3900)}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if blocks:
            args["blocks"] = blocks[:MAX_BLOCKS]
        if job is not None:
            args["metadata"] = job_metadata(job)
        return await run_call(self.web.chat_postMessage(**args))

    async def post(self, job: Job) -> Outcome:
        p = job.payload
        _, outcome = await self.send(p["channel"], p.get("text") or "", p.get("thread_ts"), p.get("blocks"), job=job)
        return outcome

    async def thread_post(self, job: Job) -> Outcome:
        p = job.payload
        async with self.db.read() as session:
            thread = await thread_of(session, p["conversation_id"])
        channel, thread_ts = thread if thread is not None else (self.leads_channel, None)
        if thread_ts is None and p.get("thread_only"):
            # A note about a lead (an automatic reply, a text sent through the API) means nothing outside
            # the lead's thread: a conversation without one (yet) gets no post.
            return Outcome(DONE)
        if not channel:
            return Outcome(FAILED, "no lead thread and no SLACK_LEADS_CHANNEL")
        _, outcome = await self.send(channel, p.get("text") or "", thread_ts, p.get("blocks"), job=job)
        return outcome

    async def react(self, job: Job) -> Outcome:
        p = job.payload
        _, outcome = await run_call(self.web.reactions_add(channel=p["channel"], timestamp=p["ts"], name=p["name"]),
                                    ok_errors=frozenset({"already_reacted"}))
        return outcome
