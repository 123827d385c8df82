"""What the service builds once from Settings and hands to its handlers and workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from analytics.ingest import IngestConfig
from analytics.topics import load_topics
from bot.settings import Settings


@dataclass(frozen=True)
class InboundOptions:
    """What the service does with a lead's message beyond storing it."""

    help_reply: str = ""
    after_hours_reply: str = ""
    # Where lead threads are posted; empty when Slack is off (then nothing is queued for Slack).
    slack_leads_channel: str = ""


@dataclass(frozen=True)
class Services:
    ingest: IngestConfig
    inbound: InboundOptions = InboundOptions()

    @property
    def slack_leads_channel(self) -> str:
        return self.inbound.slack_leads_channel


def ingest_config(settings: Settings) -> IngestConfig:
    return IngestConfig(
        gap=timedelta(hours=settings.conversation_gap_hours),
        calendar=settings.calendar,
        topics=load_topics(settings.topics_file or None),
    )


def build_services(settings: Settings) -> Services:
    return Services(
        ingest=ingest_config(settings),
        inbound=InboundOptions(
            help_reply=settings.help_reply,
            after_hours_reply=settings.after_hours_reply,
            slack_leads_channel=settings.slack_leads_channel if settings.slack_configured else "",
        ),
    )
