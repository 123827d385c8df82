"""The twilio SDK's async client, pointed at TWILIO_API_BASE_URL and given a real request timeout."""

from __future__ import annotations

from typing import Any

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.settings import Settings

REQUEST_TIMEOUT_S = 15.0


class TimeoutAsyncHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """The SDK passes `timeout=None` per call, which aiohttp reads as "wait forever"; use ours instead."""

    async def request(self, method: str, url: str, *args: Any, timeout: float | None = None,  # noqa: ASYNC109
                      **kwargs: Any) -> Any:
        return await super().request(method, url, *args, timeout=timeout or self.timeout, **kwargs)


def make_client(settings: Settings, timeout: float = REQUEST_TIMEOUT_S) -> Client:
    """Build inside the running event loop (the http client opens an aiohttp session); close it at exit."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                    http_client=TimeoutAsyncHttpClient(timeout=timeout))
    client.api.base_url = settings.twilio_api_base_url
    return client


async def close_client(client: Client) -> None:
    http = client.http_client
    if hasattr(http, "close"):
        await http.close()
