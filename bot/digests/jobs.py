"""Posting a digest exactly once: claim its row, queue an outbox job, post it and upload its chart in the thread.

`queue_digest` computes the digest and, in one transaction, claims `(kind, period_start, channel)` and
queues a `digest_post` job: several replicas running the same schedule, or a restart, never queue it
twice, and a claim is never left without the job that posts it. The job posts the message (once: the ts
is stored on the row, so a retry after a failed upload does not post again), then uploads the chart with
`files_upload_v2` into the message's thread. Slack's 429/5xx and network errors retry through the outbox.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from analytics import digests
from analytics.db import Database
from analytics.digests import DigestKey
from bot.digests.content import Chart, Rendered, chart, render
from bot.digests.data import DigestData, gather
from bot.outbox import DONE, FAILED, RETRY, Job, JobKind, Outcome, enqueue
from bot.outbox.kinds import DIGEST_POST
from bot.settings import Settings
from bot.slack.client import run_call
from bot.slack.posting import earlier_post, job_metadata

log = logging.getLogger("leadline.digests")

MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Prepared:
    data: DigestData
    rendered: Rendered
    chart: Chart | None


async def prepare(db: Database, settings: Settings, key: DigestKey, now: datetime) -> Prepared:
    """The digest's reports, its text and blocks, and its chart."""
    data = await gather(db, settings, key, now)
    return Prepared(data, render(data), chart(data))


def ordering_key(channel: str) -> str:
    # Digests to one channel post in the order they were queued (daily before weekly on a Monday).
    return f"digest:{channel}"


async def queue_digest(db: Database, settings: Settings, key: DigestKey, now: datetime, *, channel: str,
                       force: bool = False) -> int | None:
    """Claim the digest and queue its post; the digest row's id, or None when it was already claimed."""
    if not force:
        async with db.read() as session:
            # Cheap early exit: another replica (or an earlier run) already has it.
            if await digests.find(session, key, channel) is not None:
                return None
    prepared = await prepare(db, settings, key, now)
    payload = {
        "text": prepared.rendered.summary,
        "blocks": prepared.rendered.blocks,
        "chart": base64.b64encode(prepared.chart.png).decode() if prepared.chart else None,
        "chart_name": prepared.chart.filename if prepared.chart else None,
        "chart_title": prepared.chart.title if prepared.chart else None,
    }
    async with db.transaction() as session:
        digest_id = await digests.claim(session, key, channel, now=now, force=force)
        if digest_id is None:
            return None
        await enqueue(session, DIGEST_POST, {"digest_id": digest_id, "channel": channel, **payload},
                      ordering_key=ordering_key(channel))
    log.info("digest queued", extra={"digest": str(key), "channel": channel})
    return digest_id


class DigestPoster:
    """The `digest_post` outbox job kind."""

    def __init__(self, db: Database, web: AsyncWebClient) -> None:
        self.db = db
        self.web = web

    def kind(self) -> JobKind:
        # A worker that died mid-post is handled like a retry: the stored ts prevents a second message
        # once the post was recorded, and a post made but not recorded is found by its job id.
        return JobKind(run=self.run, recover=lambda job: self.run(job, recovered=True), max_attempts=MAX_ATTEMPTS)

    async def run(self, job: Job, *, recovered: bool = False) -> Outcome:
        p = job.payload
        digest_id = int(p["digest_id"])
        async with self.db.read() as session:
            row = await digests.get(session, digest_id)
        if row is None:
            return Outcome(FAILED, "digest row is gone")
        ts = row.slack_ts
        if ts is None:
            # A retry or a recovered job may have posted already (its `job.attempts` stays the outbox's, which
            # decides when the digest is given up).
            maybe_posted = job.attempts > 1 or recovered
            response, outcome = await earlier_post(self.web, job, p["channel"]) if maybe_posted else (None, None)
            if response is None and outcome is None:
                args = {"channel": p["channel"], "text": p.get("text") or "KPI digest", "blocks": p.get("blocks"),
                        "metadata": job_metadata(job)}
                response, outcome = await run_call(self.web.chat_postMessage(**args))
            if response is None:
                return await self._not_done(job, digest_id, outcome or Outcome(RETRY))
            ts = str(response["ts"])
            async with self.db.transaction() as session:
                await digests.mark_posted(session, digest_id, ts)
        if p.get("chart"):
            _, outcome = await run_call(self.web.files_upload_v2(
                channel=p["channel"], thread_ts=ts, content=base64.b64decode(p["chart"]),
                filename=p.get("chart_name") or "digest.png", title=p.get("chart_title") or "KPI digest chart",
                alt_txt=p.get("chart_title") or "KPI digest chart"))
            if outcome.state != DONE:
                # The message is out; only the chart is missing. Retry the upload, never the message.
                return outcome
        return Outcome(DONE)

    async def _not_done(self, job: Job, digest_id: int, outcome: Outcome) -> Outcome:
        last = outcome.state == FAILED or (outcome.state == RETRY and job.attempts >= MAX_ATTEMPTS)
        if last:
            async with self.db.transaction() as session:
                await digests.mark_failed(session, digest_id, outcome.error or outcome.state)
            log.warning("digest not posted", extra={"digest_id": digest_id, "error": outcome.error})
        return outcome
