"""Texting a contact: refuse opted-out contacts, write the message and its job first, send from the outbox.

The outbound message row closes the lead's wait at the moment the rep answered. The job then calls
Twilio: transient failures (429, 5xx, timeouts, connection errors) retry with backoff; permanent ones
(21610, 21211, 21408, 21614, other 4xx) fail at once with Twilio's code, and the message is marked
failed, which reopens the wait it had closed (the lead got no answer). A job whose worker died while
sending is never resent blindly: Twilio's message list is asked whether it went out.

A text may carry a `notify` target (opaque here; the Slack feature sets it for texts written in a lead
thread): each result worth telling the rep (sent, refused, failing and retrying, given up, unknown) is
written as a `text_result` job in the transaction that records it, for that feature to report. The target
is kept on the message too, so that a later `undelivered`/`failed` status callback is reported the same
way (`tell_delivery_failed`), once per text.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
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
from bot.slack.jobs import lead_key

SEND_TEXT = "send_text"
TEXT_RESULT = "text_result"
UNDELIVERED = "undelivered"  # the `text_result` of a text Twilio took but could not deliver
DELIVERY_FAILED = frozenset({"undelivered", "failed"})  # status callbacks that mean the lead did not get it
MAX_ATTEMPTS = 8
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
                     now: datetime | None = None, notify: dict[str, Any] | None = None,
                     mirror: bool = False) -> QueuedText:
    """Write the outbound message and its send job in one transaction; refuse opted-out contacts."""
    async with db.transaction() as session:
        return await queue_text_in(session, services, address, body, rep_id=rep_id, now=now, notify=notify,
                                   mirror=mirror)


async def queue_text_in(session: AsyncSession, services: Services, address: str, body: str, *,
                        rep_id: int | None, now: datetime | None = None,
                        notify: dict[str, Any] | None = None, mirror: bool = False) -> QueuedText:
    """`queue_text` in the caller's transaction; raises BadRequest/Refused before writing anything.

    `mirror` (a text written outside Slack, e.g. through the API): the result, with the text, is told in
    the lead's Slack thread (`notify` then names the conversation instead of a Slack message).
    """
    text = body.strip()
    if not text:
        raise BadRequest("the text is empty")
    if len(text) > MAX_BODY_CHARS:
        raise BadRequest(f"the text is longer than {MAX_BODY_CHARS} characters")
    at = now or datetime.now(UTC)
    local_sid = f"local-{uuid.uuid4().hex}"
    contact = (await session.execute(
        select(Contact).where(Contact.address == address).with_for_update()
    )).scalar_one_or_none()
    if contact is not None and contact.opted_out:
        raise Refused("this contact has opted out (replied STOP); Leadline will not text them")
    channel = contact.channel if contact is not None else ("sms" if ":" not in address
                                                             else address.split(":")[0])
    stored = await record_message(session, IncomingMessage(
        sid=local_sid, address=address, direction=OUTBOUND, channel=channel, body=text, sent_at=at,
        status="pending", rep_id=rep_id,
    ), services.ingest)
    if mirror and notify is None and stored.conversation_id is not None:
        notify = {"conversation_id": stored.conversation_id, "body": text, "rep_id": rep_id,
                  "ordering_key": lead_key(stored.contact_id)}
    payload: dict[str, Any] = {"to": address, "body": text, "sid": local_sid}
    if notify is not None:
        payload["notify"] = notify
        await session.execute(update(Message).where(Message.id == stored.message_id)
                              .values(notify=json.dumps(notify)))
    job = await enqueue(session, SEND_TEXT, payload, ordering_key=f"text:{address}", now=at)
    return QueuedText(job.id or 0, local_sid, address)


def _result(job: Job, result: str, *, code: int | None = None, error: str | None = None) -> dict[str, Any] | None:
    """The `text_result` payload for a job that asked to be told, else None."""
    notify = job.payload.get("notify")
    if notify is None:
        return None
    return {"notify": notify, "result": result, "code": code, "error": error, "attempts": job.attempts}


async def _tell(session: AsyncSession, result: dict[str, Any] | None) -> None:
    if result is not None:
        await enqueue(session, TEXT_RESULT, result, ordering_key=result["notify"].get("ordering_key"))


async def tell_delivery_failed(session: AsyncSession, notify: str, code: int | None) -> None:
    """Queue the report that a text Twilio had taken was not delivered, in the caller's transaction.

    `notify` is the message's stored target. Callers pass only the callback that first moved the message to
    a final status, so a repeated or later callback reports nothing again."""
    target = json.loads(notify)
    await _tell(session, {"notify": target, "result": UNDELIVERED, "code": code, "error": None})


# What a lookup at Twilio may fail with; none of them says whether the text went out.
_LOOKUP_ERRORS = (TwilioRestException, TimeoutError, ClientError, OSError)


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
        return JobKind(run=self.run, recover=self.recover, max_attempts=MAX_ATTEMPTS)

    async def run(self, job: Job) -> Outcome:
        to, body, sid = job.payload["to"], job.payload["body"], job.payload["sid"]
        if job.attempts > 1:
            # An earlier attempt may have reached Twilio (its answer lost, or recording it failed): look first,
            # and send nothing while Twilio cannot say.
            try:
                found = await self._find_sent(to, body, job.created_at)
            except _LOOKUP_ERRORS as exc:
                return await self._retry(job, f"could not check with Twilio before resending: {type(exc).__name__}")
            if found is not None:
                await self._mark_sent(sid, found.sid, found.status, _result(job, "sent"))
                return Outcome(DONE)
        async with self.db.read() as session:
            opted_out = await session.scalar(select(Contact.opted_out).where(Contact.address == to))
        if opted_out:
            await self._mark_failed(sid, None, "contact opted out before the text was sent",
                                    _result(job, "opted_out"))
            return Outcome(FAILED, "contact opted out")
        try:
            # No callback to an address Twilio cannot reach (HOST 0.0.0.0 with no PUBLIC_BASE_URL): Twilio would
            # try it for every text; `leadline serve` warns about the missing PUBLIC_BASE_URL instead.
            base = self.settings.callback_base_url
            callback = {"status_callback": f"{base}/twilio/status"} if base else {}
            message = await self.client.messages.create_async(
                to=to, body=body, **callback, **sender_address(self.settings.twilio_from, to),
            )
        except TwilioRestException as exc:
            if _transient(exc):
                return await self._retry(job, f"Twilio {exc.status} {exc.code}: {exc.msg}")
            await self._mark_failed(sid, exc.code, str(exc.msg)[:500],
                                    _result(job, "failed", code=exc.code, error=str(exc.msg)[:300]))
            return Outcome(FAILED, f"Twilio {exc.status} {exc.code}: {exc.msg}")
        except (TimeoutError, ClientError, OSError) as exc:
            # The request may have reached Twilio: look now, and again before any resend.
            try:
                found = await self._find_sent(to, body, job.created_at)
            except _LOOKUP_ERRORS:
                found = None
            if found is not None:
                await self._mark_sent(sid, found.sid, found.status, _result(job, "sent"))
                return Outcome(DONE)
            return await self._retry(job, f"{type(exc).__name__} talking to Twilio")
        await self._mark_sent(sid, message.sid, message.status, _result(job, "sent"))
        return Outcome(DONE)

    async def _retry(self, job: Job, error: str) -> Outcome:
        """RETRY; the rep hears of it on the first failure and when the outbox gives up."""
        result = None
        if job.attempts >= MAX_ATTEMPTS:
            # The outbox gives up on this attempt: the text never left, so the lead's wait reopens.
            await self._mark_failed(job.payload["sid"], None, f"gave up after {job.attempts} attempts: {error}"[:500],
                                    _result(job, "gave_up", error=error))
            return Outcome(RETRY, error, None)
        if job.attempts == 1:
            result = _result(job, "retrying", error=error)
        if result is not None:
            async with self.db.transaction() as session:
                await _tell(session, result)
        return Outcome(RETRY, error, None)

    async def recover(self, job: Job) -> Outcome:
        to, body, sid = job.payload["to"], job.payload["body"], job.payload["sid"]
        try:
            found = await self._find_sent(to, body, job.created_at)
        except _LOOKUP_ERRORS:
            found = None
        if found is not None:
            await self._mark_sent(sid, found.sid, found.status, _result(job, "sent"))
            return Outcome(DONE)
        await self._set_status(sid, "unknown", _result(job, "unknown"))
        return Outcome(UNKNOWN, "the worker stopped while sending; Twilio does not list the text, so it was "
                       "not resent: check with the lead")

    async def _find_sent(self, to: str, body: str, since: datetime) -> Any:
        """The text as Twilio lists it, if our request reached it.

        Listed by recipient only: Twilio leaves `date_sent` empty while a text is still queued or sending,
        so a DateSent filter would miss exactly the texts a dying worker had just handed over. The creation
        time (set at once) bounds the search instead.
        """
        earliest = since - timedelta(minutes=2)
        async with asyncio.timeout(30):
            messages = await self.client.messages.list_async(to=to, limit=200)
        candidates = [m for m in messages
                      if m.body == body and str(m.direction).startswith("outbound")
                      and (m.date_created is None or m.date_created >= earliest)]
        if not candidates:
            return None
        # The same words sent a minute earlier by another job are that job's text, not this one's.
        async with self.db.read() as session:
            known = set((await session.execute(
                select(Message.sid).where(Message.sid.in_([m.sid for m in candidates]))
            )).scalars())
        return next((m for m in candidates if m.sid not in known), None)

    async def _set_status(self, sid: str, status: str, result: dict[str, Any] | None = None) -> None:
        async with self.db.transaction() as session:
            await _tell(session, result)
            message = (await session.execute(select(Message).where(Message.sid == sid))).scalar_one_or_none()
            if message is not None:
                message.status = status

    async def _mark_sent(self, local_sid: str, twilio_sid: str, status: Any,
                         result: dict[str, Any] | None = None) -> None:
        async with self.db.transaction() as session:
            await _tell(session, result)
            message = (await session.execute(select(Message).where(Message.sid == local_sid))).scalar_one_or_none()
            if message is not None:
                message.sid = twilio_sid
                message.status = str(status.value if hasattr(status, "value") else status or "queued")

    async def _mark_failed(self, sid: str, code: int | None, reason: str,
                           result: dict[str, Any] | None = None) -> None:
        """The text never left: record why, and reopen the wait it had closed."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            await _tell(session, result)
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

