"""A fake Slack Web API for tests, served by aiohttp on 127.0.0.1, plus helpers to sign Events API requests.

Point the REAL ``slack_sdk`` client at it with ``base_url`` (it must end with ``/api/``, which
``fake.base_url`` does)::

    from slack_sdk.web.async_client import AsyncWebClient

    async with FakeSlack(bot_token="xoxb-test") as slack:
        web = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        resp = await web.chat_postMessage(channel="C1", text="hi")
        assert slack.calls_to("chat.postMessage")[0].params["text"] == "hi"
        await web.files_upload_v2(channel="C1", thread_ts=resp["ts"], content=png, filename="chart.png")
        assert slack.files[slack.uploads[0].file_id] == png

For Bolt: ``AsyncApp(client=AsyncWebClient(token=..., base_url=slack.base_url), signing_secret=...)``;
Bolt calls ``auth.test`` lazily, which the fake answers with ``user_id=UBOT``, ``bot_id=BBOT``,
``team_id=T1``.

Wire behaviour:

* Every method is ``/api/<method>`` (GET or POST). Params are merged from the query string (slack_sdk sends
  ``params=`` as query even on POST, e.g. ``users.info``, ``files.getUploadURLExternal``,
  ``files.completeUploadExternal``), a form body, and a JSON body (``chat.postMessage``, ``chat.update``...).
* Auth: ``Authorization: Bearer <token>`` (or a ``token`` param) must be one of ``fake.tokens``; otherwise
  HTTP 200 ``{"ok": false, "error": "not_authed"|"invalid_auth"}`` like Slack.
* Responses are HTTP 200 JSON. Unknown methods -> ``unknown_method``.
* ``chat.postMessage`` -> ``{"ok", "channel", "ts", "message"}`` with unique increasing ts, the posting
  time in epoch seconds as Slack's (``1796531504.624117``). Messages are stored in ``fake.messages``.
  ``chat.update`` edits one (``message_not_found`` if unknown), ``chat.postEphemeral`` -> ``message_ts``,
  ``reactions.add`` (``already_reacted`` on duplicates; stored in ``fake.reactions``), ``reactions.remove``
  (``no_reaction`` when that reaction is not there),
  ``users.info`` (``fake.add_user``; unknown -> ``user_not_found``), ``conversations.info``
  (``fake.add_channel``; unknown -> ``channel_not_found``), ``conversations.replies`` and
  ``conversations.history`` (from stored messages: ``oldest``, ``limit``/``cursor`` pages, message metadata
  only with ``include_all_metadata``),
  ``files.getUploadURLExternal`` (``upload_url`` = ``http://127.0.0.1:PORT/upload/v1/<file_id>``), the raw
  upload POST (bytes stored in ``fake.files[file_id]``, answers ``OK - <n>``),
  ``files.completeUploadExternal`` (records ``fake.uploads``). So ``AsyncWebClient.files_upload_v2``
  works end to end.
* ``strict_channels=True`` makes posting to a channel not added with ``add_channel`` fail with
  ``channel_not_found``.

Scripted faults (checked before auth; they count calls of that method only; ``method="*"`` matches all):

* ``fake.fail_next("chat.postMessage", status=429, retry_after=1, times=2)`` -> HTTP 429 + ``Retry-After`` +
  ``{"ok": false, "error": "ratelimited"}``; ``status=500``/``503`` -> plain-text server error;
  ``status=200, error="channel_not_found"`` -> a Slack logical error.
* ``fake.fail_for("chat.postMessage", seconds=2.0, status=503)`` -> every call fails until the window ends.
* ``fake.post_delay_s = 0.3`` -> ``chat.postMessage`` stores the message at once and answers 0.3 s later.

Recorded calls: ``fake.calls`` (``SlackCall``: method, params, headers, http_method, body_kind) and
``fake.calls_to(method)``. Faulted calls are recorded too (``SlackCall.faulted``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time as _time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.server import LocalServer


@dataclass
class SlackCall:
    """One Web API call the fake received."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    http_method: str = "POST"
    body_kind: str = "form"  # "json" | "form" | "query"
    faulted: bool = False


