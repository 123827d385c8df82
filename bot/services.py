"""What the service builds once from Settings and hands to its handlers and workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from analytics.ingest import IngestConfig
from analytics.topics import load_topics
from bot.settings import Settings


@dataclass(frozen=True)
class Services:
    ingest: IngestConfig


def ingest_config(settings: Settings) -> IngestConfig:
    return IngestConfig(
        gap=timedelta(hours=settings.conversation_gap_hours),
        calendar=settings.calendar,
        topics=load_topics(settings.topics_file or None),
    )


def build_services(settings: Settings) -> Services:
    return Services(ingest=ingest_config(settings))
