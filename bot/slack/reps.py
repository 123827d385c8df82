"""Reps known by their Slack user: created in the rep directory the first time they answer a lead."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from analytics.db import Database
from analytics.reps import rep_for_slack_user, save_slack_rep
from bot.slack.client import run_call

log = logging.getLogger("leadline.slack")

PLACEHOLDER_PREFIX = "Slack user "


def display_name(user: dict[str, Any]) -> str | None:
    """The name Slack shows for a user: display name, else real name, else handle."""
    profile = user.get("profile") or {}
    for value in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


class RepDirectory:
    """Slack user id -> rep id, cached per process; `users.info` is asked once per new user."""

    def __init__(self, db: Database, web: AsyncWebClient) -> None:
        self.db = db
        self.web = web
        self._ids: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rep_id(self, user_id: str) -> int:
        if user_id in self._ids:
            return self._ids[user_id]
        # Slack often delivers one message several times at once: one lookup serves them all.
        async with self._locks.setdefault(user_id, asyncio.Lock()):
            if user_id in self._ids:
                return self._ids[user_id]
            return await self._find_or_create(user_id)

    async def _find_or_create(self, user_id: str) -> int:
        async with self.db.read() as session:
            found = await rep_for_slack_user(session, user_id)
        if found is not None and not found[1].startswith(PLACEHOLDER_PREFIX):
            self._ids[user_id] = found[0]
            return found[0]
        name = await self._lookup(user_id)
        rep_id = await self._store(user_id, name)
        if name is not None:
            self._ids[user_id] = rep_id
        return rep_id

    async def _lookup(self, user_id: str) -> str | None:
        response, outcome = await run_call(self.web.users_info(user=user_id))
        if response is None:
            # The text still goes out; the rep keeps a placeholder name until Slack answers next time.
            log.warning("users.info failed", extra={"user": user_id, "error": outcome.error})
            return None
        return display_name(response.get("user") or {})

    async def _store(self, user_id: str, name: str | None) -> int:
        async with self.db.transaction() as session:
            return await save_slack_rep(session, user_id, name, placeholder_prefix=PLACEHOLDER_PREFIX)