@dataclass
class SlackUpload:
    """One completed ``files.completeUploadExternal`` file share."""

    file_id: str
    title: str | None
    filename: str | None
    channel_id: str | None
    thread_ts: str | None
    initial_comment: str | None
    data: bytes


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    error: str | None


@dataclass
class _Window:
    until: float
    status: int
    retry_after: int | None
    error: str | None


@dataclass
class _PendingFile:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FakeSlack(LocalServer):
    """Fake Slack Web API. ``async with FakeSlack() as slack:`` or ``await slack.start()``/``close()``."""

    name = "FakeSlack"

    def __init__(
        self,
        bot_token: str = "xoxb-test-token",  # noqa: S107
        *,
        team_id: str = "T1",
        team: str = "Leadline Test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        strict_channels: bool = False,
        clock: Callable[[], float] = _time.monotonic,
    ) -> None:
        self.clock = clock  # times ``fail_for`` windows; tests may pass a clock they move by hand
        self.tokens: set[str] = {bot_token}
        self.team_id = team_id
        self.team = team
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.strict_channels = strict_channels
        self.calls: list[SlackCall] = []
        self.messages: list[dict[str, Any]] = []
        self.ephemeral: list[dict[str, Any]] = []
        self.reactions: list[dict[str, str]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.uploads: list[SlackUpload] = []
        self._pending: dict[str, _PendingFile] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._windows: dict[str, _Window] = {}
        self._ts_counter = 0
        self.post_delay_s = 0.0  # chat.postMessage answers this much after storing the message
        super().__init__()
        self.add_user(bot_user_id, "Leadline", "leadline", is_bot=True)
        self.app = web.Application(client_max_size=50 * 1024 * 1024)
        self.app.router.add_route("*", "/api/{method}", self._api)
        self.app.router.add_post("/upload/v1/{file_id}", self._upload)

    # ------------------------------------------------------------------ lifecycle
    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/`` - pass as ``AsyncWebClient(base_url=...)``."""
        return f"{self.root_url}/api/"

    # ------------------------------------------------------------------ setup helpers
    def add_user(
        self,
        user_id: str,
        real_name: str,
        display_name: str = "",
        *,
        tz: str = "America/New_York",
        is_bot: bool = False,
        email: str | None = None,
    ) -> None:
        """Make ``users.info(user=user_id)`` succeed."""
        profile = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
        }
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": (display_name or real_name).lower().replace(" ", "."),
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "is_bot": is_bot,
            "profile": profile,
        }

    def add_channel(
        self, channel_id: str, name: str, *, is_private: bool = False, is_member: bool = True
    ) -> None:
        """Make ``conversations.info(channel=channel_id)`` succeed (and allow posting when strict)."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_private": is_private,
            "is_member": is_member,
            "is_archived": False,
        }

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"`` = any) fail.

        429 -> ``Retry-After: retry_after`` + ``{"ok": false, "error": "ratelimited"}``; 5xx -> plain text
        body; 200 with ``error`` -> ``{"ok": false, "error": error}``.
        """
        queue = self._faults.setdefault(method, deque())
        for _ in range(times):
            queue.append(_Fault(status, retry_after, error))

    def fail_for(
        self,
        method: str,
        seconds: float,
        status: int = 503,
        *,
        retry_after: int | None = 1,
        error: str | None = None,
    ) -> None:
        """Every call of ``method`` (``"*"`` = any) fails with ``status`` for the next ``seconds``."""
        self._windows[method] = _Window(self.clock() + seconds, status, retry_after, error)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._windows.clear()

    def calls_to(self, method: str) -> list[SlackCall]:
        """Recorded calls of one method, oldest first (faulted ones included; filter on ``.faulted``)."""
        return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Stored ``chat.postMessage`` messages, optionally for one channel / thread."""
        return [
            m
            for m in self.messages
            if (channel is None or m["channel"] == channel)
            and (thread_ts is None or m.get("thread_ts") == thread_ts)
        ]

    def next_ts(self) -> str:
        # Slack's ts is the posting time in epoch seconds (microseconds), unique and increasing per channel.
        self._ts_counter = max(self._ts_counter + 1, int(_time.time() * 1_000_000))
        return f"{self._ts_counter // 1_000_000}.{self._ts_counter % 1_000_000:06d}"

    # ------------------------------------------------------------------ plumbing
    @staticmethod
    def _ok(**data: Any) -> web.Response:
        return web.json_response({"ok": True, **data})

    @staticmethod
    def _err(error: str, status: int = 200, **extra: Any) -> web.Response:
        return web.json_response({"ok": False, "error": error, **extra}, status=status)

    def _fault_response(self, method: str) -> web.Response | None:
        fault: _Fault | _Window | None = None
        for key in (method, "*"):
            window = self._windows.get(key)
            if window is not None:
                if self.clock() < window.until:
                    fault = window
                    break
                del self._windows[key]
        if fault is None:
            for key in (method, "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue.popleft()
                    break
        if fault is None:
            return None
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status == 429:
            return web.json_response(
                {"ok": False, "error": fault.error or "ratelimited"}, status=429, headers=headers
            )
        if fault.status >= 500:
            return web.Response(
                status=fault.status, text=fault.error or "Internal Server Error", headers=headers
            )
        return self._err(fault.error or "fatal_error", status=fault.status)

    @staticmethod
    async def _params(request: web.Request) -> tuple[dict[str, Any], str]:
        params: dict[str, Any] = dict(request.query)
        kind = "query"
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
                kind = "json"
            elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                post = await request.post()
                params.update({k: v for k, v in post.items()})
                kind = "form"
        return params, kind

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, kind = await self._params(request)
        call = SlackCall(method, params, dict(request.headers), request.method, kind)
        self.calls.append(call)
        if (fault := self._fault_response(method)) is not None:
            call.faulted = True
            return fault
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
        if not token:
            return self._err("not_authed")
        if token not in self.tokens:
            return self._err("invalid_auth")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._err("unknown_method", req_method=method)
        response: web.Response = await handler(params)
        return response

    def _channel_error(self, channel: str | None) -> web.Response | None:
        if not channel:
            return self._err("channel_not_found")
        if self.strict_channels and channel not in self.channels:
            return self._err("channel_not_found")
        return None

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        for msg in self.messages:
            if msg["channel"] == channel and msg["ts"] == ts:
                return msg
        return None

    @staticmethod
    def _json_field(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in {"[", "{"}:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    # ------------------------------------------------------------------ methods
    async def _m_auth_test(self, params: dict[str, Any]) -> web.Response:
        return self._ok(
            url=f"https://{self.team.lower().replace(' ', '')}.slack.com/",
            team=self.team,
            user="leadline",
            team_id=self.team_id,
            user_id=self.bot_user_id,
            bot_id=self.bot_id,
            is_enterprise_install=False,
        )

    async def _m_chat_postMessage(self, params: dict[str, Any]) -> web.Response:
        channel = params.get("channel")
        if (err := self._channel_error(channel)) is not None:
            return err
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            return self._err("no_text")
        ts = self.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": "AAPP",
            "team": self.team_id,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key):
                message[key] = self._json_field(params[key])
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
            message["parent_user_id"] = self.bot_user_id
        self.messages.append({"channel": channel, **message})
        if self.post_delay_s:
            await asyncio.sleep(self.post_delay_s)  # posted at once, answered late: a kill lands in between
        return self._ok(channel=channel, ts=ts, message=message)

    async def _m_chat_update(self, params: dict[str, Any]) -> web.Response:
        channel, ts = params.get("channel"), params.get("ts")
        msg = self._find(str(channel), str(ts))
        if msg is None:
            return self._err("message_not_found")
        if "text" in params:
            msg["text"] = params["text"]
        for key in ("blocks", "attachments"):
            if key in params:
                msg[key] = self._json_field(params[key])
        msg["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        message = {k: v for k, v in msg.items() if k != "channel"}
        return self._ok(channel=channel, ts=ts, text=msg.get("text", ""), message=message)

    async def _m_chat_postEphemeral(self, params: dict[str, Any]) -> web.Response:
        channel = params.get("channel")
        if (err := self._channel_error(channel)) is not None:
            return err
        if not params.get("user"):
            return self._err("user_not_in_channel")
        ts = self.next_ts()
        self.ephemeral.append(
            {"channel": channel, "user": params["user"], "text": params.get("text"), "ts": ts}
        )
        return self._ok(message_ts=ts)

    async def _m_reactions_add(self, params: dict[str, Any]) -> web.Response:
        channel, ts, name = params.get("channel"), params.get("timestamp"), params.get("name")
        if not name:
            return self._err("invalid_name")
        if not channel or not ts:
            return self._err("no_item_specified")
        entry = {"channel": str(channel), "timestamp": str(ts), "name": str(name)}
        if entry in self.reactions:
            return self._err("already_reacted")
        self.reactions.append(entry)
        return self._ok()

    async def _m_reactions_remove(self, params: dict[str, Any]) -> web.Response:
        channel, ts, name = params.get("channel"), params.get("timestamp"), params.get("name")
        if not name:
            return self._err("invalid_name")
        if not channel or not ts:
            return self._err("no_item_specified")
        entry = {"channel": str(channel), "timestamp": str(ts), "name": str(name)}
        if entry not in self.reactions:
            return self._err("no_reaction")
        self.reactions.remove(entry)
        return self._ok()

    async def _m_users_info(self, params: dict[str, Any]) -> web.Response:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return self._err("user_not_found")
        return self._ok(user=user)

    async def _m_conversations_info(self, params: dict[str, Any]) -> web.Response:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return self._err("channel_not_found")
        return self._ok(channel=channel)

    async def _m_conversations_replies(self, params: dict[str, Any]) -> web.Response:
        channel, ts = str(params.get("channel")), str(params.get("ts"))
        thread = [m for m in self.messages
                  if m["channel"] == channel and (m["ts"] == ts or m.get("thread_ts") == ts)]
        if not thread:
            return self._err("thread_not_found")
        # Oldest first, the parent always included (as Slack does).
        return self._page(thread[:1] + [m for m in thread[1:] if float(m["ts"]) > float(params.get("oldest") or 0)],
                          params)

    async def _m_conversations_history(self, params: dict[str, Any]) -> web.Response:
        channel = str(params.get("channel"))
        if (err := self._channel_error(channel)) is not None:
            return err
        oldest = float(params.get("oldest") or 0)
        # Channel-level messages only (thread replies are not in the history), newest first.
        top = [m for m in self.messages if m["channel"] == channel and m.get("thread_ts", m["ts"]) == m["ts"]
               and float(m["ts"]) > oldest]
        return self._page(top[::-1], params)

    def _page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> web.Response:
        """One page of `limit` (cursor = offset), metadata only with include_all_metadata, as Slack does."""
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        page = [{k: v for k, v in m.items() if k != "channel" and (with_metadata or k != "metadata")}
                for m in messages[start:start + limit]]
        more = start + limit < len(messages)
        return self._ok(messages=page, has_more=more,
                        response_metadata={"next_cursor": str(start + limit) if more else ""})

    async def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> web.Response:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length in (None, ""):
            return self._err("invalid_arguments")
        file_id = "F" + secrets.token_hex(5).upper()
        self._pending[file_id] = _PendingFile(file_id, str(filename), int(length), params.get("alt_txt"))
        return self._ok(upload_url=f"{self.root_url}/upload/v1/{file_id}", file_id=file_id)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.calls.append(SlackCall("upload", {"file_id": file_id, "size": len(data)}, dict(request.headers)))
        pending = self._pending.get(file_id)
        if pending is None:
            return web.Response(status=404, text="file not found")
        pending.data = data
        self.files[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> web.Response:
        try:
            items = json.loads(params.get("files") or "[]")
        except ValueError:
            return self._err("invalid_arguments")
        if not isinstance(items, list) or not items:
            return self._err("invalid_arguments")
        out = []
        channel_id = params.get("channel_id") or None
        for item in items:
            pending = self._pending.get(item.get("id", ""))
            if pending is None or pending.data is None:
                return self._err("file_not_found")
        for item in items:
            pending = self._pending.pop(item["id"])
            data = pending.data or b""
            title = item.get("title") or pending.filename
            self.uploads.append(
                SlackUpload(
                    file_id=pending.file_id,
                    title=title,
                    filename=pending.filename,
                    channel_id=channel_id,
                    thread_ts=params.get("thread_ts") or None,
                    initial_comment=params.get("initial_comment") or None,
                    data=data,
                )
            )
            out.append(
                {
                    "id": pending.file_id,
                    "name": pending.filename,
                    "title": title,
                    "size": len(data),
                    "mimetype": _guess_mimetype(pending.filename),
                    "user": self.bot_user_id,
                    "url_private": f"{self.root_url}/files/{pending.file_id}/{pending.filename}",
                    "permalink": f"https://example.slack.com/files/{self.bot_user_id}/{pending.file_id}",
                }
            )
        return self._ok(files=out)


def _guess_mimetype(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


# ---------------------------------------------------------------------- signing helpers (app-under-test side)
def slack_signed_headers(
    signing_secret: str,
    body: bytes,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers Slack sends with an Events API / slash command / interactivity request.

    ``X-Slack-Signature = "v0=" + hex(hmac_sha256(secret, b"v0:" + ts + b":" + body))``; checked against
    ``slack_sdk.signature.SignatureVerifier`` (which Bolt uses) in ``test_fakes.py``. ``Content-Type`` is JSON
    when the body looks like JSON, else form-encoded, unless ``content_type`` is given.
    """
    ts = str(int(_time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if content_type is None:
        content_type = (
            "application/json" if body.lstrip()[:1] in (b"{", b"[") else "application/x-www-form-urlencoded"
        )
    return {
        "X-Slack-Signature": f"v0={digest}",
        "X-Slack-Request-Timestamp": ts,
        "Content-Type": content_type,
    }


def event_callback_body(
    event: Mapping[str, Any],
    event_id: str | None = None,
    team_id: str = "T1",
    *,
    api_app_id: str = "AAPP",
    event_time: int | None = None,
) -> bytes:
    """An Events API ``event_callback`` envelope as JSON bytes."""
    envelope = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
        "event_time": event_time if event_time is not None else int(_time.time()),
        "authorizations": [
            {"team_id": team_id, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def slash_command_body(
    command: str,
    text: str = "",
    *,
    user_id: str = "U1",
    channel_id: str = "C1",
    team_id: str = "T1",
    trigger_id: str = "123.456.abc",
    response_url: str = "https://hooks.slack.com/commands/T1/1/x",
) -> bytes:
    """A slash command request body (form-encoded bytes)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "leadline-test",
            "channel_id": channel_id,
            "channel_name": "sales",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AAPP",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    ).encode()


def interaction_body(payload: Mapping[str, Any]) -> bytes:
    """An interactivity (block_actions, view_submission...) request body: form ``payload=<json>``."""
    return urlencode({"payload": json.dumps(dict(payload))}).encode()


__all__ = [
    "FakeSlack",
    "SlackCall",
    "SlackUpload",
    "event_callback_body",
    "interaction_body",
    "slack_signed_headers",
    "slash_command_body",
]
