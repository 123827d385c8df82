"""The Slack Web API client and how its failures map to outbox outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import DONE, FAILED, RETRY, Outcome
from bot.settings import Settings

# Slack answers these for a moment of trouble on its side; anything else logical is our mistake.
_TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                               "request_timeout", "team_added_to_org"})
TIMEOUT_S = 15


def make_web_client(settings: Settings) -> AsyncWebClient:
    """The one client every Web API call goes through, aimed at SLACK_API_BASE_URL.

    Retries are the outbox's business (it honours Retry-After and keeps order), so the SDK does none.
    """
    return AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_base_url,
                          timeout=TIMEOUT_S, retry_handlers=[])


def outcome_of(exc: BaseException) -> Outcome:
    """RETRY for rate limits (after Retry-After), 5xx and network trouble; FAILED for Slack's refusals."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 0) or 0)
        data = response.data if isinstance(response.data, dict) else {}
        error = str(data.get("error") or f"HTTP {status}")
        if status == 429 or error == "ratelimited":
            return Outcome(RETRY, f"Slack rate limit ({error})", _retry_after(response.headers))
        if status >= 500 or error in _TRANSIENT_ERRORS:
            return Outcome(RETRY, f"Slack {status}: {error}", _retry_after(response.headers))
        return Outcome(FAILED, f"Slack refused: {error}")
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, ClientError, OSError)):
        return Outcome(RETRY, f"{type(exc).__name__} talking to Slack")
    return Outcome(RETRY, type(exc).__name__)


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
    except AttributeError:
        return None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


async def run_call(call: Awaitable[Any], *, ok_errors: frozenset[str] = frozenset()) -> tuple[Any, Outcome]:
    """Await a Web API call: (response, DONE) or (None, the outcome its failure means).

    `ok_errors` are Slack errors that mean the work is already done (e.g. `already_reacted`).
    """
    try:
        return await call, Outcome(DONE)
    except SlackApiError as exc:
        if slack_error(exc) in ok_errors:
            return None, Outcome(DONE)
        return None, outcome_of(exc)
    except (TimeoutError, ClientError, OSError) as exc:
        return None, outcome_of(exc)


def slack_error(exc: BaseException) -> str | None:
    """Slack's error code of a refused call (`channel_not_found`), or None."""
    if isinstance(exc, SlackApiError) and isinstance(exc.response.data, dict):
        return exc.response.data.get("error")
    return None
