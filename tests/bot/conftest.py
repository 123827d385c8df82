"""Fixtures for driving the real aiohttp app over real HTTP on a random loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings

MakeClient = Callable[..., Awaitable[TestClient]]


def make_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(_env_file=None, database_url=database_url, **overrides)  # type: ignore[call-arg]


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    clients: list[TestClient] = []

    async def _make(settings: Settings, **app_options: Any) -> TestClient:
        client = TestClient(TestServer(create_app(settings, **app_options), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        await client.close()
