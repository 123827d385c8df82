"""Block Kit answers to KPI questions, rendered from the KPI engine's report (pure: no Slack, no database).

Every figure comes from `KpiReport`, the same object `leadline kpi --json` prints; durations are shown
in human form (`4m 12s`), compared with the previous period of the same length, and breakdowns are
compact monospace tables. Answers stay within Slack's limits (50 blocks, 3000 characters a text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from analytics.kpi import KpiReport, Stats
from analytics.kpi.report import WEEKDAY_NAMES as WEEKDAYS
from analytics.kpi.report import GroupFigures, Headline, SlotRow
from bot.mrkdwn import clip
from bot.slack.question import HELP_TEXT, Question
from bot.slack.text import human_duration, percent

Blocks = list[dict[str, Any]]
TABLE_CHARS = 2800

TITLES = {
    "first_response": "First response time", "response": "Response time", "longest_wait": "Longest wait",
    "unanswered": "Unanswered leads", "volume": "Volume", "channels": "Channels", "opt_outs": "Opt-outs",
    "sentiment": "Sentiment", "topics": "Topics", "reps": "Reps", "calls": "Call scores", "summary": "Summary",
}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text)}]}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A monospace table in a code block, rows dropped (and counted) to stay within one section."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]).rstrip()

    lines = [line(headers)]
    for index, row in enumerate(rows):
        candidate = line(row)
        if sum(len(x) + 1 for x in lines) + len(candidate) > TABLE_CHARS - 40:
            lines.append(f"… {len(rows) - index} more")
            break
        lines.append(candidate)
    return "```\n" + "\n".join(lines) + "\n```"


def change(now: float | None, before: float | None, duration: bool = True) -> str:
    """`↓ 1m 3s vs 5m 15s before`; arrows show direction only (for times, down is good)."""
    if now is None or before is None:
        return "no data for the previous period" if before is None else ""
    shown = human_duration if duration else (lambda v: f"{v:g}")
    if now == before:
        return f"→ same as before ({shown(before)})"
    arrow = "↑" if now > before else "↓"
    return f"{arrow} {shown(abs(now - before))} vs {shown(before)} before"


def _stats_answer(name: str, stats: Stats, prev: Stats | None) -> str:
    before = prev.median_s if prev is not None else None
    return (f"*{human_duration(stats.median_s)}* median  {change(stats.median_s, before)}\n"
            f"mean {human_duration(stats.mean_s)} · p90 {human_duration(stats.p90_s)} · "
            f"max {human_duration(stats.max_s)} · {stats.count} {name}")


def _headline(metric: str, report: KpiReport, prev: Headline | None) -> str:
    h = report.headline
    if metric == "first_response":
        return _stats_answer("first replies", h.first_response, prev.first_response if prev else None)
    if metric == "response":
        return _stats_answer("replies", h.response, prev.response if prev else None)
    if metric == "longest_wait":
        w = h.longest_wait
        if w.seconds is None:
            return "No waits in this period."
        state = " and still waiting" if w.open else ""
        return (f"*{human_duration(w.seconds)}*{state} ({w.contact or 'unknown lead'})  "
                f"{change(w.seconds, prev.longest_wait.seconds if prev else None)}")
    if metric == "unanswered":
        u, o = report.unanswered, report.open_now
        return (f"*{u.count}* unanswered from this period (oldest {human_duration(u.oldest_s)})\n"
                f"{o.count} waiting right now (oldest {human_duration(o.oldest_s)})")
    if metric in ("volume", "channels"):
        v = h.volume
        before = f"{v.inbound - prev.volume.inbound:+d} vs {prev.volume.inbound} before" if prev else ""
        return (f"*{v.inbound}* texts in  {before}\n{v.outbound} out ({v.outbound_automated} automatic) · "
                f"{v.new_contacts} new leads · {v.conversations} conversations")
    if metric == "opt_outs":
        o = h.opt_outs
        before = f"{o.count - prev.opt_outs.count:+d} vs {prev.opt_outs.count} before" if prev else ""
        return (f"*{o.count}* opt-outs ({percent(o.rate)} of active leads)  {before}\n"
                f"{o.opt_ins} opted back in · {o.currently_opted_out} opted out in total")
    if metric == "sentiment":
        total = sum(report.sentiment.values())
        parts = [f"{label.replace('_', ' ')} *{count}* ({percent(count / total if total else None)})"
                 for label, count in report.sentiment.items()]
        return "Conversations: " + " · ".join(parts) if total else "No conversations in this period."
    if metric == "reps":
        rows = _fastest(report)
        if not rows:
            return "No rep replies in this period."
        best = rows[0]
        return (f"Fastest: *{best.rep.name if best.rep else 'unknown rep'}* "
                f"({human_duration(best.response.median_s)} median reply, {best.replies} replies)")
    if metric == "topics":
        top = sorted(report.topics.items(), key=lambda kv: -kv[1].messages)[:3]
        return "Most asked: " + ", ".join(f"*{n}* ({t.messages})" for n, t in top) if top else "No topics matched."
    if metric == "calls":
        return _calls_headline(report.calls)
    return _summary(report, prev)


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _calls_headline(calls: dict[str, Any] | None) -> str:
    """The KPI report's `calls` section (the same figures as `leadline kpi --by calls --json`)."""
    if calls is None:
        return "Call scores are not in this report."
    unscored = f" · {calls['not_scorable']} not scorable · {calls['failed']} failed" \
        if calls["not_scorable"] or calls["failed"] else ""
    if not calls["count"]:
        return f"No scored calls in this period{unscored}."
    criteria = " · ".join(f"{name.replace('_', ' ')} {_score(value)}" for name, value in calls["criteria"].items())
    lines = [f"*{_score(calls['average'])}* average score over {calls['count']} scored calls{unscored}",
             criteria]
    for title, key in (("Best", "best"), ("Weakest", "weakest")):
        if calls[key]:
            lines.append(f"{title}: " + ", ".join(f"{_score(c['score'])} ({c['rep'] or 'unknown rep'})"
                                                   for c in calls[key]))
    return "\n".join(lines)


