"""The wait and conversation rules, as pure functions over one contact's timeline.

A contact's history is a sequence of events in time order (messages, and opt events that came with no
message, such as Twilio error 21610). `step` applies one event to the contact's state and says what
happens; `replay` folds `step` over a whole history. Live ingest calls `step` for a message that
arrives in order; anything else (imports, late webhooks) replays the contact, so both give the same
waits. Definitions are in docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from analytics.models import INBOUND, OPT_IN, OPT_OUT
from analytics.opt_out import effective_keyword

OPEN = "open"
EXTEND = "extend"
CLOSE = "close"
CANCEL = "cancel"


@dataclass(frozen=True)
class Event:
    """One thing that happened with a contact. `key` orders events that share a timestamp."""

    at: datetime
    key: str
    direction: str | None = None  # inbound/outbound for messages; None for a bare opt event
    automated: bool = False
    candidate_keyword: str | None = None  # what the text asks for; see analytics.opt_out
    opt_event: str | None = None  # opt_out/opt_in for an opt event that came without a message

    @property
    def is_message(self) -> bool:
        return self.direction is not None


@dataclass(frozen=True)
class ContactState:
    opted_out: bool = False
    last_message_at: datetime | None = None
    wait_open: bool = False
    conversation_has_wait: bool = False
    has_conversation: bool = False


@dataclass(frozen=True)
class Step:
    """What one event does: its effective keyword, whether it starts a conversation, the wait action."""

    keyword: str | None
    new_conversation: bool
    wait_action: str | None
    first_in_conversation: bool
    state: ContactState


def step(state: ContactState, event: Event, gap: timedelta) -> Step:
    """Apply one event (in time order) to a contact's state."""
    if not event.is_message:
        opted_out = {OPT_OUT: True, OPT_IN: False}.get(event.opt_event or "", state.opted_out)
        action = CANCEL if opted_out and state.wait_open else None
        new_state = replace(state, opted_out=opted_out, wait_open=state.wait_open and action is None)
        return Step(event.opt_event, False, action, False, new_state)

    keyword = effective_keyword(event.candidate_keyword, state.opted_out) if event.direction == INBOUND \
        else None
    # A lead still waiting stays in the same conversation however long the silence.
    new_conversation = not state.has_conversation or (
        not state.wait_open
        and state.last_message_at is not None
        and event.at - state.last_message_at > gap
    )
    conversation_has_wait = state.conversation_has_wait and not new_conversation
    opted_out = state.opted_out
    action: str | None = None
    first = False
    if event.direction == INBOUND:
        if keyword == OPT_OUT:
            opted_out = True
            action = CANCEL if state.wait_open else None
        elif keyword == OPT_IN:
            opted_out = False
        elif keyword is None and not state.opted_out:
            if state.wait_open:
                action = EXTEND
            else:
                action = OPEN
                first = not conversation_has_wait
                conversation_has_wait = True
    elif not event.automated and state.wait_open:
        action = CLOSE
    wait_open = action in (OPEN, EXTEND) or (state.wait_open and action is None)
    new_state = ContactState(
        opted_out=opted_out,
        last_message_at=event.at,
        wait_open=wait_open,
        conversation_has_wait=conversation_has_wait,
        has_conversation=True,
    )
    return Step(keyword, new_conversation, action, first, new_state)


@dataclass
class WaitSpan:
    opened_key: str
    opened_at: datetime
    last_inbound_at: datetime
    first_in_conversation: bool
    conversation_index: int
    inbound_keys: list[str] = field(default_factory=list)
    closed_key: str | None = None
    closed_at: datetime | None = None
    state: str = "open"


@dataclass
class ConversationSpan:
    index: int
    started_at: datetime
    last_message_at: datetime
    message_keys: list[str] = field(default_factory=list)


@dataclass
class Timeline:
    conversations: list[ConversationSpan]
    waits: list[WaitSpan]
    keywords: dict[str, str | None]  # message key -> effective keyword
    opted_out: bool
    final: ContactState


def sort_events(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.at, e.key))


def replay(events: Sequence[Event], gap: timedelta) -> Timeline:
    """Conversations and waits of a whole history, whatever order `events` came in."""
    state = ContactState()
    conversations: list[ConversationSpan] = []
    waits: list[WaitSpan] = []
    keywords: dict[str, str | None] = {}
    open_wait: WaitSpan | None = None
    for event in sort_events(events):
        result = step(state, event, gap)
        state = result.state
        if event.is_message:
            keywords[event.key] = result.keyword
            if result.new_conversation:
                conversations.append(ConversationSpan(len(conversations), event.at, event.at))
            current = conversations[-1]
            current.last_message_at = event.at
            current.message_keys.append(event.key)
        if result.wait_action == OPEN:
            open_wait = WaitSpan(event.key, event.at, event.at, result.first_in_conversation,
                                 len(conversations) - 1, [event.key])
            waits.append(open_wait)
        elif result.wait_action == EXTEND and open_wait is not None:
            open_wait.last_inbound_at = event.at
            open_wait.inbound_keys.append(event.key)
        elif result.wait_action in (CLOSE, CANCEL) and open_wait is not None:
            open_wait.closed_at = event.at
            open_wait.closed_key = event.key if event.is_message else None
            open_wait.state = "closed" if result.wait_action == CLOSE else "cancelled"
            open_wait = None
    return Timeline(conversations, waits, keywords, state.opted_out, state)
