"""Answering KPI questions asked in Slack: parse (bot.slack.question), compute (analytics.kpi), render.

The report is computed exactly as `leadline kpi --json` computes it for the same period (calendar
hours, SLA_MINUTES, TIMEZONE, BUSINESS_HOURS), so Slack and the CLI never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analytics.db import Database
from analytics.kpi import compute_report
from bot.settings import Settings
from bot.slack.answers import Blocks, render_answer, render_help
from bot.slack.events import Ask
from bot.slack.question import HelpRequest, Question, Unparsed, parse_question

# Breakdowns a metric needs for its own answer, beyond those asked for.
_NEEDED = {"reps": ("rep",), "calls": ("calls",)}


@dataclass(frozen=True)
class Answer:
    text: str
    blocks: Blocks
    question: Question | None


def _ids(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


class KpiAnswers:
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.db = db
        # What "now" is for "yesterday" or "this week"; tests set a fixed one.
        self.clock = clock or (lambda: datetime.now(UTC))
        self.allowed_users = _ids(settings.slack_allowed_users)
        self.allowed_channels = _ids(settings.slack_allowed_channels)

    def allowed(self, ask: Ask) -> bool:
        """SLACK_ALLOWED_USERS / SLACK_ALLOWED_CHANNELS, when set; a DM counts as the asker's own channel."""
        if self.allowed_users and ask.user not in self.allowed_users:
            return False
        return not (self.allowed_channels and ask.source != "dm" and ask.channel not in self.allowed_channels)

    async def answer(self, text: str, now: datetime | None = None) -> Answer:
        at = now or self.clock()
        settings = self.settings
        parsed = parse_question(text, at, settings.tz)
        if isinstance(parsed, HelpRequest):
            return Answer(*render_help(), None)
        if isinstance(parsed, Unparsed):
            return Answer(*render_help(parsed.reason), None)
        breakdowns = tuple(dict.fromkeys((*_NEEDED.get(parsed.metric, ()), *parsed.breakdowns)))
        async with self.db.read() as session:
            report = await compute_report(session, parsed.period, now=at, tz=settings.tz,
                                          calendar=settings.calendar, sla_minutes=settings.sla_minutes,
                                          breakdowns=breakdowns)
        text_out, blocks = render_answer(parsed, report)
        return Answer(text_out, blocks, parsed)


def not_allowed() -> dict[str, Any]:
    return {"text": "Sorry, KPI questions are limited to some people and channels here. Ask an admin to add you "
                    "to SLACK_ALLOWED_USERS / SLACK_ALLOWED_CHANNELS."}
