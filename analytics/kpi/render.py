"""A KPI report as a plain-text table for the terminal (the CLI without --json)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from analytics.kpi.report import WEEKDAY_NAMES, KpiReport
from analytics.kpi.stats import Stats, change
from analytics.periods import Period, label


def duration(seconds: float | None) -> str:
    """Short human duration: 45s, 12m 05s, 3h 20m, 2d 4h; '-' for no data."""
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86_400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86_400}d {s % 86_400 // 3600}h"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _delta(current: float | None, previous: float | None) -> str:
    rel = change(current, previous)
    return "" if rel is None else f" ({rel * 100:+.0f}% vs previous)"


def _stats_line(name: str, now: Stats, before: Stats | None) -> str:
    # The median leads: averages mislead on skewed waits; the mean stays beside it.
    text = (f"{name:<22} median {duration(now.median_s):>9}   mean {duration(now.mean_s):>9}   "
            f"p90 {duration(now.p90_s):>9}   max {duration(now.max_s):>9}   n={now.count}")
    return text + (_delta(now.median_s, before.median_s) if before else "")


def render_text(report: KpiReport) -> str:
    tz = ZoneInfo(report.period.timezone)
    prev = report.previous
    lines = [
        f"Leadline KPIs, {label(Period(report.period.start, report.period.end), tz)} "
        f"({report.period.timezone}, {report.period.hours} hours)",
        "",
        _stats_line("First response", report.first_response, prev.first_response if prev else None),
        _stats_line("Response", report.response, prev.response if prev else None),
    ]
    lw = report.longest_wait
    if lw.seconds is not None and lw.opened_at is not None:
        state = "still open" if lw.open else "answered"
        lines.append(f"{'Longest wait':<22} {duration(lw.seconds)} ({state}), {lw.contact}, opened "
                     f"{lw.opened_at.astimezone(tz):%a %b %d %H:%M}")
    else:
        lines.append(f"{'Longest wait':<22} -")
    lines += [
        f"{'Unanswered':<22} {report.unanswered.count} (oldest {duration(report.unanswered.oldest_s)})",
        f"{'Open now':<22} {report.open_now.count} (oldest {duration(report.open_now.oldest_s)})",
        f"{'SLA ' + format(report.sla.minutes, 'g') + ' min met':<22} {percent(report.sla.met_share)}"
        f"   breached and still open: {report.sla.breached_open}",
        "",
    ]
    v = report.volume
    lines.append(f"{'Volume':<22} inbound {v.inbound}   outbound {v.outbound} ({v.outbound_automated} "
                 f"automated)   new contacts {v.new_contacts}   conversations {v.conversations}"
                 + (_delta(v.inbound, prev.volume.inbound) if prev else ""))
    for name, row in sorted(report.by_channel.items()):
        lines.append(f"  {name:<20} inbound {row.inbound:>7}   outbound {row.outbound:>7}")
    o = report.opt_outs
    lines.append(f"{'Opt-outs':<22} {o.count} (rate {percent(o.rate)})   opt-ins {o.opt_ins}   "
                 f"currently opted out {o.currently_opted_out}")
    lines.append("")
    buckets = "   ".join(f"{k} {n}" for k, n in report.first_response_buckets.items())
    lines.append(f"{'First responses':<22} {buckets}")
    lines.append(f"{'Sentiment':<22} " + "   ".join(f"{k} {n}" for k, n in report.sentiment.items()))
    if report.topics:
        lines.append(f"{'Topics':<22} " + "   ".join(
            f"{k} {t.messages} (longest {duration(t.longest_wait_s)})" for k, t in report.topics.items()))
    if report.by_rep is not None:
        lines += ["", "By rep"]
        for r in report.by_rep:
            who = r.rep.name if r.rep else "(no known rep)"
            lines.append(f"  {who:<20} replies {r.replies:>6}   first median "
                         f"{duration(r.first_response.median_s):>9}   median {duration(r.response.median_s):>9}"
                         f"   SLA {percent(r.sla_met_share)}")
    if report.by_hour is not None:
        lines += ["", "By hour (wait opened)"]
        lines += [f"  {s.slot:02d}:00  waits {s.waits:>6}   median {duration(s.response.median_s):>9}"
                  for s in report.by_hour if s.waits]
    if report.by_weekday is not None:
        lines += ["", "By weekday (wait opened)"]
        lines += [f"  {WEEKDAY_NAMES[s.slot]:<10} waits {s.waits:>6}   median {duration(s.response.median_s):>9}"
                  for s in report.by_weekday]
    if report.by_topic is not None:
        lines += ["", "By topic"]
        for t in report.by_topic:
            lines.append(f"  {t.topic:<14} messages {t.messages:>6}   waits {t.figures.waits:>6}   median "
                         f"{duration(t.figures.response.median_s):>9}   longest {duration(t.figures.longest_wait_s)}"
                         f"   unhappy {t.sentiment.get('unhappy', 0)}")
    if report.calls is not None:
        c = report.calls
        lines += ["", f"{'Call scores':<22} average {_score(c['average'])} over {c['count']} scored calls   "
                      f"not scorable {c['not_scorable']}   failed {c['failed']}"]
        lines.append("  criteria  " + "   ".join(f"{k} {_score(v)}" for k, v in c["criteria"].items()))
        for r in c["per_rep"]:
            lines.append(f"  {r['rep'] or '(no known rep)':<20} calls {r['count']:>5}   average {_score(r['average'])}")
    return "\n".join(lines) + "\n"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
