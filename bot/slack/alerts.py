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

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select

from analytics.masking import mask_address
from analytics.models import INBOUND, WAIT_OPEN, Contact, Message, Wait
from analytics.processed_events import claim
from bot.outbox import enqueue
from bot.outbox.kinds import SLACK_THREAD_POST, lead_key
from bot.slack.deps import SlackDeps
from bot.slack.posting import enqueue_post
from bot.slack.text import escape, human_duration


@dataclass(frozen=True)
class Overdue:
    wait_id: int
    opened_message_id: int
    conversation_id: int
    contact_id: int
    who: str
    waited_s: float


def alert_key(opened_message_id: int) -> str:
    return f"sla-alert:{opened_message_id}"


class SlaAlerts:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    async def overdue(self, now: datetime) -> list[Overdue]:
        settings = self.deps.settings
        sla = timedelta(minutes=settings.sla_minutes)
        calendar = settings.calendar
        # The wait's texts are the lead's inbound messages from its opening to its last inbound one.
        live_text = exists().where(Message.contact_id == Wait.contact_id, Message.direction == INBOUND,
                                   Message.sent_at >= Wait.opened_at, Message.sent_at <= Wait.last_inbound_at,
                                   Message.imported.is_(False))
        async with self.deps.db.read() as session:
            # Calendar time is never shorter than business time, so this bound loses no candidate.
            rows = (await session.execute(
                select(Wait.id, Wait.opened_message_id, Wait.conversation_id, Wait.contact_id, Wait.opened_at,
                       Contact.display_name, Contact.address)
                .join(Contact, Contact.id == Wait.contact_id)
                .where(Wait.state == WAIT_OPEN,
                       Wait.opened_at >= now - timedelta(hours=settings.sla_alert_max_age_hours),
                       Wait.opened_at <= now - sla, live_text)
                .order_by(Wait.opened_at)
            )).all()
        out = []
        for wait_id, message_id, conversation_id, contact_id, opened_at, name, address in rows:
            waited = (now - opened_at).total_seconds() if calendar.always_open else \
                calendar.business_seconds(opened_at, now)
            if waited > sla.total_seconds():
                who = escape(name) if name else mask_address(address)
                out.append(Overdue(wait_id, message_id, conversation_id, contact_id, who, waited))
        return out

    async def run(self, now: datetime | None = None) -> int:
        """Queue the alerts due now; returns how many this call claimed."""
        at = now or datetime.now(UTC)
        settings = self.deps.settings
        claimed = 0
        for item in await self.overdue(at):
            text = (f":rotating_light: *{item.who}* has waited {human_duration(item.waited_s)} for a reply "
                    f"(SLA {settings.sla_minutes:g} min).")
            async with self.deps.db.transaction() as session:
                still_open = await session.scalar(select(Wait.id).where(Wait.id == item.wait_id,
                                                                        Wait.state == WAIT_OPEN))
                if still_open is None or not await claim(session, alert_key(item.opened_message_id)):
                    continue
                key = lead_key(item.contact_id)
                await enqueue(session, SLACK_THREAD_POST, {"conversation_id": item.conversation_id, "text": text,
                                                           "blocks": None}, ordering_key=key)
                if settings.slack_alerts_channel:
                    await enqueue_post(session, settings.slack_alerts_channel,
                                       text + " Answer in their thread in the leads channel.", ordering_key=key)
                claimed += 1
        return claimed
