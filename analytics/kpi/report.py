"""Typed KPI results and their JSON form (the stable shape documented in docs/api.md).

Every class is a frozen dataclass; `to_json()` gives plain dicts/lists of str, int, float, bool and
None, so the CLI and the HTTP API serialise exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.kpi.stats import Stats

Json = dict[str, Any]
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def iso_local(at: datetime | None, tz: ZoneInfo) -> str | None:
    """An instant as ISO 8601 in the team's zone, with its offset (exact and readable)."""
    return at.astimezone(tz).isoformat() if at is not None else None


@dataclass(frozen=True)
class PeriodInfo:
    start: datetime
    end: datetime
    timezone: str
    hours: str  # "calendar" or "business": which durations the report shows

    def to_json(self) -> Json:
        tz = ZoneInfo(self.timezone)
        return {"from": iso_local(self.start, tz), "to": iso_local(self.end, tz), "timezone": self.timezone,
                "hours": self.hours}


@dataclass(frozen=True)
class LongestWait:
    seconds: float | None
    open: bool | None
    contact: str | None  # masked address
    opened_at: datetime | None

    def to_json(self, tz: ZoneInfo) -> Json:
        return {"seconds": self.seconds, "open": self.open, "contact": self.contact,
                "opened_at": iso_local(self.opened_at, tz)}


NO_LONGEST_WAIT = LongestWait(None, None, None, None)


@dataclass(frozen=True)
class Backlog:
    """Unanswered / open-now: how many waits are open and the oldest one's age in seconds."""

    count: int
    oldest_s: float | None

    def to_json(self) -> Json:
        return {"count": self.count, "oldest_s": self.oldest_s}


@dataclass(frozen=True)
class Volume:
    inbound: int
    outbound: int
    outbound_automated: int
    new_contacts: int
    conversations: int

    def to_json(self) -> Json:
        return {"inbound": self.inbound, "outbound": self.outbound,
                "outbound_automated": self.outbound_automated, "new_contacts": self.new_contacts,
                "conversations": self.conversations}


@dataclass(frozen=True)
class OptOuts:
    count: int
    opt_ins: int
    rate: float | None
    currently_opted_out: int

    def to_json(self) -> Json:
        return {"count": self.count, "opt_ins": self.opt_ins, "rate": self.rate,
                "currently_opted_out": self.currently_opted_out}


@dataclass(frozen=True)
class Sla:
    minutes: float
    met_share: float | None
    breached_open: int

    def to_json(self) -> Json:
        return {"minutes": self.minutes, "met_share": self.met_share, "breached_open": self.breached_open}


@dataclass(frozen=True)
class GroupFigures:
    """Wait figures of one slice (a rep, a channel, a topic, an hour...)."""

    waits: int  # not-cancelled waits that opened in the slice (open and closed)
    first_response: Stats
    response: Stats
    longest_wait_s: float | None
    sla_met_share: float | None

    def to_json(self) -> Json:
        return {"waits": self.waits, "first_response": self.first_response.to_json(),
                "response": self.response.to_json(), "longest_wait_s": self.longest_wait_s,
                "sla_met_share": self.sla_met_share}


@dataclass(frozen=True)
class ChannelRow:
    inbound: int
    outbound: int
    figures: GroupFigures | None = None  # only with the `channel` breakdown

    def to_json(self) -> Json:
        out: Json = {"inbound": self.inbound, "outbound": self.outbound}
        if self.figures is not None:
            out.update(self.figures.to_json())
        return out


@dataclass(frozen=True)
class TopicSummary:
    messages: int
    longest_wait_s: float | None

    def to_json(self) -> Json:
        return {"messages": self.messages, "longest_wait_s": self.longest_wait_s}


@dataclass(frozen=True)
class RepRef:
    id: int
    name: str

    def to_json(self) -> Json:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class RepRow:
    rep: RepRef | None  # None: replies imported with no known rep
    replies: int
    first_response: Stats
    response: Stats
    sla_met_share: float | None

    def to_json(self) -> Json:
        return {"rep": self.rep.to_json() if self.rep else None, "replies": self.replies,
                "first_response": self.first_response.to_json(), "response": self.response.to_json(),
                "sla_met_share": self.sla_met_share}


