"""Small helpers that change stored waits, shared by live ingest and rebuilds."""

from __future__ import annotations

from datetime import datetime

from analytics.business_hours import BusinessCalendar
from analytics.models import WAIT_CLOSED, Wait


def merge_topics(current: str, more: str) -> str:
    names = {t for t in current.split(",") if t} | {t for t in more.split(",") if t}
    return ",".join(sorted(names))


def close_wait(wait: Wait, at: datetime, calendar: BusinessCalendar, message_id: int | None,
               rep_id: int | None) -> None:
    """Close `wait` at `at`, storing its calendar and business-time durations."""
    wait.state = WAIT_CLOSED
    wait.closed_at = at
    wait.closed_message_id = message_id
    wait.closed_by_rep_id = rep_id
    wait.calendar_seconds = (at - wait.opened_at).total_seconds()
    wait.business_seconds = calendar.business_seconds(wait.opened_at, at)
