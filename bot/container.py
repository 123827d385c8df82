"""The service's one container: what `create_app` builds once from Settings, and the running parts its features
add at start-up inside the event loop (`bot.runtime`). Handlers reach it as `request.app[state.CONTAINER]`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from analytics.db import Database
from analytics.ingest import IngestConfig
from analytics.topics import load_topics
from bot.metrics import Metrics
from bot.migrations import head_revision
from bot.outbox import JobKind, Outbox
from bot.scheduler import Scheduler
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.calls.pipeline import CallsPart
    from bot.digests.feature import DigestService
    from bot.slack.feature import SlackPart
    from bot.twilio.feature import TwilioPart


@dataclass(frozen=True)
class InboundOptions:
    """What the service does with a lead's message beyond storing it."""

    help_reply: str = ""
    after_hours_reply: str = ""
    # Where lead threads are posted; empty when Slack is off (then nothing is queued for Slack).
    slack_leads_channel: str = ""


@dataclass
class Container:
    settings: Settings
    db: Database
    ingest: IngestConfig
    inbound: InboundOptions
    metrics: Metrics
    # One scheduler per process, shared by the features (started once every feature has added its jobs).
    scheduler: Scheduler
    head_revision: str  # the migration the code expects; /readyz compares the database's with it
    # False in tests that drive the workers by hand: the features build them but run no loop.
    start_workers: bool = True
    # The outbox job kinds the features run, and the worker that runs them (built once all have started).
    kinds: dict[str, JobKind] = field(default_factory=dict)
    outbox: Outbox | None = None
    # Background loops, awaited at shutdown once `stopping` is set.
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # What each feature holds while the service runs: set by its `start`, cleared by its `stop`.
    twilio: TwilioPart | None = None
    slack: SlackPart | None = None
    calls: CallsPart | None = None
    digests: DigestService | None = None


def ingest_config(settings: Settings) -> IngestConfig:
    return IngestConfig(
        gap=timedelta(hours=settings.conversation_gap_hours),
        calendar=settings.calendar,
        topics=load_topics(settings.topics_file or None),
    )


def inbound_options(settings: Settings) -> InboundOptions:
    return InboundOptions(
        help_reply=settings.help_reply,
        after_hours_reply=settings.after_hours_reply,
        slack_leads_channel=settings.slack_leads_channel if settings.slack_configured else "",
    )


def build_container(settings: Settings, db: Database, *, start_workers: bool = True) -> Container:
    return Container(settings=settings, db=db, ingest=ingest_config(settings), inbound=inbound_options(settings),
                     metrics=Metrics(), scheduler=Scheduler(settings.tz),
                     head_revision=head_revision(settings.database_url) or "", start_workers=start_workers)
