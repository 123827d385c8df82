"""Digest text and Block Kit from `DigestData` (pure: no Slack, no database).

Every figure is read from the KPI reports in `DigestData`; nothing is recounted here. Blocks stay within
Slack's limits (50 blocks, 3000 characters a text, 150 for the header). The plain text is the same content
for the terminal (`leadline digest --dry-run`) and the message's notification text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from analytics.charts import DayPoint, daily_chart, heatmap_chart
from analytics.digests import DAILY, MONTHLY, WEEKLY
from analytics.kpi import KpiReport
from analytics.kpi.report import Headline
from analytics.unhappy_threads import UnhappyThread
from bot.digests import periodic
from bot.digests.data import BASELINE_DAYS, DigestData
from bot.digests.format import compare, line, plain, shown
from bot.mrkdwn import clip, escape
from bot.slack.answers import Blocks, context, section, table
from bot.slack.text import human_duration, percent

MAX_BLOCKS = 50
HEADER_LIMIT = 150
TITLES = {DAILY: "Daily digest", WEEKLY: "Weekly digest", MONTHLY: "Monthly digest"}
BEFORE = {DAILY: "the day before", WEEKLY: "the week before", MONTHLY: "the month before"}


@dataclass(frozen=True)
class Rendered:
    summary: str  # the notification line
    text: str  # the whole digest as plain text
    blocks: Blocks


def permalink(channel: str, ts: str) -> str:
    """The web link of a Slack message, from its channel and ts (`.../archives/C1/p1763900001000100`)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def _when(data: DigestData) -> str:
    """`yesterday` when the digest covers the day before `now`, else the period's label."""
    if data.key.kind == DAILY:
        today = data.now.astimezone(_tz(data)).date()
        if data.key.first_day == today - timedelta(days=1):
            return "yesterday"
        return f"on {data.key.first_day:%a} {data.label}"
    return {WEEKLY: "last week", MONTHLY: "last month"}[data.key.kind] if _is_last(data) else f"in {data.label}"


def _tz(data: DigestData) -> ZoneInfo:
    return ZoneInfo(data.tz_name)


def _is_last(data: DigestData) -> bool:
    return data.period.end <= data.now < data.period.end + (data.period.end - data.period.start)


def _headline(data: DigestData) -> list[str]:
    r, prev = data.report, data.report.previous
    before = BEFORE[data.key.kind]
    base = data.baseline

    def vs(now: float | None, then: float | None, kind: Any, better: Any, against: str = before) -> str:
        return compare(now, then, kind=kind, better=better, against=against)

    def avg(now: float | None, field: Any, kind: Any, better: Any, per_day: bool = False) -> str:
        if base is None:
            return ""
        then = field(base)
        if per_day and then is not None:
            then = then / BASELINE_DAYS
        return vs(now, then, kind, better, "the 7-day average")

    p: Headline | None = prev
    fr, rs, lw, v, o, sla = r.first_response, r.response, r.longest_wait, r.volume, r.opt_outs, r.sla
    longest = "–" if lw.seconds is None else (
        f"*{human_duration(lw.seconds)}*" + (" and still waiting" if lw.open else "") +
        (f" (`{lw.contact}`)" if lw.contact else ""))
    return [
        line("First response", f"median *{human_duration(fr.median_s)}*, mean {human_duration(fr.mean_s)} "
             f"({fr.count} first replies)",
             vs(fr.median_s, p.first_response.median_s if p else None, "duration", "lower"),
             avg(fr.median_s, lambda b: b.first_response.median_s, "duration", "lower")),
        line("Response time", f"median *{human_duration(rs.median_s)}*, mean {human_duration(rs.mean_s)} "
             f"({rs.count} replies)",
             vs(rs.median_s, p.response.median_s if p else None, "duration", "lower"),
             avg(rs.median_s, lambda b: b.response.median_s, "duration", "lower")),
        line("Longest wait", longest, vs(lw.seconds, p.longest_wait.seconds if p else None, "duration", "lower")),
        line(f"SLA ({sla.minutes:g} min) met", f"*{percent(sla.met_share)}* of answered waits"
             + (f", {sla.breached_open} over the SLA and still waiting" if sla.breached_open else ""),
             vs(sla.met_share, p.sla.met_share if p else None, "share", "higher"),
             avg(sla.met_share, lambda b: b.sla.met_share, "share", "higher")),
        line("Inbound", f"*{v.inbound}* texts from leads · {v.new_contacts} new leads · "
             f"{v.conversations} conversations",
             vs(v.inbound, p.volume.inbound if p else None, "count", "more_is_good"),
             avg(v.inbound, lambda b: b.volume.inbound, "count", "more_is_good", per_day=True)),
        line("Opt-outs", f"*{o.count}*" + (f" ({percent(o.rate)} of active leads)" if o.count else ""),
             vs(o.count, p.opt_outs.count if p else None, "count", "lower"),
             avg(o.count, lambda b: b.opt_outs.count, "count", "lower", per_day=True)),
    ]


def unanswered(report: KpiReport, when: str) -> str:
    now, then = report.open_now, report.unanswered
    if now.count == 0:
        return "*Unanswered now:* nobody is waiting for a reply :tada:"
    text = f"*Unanswered now:* *{now.count}* leads waiting, the oldest for *{human_duration(now.oldest_s)}*"
    if then.count:
        text += f" · {then.count} of those who texted {when} still have no reply"
    return text


def channels(report: KpiReport) -> str:
    rows = sorted(report.by_channel.items(), key=lambda kv: (-kv[1].inbound, kv[0]))
    return "*By channel:* " + " · ".join(f"{name} {row.inbound} in / {row.outbound} out" for name, row in rows)


