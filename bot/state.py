"""The typed key for what the aiohttp application holds: the service's one container (aiohttp's AppKey)."""

from __future__ import annotations

from aiohttp import web

from bot.container import Container

CONTAINER = web.AppKey("container", Container)
