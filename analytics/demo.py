"""A realistic synthetic history for newcomers (`leadline demo`), stored through the live ingest path.

Several reps, a few hundred leads over the last N days: bursts of texts, automated receipts, replies in
minutes during business hours and next morning at night or on weekends, leads who never get an answer,
opt-outs (and a few opt-ins), happy and angry leads, several channels. Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from analytics.db import Database
from analytics.ingest import IncomingMessage, IngestConfig, record_message
from analytics.models import Rep

REP_NAMES = ("Ana Silva", "Ben Okafor", "Chloé Martin", "Dev Patel", "Eva Novak", "Farid Haddad")
CHANNELS = (("sms", 0.6), ("whatsapp", 0.25), ("mms", 0.08), ("messenger", 0.07))
LEAD_TEXTS = {
    "happy": ("Thanks so much, that's perfect! 😍", "Awesome, can't wait for the demo!!", "Great, works for me 👍",
              "Love it, sounds good"),
    "neutral": ("How much is the pro plan per user?", "Can we book a demo tomorrow at 10?", "ok",
                "Do you integrate with Salesforce?", "What time works for you?", "We use Podium today"),
    "unhappy": ("This is not working and nobody answers 😡", "Still waiting... this is ridiculous",
                "I want to cancel and get a refund", "Your app keeps crashing, terrible"),
}
REPLIES = ("Hi! Happy to help.", "Pro is $49 per user per month.", "Sure, I've sent you an invite.",
           "Sorry about that, fixing it now.", "Great question, yes we do.")
AUTO_RECEIPT = "Thanks for your message! A member of the team will reply shortly."


@dataclass(frozen=True)
class DemoSummary:
    leads: int
    messages: int
    reps: int
    start: datetime
    end: datetime

    def __str__(self) -> str:
        return (f"added {self.messages} messages from {self.leads} leads and {self.reps} reps between "
                f"{self.start:%Y-%m-%d} and {self.end:%Y-%m-%d}; try `leadline kpi --by rep`")


def _reply_delay(rng: random.Random, at: datetime, tz: ZoneInfo) -> timedelta:
    local = at.astimezone(tz)
    if (local.weekday() < 5 and 9 <= local.hour < 18) or rng.random() < 0.2:
        # Working hours (or a rep on call): minutes, with a long tail.
        return timedelta(seconds=min(rng.lognormvariate(math.log(240), 1.2), 6 * 3600))
    # Nights and weekends wait for the next working morning, give or take.
    day = local.date() if local.hour < 9 else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    morning = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
    return morning - local + timedelta(minutes=rng.expovariate(1 / 40))


def _daytime(rng: random.Random, at: datetime, tz: ZoneInfo) -> datetime:
    """Most leads text during the day: move three in four night-time texts into 08:00-21:00."""
    local = at.astimezone(tz)
    if 8 <= local.hour < 21 or rng.random() < 0.25:
        return at
    return local.replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59))


def _lead_messages(rng: random.Random, lead: int, reps: list[int], start: datetime, end: datetime,
                   tz: ZoneInfo) -> list[IncomingMessage]:
    names, weights = zip(*CHANNELS, strict=True)
    channel = rng.choices(names, weights)[0]
    number = f"+1555{rng.randint(0, 9_999_999):07d}"
    address = number if channel in ("sms", "mms") else f"{channel}:{number}"
    mood = rng.choices(("happy", "neutral", "unhappy"), (0.35, 0.45, 0.2))[0]
    rep = rng.choice(reps)
    out: list[IncomingMessage] = []
    t = start + (end - start) * rng.random() ** 0.8

    def add(direction: str, body: str, at: datetime, **kw: object) -> None:
        out.append(IncomingMessage(sid=f"DEMO{lead:05d}{len(out):03d}", address=address, direction=direction,
                                   channel=channel, body=body, sent_at=at, imported=True,
                                   **kw))  # type: ignore[arg-type]

    for _ in range(rng.choice((1, 1, 2, 3))):
        t = _daytime(rng, t, tz)
        if t >= end:
            break
        for _burst in range(rng.choice((1, 1, 2, 3))):
            add("inbound", rng.choice(LEAD_TEXTS[mood] + LEAD_TEXTS["neutral"]), t)
            t += timedelta(seconds=rng.uniform(10, 120))
        if rng.random() < 0.3:
            add("outbound", AUTO_RECEIPT, t + timedelta(seconds=2), automated=True)
        if rng.random() < 0.03:
            add("inbound", "STOP", t + timedelta(minutes=rng.uniform(5, 90)))
            if rng.random() < 0.3:
                add("inbound", "START", t + timedelta(days=rng.uniform(1, 3)))
            break
        reply_at = t + _reply_delay(rng, t, tz)
        if rng.random() < 0.05 or reply_at >= end:
            break  # never answered (yet): an open wait
        add("outbound", rng.choice(REPLIES), reply_at, rep_id=rep if rng.random() > 0.05 else None)
        t = reply_at + timedelta(hours=rng.uniform(0.5, 72))
    return [m for m in out if m.sent_at < end]


async def generate_demo(db: Database, config: IngestConfig, *, days: int, leads: int, seed: int,
                        now: datetime, tz: ZoneInfo) -> DemoSummary:
    """Add the demo reps (once) and `leads` leads' histories over the `days` before `now`."""
    rng = random.Random(seed)
    start = now - timedelta(days=days)
    async with db.transaction() as session:
        existing = {name: rid for rid, name in (await session.execute(select(Rep.id, Rep.name))).all()}
        for name in REP_NAMES:
            if name not in existing:
                rep = Rep(name=name)
                session.add(rep)
                await session.flush()
                existing[name] = rep.id or 0
    reps = [existing[name] for name in REP_NAMES]
    count = 0
    for lead in range(leads):
        messages = _lead_messages(rng, lead, reps, start, now, tz)
        # One transaction per lead: fast on SQLite, and a lead's history is all or nothing.
        async with db.transaction() as session:
            for message in messages:
                await record_message(session, message, config)
        count += len(messages)
    return DemoSummary(leads, count, len(reps), start, now)
