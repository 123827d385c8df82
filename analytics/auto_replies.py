"""Automatic replies already stored (HELP_REPLY, AFTER_HOURS_REPLY): what a repeated delivery was answered, and
which conversations already had the after-hours reply."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import Message


async def bodies_by_sid(session: AsyncSession, sids: Sequence[str]) -> dict[str, str]:
    """The text of each stored message among `sids`."""
    if not sids:
        return {}
    return dict((await session.execute(select(Message.sid, Message.body).where(Message.sid.in_(list(sids))))).all())


async def conversations_answered(session: AsyncSession, conversation_ids: Sequence[int], body: str) -> set[int]:
    """The conversations among `conversation_ids` that already got the automatic message `body`."""
    return set((await session.execute(
        select(Message.conversation_id).where(
            Message.conversation_id.in_(list(conversation_ids)), Message.automated.is_(True),  # type: ignore[union-attr]
            Message.body == body)
    )).scalars())
