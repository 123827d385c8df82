"""Storing many messages in one transaction with a handful of bulk statements.

The live webhook path groups the messages that arrive within a few milliseconds and stores them here, so
the cost per message is a fraction of one round trip. The rules are the same pure `analytics.waits.step`
as everywhere: each contact's new messages are folded in time order onto its stored state. A contact
with a message older than its newest stored one is rebuilt from its whole history instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.db import insert_ignore
from analytics.ingest_types import IncomingMessage, IngestConfig, IngestResult, message_values, validate
from analytics.models import WAIT_CANCELLED, WAIT_CLOSED, WAIT_OPEN, Contact, Conversation, Message, OptEvent, Wait
from analytics.rebuild import rebuild_contact
from analytics.wait_rows import merge_topics
from analytics.waits import CANCEL, CLOSE, EXTEND, OPEN, ContactState, Event, step


@dataclass
class _Ref:
    """A row to insert whose id is known only after the insert."""

    values: dict[str, Any]
    id: int | None = None


@dataclass
class _Plan:
    conversations: list[_Ref] = field(default_factory=list)
    messages: list[tuple[_Ref, _Ref | int]] = field(default_factory=list)  # (message, conversation)
    waits: list[tuple[_Ref, _Ref, _Ref | int]] = field(default_factory=list)  # (wait, opened msg, conversation)
    wait_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    closers: list[tuple[_Ref | int, _Ref]] = field(default_factory=list)  # (wait, closing message)
    conversation_updates: dict[int, datetime] = field(default_factory=dict)
    opt_events: list[tuple[dict[str, Any], _Ref]] = field(default_factory=list)
    contact_updates: list[tuple[int, dict[str, Any], _Ref | int | None, _Ref | int | None]] = field(
        default_factory=list)  # (contact id, values, open wait, current conversation)


def _id(ref: _Ref | int | None) -> int | None:
    return ref.id if isinstance(ref, _Ref) else ref


async def lock_contacts(session: AsyncSession, first_seen: dict[str, tuple[str, datetime]]) -> dict[str, Any]:
    """Create missing contacts and lock all of them, in id order so concurrent batches cannot deadlock."""
    await session.execute(
        insert_ignore(session, Contact, ["address"]),
        [{"address": a, "channel": ch, "created_at": at, "opted_out": False} for a, (ch, at) in first_seen.items()],
    )
    table = Contact.__table__
    # Plain rows, not ORM objects: the batch path reads a few fields and writes back with Core.
    rows = (await session.execute(
        select(table).where(table.c.address.in_(list(first_seen))).order_by(table.c.id).with_for_update()
    )).all()
    return {row.address: row for row in rows}


async def record_messages(session: AsyncSession, msgs: Sequence[IncomingMessage],
                          config: IngestConfig) -> list[IngestResult]:
    """Store `msgs` and everything they change; idempotent on sid. Runs in the caller's transaction."""
    for msg in msgs:
        validate(msg)
    now = datetime.now(UTC)
    first_seen: dict[str, tuple[str, datetime]] = {}
    for msg in msgs:
        first_seen.setdefault(msg.address, (msg.channel, msg.sent_at))
    contacts = await lock_contacts(session, first_seen)
    known = {row.sid: row for row in (await session.execute(
        select(Message.sid, Message.id, Message.conversation_id).where(Message.sid.in_([m.sid for m in msgs]))
    )).all()}

    results: list[IngestResult | None] = [None] * len(msgs)
    fresh: dict[int, list[int]] = {}  # contact id -> indexes of new messages
    seen: set[str] = set()
    for i, msg in enumerate(msgs):
        contact = contacts[msg.address]
        if msg.sid in known or msg.sid in seen:
            continue
        seen.add(msg.sid)
        fresh.setdefault(contact.id or 0, []).append(i)

    replay_contacts = {cid for cid, idx in fresh.items()
                       if _out_of_order(contacts[msgs[idx[0]].address], [msgs[i] for i in idx])}
    live = [contacts[msgs[idx[0]].address] for cid, idx in fresh.items() if cid not in replay_contacts]
    open_ids = [c.open_wait_id for c in live if c.open_wait_id is not None]
    open_waits = {row.id: row for row in (await session.execute(
        select(Wait.id, Wait.opened_at, Wait.inbound_count, Wait.topics).where(Wait.id.in_(open_ids))
    )).all()} if open_ids else {}
    quiet = [c.current_conversation_id for c in live if c.open_wait_id is None and c.current_conversation_id]
    with_waits = set((await session.execute(
        select(Wait.conversation_id).where(Wait.conversation_id.in_(quiet)).distinct()
    )).scalars()) if quiet else set()

    plan = _Plan()
    refs: dict[int, _Ref] = {}
    steps: dict[int, Any] = {}
    for contact_id, indexes in fresh.items():
        contact = contacts[msgs[indexes[0]].address]
        rows = {i: message_values(msgs[i], contact_id, config.topics, now) for i in indexes}
        if contact_id in replay_contacts:
            for i in indexes:
                refs[i] = _Ref(rows[i])
                plan.messages.append((refs[i], 0))
            continue
        ordered = sorted(indexes, key=lambda i: (msgs[i].sent_at, msgs[i].sid))
        wait = open_waits.get(contact.open_wait_id) if contact.open_wait_id is not None else None
        has_wait = wait is not None or contact.current_conversation_id in with_waits
        _plan_contact(plan, contact, wait, has_wait, ordered, msgs, rows, refs, steps, config)

    await _write(session, plan)
    for contact_id in replay_contacts:
        await rebuild_contact(session, contact_id, config)

    # The answers for the callers. Only rebuilt contacts need reading back; the rest is known from the plan.
    new_ids = {msgs[i].sid: refs[i].id for i in refs}
    rebuilt_ids = [refs[i].id for i in refs if steps.get(i) is None]
    after = {row.id: row for row in (await session.execute(
        select(Message.id, Message.conversation_id, Message.keyword).where(Message.id.in_(rebuilt_ids))
    )).all()} if rebuilt_ids else {}
    opted = {c.id: c.opted_out for c in contacts.values()}
    opted |= {cid: values["opted_out"] for cid, values, _, _ in plan.contact_updates}
    if replay_contacts:
        opted |= dict((await session.execute(
            select(Contact.id, Contact.opted_out).where(Contact.id.in_(list(replay_contacts)))
        )).all())
    for i, msg in enumerate(msgs):
        contact_id = contacts[msg.address].id or 0
        if i in refs:
            result = steps.get(i)
            if result is None:
                row = after[refs[i].id]
                results[i] = IngestResult(False, refs[i].id or 0, contact_id, row.conversation_id, False,
                                          row.keyword, None, bool(opted.get(contact_id)), rebuilt=True)
            else:
                results[i] = IngestResult(
                    False, refs[i].id or 0, contact_id, refs[i].values["conversation_id"], result.new_conversation,
                    result.keyword, result.wait_action, result.state.opted_out,
                )
        else:
            prior = known.get(msg.sid)
            message_id = prior.id if prior else new_ids.get(msg.sid) or 0
            conversation = prior.conversation_id if prior else None
            results[i] = IngestResult(True, message_id, contact_id, conversation, False, None, None,
                                      bool(opted.get(contact_id)))
    return [r for r in results if r is not None]