def _calls_table(calls: dict[str, Any] | None) -> str | None:
    if not calls or not calls["per_rep"]:
        return None
    return table(["rep", "calls", "average", "weeks"], [
        [(row["rep"] or "(unknown)")[:24], str(row["count"]), _score(row["average"]),
         " ".join(_score(week["average"]) for week in row["trend"])] for row in calls["per_rep"]])


def _summary(report: KpiReport, prev: Headline | None) -> str:
    h = report.headline
    return "\n".join([
        f"First response *{human_duration(h.first_response.median_s)}* median  "
        f"{change(h.first_response.median_s, prev.first_response.median_s if prev else None)}",
        f"Response *{human_duration(h.response.median_s)}* median · longest wait "
        f"{human_duration(h.longest_wait.seconds)}",
        f"SLA {h.sla.minutes:g} min met *{percent(h.sla.met_share)}* · {report.unanswered.count} unanswered · "
        f"{report.open_now.count} waiting now",
        f"{h.volume.inbound} texts in · {h.volume.outbound} out · {h.volume.new_contacts} new leads · "
        f"{h.opt_outs.count} opt-outs",
    ])


def _fastest(report: KpiReport) -> list[Any]:
    rows = [r for r in report.by_rep or () if r.rep is not None and r.response.median_s is not None]
    return sorted(rows, key=lambda r: (r.response.median_s, r.rep.name.casefold()))


def _figure(metric: str) -> tuple[str, Callable[[GroupFigures], float | None]]:
    if metric == "first_response":
        return "first reply", lambda f: f.first_response.median_s
    if metric == "longest_wait":
        return "longest", lambda f: f.longest_wait_s
    return "median reply", lambda f: f.response.median_s


