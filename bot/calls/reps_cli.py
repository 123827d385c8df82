"""`leadline reps add|list`: the rep directory. Calls are matched to reps by phone, Slack users to reps by
user ID, so both are stored in one canonical form (E.164, Slack's upper-case IDs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from typing import Any

from analytics.reps import RepEntry
from bot.cli_support import fail
from bot.settings import Settings
from bot.twilio.parse import E164_RE

SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,31}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InputError(ValueError):
    """A value given on the command line is not usable (exit 2)."""


def normalise_phone(raw: str) -> str:
    """`+1 (555) 123-4567` -> `+15551234567`; refuses anything that is not an international number."""
    phone = re.sub(r"[\s().\-]", "", raw)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not E164_RE.match(phone):
        raise InputError(f"--phone {raw!r} is not an international number; expected e.g. +15551234567")
    return phone


def rep_values(args: argparse.Namespace) -> dict[str, Any]:
    """The new rep's columns from the arguments, checked and normalised."""
    name = args.name.strip()
    if not name or len(name) > 200:
        raise InputError("--name must be 1-200 characters")
    values: dict[str, Any] = {"name": name, "email": None, "phone": None, "slack_user_id": None, "role": None}
    if args.email:
        if not EMAIL_RE.match(args.email.strip()) or len(args.email) > 320:
            raise InputError(f"--email {args.email!r} is not an email address")
        values["email"] = args.email.strip().lower()
    if args.phone:
        values["phone"] = normalise_phone(args.phone)
    if args.slack_user:
        user = args.slack_user.strip().upper()
        if not SLACK_USER_RE.match(user):
            raise InputError(f"--slack-user {args.slack_user!r} is not a Slack user ID (like U024BE7LH)")
        values["slack_user_id"] = user
    if args.role:
        values["role"] = args.role.strip()[:64] or None
    return values


async def _prepare(settings: Settings) -> Any:
    from analytics.db import Database
    from bot.migrations import upgrade

    if settings.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database_url)
    return Database(settings.database_url)


async def add_rep(settings: Settings, values: dict[str, Any]) -> RepEntry:
    """Insert the rep; InputError names the field another rep already has."""
    from analytics import reps
    from analytics.errors import Conflict

    db = await _prepare(settings)
    try:
        async with db.transaction() as session:
            return await reps.add_rep(session, values)
    except Conflict as exc:
        raise InputError(str(exc)) from exc
    finally:
        await db.dispose()


async def list_reps(settings: Settings) -> list[RepEntry]:
    from analytics import reps

    db = await _prepare(settings)
    try:
        async with db.read() as session:
            return await reps.list_reps(session)
    finally:
        await db.dispose()


def _as_dict(rep: RepEntry) -> dict[str, Any]:
    return {"id": rep.id, "name": rep.name, "email": rep.email, "phone": rep.phone,
            "slack_user": rep.slack_user_id, "role": rep.role}


def cmd_reps_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        rep = asyncio.run(add_rep(settings, rep_values(args)))
    except InputError as exc:
        return fail(str(exc), 2)
    except Exception as exc:
        return fail(f"cannot add the rep: {type(exc).__name__}: {exc}", 1)
    print(f"added rep #{rep.id}: {rep.name}")
    return 0


def cmd_reps_list(args: argparse.Namespace, settings: Settings) -> int:
    try:
        reps = asyncio.run(list_reps(settings))
    except Exception as exc:
        return fail(f"cannot read the reps: {type(exc).__name__}: {exc}", 1)
    if args.json:
        print(json.dumps([_as_dict(r) for r in reps], indent=2))
        return 0
    if not reps:
        print("no reps yet; add one with `leadline reps add --name NAME --phone +1555...`")
        return 0
    rows = [("ID", "NAME", "EMAIL", "PHONE", "SLACK", "ROLE")]
    rows += [(str(r.id), r.name, r.email or "", r.phone or "", r.slack_user_id or "", r.role or "") for r in reps]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    reps = subparsers.add_parser(
        "reps", help="the rep directory (names, phones, Slack users)",
        description="The rep directory: calls are matched to reps by phone number, Slack users by user ID.")
    sub = reps.add_subparsers(dest="reps_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a rep", description="Add a rep to the directory.")
    add.add_argument("--name", required=True, help="the rep's name")
    add.add_argument("--email", help="email address (unique)")
    add.add_argument("--phone", help="phone number calls reach the rep on, international form (+15551234567)")
    add.add_argument("--slack-user", help="Slack user ID, e.g. U024BE7LH (unique)")
    add.add_argument("--role", help="free text, e.g. sdr, ae, manager")
    add.set_defaults(func=cmd_reps_add)
    lst = sub.add_parser("list", help="list the reps", description="List the reps in the directory.")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=cmd_reps_list)
