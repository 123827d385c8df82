"""Start and stop what the calls feature runs inside the service: the worker process pool, the HTTP
session for recording downloads, and the scoring worker loop.

Scoring jobs live in the shared outbox table but have their own worker loop (an `Outbox` that knows only
the `score_recording` kind): the main loop runs a batch to completion before the next, and a minutes-long
scoring must not hold up texts and Slack posts queued behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
from aiohttp import web

from bot.calls.pipeline import CallsPart, RecordingScorer
from bot.calls.voice import incoming_call
from bot.calls.webhooks import recording_status
from bot.calls.worker import make_pool
from bot.container import Container
from bot.outbox import Outbox
from bot.outbox.kinds import SCORE_RECORDING

log = logging.getLogger("leadline.calls")



async def start(c: Container) -> None:
    """Build the pool, the download session and the scoring outbox; run its loop unless tests drive it."""
    settings = c.settings
    part = CallsPart(pool=make_pool(settings.scoring_workers), http=aiohttp.ClientSession(),
                     stage=settings.recording_stage)
    scorer = RecordingScorer(c.db, settings, part)
    # One job per worker process: a claimed job never waits behind another for a process.
    part.outbox = Outbox(c.db, {SCORE_RECORDING: scorer.kind()}, batch=settings.scoring_workers)
    c.calls = part
    if not settings.twilio_configured:
        log.info("calls: Twilio is off; recordings cannot be downloaded until TWILIO_ACCOUNT_SID and "
                 "TWILIO_AUTH_TOKEN are set")
        return
    if c.start_workers:
        c.tasks.append(asyncio.create_task(part.outbox.run_forever(c.stopping)))


async def stop(c: Container) -> None:
    """Release what start() acquired; a scoring cut short is picked up again from the outbox."""
    part, c.calls = c.calls, None
    if part is None:
        return
    await part.http.close()
    # shutdown(wait=False) still lets a running scoring finish, which would hold up the exit for minutes.
    processes = list((getattr(part.pool, "_processes", None) or {}).values())
    part.pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()


def add_routes(app: web.Application) -> None:
    """HTTP routes of the feature."""
    app.router.add_post("/twilio/recordings", recording_status)
    app.router.add_post("/twilio/voice", incoming_call)
