"""`POST /api/messages`: a rep-initiated text, through the same safe path as replies from Slack."""

from __future__ import annotations

import json

from aiohttp import web

from bot import state
from bot.auth import require_token
from bot.errors import BadRequest
from bot.outbox.kinds import SEND_TEXT
from bot.outbox.texts import queue_text


async def send_message(request: web.Request) -> web.Response:
    require_token(request)
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("expected a JSON body") from exc
    if not isinstance(data, dict) or not isinstance(data.get("to"), str) or not isinstance(data.get("body"), str):
        raise BadRequest('expected {"to": "+1555...", "body": "text", "rep_id": optional integer}')
    rep_id = data.get("rep_id")
    if rep_id is not None and not isinstance(rep_id, int):
        raise BadRequest("rep_id must be an integer")
    c = request.app[state.CONTAINER]
    if c.outbox is None or SEND_TEXT not in c.kinds:
        raise BadRequest("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)")
    # With lead threads on, the text and its result show in the lead's thread, as the reps' own replies do.
    queued = await queue_text(c.db, c.ingest, data["to"].strip(), data["body"], rep_id=rep_id,
                              mirror=bool(c.inbound.slack_leads_channel))
    c.outbox.wake.set()
    return web.json_response({"queued": True, "job_id": queued.job_id, "message_sid": queued.message_sid},
                             status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/messages", send_message)
