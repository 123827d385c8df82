"""What the Slack feature's parts share: built once in `feature.start`."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from analytics.db import Database
from bot.container import Services
from bot.settings import Settings


@dataclass(frozen=True)
class SlackDeps:
    settings: Settings
    db: Database
    services: Services
    web: AsyncWebClient

    @property
    def leads_channel(self) -> str:
        return self.settings.slack_leads_channel
