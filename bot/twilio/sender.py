"""Sending texts with Twilio: the `send_text` outbox job kind (texts are queued by `bot.outbox.texts`).

The job calls Twilio: transient failures (429, 5xx, timeouts, connection errors) retry with backoff;
permanent ones (21610, 21211, 21408, 21614, other 4xx) fail at once with Twilio's code, and the message is
marked failed, which reopens the wait it had closed (the lead got no answer). A job whose worker died while
sending is never resent blindly: Twilio's message list is asked whether it went out.

A text that carries a `notify` target has each result worth telling the rep (sent, refused, failing and
retrying, given up, unknown) queued as a `text_result` job in the transaction that records it. The target
is kept on the message too, so that a later `undelivered`/`failed` status callback is reported the same
way (`tell_delivery_failed`), once per text.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientError
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from analytics import outbound_texts
from analytics.db import Database
from analytics.ingest import IngestConfig
from bot.outbox import DONE, FAILED, RETRY, UNKNOWN, Job, JobKind, Outcome, jobs
from bot.outbox.kinds import (
    RESULT_FAILED,
    RESULT_GAVE_UP,
    RESULT_OPTED_OUT,
    RESULT_RETRYING,
    RESULT_SENT,
    RESULT_UNDELIVERED,
    RESULT_UNKNOWN,
    SEND_TEXT_ATTEMPTS,
)
from bot.settings import Settings

DELIVERY_FAILED = frozenset({"undelivered", "failed"})  # status callbacks that mean the lead did not get it


def sender_address(from_setting: str, to: str) -> dict[str, str]:
    """Twilio's `from_`/`messaging_service_sid` for a recipient: WhatsApp needs the `whatsapp:` prefix too."""
    if from_setting.startswith("MG"):
        return {"messaging_service_sid": from_setting}
    prefix, sep, _ = to.partition(":")
    if sep and not from_setting.startswith(prefix + ":"):
        return {"from_": f"{prefix}:{from_setting}"}
    return {"from_": from_setting}


@dataclass(frozen=True)
class Report:
    """A `text_result` to queue: what became of a text whose job asked to be told."""

    notify: dict[str, Any]
    result: str
    code: int | None
    error: str | None
    attempts: int


def _result(job: Job, result: str, *, code: int | None = None, error: str | None = None) -> Report | None:
    """The report for a job that asked to be told, else None."""
    notify = job.payload.get("notify")
    return None if notify is None else Report(notify, result, code, error, job.attempts)


async def _tell(session: AsyncSession, report: Report | None) -> None:
    if report is not None:
        await jobs.text_result(session, report.notify, report.result, code=report.code, error=report.error,
                               attempts=report.attempts)


async def tell_delivery_failed(session: AsyncSession, notify: str, code: int | None) -> None:
    """Queue the report that a text Twilio had taken was not delivered, in the caller's transaction.

    `notify` is the message's stored target. Callers pass only the callback that first moved the message to
    a final status, so a repeated or later callback reports nothing again."""
    await jobs.text_result(session, json.loads(notify), RESULT_UNDELIVERED, code=code)


# What a lookup at Twilio may fail with; none of them says whether the text went out.
_LOOKUP_ERRORS = (TwilioRestException, TimeoutError, ClientError, OSError)


def _transient(exc: TwilioRestException) -> bool:
    return exc.status == 429 or exc.status >= 500


class TextSender:
    """Runs `send_text` jobs with the twilio SDK's async client."""

    def __init__(self, db: Database, config: IngestConfig, settings: Settings, client: Client) -> None:
        self.db = db
        self.config = config
        self.settings = settings
        self.client = client

    def kind(self) -> JobKind:
        return JobKind(run=self.run, recover=self.recover, max_attempts=SEND_TEXT_ATTEMPTS)

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
                await self._mark_sent(sid, found.sid, found.status, _result(job, RESULT_SENT))
                return Outcome(DONE)
        async with self.db.read() as session:
            opted_out = await outbound_texts.opted_out(session, to)
        if opted_out:
            await self._mark_failed(sid, None, "contact opted out before the text was sent",
                                    _result(job, RESULT_OPTED_OUT))
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
                                    _result(job, RESULT_FAILED, code=exc.code, error=str(exc.msg)[:300]))
            return Outcome(FAILED, f"Twilio {exc.status} {exc.code}: {exc.msg}")
        except (TimeoutError, ClientError, OSError) as exc:
            # The request may have reached Twilio: look now, and again before any resend.
            try:
                found = await self._find_sent(to, body, job.created_at)
            except _LOOKUP_ERRORS:
                found = None
            if found is not None:
                await self._mark_sent(sid, found.sid, found.status, _result(job, RESULT_SENT))
                return Outcome(DONE)
            return await self._retry(job, f"{type(exc).__name__} talking to Twilio")
        await self._mark_sent(sid, message.sid, message.status, _result(job, RESULT_SENT))
        return Outcome(DONE)

    async def _retry(self, job: Job, error: str) -> Outcome:
        """RETRY; the rep hears of it on the first failure and when the outbox gives up."""
        result = None
        if job.attempts >= SEND_TEXT_ATTEMPTS:
            # The outbox gives up on this attempt: the text never left, so the lead's wait reopens.
            await self._mark_failed(job.payload["sid"], None, f"gave up after {job.attempts} attempts: {error}"[:500],
                                    _result(job, RESULT_GAVE_UP, error=error))
            return Outcome(RETRY, error, None)
        if job.attempts == 1:
            result = _result(job, RESULT_RETRYING, error=error)
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
            await self._mark_sent(sid, found.sid, found.status, _result(job, RESULT_SENT))
            return Outcome(DONE)
        await self._set_status(sid, "unknown", _result(job, RESULT_UNKNOWN))
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
            known = await outbound_texts.stored_sids(session, [m.sid for m in candidates])
        return next((m for m in candidates if m.sid not in known), None)

    async def _set_status(self, sid: str, status: str, result: Report | None = None) -> None:
        async with self.db.transaction() as session:
            await _tell(session, result)
            await outbound_texts.set_status(session, sid, status)

    async def _mark_sent(self, local_sid: str, twilio_sid: str, status: Any, result: Report | None = None) -> None:
        async with self.db.transaction() as session:
            await _tell(session, result)
            await outbound_texts.mark_sent(session, local_sid, twilio_sid, status)

    async def _mark_failed(self, sid: str, code: int | None, reason: str, result: Report | None = None) -> None:
        """The text never left: record why, and reopen the wait it had closed."""
        async with self.db.transaction() as session:
            await _tell(session, result)
            await outbound_texts.mark_failed(session, sid, code, reason, self.config, datetime.now(UTC))