def _out_of_order(contact: Contact, batch: list[IncomingMessage]) -> bool:
    last = contact.last_message_at
    return last is not None and min(m.sent_at for m in batch) <= last


def _plan_contact(plan: _Plan, contact: Contact, wait: Any, has_wait: bool, ordered: list[int],
                  msgs: Sequence[IncomingMessage], rows: dict[int, dict[str, Any]], refs: dict[int, _Ref],
                  steps: dict[int, Any], config: IngestConfig) -> None:
    """Fold one contact's new messages (in time order) onto its stored state; writes go into `plan`."""
    open_wait: _Ref | int | None = contact.open_wait_id
    wait_state: dict[str, Any] = {}
    if wait is not None:
        wait_state = {"opened_at": wait.opened_at, "inbound_count": wait.inbound_count, "topics": wait.topics}
    state = ContactState(contact.opted_out, contact.last_message_at, contact.open_wait_id is not None, has_wait,
                         contact.current_conversation_id is not None)
    conversation: _Ref | int | None = contact.current_conversation_id
    seq = contact.sentiment_seq or 0
    opted_out_at = contact.opted_out_at
    for i in ordered:
        msg, row = msgs[i], rows[i]
        result = step(state, Event(msg.sent_at, msg.sid, msg.direction, msg.automated, row["keyword"]), config.gap)
        steps[i] = result
        row["keyword"] = result.keyword
        if result.new_conversation:
            seq = 0
            conversation = _Ref({"contact_id": contact.id, "started_at": msg.sent_at,
                                 "last_message_at": msg.sent_at, "channel": msg.channel})
            plan.conversations.append(conversation)
        elif isinstance(conversation, _Ref):
            conversation.values["last_message_at"] = msg.sent_at
        elif conversation is not None:
            plan.conversation_updates[conversation] = msg.sent_at
        if row["sentiment_score"] is not None:
            seq += 1
            row["sentiment_seq"] = seq
        ref = refs[i] = _Ref(row)
        assert conversation is not None
        plan.messages.append((ref, conversation))
        action = result.wait_action
        if action == OPEN:
            new_wait = _Ref({"contact_id": contact.id, "opened_at": msg.sent_at, "last_inbound_at": msg.sent_at,
                             "state": WAIT_OPEN, "first_in_conversation": result.first_in_conversation,
                             "channel": msg.channel, "topics": row["topics"], "inbound_count": 1})
            plan.waits.append((new_wait, ref, conversation))
            open_wait, wait_state = new_wait, {"opened_at": msg.sent_at, "inbound_count": 1, "topics": row["topics"]}
        elif action is not None and open_wait is not None:
            changes: dict[str, Any]
            if action == EXTEND:
                wait_state["inbound_count"] += 1
                wait_state["topics"] = merge_topics(wait_state["topics"], row["topics"])
                changes = {"last_inbound_at": msg.sent_at, "inbound_count": wait_state["inbound_count"],
                           "topics": wait_state["topics"]}
            elif action == CLOSE:
                opened_at = wait_state["opened_at"]
                changes = {"state": WAIT_CLOSED, "closed_at": msg.sent_at, "closed_by_rep_id": msg.rep_id,
                           "calendar_seconds": (msg.sent_at - opened_at).total_seconds(),
                           "business_seconds": config.calendar.business_seconds(opened_at, msg.sent_at)}
                plan.closers.append((open_wait, ref))
            else:
                assert action == CANCEL
                changes = {"state": WAIT_CANCELLED, "closed_at": msg.sent_at}
            if isinstance(open_wait, _Ref):
                open_wait.values.update(changes)
            else:
                plan.wait_updates.setdefault(open_wait, {}).update(changes)
            if action in (CLOSE, CANCEL):
                open_wait = None
        if result.keyword is not None:
            source = "advanced_opt_out" if msg.opt_out_type else "keyword"
            plan.opt_events.append(({"contact_id": contact.id, "kind": result.keyword, "at": msg.sent_at,
                                     "source": source}, ref))
        if result.state.opted_out != state.opted_out:
            opted_out_at = msg.sent_at if result.state.opted_out else None
        state = result.state
    values = {"opted_out": state.opted_out, "opted_out_at": opted_out_at, "last_message_at": state.last_message_at,
              "first_message_at": contact.first_message_at or msgs[ordered[0]].sent_at, "sentiment_seq": seq}
    plan.contact_updates.append((contact.id or 0, values, open_wait, conversation))


