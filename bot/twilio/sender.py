"""Texting a contact: refuse opted-out contacts, write the message and its job first, send from the outbox.

The outbound message row closes the lead's wait at the moment the rep answered. The job then calls
Twilio: transient failures (429, 5xx, timeouts, connection errors) retry with backoff; permanent ones
(21610, 21211, 21408, 21614, other 4xx) fail at once with Twilio's code, and the message is marked
failed, which reopens the wait it had closed (the lead got no answer). A job whose worker died while
sending is never resent blindly: Twilio's message list is asked whether it went out.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientError
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from analytics.db import Database
from analytics.delivery import UNSUBSCRIBED
from analytics.ingest import IncomingMessage, record_message, record_opt_event
from analytics.models import OPT_OUT, OUTBOUND, Contact, Message
from analytics.rebuild import rebuild_contact
from bot.errors import BadRequest, Refused
from bot.outbox import DONE, FAILED, RETRY, UNKNOWN, Job, JobKind, Outcome, enqueue
from bot.services import Services
from bot.settings import Settings

SEND_TEXT = "send_text"
MAX_BODY_CHARS = 1600


@dataclass(frozen=True)
class QueuedText:
    job_id: int
    message_sid: str
    contact_address: str


def sender_address(from_setting: str, to: str) -> dict[str, str]:
    """Twilio's `from_`/`messaging_service_sid` for a recipient: WhatsApp needs the `whatsapp:` prefix too."""
    if from_setting.startswith("MG"):
        return {"messaging_service_sid": from_setting}
    prefix, sep, _ = to.partition(":")
    if sep and not from_setting.startswith(prefix + ":"):
        return {"from_": f"{prefix}:{from_setting}"}
    return {"from_": from_setting}


async def queue_text(db: Database, services: Services, address: str, body: str, *, rep_id: int | None,
                     now: datetime | None = None) -> QueuedText:
    """Write the outbound message and its send job in one transaction; refuse opted-out contacts."""
    text = body.strip()
    if not text:
        raise BadRequest("the text is empty")
    if len(text) > MAX_BODY_CHARS:
        raise BadRequest(f"the text is longer than {MAX_BODY_CHARS} characters")
    at = now or datetime.now(UTC)
    local_sid = f"local-{uuid.uuid4().hex}"
    async with db.transaction() as session:
        contact = (await session.execute(
            select(Contact).where(Contact.address == address).with_for_update()
        )).scalar_one_or_none()
        if contact is not None and contact.opted_out:
            raise Refused("this contact has opted out (replied STOP); Leadline will not text them")
        channel = contact.channel if contact is not None else ("sms" if ":" not in address
                                                                 else address.split(":")[0])
        await record_message(session, IncomingMessage(
            sid=local_sid, address=address, direction=OUTBOUND, channel=channel, body=text, sent_at=at,
            status="pending", rep_id=rep_id,
        ), services.ingest)
        job = await enqueue(session, SEND_TEXT, {"to": address, "body": text, "sid": local_sid},
                            ordering_key=f"text:{address}", now=at)
    return QueuedText(job.id or 0, local_sid, address)


def _transient(exc: TwilioRestException) -> bool:
    return exc.status == 429 or exc.status >= 500


class TextSender:
    """Runs `send_text` jobs with the twilio SDK's async client."""

    def __init__(self, db: Database, services: Services, settings: Settings, client: Client) -> None:
        self.db = db
        self.services = services
        self.settings = settings
        self.client = client

    def kind(self) -> JobKind:
        return JobKind(run=self.run, recover=self.recover, max_attempts=8)

    async def run(self, job: Job) -> Outcome:
        to, body, sid = job.payload["to"], job.payload["body"], job.payload["sid"]
        async with self.db.read() as session:
            opted_out = await session.scalar(select(Contact.opted_out).where(Contact.address == to))
        if opted_out:
            await self._mark_failed(sid, None, "contact opted out before the text was sent")
            return Outcome(FAILED, "contact opted out")
        try:
            message = await self.client.messages.create_async(
                to=to, body=body, status_callback=f"{self.settings.base_url}/twilio/status",
                **sender_address(self.settings.twilio_from, to),
            )
        except TwilioRestException as exc:
            if _transient(exc):
                return Outcome(RETRY, f"Twilio {exc.status} {exc.code}: {exc.msg}", None)
            await self._mark_failed(sid, exc.code, str(exc.msg)[:500])
            return Outcome(FAILED, f"Twilio {exc.status} {exc.code}: {exc.msg}")
        except (TimeoutError, ClientError, OSError) as exc:
            # The request may have reached Twilio: look before sending again.
            found = await self._find_sent(to, body, job.created_at)
            if found is not None:
                await self._mark_sent(sid, found.sid, found.status)
                return Outcome(DONE)
            return Outcome(RETRY, f"{type(exc).__name__} talking to Twilio")
        await self._mark_sent(sid, message.sid, message.status)
        return Outcome(DONE)

    async def recover(self, job: Job) -> Outcome:
        to, body, sid = job.payload["to"], job.payload["body"], job.payload["sid"]
        try:
            found = await self._find_sent(to, body, job.created_at)
        except (TwilioRestException, TimeoutError, ClientError, OSError):
            found = None
        if found is not None:
            await self._mark_sent(sid, found.sid, found.status)
            return Outcome(DONE)
        await self._set_status(sid, "unknown")
        return Outcome(UNKNOWN, "the worker stopped while sending; Twilio does not list the text, so it was "
                       "not resent: check with the lead")

    async def _find_sent(self, to: str, body: str, since: datetime) -> Any:
        async with asyncio.timeout(30):
            messages = await self.client.messages.list_async(
                to=to, date_sent_after=(since - timedelta(minutes=2)).astimezone(UTC), limit=200)
        return next((m for m in messages if m.body == body and str(m.direction).startswith("outbound")), None)

    async def _set_status(self, sid: str, status: str) -> None:
        async with self.db.transaction() as session:
            message = (await session.execute(select(Message).where(Message.sid == sid))).scalar_one_or_none()
            if message is not None:
                message.status = status

    async def _mark_sent(self, local_sid: str, twilio_sid: str, status: Any) -> None:
        async with self.db.transaction() as session:
            message = (await session.execute(select(Message).where(Message.sid == local_sid))).scalar_one_or_none()
            if message is not None:
                message.sid = twilio_sid
                message.status = str(status.value if hasattr(status, "value") else status or "queued")

    async def _mark_failed(self, sid: str, code: int | None, reason: str) -> None:
        """The text never left: record why, and reopen the wait it had closed."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            row = (await session.execute(
                select(Message, Contact.address).join(Contact, Contact.id == Message.contact_id)
                .where(Message.sid == sid)
            )).first()
            if row is None:
                return
            message, address = row
            message.status = "failed"
            message.error_code = code
            message.error_message = reason
            await session.flush()
            await rebuild_contact(session, message.contact_id, self.services.ingest)
            if code == UNSUBSCRIBED:
                await record_opt_event(session, address, OPT_OUT, now, "twilio_21610", self.services.ingest)

