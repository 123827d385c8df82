"""The rep directory: who answers texts and calls. Reps are found by phone (calls), by Slack user (replies
from Slack) and listed; email, phone and Slack user are each unique."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.db import insert_ignore
from analytics.errors import Conflict
from analytics.models import Rep

UNIQUE = ("email", "phone", "slack_user_id")


@dataclass(frozen=True)
class RepEntry:
    id: int
    name: str
    email: str | None
    phone: str | None
    slack_user_id: str | None
    role: str | None


def _entry(rep: Rep) -> RepEntry:
    return RepEntry(rep.id or 0, rep.name, rep.email, rep.phone, rep.slack_user_id, rep.role)


async def add_rep(session: AsyncSession, values: dict[str, Any]) -> RepEntry:
    """Add a rep (`name`, `email`, `phone`, `slack_user_id`, `role`); Conflict names the field another rep
    already has."""
    unique = [(column, values[column]) for column in UNIQUE if values.get(column)]
    if unique:
        clash = (await session.execute(select(Rep).where(
            or_(*(getattr(Rep, column) == value for column, value in unique))))).scalars().first()
        if clash is not None:
            field = next(c for c, v in unique if getattr(clash, c) == v)
            raise Conflict(f"rep #{clash.id} ({clash.name}) already has that {field.replace('_', ' ')}")
    rep = Rep(**values)
    session.add(rep)
    try:
        await session.flush()
    except IntegrityError as exc:  # another process added the same value since the check above
        raise Conflict("another rep already has that email, phone or Slack user") from exc
    return _entry(rep)


async def list_reps(session: AsyncSession) -> list[RepEntry]:
    return [_entry(rep) for rep in (await session.execute(select(Rep).order_by(Rep.name, Rep.id))).scalars()]


async def rep_for_slack_user(session: AsyncSession, user_id: str) -> tuple[int, str] | None:
    """(id, name) of the rep with this Slack user."""
    row = (await session.execute(select(Rep.id, Rep.name).where(Rep.slack_user_id == user_id))).first()
    return (int(row[0]), str(row[1])) if row else None


async def save_slack_rep(session: AsyncSession, user_id: str, name: str | None, *, placeholder_prefix: str) -> int:
    """The id of the rep with this Slack user, created if missing. Without a `name` a new rep is called
    `<placeholder_prefix><user id>`; with one, a rep still carrying a placeholder gets it."""
    # Another replica may create the same rep at the same moment: the loser's insert does nothing.
    await session.execute(insert_ignore(session, Rep, ["slack_user_id"])
                          .values(name=name or f"{placeholder_prefix}{user_id}", slack_user_id=user_id))
    if name is not None:
        await session.execute(
            update(Rep).where(Rep.slack_user_id == user_id, Rep.name.startswith(placeholder_prefix))
            .values(name=name)
        )
    return int(await session.scalar(select(Rep.id).where(Rep.slack_user_id == user_id)) or 0)