def _slots(rows: Sequence[SlotRow], name: Callable[[int], str], metric: str) -> str:
    head, value = ("longest", lambda r: r.response.max_s) if metric == "longest_wait" else (
        "median wait", lambda r: r.response.median_s)
    body = [[name(r.slot), str(r.waits), human_duration(value(r))] for r in rows if r.waits]
    return table(["", "waits", head], body) if body else "_no waits_"


def _breakdown(kind: str, metric: str, report: KpiReport) -> str | None:
    if metric == "calls":
        # Call scores break down by rep only (per_rep of the `calls` section).
        return _calls_table(report.calls) if kind == "rep" else None
    head, value = _figure(metric)
    if kind == "rep" and report.by_rep is not None:
        rows = _fastest(report) + [r for r in report.by_rep if r not in _fastest(report)]
        return table(["rep", "replies", "first reply", "median reply", "SLA"], [
            [r.rep.name[:24] if r.rep else "(unknown)", str(r.replies), human_duration(r.first_response.median_s),
             human_duration(r.response.median_s), percent(r.sla_met_share)] for r in rows])
    if kind == "channel":
        return table(["channel", "in", "out", head], [
            [name, str(row.inbound), str(row.outbound), human_duration(value(row.figures)) if row.figures else "–"]
            for name, row in sorted(report.by_channel.items())])
    if kind == "hour" and report.by_hour is not None:
        return _slots(report.by_hour, lambda h: f"{h:02d}:00", metric)
    if kind == "weekday" and report.by_weekday is not None:
        return _slots(report.by_weekday, lambda d: WEEKDAYS[d][:3], metric)
    if kind == "topic" and report.by_topic is not None:
        if metric == "sentiment":
            labels = list(report.sentiment)
            return table(["topic", *(x.replace("_", " ") for x in labels)], [
                [r.topic[:20], *(str(r.sentiment.get(x, 0)) for x in labels)] for r in report.by_topic])
        return table(["topic", "messages", head], [
            [r.topic[:20], str(r.messages), human_duration(value(r.figures))] for r in report.by_topic])
    return None


def _default_table(metric: str, report: KpiReport) -> str | None:
    if metric == "calls":
        return _calls_table(report.calls)
    if metric == "channels":
        return _breakdown("channel", metric, report)
    if metric == "topics" and report.topics:
        rows = sorted(report.topics.items(), key=lambda kv: (-kv[1].messages, kv[0]))
        return table(["topic", "messages", "longest wait"],
                     [[n[:20], str(t.messages), human_duration(t.longest_wait_s)] for n, t in rows])
    return None


def render_answer(question: Question, report: KpiReport) -> tuple[str, Blocks]:
    """(notification text, blocks) answering `question` from `report`."""
    title = TITLES.get(question.metric, question.metric)
    headline = _headline(question.metric, report, report.previous)
    blocks: Blocks = [section(f"*{title}* · {question.period_label}"), section(headline)]
    tables = [(kind, _breakdown(kind, question.metric, report)) for kind in question.breakdowns]
    if not question.breakdowns and (extra := _default_table(question.metric, report)) is not None:
        tables.append(("", extra))
    for kind, text in tables:
        if text is not None:
            blocks.append(section((f"*by {kind}*\n" if kind else "") + text))
    sla = report.headline.sla
    blocks.append(context(f"SLA {sla.minutes:g} min · times in {report.headline.period.timezone} · "
                          f"{report.headline.period.hours} hours · same figures as `leadline kpi`"))
    first_line = headline.splitlines()[0].replace("*", "") if headline else ""
    return clip(f"{title} ({question.period_label}): {first_line}", 3000), blocks[:50]


def render_help(reason: str | None = None) -> tuple[str, Blocks]:
    """Help: the full list for `help`, a short nudge with examples for a question not understood."""
    if reason is None:
        return "What I can answer", [section(HELP_TEXT)]
    short = (f"{reason}.\nTry: _first response time this week_ · _longest wait by hour last 30 days_ · "
             "_opt outs last month_ · _who replied fastest last week_ · _unanswered_. Say *help* for more.")
    return "I didn't understand that", [section(short)]