async def _insert_returning(session: AsyncSession, model: Any, refs: list[_Ref]) -> None:
    if not refs:
        return
    table = model.__table__
    # One executemany needs the same keys in every row; the ones a row lacks are nullable (e.g. closed_at).
    keys = {k for r in refs for k in r.values}
    rows = [{k: r.values.get(k) for k in keys} for r in refs]
    ids = (await session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )).scalars().all()
    for ref, new_id in zip(refs, ids, strict=True):
        ref.id = new_id


async def _write(session: AsyncSession, plan: _Plan) -> None:
    await _insert_returning(session, Conversation, plan.conversations)
    for message, conversation in plan.messages:
        message.values["conversation_id"] = _id(conversation) or None
    await _insert_returning(session, Message, [m for m, _ in plan.messages])
    for wait, opened, conversation in plan.waits:
        wait.values |= {"opened_message_id": opened.id, "conversation_id": _id(conversation)}
    for wait_ref, closer in plan.closers:
        if isinstance(wait_ref, _Ref):
            wait_ref.values["closed_message_id"] = closer.id
        else:
            plan.wait_updates[wait_ref]["closed_message_id"] = closer.id
    await _insert_returning(session, Wait, [w for w, _, _ in plan.waits])
    # One executemany per shape of change (extended, closed, cancelled, ...), not one UPDATE per wait: a
    # burst of follow-ups from leads already waiting otherwise costs a round trip each.
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for wait_id, changes in plan.wait_updates.items():
        params = {"wid": wait_id, **{f"v_{k}": v for k, v in changes.items()}}
        shapes.setdefault(tuple(sorted(changes)), []).append(params)
    table = Wait.__table__
    for keys, params in shapes.items():
        await session.execute(
            update(table).where(table.c.id == bindparam("wid")).values({k: bindparam(f"v_{k}") for k in keys}),
            params)
    if plan.conversation_updates:
        table = Conversation.__table__
        await session.execute(
            update(table).where(table.c.id == bindparam("cid")).values(last_message_at=bindparam("at")),
            [{"cid": cid, "at": at} for cid, at in plan.conversation_updates.items()])
    if plan.opt_events:
        await session.execute(insert(OptEvent), [v | {"message_id": ref.id} for v, ref in plan.opt_events])
    if plan.contact_updates:
        table = Contact.__table__
        columns = ("opted_out", "opted_out_at", "last_message_at", "first_message_at", "open_wait_id",
                   "current_conversation_id", "sentiment_seq")
        await session.execute(
            update(table).where(table.c.id == bindparam("cid")).values({c: bindparam(f"v_{c}") for c in columns}),
            [{"cid": cid, **{f"v_{k}": v for k, v in values.items()}, "v_open_wait_id": _id(wait),
              "v_current_conversation_id": _id(conversation)}
             for cid, values, wait, conversation in plan.contact_updates])
