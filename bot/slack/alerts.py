"""SLA alerts: a lead waiting longer than SLA_MINUTES gets one alert in their thread (and SLACK_ALERTS_CHANNEL).

Runs every minute in every replica. Each alert is claimed with the processed_event key
`sla-alert:<message id that opened the wait>` in the transaction that queues its posts, so a wait is
alerted exactly once across replicas and restarts. With BUSINESS_HOURS the wait is measured in business time.

Only leads waiting now are alerted: a wait alerts when at least one of its texts was received live, so
history stored by `leadline import twilio` (or `leadline demo`) never alerts, however recent, while a lead
whose imported wait gets a live follow-up does. Waits opened more than SLA_ALERT_MAX_AGE_HOURS ago never
alert either (history kept from before the `message.imported` flag).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analytics.db import Database
from analytics.overdue_waits import OverdueWait, overdue_waits, still_open
from analytics.processed_events import claim
from bot.outbox import jobs
from bot.outbox.kinds import lead_key
from bot.settings import Settings
from bot.slack.text import human_duration
from bot.slack.threads import who_of


def alert_key(opened_message_id: int) -> str:
    return f"sla-alert:{opened_message_id}"


class SlaAlerts:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    async def overdue(self, now: datetime) -> list[OverdueWait]:
        settings = self.settings
        async with self.db.read() as session:
            return await overdue_waits(session, now, timedelta(minutes=settings.sla_minutes),
                                       timedelta(hours=settings.sla_alert_max_age_hours), settings.calendar)

    async def run(self, now: datetime | None = None) -> int:
        """Queue the alerts due now; returns how many this call claimed."""
        at = now or datetime.now(UTC)
        settings = self.settings
        claimed = 0
        for item in await self.overdue(at):
            who = who_of(item.contact_name, item.contact_address)
            text = (f":rotating_light: *{who}* has waited {human_duration(item.waited_s)} for a reply "
                    f"(SLA {settings.sla_minutes:g} min).")
            async with self.db.transaction() as session:
                if not await still_open(session, item.wait_id):
                    continue
                if not await claim(session, alert_key(item.opened_message_id)):
                    continue
                await jobs.lead_thread_post(session, item.conversation_id, item.contact_id, text)
                if settings.slack_alerts_channel:
                    await jobs.slack_post(session, settings.slack_alerts_channel,
                                          text + " Answer in their thread in the leads channel.",
                                          ordering_key=lead_key(item.contact_id))
                claimed += 1
        return claimed
