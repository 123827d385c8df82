"""aiohttp handlers for Twilio's webhooks: thin adapters (read, verify, parse, call the core, answer)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiohttp import web
from multidict import MultiDictProxy

from analytics.delivery import apply_status
from analytics.ingest import record_opt_event
from analytics.models import OPT_OUT
from bot import state
from bot.errors import BadRequest, Forbidden, PayloadTooLarge, RequestTimeout
from bot.limits import MAX_BODY_BYTES, TOO_LARGE
from bot.twilio.inbound import Received
from bot.twilio.parse import parse_inbound, parse_status
from bot.twilio.sender import DELIVERY_FAILED, tell_delivery_failed
from bot.twilio.signature import public_url, refusal_hint, signature_valid

log = logging.getLogger("leadline.twilio")

BODY_READ_TIMEOUT_S = 10.0
TWIML = "application/xml"


async def read_signed_form(request: web.Request) -> MultiDictProxy[str]:
    """The form body, once its size, encoding and Twilio signature are checked."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(TOO_LARGE)
    try:
        # A client that trickles its body must not hold a handler (and its memory) for long.
        async with asyncio.timeout(BODY_READ_TIMEOUT_S):
            raw = await request.read()
    except TimeoutError as exc:
        raise RequestTimeout("request body not received in time") from exc
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(TOO_LARGE)
    if request.content_type != "application/x-www-form-urlencoded":
        raise BadRequest("expected a form-encoded body")
    try:
        raw.decode("utf-8")
        form = await request.post()
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("malformed form body") from exc
    settings = request.app[state.CONTAINER].settings
    url = public_url(settings.base_url, request.path_qs)
    fields: MultiDictProxy[str] = MultiDictProxy(form)  # type: ignore[arg-type]
    if any(not isinstance(v, str) for v in form.values()):
        raise BadRequest("file uploads are not accepted")
    token = settings.twilio_auth_token.get_secret_value()
    if not signature_valid(token, url, fields, request.headers.get("X-Twilio-Signature")):
        log.warning("invalid Twilio signature", extra=refusal_hint(
            url, settings.public_base_url, bool(token), _request_base(request)))
        raise Forbidden("invalid Twilio signature")
    return fields


def _request_base(request: web.Request) -> str:
    """The scheme and host a request came to, as a reverse proxy forwards them."""
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    return f"{proto}://{host}"


async def incoming_message(request: web.Request) -> web.Response:
    received_at = datetime.now(UTC)
    form = await read_signed_form(request)
    inbound = parse_inbound(form)
    part = request.app[state.CONTAINER].twilio
    if part is None:
        return web.json_response({"error": "starting or stopping, retry later"}, status=503)
    # Answered only once the batch holding this message is committed.
    body = await part.inbound.submit(Received(inbound, received_at))
    return web.Response(text=body, content_type=TWIML)


async def message_status(request: web.Request) -> web.Response:
    form = await read_signed_form(request)
    update = parse_status(form)
    c = request.app[state.CONTAINER]
    now = datetime.now(UTC)
    async with c.db.transaction() as session:
        result = await apply_status(session, update.sid, update.status, update.error_code, now)
        if result.opted_out and result.contact_address:
            await record_opt_event(session, result.contact_address, OPT_OUT, now, "twilio_21610",
                                   c.ingest)
        if result.changed and update.status in DELIVERY_FAILED and result.notify:
            # The rep was shown the text as sent: tell them it did not arrive, and why.
            await tell_delivery_failed(session, result.notify, update.error_code)
    if not result.known:
        log.info("status for unknown message", extra={"sid": update.sid, "status": update.status})
    return web.Response(text="", status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/messages", incoming_message)
    app.router.add_post("/twilio/status", message_status)
