"""Sections of the weekly and monthly digests: leaderboard, where waits are longest, per-rep trends.

Pure functions of KPI reports (and the call-score summary); each returns mrkdwn or None when it has
nothing to say.
"""

from __future__ import annotations

from typing import Any

from analytics.kpi import KpiReport
from analytics.kpi.report import WEEKDAY_NAMES, RepRow
from bot.digests.format import compare, shown
from bot.mrkdwn import escape
from bot.slack.answers import table
from bot.slack.text import human_duration, percent

SHOWN = 5


def _name(row: RepRow) -> str:
    return (row.rep.name if row.rep else "(unknown)")[:24]


def leaderboard(report: KpiReport) -> str | None:
    """Reps ranked by median first response (fastest first); reps with no first response last."""
    rows = [r for r in report.by_rep or () if r.rep is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: (r.first_response.median_s is None, r.first_response.median_s or 0, -r.replies))
    body = [[f"{i}. {_name(r)}", str(r.replies), human_duration(r.first_response.median_s),
             human_duration(r.response.median_s), percent(r.sla_met_share)] for i, r in enumerate(rows, 1)]
    return "*Leaderboard* (fastest first reply first)\n" + table(["rep", "replies", "1st reply", "median reply",
                                                                  "SLA"], body)


def slow_hours(report: KpiReport) -> str | None:
    """The hours of day whose waits were longest: where staffing falls short."""
    rows = [r for r in report.by_hour or () if r.response.median_s is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: -(r.response.median_s or 0))
    items = [f"{r.slot:02d}:00 ({human_duration(r.response.median_s)} median, {r.waits} waits)"
             for r in rows[:SHOWN]]
    return "*Longest waits by hour:* " + ", ".join(items)


def slow_weekdays(report: KpiReport) -> str | None:
    rows = [r for r in report.by_weekday or () if r.waits]
    if not rows:
        return None
    body = [[WEEKDAY_NAMES[r.slot][:3], str(r.waits), human_duration(r.response.median_s),
             human_duration(r.response.max_s)] for r in rows]
    return "*Waits by weekday*\n" + table(["day", "waits", "median", "longest"], body)


def slow_topics(report: KpiReport) -> str | None:
    """Topics whose conversations waited longest (by their longest wait, then median)."""
    rows = [r for r in report.by_topic or () if r.figures.longest_wait_s is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: (-(r.figures.longest_wait_s or 0), -(r.figures.response.median_s or 0)))
    items = [f"{escape(r.topic)} (longest {human_duration(r.figures.longest_wait_s)}, median "
             f"{human_duration(r.figures.response.median_s)}, {r.figures.waits} waits)" for r in rows[:SHOWN]]
    return "*Topics behind the longest waits:* " + ", ".join(items)


def rep_trends(report: KpiReport, previous: KpiReport) -> str | None:
    """Per rep: this month against the month before (replies, median first reply, SLA share)."""
    rows = [r for r in report.by_rep or () if r.rep is not None]
    if not rows:
        return None
    before = {r.rep.id: r for r in previous.by_rep or () if r.rep is not None}
    lines = []
    for r in sorted(rows, key=lambda r: r.rep.name.casefold() if r.rep else ""):
        old = before.get(r.rep.id) if r.rep else None
        first = compare(r.first_response.median_s, old.first_response.median_s if old else None,
                        kind="duration", better="lower", against="last month")
        sla = compare(r.sla_met_share, old.sla_met_share if old else None, kind="share", better="higher",
                      against="last month")
        replies = f"{r.replies} replies" + (f" ({r.replies - old.replies:+d})" if old else " (new)")
        lines.append(f"• *{escape(_name(r))}*: {replies} · 1st reply {human_duration(r.first_response.median_s)} "
                     f"{first} · SLA {percent(r.sla_met_share)} {sla}".rstrip())
    return "*Per rep, against last month*\n" + "\n".join(lines)


def call_trends(calls: dict[str, Any] | None) -> str | None:
    """Weekly average call score per rep, oldest week first."""
    if not calls or not calls.get("per_rep"):
        return None
    lines = []
    for rep in calls["per_rep"]:
        weeks = " → ".join(shown(w["average"], "count") for w in rep["trend"])
        lines.append(f"• {escape(rep.get('rep') or 'unknown rep')}: {weeks} (average {shown(rep['average'], 'count')})")
    return "*Call score by week, per rep*\n" + "\n".join(lines)
