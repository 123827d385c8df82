"""KPI engine: response times, waits, volumes, channels, opt-outs, sentiment and topics.

`compute_report` is the one entry point; docs/metrics.md defines every figure and docs/api.md the
JSON shape of `KpiReport.to_json()`.
"""

from analytics.kpi.engine import BREAKDOWNS, compute_report, parse_breakdowns
from analytics.kpi.report import KpiReport
from analytics.kpi.stats import Stats

__all__ = ["BREAKDOWNS", "KpiReport", "Stats", "compute_report", "parse_breakdowns"]
