"""`POST /twilio/voice`: answers calls to the Twilio number by dialling the rep on duty, recorded in two
channels from answer, with the recording callback pointed back at Leadline so every call is scored.

In a recorded `<Dial>`, Twilio puts the parent call (the caller) on the first, left channel and the dialled
party (the rep) on the second, right one; the callback URL says so (`RepChannel=right`), whatever
RECORDING_REP_CHANNEL says for recordings made by other call flows.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from aiohttp import web
from twilio.twiml.voice_response import VoiceResponse

from analytics.calls import contact_by_number, last_texting_rep_phone
from analytics.db import Database
from bot import state
from bot.calls.parse import IncomingCall, parse_call
from bot.settings import Settings
from bot.twilio.parse import E164_RE
from bot.twilio.webhooks import TWIML, read_signed_form

log = logging.getLogger("leadline.calls")

NO_REP_MESSAGE = ("Thank you for calling. Nobody is available to take your call right now. "
                  "Please send us a text message and we will get back to you soon. Goodbye.")


async def rep_on_duty(db: Database, settings: Settings, caller: str) -> str | None:
    """REP_FORWARD_NUMBER, else the phone of the rep who last texted the caller, else None."""
    if settings.rep_forward_number:
        return settings.rep_forward_number
    async with db.read() as session:
        contact = await contact_by_number(session, [caller])
        if contact is None or contact.id is None:
            return None
        return await last_texting_rep_phone(session, contact.id)


def recording_callback_url(settings: Settings, call: IncomingCall, rep_number: str) -> str:
    """The signed-by-Twilio callback URL; the query carries what the RecordingStatusCallback lacks."""
    params = {"RepChannel": "right", "Dialed": rep_number}
    for key, value in (("From", call.from_number), ("To", call.to_number)):
        if E164_RE.match(value):
            params[key] = value
    return f"{settings.base_url}/twilio/recordings?{urlencode(params)}"


def dial_twiml(settings: Settings, call: IncomingCall, rep_number: str | None) -> str:
    """TwiML that dials the rep with dual-channel recording, or a polite message and hang-up."""
    response = VoiceResponse()
    if rep_number is None:
        response.say(NO_REP_MESSAGE)
        response.hangup()
        return str(response)
    dial = response.dial(record="record-from-answer-dual",
                         recording_status_callback=recording_callback_url(settings, call, rep_number),
                         recording_status_callback_event="completed", recording_status_callback_method="POST")
    dial.number(rep_number)
    return str(response)


async def incoming_call(request: web.Request) -> web.Response:
    form = await read_signed_form(request)
    call = parse_call(form)
    c = request.app[state.CONTAINER]
    settings = c.settings
    rep_number = await rep_on_duty(c.db, settings, call.from_number)
    if rep_number is None:
        log.info("call with no rep to dial", extra={"call": call.call_sid})
    return web.Response(text=dial_twiml(settings, call, rep_number), content_type=TWIML)
