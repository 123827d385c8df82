"""A fake Twilio REST API (2010-04-01 Messages + Recordings) for tests, served by aiohttp on 127.0.0.1.

It speaks Twilio's wire format closely enough that the REAL ``twilio`` SDK (9.x) works against it::

    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    async with FakeTwilio("AC" + "0" * 32, "token") as tw:
        client = Client("AC" + "0" * 32, "token", http_client=AsyncTwilioHttpClient())
        client.api.base_url = tw.base_url          # <- the ONE line that points the SDK at the fake
        msg = await client.messages.create_async(to="+15550001111", from_="+15550002222", body="hi")
        page = await client.messages.list_async(to="+15550001111", date_sent_after=since)
        await client.http_client.close()
        assert len(tw.sent) == 1

How to point the SDK at the fake (verified with twilio 9.13 in ``test_fakes.py``):

* ``client.api.base_url = tw.base_url`` (``http://127.0.0.1:PORT``, no trailing slash needed).
  ``client.messages`` is ``client.api.v2010.account.messages``; every URL the SDK builds for it, including
  the absolute ``next_page_url`` it derives from our ``next_page_uri`` while paging, comes from
  ``Domain.base_url``. This works for ``create_async``, ``fetch_async``, ``list_async``/``stream_async``/
  ``page_async`` and the sync ``create``/``list``/``stream`` (the sync client uses ``requests``, which is
  installed). Do not set ``edge``/``region`` on the client (``get_hostname`` would rewrite the host).
  ``make_twilio_client(tw)`` below does all of this.
* Recording media are plain Basic-auth GETs: ``tw.recording_url(sid) + ".wav"``.

SDK facts worth knowing (twilio 9.13):

* ``AsyncTwilioHttpClient(timeout=...)`` is IGNORED: its ``request()`` passes the per-call ``timeout``
  (always ``None`` from ``create_async``) to aiohttp, and aiohttp turns ``timeout=None`` into "no timeout
  at all" (the session's default timeout is overridden too). To get a timeout, subclass and pass
  ``timeout or self.timeout`` on, or wrap the call in ``asyncio.timeout()``. See ``test_fakes.py``.
* ``date_sent_after`` / ``date_sent_before`` / ``date_sent`` are sent as query params ``DateSent>``,
  ``DateSent<``, ``DateSent`` formatted with ``strftime("%Y-%m-%dT%H:%M:%SZ")`` WITHOUT converting to UTC:
  always pass UTC datetimes.
* The SDK parses ``date_*`` fields with ``email.utils.parsedate``, which drops the offset; Twilio (and
  this fake) always send ``+0000``.

Behaviour of the fake:

* HTTP Basic auth must be ``account_sid:auth_token``, else 401
  ``{"code": 20003, "message": "Authenticate", ...}``. An authenticated request for another account's
  path -> 404 / 20404.
* ``POST .../Messages.json``: validates To (21604), From or MessagingServiceSid (21603), Body or MediaUrl
  (21602), Body length (21617), From and To on the same channel (21910: ``whatsapp:+1...`` to
  ``whatsapp:+1...``, a bare number to a bare number; a MessagingServiceSid picks the service's sender
  for the channel); returns 201 + a Message JSON (status ``queued``, or ``accepted`` when only
  MessagingServiceSid is given, as Twilio does). The form is appended to ``tw.sent`` and the message is
  added to the store so it shows up in list/fetch. ``date_sent`` is set to the creation time (real Twilio
  returns ``null`` while queued; set ``tw.date_sent_null_on_create = True`` for that: the message then has
  no date_sent, and matches no DateSent filter, until ``tw.set_status(...)`` sets one).
* ``GET .../Messages.json``: filters ``To``, ``From``, ``DateSent`` (same UTC day), ``DateSent>`` (>=),
  ``DateSent<`` (<=; a bare ``YYYY-MM-DD`` means midnight UTC of that day, as Twilio documents "on or
  before midnight"); newest first; ``PageSize`` (default 50, max 1000), ``Page``, ``PageToken``
  (``PA<sid>``/``PB<sid>``); Twilio's paging envelope with ``next_page_uri`` null on the last page.
  ``tw.shuffle_pages = True`` returns the matching messages in a seeded random order
  (``tw.shuffle_seed``), so neither pages nor items are date-sorted.
* ``GET .../Messages/{sid}.json``: fetch, 404 / 20404 when unknown.
* ``GET .../Recordings/{sid}`` or ``{sid}.wav`` -> ``audio/x-wav``; ``{sid}.mp3`` when mp3 bytes were
  given; ``{sid}.json`` -> metadata; unknown -> 404 / 20404.

Scripted faults for creates run in FIFO order, one step per create call: ``tw.fail_next(...)`` and
``tw.delay_next(...)`` both append steps. Downloads have their own queue: ``tw.fail_next_download(...)``.
Every request is in ``tw.requests`` (``RecordedRequest``: method, path, query, form, headers).
"""

