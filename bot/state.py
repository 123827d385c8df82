"""Typed keys for what the aiohttp application holds (aiohttp's AppKey, not string keys)."""

from __future__ import annotations

from aiohttp import web

from analytics.db import Database
from bot.container import Services
from bot.metrics import Metrics
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
METRICS = web.AppKey("metrics", Metrics)
HEAD_REVISION = web.AppKey("head_revision", str)
SERVICES = web.AppKey("services", Services)
RUNTIME = web.AppKey("runtime", object)
START_WORKERS = web.AppKey("start_workers", bool)
