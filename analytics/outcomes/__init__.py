"""Outcomes (issue 16): lead stages, opportunities, the sales funnel, and what responsiveness does to them.

The domain core only; the edges (Slack buttons and modals, `POST /api/leads/{contact}/events`, `leadline leads
...`, `leadline import outcomes`, digests, `leadline demo`, the KPI report's `funnel` section) call these.
Definitions: docs/metrics.md, "Outcomes and funnel"; JSON: docs/api.md, `funnel`.

Settings the edges parse once and pass down:
    stages = parse_stages(settings.stages)              # STAGES, e.g. DEFAULT_STAGES; InvalidInput if bad
    quota = parse_quota(settings.quota)                 # QUOTA "50000 USD/month" -> Quota | None
    money = parse_money("1234.56", "USD")               # a won / proposal value -> Money (exact minor units)

Writing (in the caller's transaction, `db.transaction()`):
    record_stage_event(session, StageChange(contact_id, stage, at, source, actor_kind="rep", actor_id=None,
                       demo_at=None, value=None, reason=None, client_event_id=None, opportunity_id=None,
                       corrects=None), *, stages, now) -> Recorded(event_id, opportunity_id, duplicate, opened,
                       stage, closed)
        Raises InvalidInput (-> 400 / exit 2), NotFound (unknown contact, opportunity or event -> 404),
        Conflict (client_event_id reused for another change, a second open opportunity -> 409) before
        writing anything. Idempotent by (source, client_event_id): a retry returns duplicate=True.
    open_for_first_inbound(session, {contact_id: first non-keyword inbound sent_at of the batch}, *, stages,
                           now) -> [opportunity ids]
        The ingest hook: one query per batch when nothing is to be done. Not wired yet (ingest is moving to
        analytics/ingest/): call it in record_messages after the messages are stored, and after the
        per-contact rebuild in import_messages.
    backfill_opportunities(session, *, stages, now, since=None) -> int      (a future `leadline` command)
    rebuild_opportunities(session, stages, now, opportunity_ids=None) -> int

Reading (`db.read()`):
    compute_funnel(session, period, *, now, tz, calendar, stages, business_hours=False, quota=None) -> Funnel
        Funnel.to_json() is the `funnel` section; quota is the period's: quota.for_period(start, end, tz).
    leads_at_risk(session, *, now, calendar, stages, sla_minutes, business_hours=False) -> [AtRisk]
        AtRisk(opportunity_id, contact_id, stage, rep_id, reasons) with Stalled / Unanswered / Unhappy /
        NoShow reasons, each carrying its figures; AtRisk.to_json().
    wilson(hits, n) -> (low, high); RateCell(n, hits).to_json()

Demo data: synthetic_outcomes(leads: [Lead(contact_id, first_inbound_at, first_response_s, rep_id)], *,
stages, now, rng) -> per lead, per opportunity, a list of StageChange to record in order.
"""

from analytics.outcomes.changes import StageChange
from analytics.outcomes.funnel import Funnel, compute_funnel, leads_at_risk
from analytics.outcomes.money import Money, Quota, parse_money, parse_quota
from analytics.outcomes.opening import backfill_opportunities, open_for_first_inbound
from analytics.outcomes.rates import RateCell, wilson
from analytics.outcomes.record import Recorded, rebuild_opportunities, record_stage_event
from analytics.outcomes.risk import AtRisk
from analytics.outcomes.stages import DEFAULT_STAGES, StageConfig, parse_stages
from analytics.outcomes.synthetic import Lead, synthetic_outcomes

__all__ = [
    "DEFAULT_STAGES",
    "AtRisk",
    "Funnel",
    "Lead",
    "Money",
    "Quota",
    "RateCell",
    "Recorded",
    "StageChange",
    "StageConfig",
    "backfill_opportunities",
    "compute_funnel",
    "leads_at_risk",
    "open_for_first_inbound",
    "parse_money",
    "parse_quota",
    "parse_stages",
    "rebuild_opportunities",
    "record_stage_event",
    "synthetic_outcomes",
    "wilson",
]