from __future__ import annotations

import asyncio
import base64
import random
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.server import LocalServer

API_VERSION = "2010-04-01"
ERROR_DOCS = "https://www.twilio.com/docs/errors/{code}"

DEFAULT_ERROR_CODES: dict[int, tuple[int, str]] = {
    400: (21211, "Invalid 'To' Phone Number"),
    401: (20003, "Authenticate"),
    403: (20003, "Permission Denied"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def new_sid(prefix: str = "SM") -> str:
    """A Twilio-style SID: two-letter prefix + 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822(dt: datetime | None) -> str | None:
    """Format like Twilio: ``Mon, 23 Nov 2026 15:00:00 +0000`` (always UTC)."""
    if dt is None:
        return None
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=False)


def num_segments(body: str) -> int:
    """Rough SMS segment count (GSM-7: 160/153, UCS-2: 70/67)."""
    if not body:
        return 1
    if all(ch in _GSM7 for ch in body):
        single, multi = 160, 153
    else:
        single, multi = 70, 67
    return 1 if len(body) <= single else -(-len(body) // multi)


def twilio_error_body(status: int, code: int | None = None, message: str | None = None) -> dict[str, Any]:
    """Twilio's legacy error JSON (what the SDK turns into ``TwilioRestException``)."""
    default_code, default_message = DEFAULT_ERROR_CODES.get(status, (None, "Error"))
    code = code if code is not None else default_code
    return {
        "code": code,
        "message": message if message is not None else default_message,
        "more_info": ERROR_DOCS.format(code=code) if code is not None else None,
        "status": status,
    }


@dataclass
class RecordedRequest:
    """One HTTP request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str | list[str]]
    headers: dict[str, str]


@dataclass
class _Fault:
    status: int
    code: int | None
    message: str | None
    retry_after: float | None = None


@dataclass
class _Delay:
    seconds: float
    record: bool


@dataclass
class _Recording:
    sid: str
    wav: bytes
    mp3: bytes | None
    meta: dict[str, Any] = field(default_factory=dict)


def _form_to_dict(items: Iterable[tuple[str, str]]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key, value in items:
        if key in out:
            prev = out[key]
            out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        elif key == "MediaUrl":
            out[key] = [value]
        else:
            out[key] = value
    return out


def _channel(address: str) -> str:
    """``whatsapp:+1...`` -> ``whatsapp`` (also ``messenger:``, ``rcs:``); a bare number -> ``sms``."""
    prefix, sep, _ = address.partition(":")
    return prefix.lower() if sep and prefix.lower() in {"whatsapp", "messenger", "rcs"} else "sms"


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None, None
    login, sep, password = decoded.partition(":")
    return (login, password) if sep else (None, None)


def _parse_date_param(value: str) -> tuple[datetime, bool]:
    """Parse a DateSent* value. Returns (UTC datetime, is_date_only)."""
    value = value.strip()
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=UTC), True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC), False


class FakeTwilio(LocalServer):
    """Fake Twilio REST API: ``async with FakeTwilio(sid, token) as tw:`` or ``await tw.start()``/``close()``.

    Attributes tests read: ``sent`` (form dicts of successful creates, in order), ``created`` (their
    Message JSON), ``requests`` (every request), ``messages`` (sid -> stored message, including seeded
    history),
    ``shuffle_pages``/``shuffle_seed``, ``date_sent_null_on_create``.
    """

    name = "FakeTwilio"

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "test-auth-token",  # noqa: S107
        *,
        clock: Callable[[], datetime] | None = None,
        require_auth_for_media: bool = True,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.require_auth_for_media = require_auth_for_media
        self.sent: list[dict[str, str | list[str]]] = []
        self.created: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.recordings: dict[str, _Recording] = {}
        self.shuffle_pages = False
        self.shuffle_seed = 1234
        self.date_sent_null_on_create = False
        self._script: deque[_Fault | _Delay] = deque()
        self._download_faults: deque[_Fault] = deque()
        self._list_faults: deque[_Fault] = deque()
        self._closing = asyncio.Event()
        super().__init__()
        self.app = self._build_app()

    # ------------------------------------------------------------------ lifecycle
    def _build_app(self) -> web.Application:
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}"
        app.router.add_post(f"{prefix}/Messages.json", self._create_message)
        app.router.add_get(f"{prefix}/Messages.json", self._list_messages)
        app.router.add_get(f"{prefix}/Messages/{{sid}}.json", self._fetch_message)
        app.router.add_get(f"{prefix}/Recordings/{{name}}", self._recording)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        self._closing.clear()
        await super().start()

    async def close(self) -> None:
        """Stop serving; wakes up any delayed handlers so close is quick."""
        self._closing.set()
        await super().close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (set it as ``client.api.base_url``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def account_path(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}"

    def recording_url(self, sid: str) -> str:
        """The RecordingUrl Twilio would put in a webhook (no extension; append ``.wav``/``.mp3``)."""
        return f"{self.base_url}{self.account_path}/Recordings/{sid}"

    # ------------------------------------------------------------------ scripting
    def fail_next(
        self,
        status: int,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
        *,
        retry_after: float | None = None,
    ) -> None:
        """The next ``times`` message creates answer ``status`` with Twilio error JSON; they are not recorded.

        ``code``/``message`` default per status (400->21211, 429->20429, 500->20500, 503->20503...).
        ``retry_after`` adds a ``Retry-After`` header (seconds) - use with 429.
        """
        for _ in range(times):
            self._script.append(_Fault(status, code, message, retry_after))

    def delay_next(self, seconds: float, times: int = 1, *, record: bool = True) -> None:
        """The next ``times`` creates wait ``seconds`` before answering 201.

        ``record=True``: Twilio got it - the message is recorded in ``sent`` on arrival, even if the client
        times out and never sees the response ("sent, but the response was lost").
        ``record=False``: recorded only if the client is still connected when the delay ends (a slow
        success); if the client gave up, nothing was sent.
        """
        for _ in range(times):
            self._script.append(_Delay(seconds, record))

    def fail_next_download(self, status: int, times: int = 1, *, code: int | None = None) -> None:
        """The next ``times`` recording downloads answer ``status`` with Twilio error JSON."""
        for _ in range(times):
            self._download_faults.append(_Fault(status, code, None))

    def fail_next_list(self, status: int, times: int = 1, *, code: int | None = None) -> None:
        """The next ``times`` message list requests answer ``status`` with Twilio error JSON."""
        for _ in range(times):
            self._list_faults.append(_Fault(status, code, None))

    def clear_faults(self) -> None:
        self._script.clear()
        self._download_faults.clear()
        self._list_faults.clear()

    # ------------------------------------------------------------------ seeding
    def add_history(self, messages: Iterable[Mapping[str, Any]]) -> list[str]:
        """Seed messages visible to list/fetch. Returns their sids.

        Keys: ``sid`` (generated if absent), ``from``, ``to``, ``body``, ``direction`` (``inbound``,
        ``outbound-api``, ``outbound-reply``, ``outbound-call``), ``status``, ``date_sent`` (aware datetime or
        None), optional ``date_created``/``date_updated``, ``num_media``, ``num_segments``, ``error_code``,
        ``error_message``, ``messaging_service_sid``, ``price``, ``price_unit``.
        """
        sids = []
        for raw in messages:
            msg = dict(raw)
            msg.setdefault("sid", new_sid("SM"))
            direction = msg.setdefault("direction", "inbound")
            msg.setdefault("status", "received" if direction == "inbound" else "delivered")
            msg.setdefault("body", "")
            for key in ("date_sent", "date_created", "date_updated"):
                value = msg.get(key)
                if isinstance(value, datetime) and value.tzinfo is None:
                    raise ValueError(f"{key} must be an aware datetime")
            msg.setdefault("date_sent", None)
            msg.setdefault("date_created", msg["date_sent"] or self.clock())
            msg.setdefault("date_updated", msg["date_sent"] or msg["date_created"])
            msg.setdefault("num_media", 0)
            msg.setdefault("num_segments", num_segments(msg["body"]))
            msg.setdefault("error_code", None)
            msg.setdefault("error_message", None)
            msg.setdefault("messaging_service_sid", None)
            msg.setdefault("price", None)
            msg.setdefault("price_unit", "USD")
            self.messages[msg["sid"]] = msg
            sids.append(msg["sid"])
        return sids

    def set_status(
        self,
        sid: str,
        status: str,
        *,
        error_code: int | None = None,
        error_message: str | None = None,
        date_sent: datetime | None = None,
    ) -> None:
        """Change a stored message's status (e.g. ``delivered``, ``undelivered`` with 30003...)."""
        msg = self.messages[sid]
        msg["status"] = status
        msg["error_code"] = error_code
        msg["error_message"] = error_message
        if date_sent is not None:
            msg["date_sent"] = date_sent
        elif msg["date_sent"] is None and status in {"sent", "delivered", "undelivered", "failed", "read"}:
            msg["date_sent"] = self.clock()
        msg["date_updated"] = self.clock()

    def add_recording(
        self,
        sid: str,
        wav_bytes: bytes,
        *,
        mp3_bytes: bytes | None = None,
        call_sid: str | None = None,
        duration: int | None = None,
    ) -> None:
        """Make ``GET .../Recordings/{sid}.wav`` (and ``.mp3`` if given) return these bytes."""
        self.recordings[sid] = _Recording(
            sid, wav_bytes, mp3_bytes, {"call_sid": call_sid or new_sid("CA"), "duration": duration}
        )

    def sent_to(self, to: str) -> list[dict[str, str | list[str]]]:
        """Successful create forms addressed to ``to``."""
        return [form for form in self.sent if form.get("To") == to]

    # ------------------------------------------------------------------ rendering
    def message_json(self, msg: Mapping[str, Any]) -> dict[str, Any]:
        """The Message resource JSON for a stored message."""
        uri = f"{self.account_path}/Messages/{msg['sid']}.json"
        price = msg.get("price")
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": msg.get("body", ""),
            "date_created": rfc2822(msg.get("date_created")),
            "date_sent": rfc2822(msg.get("date_sent")),
            "date_updated": rfc2822(msg.get("date_updated")),
            "direction": msg.get("direction"),
            "error_code": msg.get("error_code"),
            "error_message": msg.get("error_message"),
            "from": msg.get("from"),
            "messaging_service_sid": msg.get("messaging_service_sid"),
            "num_media": str(msg.get("num_media", 0)),
            "num_segments": str(msg.get("num_segments", 1)),
            "price": None if price is None else str(price),
            "price_unit": msg.get("price_unit"),
            "sid": msg["sid"],
            "status": msg.get("status"),
            "subresource_uris": {
                "media": f"{self.account_path}/Messages/{msg['sid']}/Media.json",
                "feedback": f"{self.account_path}/Messages/{msg['sid']}/Feedback.json",
            },
            "to": msg.get("to"),
            "uri": uri,
        }

    @staticmethod
    def _error(
        status: int,
        code: int | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        return web.json_response(twilio_error_body(status, code, message), status=status, headers=headers)

    # ------------------------------------------------------------------ request plumbing
    async def _record(self, request: web.Request) -> RecordedRequest:
        form: dict[str, str | list[str]] = {}
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            post = await request.post()
            form = _form_to_dict((k, str(v)) for k, v in post.items())
        rec = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            form=form,
            headers=dict(request.headers),
        )
        self.requests.append(rec)
        return rec

    def _auth_error(self, request: web.Request, *, media: bool = False) -> web.Response | None:
        if media and not self.require_auth_for_media:
            return None
        login, password = _basic_credentials(request.headers.get("Authorization", ""))
        if login != self.account_sid or password != self.auth_token:
            return self._error(401, 20003, "Authenticate")
        if request.match_info.get("account_sid") != self.account_sid:
            return self._error(404, 20404, "The requested resource was not found")
        return None

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _not_found(self, request: web.Request) -> web.Response:
        await self._record(request)
        return self._error(404, 20404, f"The requested resource {request.path} was not found")

    # ------------------------------------------------------------------ handlers
    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (err := self._auth_error(request)) is not None:
            return err
        step = self._script.popleft() if self._script else None
        if isinstance(step, _Fault):
            headers = {"Retry-After": str(int(step.retry_after))} if step.retry_after is not None else None
            return self._error(step.status, step.code, step.message, headers)
        form = rec.form
        to = form.get("To")
        from_ = form.get("From")
        service = form.get("MessagingServiceSid")
        body = form.get("Body", "")
        media = form.get("MediaUrl", [])
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not from_ and not service:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not body and not media:
            return self._error(400, 21602, "Message body is required.")
        if from_ and _channel(str(from_)) != _channel(str(to)):
            return self._error(400, 21910, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same "
                               "channel")
        assert isinstance(body, str)
        if len(body) > 1600:
            return self._error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")

        now = self.clock()
        msg: dict[str, Any] = {
            "sid": new_sid("SM"),
            "from": from_ or None,
            "to": to,
            "body": body,
            "direction": "outbound-api",
            "status": "queued" if from_ else "accepted",
            "date_created": now,
            "date_updated": now,
            "date_sent": None if self.date_sent_null_on_create else now,
            "num_media": len(media) if isinstance(media, list) else 1,
            "num_segments": num_segments(body),
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": service or None,
            "price": None,
            "price_unit": "USD",
        }

        def commit() -> None:
            self.messages[msg["sid"]] = msg
            self.sent.append(form)
            self.created.append(self.message_json(msg))

        if isinstance(step, _Delay):
            if step.record:
                commit()
                await self._sleep(step.seconds)
            else:
                await self._sleep(step.seconds)
                if request.transport is None or request.transport.is_closing():
                    return web.Response(status=499)  # client went away: nothing sent
                commit()
        else:
            commit()
        return web.json_response(self.message_json(msg), status=201)

    async def _fetch_message(self, request: web.Request) -> web.Response:
        await self._record(request)
        if (err := self._auth_error(request)) is not None:
            return err
        msg = self.messages.get(request.match_info["sid"])
        if msg is None:
            return self._error(404, 20404, f"The requested resource {request.path} was not found")
        return web.json_response(self.message_json(msg))

    def _matching(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        items = list(self.messages.values())
        if to := query.get("To"):
            items = [m for m in items if m.get("to") == to]
        if from_ := query.get("From"):
            items = [m for m in items if m.get("from") == from_]
        if value := query.get("DateSent"):
            day = _parse_date_param(value)[0].date()
            items = [m for m in items if m["date_sent"] and m["date_sent"].astimezone(UTC).date() == day]
        if value := query.get("DateSent>"):
            lower = _parse_date_param(value)[0]
            items = [m for m in items if m["date_sent"] and m["date_sent"] >= lower]
        if value := query.get("DateSent<"):
            upper = _parse_date_param(value)[0]
            items = [m for m in items if m["date_sent"] and m["date_sent"] <= upper]
        epoch = datetime.min.replace(tzinfo=UTC)
        items.sort(key=lambda m: (m["date_sent"] or m["date_created"] or epoch, m["sid"]), reverse=True)
        if self.shuffle_pages:
            items.sort(key=lambda m: m["sid"])
            random.Random(self.shuffle_seed).shuffle(items)
        return items

    async def _list_messages(self, request: web.Request) -> web.Response:
        await self._record(request)
        if (err := self._auth_error(request)) is not None:
            return err
        if self._list_faults:
            fault = self._list_faults.popleft()
            return self._error(fault.status, fault.code, fault.message)
        query = request.query
        try:
            page_size = int(query.get("PageSize", "50"))
            page = int(query.get("Page", "0"))
            items = self._matching(query)
        except ValueError as exc:
            return self._error(400, 20001, f"Invalid parameter: {exc}")
        page_size = max(1, min(page_size, 1000))
        offset = page * page_size
        token = query.get("PageToken")
        if token:
            sids = [m["sid"] for m in items]
            anchor = token[2:]
            if anchor not in sids:
                return self._error(400, 20001, "Invalid PageToken")
            idx = sids.index(anchor)
            offset = idx + 1 if token.startswith("PA") else max(0, idx - page_size)
        chunk = items[offset : offset + page_size]

        filters = [(k, v) for k, v in query.items() if k not in {"PageSize", "Page", "PageToken"}]
        base = f"{self.account_path}/Messages.json"

        def uri(page_no: int, page_token: str | None = None) -> str:
            params = [*filters, ("PageSize", str(page_size)), ("Page", str(page_no))]
            if page_token:
                params.append(("PageToken", page_token))
            return f"{base}?{urlencode(params)}"

        has_next = offset + page_size < len(items)
        payload = {
            "messages": [self.message_json(m) for m in chunk],
            "end": offset + max(len(chunk), 1) - 1,
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, "PA" + chunk[-1]["sid"]) if has_next and chunk else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": uri(page - 1, "PB" + chunk[0]["sid"]) if page > 0 and chunk else None,
            "start": offset,
            "uri": uri(page, token),
        }
        return web.json_response(payload)

    async def _recording(self, request: web.Request) -> web.Response:
        await self._record(request)
        if (err := self._auth_error(request, media=True)) is not None:
            return err
        if self._download_faults:
            fault = self._download_faults.popleft()
            return self._error(fault.status, fault.code, fault.message)
        name = request.match_info["name"]
        sid, _, ext = name.partition(".")
        rec = self.recordings.get(sid)
        if rec is None or ext not in {"", "wav", "mp3", "json"} or (ext == "mp3" and rec.mp3 is None):
            return self._error(404, 20404, f"The requested resource {request.path} was not found")
        if ext == "json":
            return web.json_response(
                {
                    "account_sid": self.account_sid,
                    "call_sid": rec.meta["call_sid"],
                    "sid": sid,
                    "duration": None if rec.meta["duration"] is None else str(rec.meta["duration"]),
                    "status": "completed",
                    "media_url": self.recording_url(sid),
                    "uri": f"{self.account_path}/Recordings/{sid}.json",
                }
            )
        if ext == "mp3":
            return web.Response(body=rec.mp3, content_type="audio/mpeg")
        return web.Response(body=rec.wav, content_type="audio/x-wav")


def make_twilio_client(fake: FakeTwilio, **http_client_kwargs: Any) -> Any:
    """A real ``twilio.rest.Client`` with an ``AsyncTwilioHttpClient`` pointed at ``fake``.

    Call it inside the running loop (the http client opens an aiohttp session in ``__init__``) and
    ``await client.http_client.close()`` when done.
    """
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    client = Client(
        fake.account_sid, fake.auth_token, http_client=AsyncTwilioHttpClient(**http_client_kwargs)
    )
    client.api.base_url = fake.base_url
    return client


def twilio_signature_headers(auth_token: str, url: str, params: Mapping[str, str]) -> dict[str, str]:
    """``X-Twilio-Signature`` for a webhook POST of ``params`` to the public ``url`` (app webhook tests)."""
    from twilio.request_validator import RequestValidator

    return {"X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, dict(params))}


def utc(*args: int) -> datetime:
    """Shorthand: ``utc(2026, 11, 23, 15)`` -> aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


__all__ = [
    "FakeTwilio",
    "RecordedRequest",
    "make_twilio_client",
    "new_sid",
    "num_segments",
    "rfc2822",
    "twilio_error_body",
    "twilio_signature_headers",
    "utc",
]
