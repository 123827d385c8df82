"""The Slack feature inside the service: built at start-up, served at `POST /slack/events`, stopped at shutdown.

`start` builds the Web API client (SLACK_API_BASE_URL) and the Bolt app, registers the Slack outbox job
kinds, and schedules the SLA alerts every minute. Nothing here calls Slack at start: Bolt asks
`auth.test` once, lazily, on the first event, and caches the bot's identity. Without
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET it says once that Slack is off and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import state
from bot.container import Container
from bot.outbox.kinds import SLACK_LEAD_POST, TEXT_RESULT
from bot.slack.alerts import SlaAlerts
from bot.slack.bolt_app import Handlers, InFlight, build_bolt
from bot.slack.client import make_web_client
from bot.slack.kpi import KpiAnswers
from bot.slack.posting import Poster
from bot.slack.replies import TextResults, ThreadReplies
from bot.slack.reps import RepDirectory
from bot.slack.threads import LeadThreads

log = logging.getLogger("leadline.slack")

SLA_JOB = "slack-sla-alerts"
SLA_EVERY_S = 60


@dataclass
class SlackPart:
    """What the feature holds while the service runs (`container.slack`)."""

    web: AsyncWebClient
    bolt: AsyncApp
    reps: RepDirectory
    replies: ThreadReplies
    kpi: KpiAnswers
    alerts: SlaAlerts
    inflight: InFlight


async def start(c: Container) -> None:
    """Register outbox job kinds and the SLA alert schedule; build the Slack client and Bolt app."""
    settings = c.settings
    if not settings.slack_configured:
        log.info("Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to post lead threads, reply from "
                 "Slack and answer KPI questions")
        return
    web_client = make_web_client(settings)
    poster = Poster(c.db, web_client, settings.slack_leads_channel)
    reps = RepDirectory(c.db, web_client)
    replies = ThreadReplies(c.db, c.ingest, reps)
    kpi = KpiAnswers(settings, c.db)
    inflight = InFlight()
    bolt = build_bolt(settings, web_client, Handlers(c.db, web_client, replies, kpi), inflight)
    alerts = SlaAlerts(settings, c.db)
    c.kinds.update(poster.kinds())
    c.kinds[SLACK_LEAD_POST] = LeadThreads(settings, c.db, poster).kind()
    c.kinds[TEXT_RESULT] = TextResults(poster).kind()
    c.slack = SlackPart(web_client, bolt, reps, replies, kpi, alerts, inflight)
    if not settings.slack_leads_channel:
        log.info("Slack: SLACK_LEADS_CHANNEL is not set, so lead messages get no threads (KPI questions work)")
    if settings.slack_leads_channel or settings.slack_alerts_channel:
        c.scheduler.every(SLA_JOB, alerts.run, seconds=SLA_EVERY_S)


async def stop(c: Container) -> None:
    """Let listener work that was already acknowledged finish (the runtime stops the schedule)."""
    part, c.slack = c.slack, None
    if part is None:
        return
    # The client opens a session per call, so there is nothing else to close.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            await part.inflight.idle()


async def events(request: web.Request) -> web.Response:
    """Events API, slash commands and interactivity, verified and dispatched by Bolt."""
    c = request.app[state.CONTAINER]
    if not c.settings.slack_configured:
        return web.json_response({"error": "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"},
                                 status=404)
    part = c.slack
    if part is None:
        return web.json_response({"error": "Slack is starting or stopping, retry later"}, status=503)
    # Bolt parses the body before it checks the signature, and fails on anything but the shapes Slack
    # sends: turn those into a clean 400 here.
    if not _well_formed(await request.read(), request.content_type):
        return web.json_response({"error": "malformed request body"}, status=400)
    try:
        bolt_request = await to_bolt_request(request)
    except (ValueError, TypeError, AttributeError, KeyError):
        return web.json_response({"error": "malformed request body"}, status=400)
    return await to_aiohttp_response(await part.bolt.async_dispatch(bolt_request))


def _well_formed(raw: bytes, content_type: str) -> bool:
    """The shapes Slack sends: a JSON object (whose `event`, if any, is an object), or a form that is a
    slash command (`command`), interactivity (`payload`, a JSON object) or an `ssl_check`."""
    try:
        text = raw.decode("utf-8")
        if content_type == "application/json" or text.lstrip().startswith("{"):
            body = json.loads(text)
            return isinstance(body, dict) and isinstance(body.get("event", {}), dict)
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return isinstance(json.loads(form["payload"][0]), dict)
        return "command" in form or "ssl_check" in form
    except ValueError:
        return False


def add_routes(app: web.Application) -> None:
    """`POST /slack/events`: the one request URL of the Slack app (see deploy/slack-manifest.yml)."""
    app.router.add_post("/slack/events", events)