def _thread_link(item: UnhappyThread) -> str:
    who = escape(item.who)
    if item.channel and item.thread_ts:
        return f"<{permalink(item.channel, item.thread_ts)}|{who}>"
    # In code so a masked number's stars are not read as bold.
    return f"`{who}`"


def sentiment(data: DigestData) -> str:
    counts = data.report.sentiment
    total = sum(counts.values())
    if not total:
        return "*Sentiment:* no scored conversations"
    mix = " · ".join(f"{name.replace('_', ' ')} {n} ({percent(n / total)})" for name, n in counts.items())
    text = f"*Sentiment* ({total} conversations): {mix}"
    if data.unhappy:
        text += "\nMost unhappy: " + ", ".join(_thread_link(u) for u in data.unhappy)
    return text


def topics(report: KpiReport, n: int = 5) -> str | None:
    rows = sorted(report.topics.items(), key=lambda kv: (-kv[1].messages, kv[0]))[:n]
    if not rows:
        return None
    return "*Top topics:* " + ", ".join(
        f"{escape(name)} ({t.messages} texts, longest wait {human_duration(t.longest_wait_s)})" for name, t in rows)


def reps(report: KpiReport) -> str | None:
    rows = report.by_rep or ()
    if not rows:
        return None
    body = [[(r.rep.name if r.rep else "(unknown)")[:24], str(r.replies), human_duration(r.first_response.median_s),
             human_duration(r.response.median_s), percent(r.sla_met_share)] for r in rows]
    return "*Per rep*\n" + table(["rep", "replies", "1st reply", "median reply", "SLA"], body)


def calls(data: DigestData) -> str | None:
    summary = data.calls
    if not summary:
        return None
    criteria = " · ".join(f"{name.replace('_', ' ')} {shown(value, 'count')}"
                          for name, value in summary["criteria"].items() if value is not None)
    text = f"*Call scores:* {summary['count']} calls, average *{shown(summary['average'], 'count')}*"
    if criteria:
        text += f"\nBy criterion: {criteria}"

    def who(item: dict[str, Any]) -> str:
        return f"{escape(item.get('rep') or 'unknown rep')} {shown(item.get('score'), 'count')}"

    if summary.get("best"):
        text += "\nBest: " + ", ".join(who(i) for i in summary["best"])
    if summary.get("weakest"):
        text += " · Weakest: " + ", ".join(who(i) for i in summary["weakest"])
    return text


def _sections(data: DigestData) -> list[str | None]:
    r = data.report
    when = _when(data)
    if data.empty:
        return [f"No lead messages {when}.", unanswered(r, when), calls(data)]
    out: list[str | None] = ["\n".join(_headline(data)), unanswered(r, when)]
    if data.key.kind == WEEKLY:
        out += [periodic.leaderboard(r), periodic.slow_hours(r), periodic.slow_weekdays(r),
                periodic.slow_topics(r)]
    elif data.key.kind == MONTHLY:
        out += [periodic.rep_trends(r, data.previous_report), periodic.call_trends(data.calls)]
    else:
        out.append(reps(r))
    out += [channels(r), sentiment(data), topics(r), calls(data)]
    return out


def render(data: DigestData) -> Rendered:
    when = f"{data.key.first_day:%a}, {data.label}" if data.key.kind == DAILY else data.label
    title = f"{TITLES[data.key.kind]} · {when}"
    texts = [t for t in _sections(data) if t]
    footer = (f"Same figures as `leadline kpi --from {data.period.start.astimezone(_tz(data)).date()} "
              f"--to {data.period.end.astimezone(_tz(data)).date()} --by rep,channel,hour,weekday,topic` · "
              f"times in {data.tz_name} · chart in the thread")
    blocks: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_LIMIT)}}]
    for text in texts:
        blocks.append(section(text))
    blocks.append(context(footer))
    first = plain(texts[0].splitlines()[0]) if texts else ""
    summary = clip(f"{title}: {first}", 3000)
    return Rendered(summary, plain("\n\n".join([title, *texts, footer])) + "\n", blocks[:MAX_BLOCKS])


@dataclass(frozen=True)
class Chart:
    png: bytes
    filename: str
    title: str


def chart(data: DigestData) -> Chart | None:
    """The digest's chart from its per-day KPI reports: daily bars + line (the last 7 days), weekly heat map,
    monthly bars + line of every day of the month."""
    tz = _tz(data)
    day = data.key.first_day.isoformat()
    if data.key.kind == DAILY and data.days:
        points = [DayPoint(r.period.start.astimezone(tz).date(), r.volume.inbound, r.first_response.median_s)
                  for r in data.days]
        title = f"Inbound texts and median first response, {len(points)} days to {data.label}"
        return Chart(daily_chart(points, title=title), f"digest-daily-{day}.png", title)
    if data.key.kind == WEEKLY and data.days:
        grid = [[row.response.median_s for row in r.by_hour or ()] for r in data.days]
        title = f"Median wait by hour and weekday, {data.label}"
        return Chart(heatmap_chart(grid, title=title), f"digest-weekly-{day}.png", title)
    if data.key.kind == MONTHLY and data.days:
        points = [DayPoint(r.period.start.astimezone(tz).date(), r.volume.inbound, r.first_response.median_s)
                  for r in data.days]
        title = f"Inbound texts and median first response by day, {data.label}"
        return Chart(daily_chart(points, title=title, highlight_last=False), f"digest-monthly-{day}.png", title)
    return None