@dataclass(frozen=True)
class SlotRow:
    """One hour of day (0-23) or weekday (0 = Monday) of the waits' opening, in the team's zone."""

    slot: int
    waits: int
    response: Stats

    def to_json(self, key: str) -> Json:
        return {key: self.slot, "waits": self.waits, "median_s": self.response.median_s,
                "mean_s": self.response.mean_s, "max_s": self.response.max_s}


@dataclass(frozen=True)
class TopicRow:
    topic: str
    messages: int
    figures: GroupFigures
    sentiment: dict[str, int]

    def to_json(self) -> Json:
        return {"topic": self.topic, "messages": self.messages, **self.figures.to_json(),
                "sentiment": dict(self.sentiment)}


@dataclass(frozen=True)
class Headline:
    """The figures compared with the previous period."""

    period: PeriodInfo
    first_response: Stats
    response: Stats
    longest_wait: LongestWait
    volume: Volume
    opt_outs: OptOuts
    sla: Sla

    def to_json(self) -> Json:
        tz = ZoneInfo(self.period.timezone)
        return {"period": self.period.to_json(), "first_response": self.first_response.to_json(),
                "response": self.response.to_json(), "longest_wait": self.longest_wait.to_json(tz),
                "volume": self.volume.to_json(), "opt_outs": self.opt_outs.to_json(),
                "sla": self.sla.to_json()}


@dataclass(frozen=True)
class KpiReport:
    headline: Headline
    unanswered: Backlog
    open_now: Backlog
    by_channel: dict[str, ChannelRow]
    first_response_buckets: dict[str, int]
    sentiment: dict[str, int]
    topics: dict[str, TopicSummary]
    previous: Headline | None = None
    by_rep: tuple[RepRow, ...] | None = None
    by_hour: tuple[SlotRow, ...] | None = None
    by_weekday: tuple[SlotRow, ...] | None = None
    by_topic: tuple[TopicRow, ...] | None = None
    # The call-score summary of the period (analytics.calls.call_score_summary), with the `calls` breakdown.
    calls: dict[str, Any] | None = None

    # Shortcuts so callers read report.first_response rather than report.headline.first_response.
    @property
    def period(self) -> PeriodInfo:
        return self.headline.period

    @property
    def first_response(self) -> Stats:
        return self.headline.first_response

    @property
    def response(self) -> Stats:
        return self.headline.response

    @property
    def longest_wait(self) -> LongestWait:
        return self.headline.longest_wait

    @property
    def volume(self) -> Volume:
        return self.headline.volume

    @property
    def opt_outs(self) -> OptOuts:
        return self.headline.opt_outs

    @property
    def sla(self) -> Sla:
        return self.headline.sla

    def to_json(self) -> Json:
        out = self.headline.to_json()
        out.update({
            "unanswered": self.unanswered.to_json(),
            "open_now": self.open_now.to_json(),
            "by_channel": {name: row.to_json() for name, row in sorted(self.by_channel.items())},
            "first_response_buckets": dict(self.first_response_buckets),
            "sentiment": dict(self.sentiment),
            "topics": {name: t.to_json() for name, t in sorted(self.topics.items())},
        })
        if self.previous is not None:
            prev = self.previous.to_json()
            out["previous"] = prev
        if self.by_rep is not None:
            out["by_rep"] = [row.to_json() for row in self.by_rep]
        if self.by_hour is not None:
            out["by_hour"] = [row.to_json("hour") for row in self.by_hour]
        if self.by_weekday is not None:
            out["by_weekday"] = [row.to_json("weekday") for row in self.by_weekday]
        if self.by_topic is not None:
            out["by_topic"] = [row.to_json() for row in self.by_topic]
        if self.calls is not None:
            out["calls"] = self.calls
        return out
