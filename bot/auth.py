"""Bearer-token check for `/api/*`, compared in constant time."""

from __future__ import annotations

import hmac

from aiohttp import web

from bot import state
from bot.errors import Forbidden, Unauthorized


def require_token(request: web.Request) -> None:
    """Raise Unauthorized (401) unless the request carries `Authorization: Bearer $API_TOKEN`."""
    expected = request.app[state.CONTAINER].settings.api_token.get_secret_value()
    if not expected:
        raise Forbidden("the API is disabled: set API_TOKEN to enable it")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthorized("missing or wrong bearer token")
