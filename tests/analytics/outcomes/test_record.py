"""Recording stage events on both databases: opening, idempotency, bad input changing nothing, corrections,
and the derived row always equal to a rebuild from the events."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from analytics.db import Database
from analytics.errors import AnalyticsError, Conflict, InvalidInput, NotFound
from analytics.models import Rep
from analytics.outcomes.changes import StageChange
from analytics.outcomes.money import Money
from analytics.outcomes.opening import backfill_opportunities, open_for_first_inbound
from analytics.outcomes.record import event_row, rebuild_opportunities, record_stage_event
from analytics.outcomes.stages import parse_stages
from analytics.outcomes.state import derive
from analytics.outcomes.tables import Opportunity, StageEvent
from tests.analytics.outcomes.conftest import T0, counts, text

STAGES = parse_stages()
NOW = T0 + timedelta(days=60)


async def setup_reps(db: Database) -> None:
    async with db.transaction() as session:
        session.add_all([Rep(name="Ana"), Rep(name="Ben")])


async def record(db: Database, change: StageChange):  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await record_stage_event(session, change, stages=STAGES, now=NOW)


async def first_inbound(db: Database, contact_id: int, at) -> list[int]:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await open_for_first_inbound(session, {contact_id: at}, stages=STAGES, now=NOW)


async def opportunities(db: Database) -> list[Opportunity]:
    async with db.read() as session:
        return list((await session.execute(select(Opportunity).order_by(Opportunity.id))).scalars())


def rep_change(contact: int, stage: str, at, **kw: object) -> StageChange:  # type: ignore[no-untyped-def]
    return StageChange(contact, stage, at, kw.pop("source", "api"), actor_id=kw.pop("actor_id", 1), **kw)  # type: ignore[arg-type]


async def test_first_inbound_opens_one_opportunity_and_a_closed_lead_texting_again_opens_none(db: Database) -> None:
    await setup_reps(db)
    lead = await text(db, 1, T0)
    await text(db, 1, T0 + timedelta(minutes=4), inbound=False, body="hi!", rep=1)
    assert len(await first_inbound(db, lead.contact_id, T0)) == 1
    assert await first_inbound(db, lead.contact_id, T0 + timedelta(minutes=5)) == []
    [opp] = await opportunities(db)
    assert (opp.stage, opp.opened_at, opp.auto_opened, opp.closed_at) == ("new", T0, True, None)
    await record(db, rep_change(lead.contact_id, "won", T0 + timedelta(days=2), value=Money(120_000, "USD")))
    # The customer writes in about support weeks later: no new deal.
    later = T0 + timedelta(days=20)
    await text(db, 1, later, body="the invoice is wrong")
    assert await first_inbound(db, lead.contact_id, later) == []
    assert await counts(db) == (2, 1)
    await text(db, 1, later + timedelta(minutes=30), body="also, can we add seats?")
    # A rep moves the lead on: a new opportunity, opened at that conversation's first inbound text.
    result = await record(db, rep_change(lead.contact_id, "qualified", later + timedelta(hours=3)))
    assert result.opened and not result.duplicate
    second = (await opportunities(db))[1]
    assert (second.opened_at, second.stage, second.auto_opened, second.reached) == (
        later, "qualified", False, "new,qualified")


async def test_an_earlier_first_text_moves_the_automatic_opening(db: Database) -> None:
    lead = await text(db, 1, T0 + timedelta(days=3))
    await first_inbound(db, lead.contact_id, T0 + timedelta(days=3))
    await text(db, 1, T0)  # an import brings an older text
    await first_inbound(db, lead.contact_id, T0)
    [opp] = await opportunities(db)
    assert opp.opened_at == T0
    assert await counts(db) == (2, 1)  # the correction is an event; nothing was overwritten


async def test_a_client_event_id_records_once_and_cannot_be_reused_for_another_change(db: Database) -> None:
    await setup_reps(db)
    lead = await text(db, 1, T0)
    change = rep_change(lead.contact_id, "won", T0 + timedelta(days=1), value=Money(5000, "EUR"),
                        client_event_id="crm-42")
    first = await record(db, change)
    again = await record(db, change)
    assert again.duplicate and again.event_id == first.event_id
    assert await counts(db) == (2, 1)
    with pytest.raises(Conflict, match="crm-42"):
        await record(db, rep_change(lead.contact_id, "won", T0 + timedelta(days=1), value=Money(6000, "EUR"),
                                    client_event_id="crm-42"))
    # The same id from another source is another change.
    assert not (await record(db, rep_change(lead.contact_id, "won", T0 + timedelta(days=1), source="import",
                                            client_event_id="crm-42"))).duplicate


@pytest.mark.parametrize(("bad", "error"), [
    (rep_change(99, "qualified", T0), NotFound),
    (rep_change(1, "qualified", T0, actor_id=9), InvalidInput),
    (rep_change(1, "demo_held", T0 + timedelta(hours=1)), InvalidInput),
    (rep_change(1, "qualified", NOW + timedelta(days=1)), InvalidInput),
    (rep_change(1, "closing", T0), InvalidInput),
    (rep_change(1, "qualified", T0, corrects=999), NotFound),
])
async def test_bad_input_changes_nothing(db: Database, bad: StageChange, error: type[AnalyticsError]) -> None:
    await setup_reps(db)
    await text(db, 1, T0)
    before = await counts(db)
    with pytest.raises(error):
        await record(db, bad)
    assert await counts(db) == before


async def test_moving_a_closed_opportunity_back(db: Database) -> None:
    await setup_reps(db)
    lead = await text(db, 1, T0)
    await first_inbound(db, lead.contact_id, T0)
    won = await record(db, rep_change(lead.contact_id, "won", T0 + timedelta(days=1)))
    back = await record(db, rep_change(lead.contact_id, "proposal_sent", T0 + timedelta(days=2),
                                       opportunity_id=won.opportunity_id))
    assert (back.opportunity_id, back.stage, back.closed, back.opened) == (won.opportunity_id, "proposal_sent",
                                                                           False, False)
    await record(db, rep_change(lead.contact_id, "lost", T0 + timedelta(days=3), reason="price"))
    other = await record(db, rep_change(lead.contact_id, "qualified", T0 + timedelta(days=4)))
    assert other.opened
    before = await counts(db)
    with pytest.raises(Conflict, match="already has an open opportunity"):
        await record(db, rep_change(lead.contact_id, "proposal_sent", T0 + timedelta(days=5),
                                    opportunity_id=won.opportunity_id))
    assert await counts(db) == before


async def test_a_correction_voids_the_event_and_cannot_be_made_twice(db: Database) -> None:
    await setup_reps(db)
    lead = await text(db, 1, T0)
    await first_inbound(db, lead.contact_id, T0)
    misclick = await record(db, rep_change(lead.contact_id, "won", T0 + timedelta(hours=2), value=Money(1, "USD")))
    fixed = await record(db, rep_change(lead.contact_id, "proposal_sent", T0 + timedelta(hours=2),
                                        corrects=misclick.event_id, value=Money(250_000, "USD")))
    [opp] = await opportunities(db)
    assert (fixed.opportunity_id, opp.stage, opp.closed_at, opp.reached) == (
        misclick.opportunity_id, "proposal_sent", None, "new,proposal_sent")
    with pytest.raises(Conflict, match="already corrected"):
        await record(db, rep_change(lead.contact_id, "lost", T0 + timedelta(hours=3), corrects=misclick.event_id))
    await text(db, 2, T0)
    with pytest.raises(NotFound):
        await record(db, rep_change(2, "lost", T0 + timedelta(hours=3), corrects=fixed.event_id))


async def test_the_database_refuses_a_second_open_opportunity(db: Database) -> None:
    lead = await text(db, 1, T0)
    await first_inbound(db, lead.contact_id, T0)
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Opportunity(contact_id=lead.contact_id, opened_at=T0, stage="new", stage_entered_at=T0,
                                    last_event_at=T0, last_event_id=0))


async def test_backfill_opens_opportunities_for_the_stored_history(db: Database) -> None:
    await text(db, 1, T0 + timedelta(hours=1))
    await text(db, 1, T0)
    await text(db, 2, T0, body="STOP")
    await text(db, 3, T0 - timedelta(days=30))
    async with db.transaction() as session:
        assert await backfill_opportunities(session, stages=STAGES, now=NOW, since=T0 - timedelta(days=7)) == 1
    assert [(o.contact_id, o.opened_at) for o in await opportunities(db)] == [(1, T0)]


STAGE_NAMES = ("new", "qualified", "demo_booked", "demo_held", "demo_no_show", "proposal_sent", "won", "lost")


async def test_the_derived_rows_equal_a_rebuild_from_the_events(db: Database) -> None:
    """Random changes (out of order, corrections, moves back, several opportunities per lead, refused ones):
    the rows kept step by step equal the rows rebuilt from the events alone and the pure derivation."""
    await setup_reps(db)
    rng = random.Random(16)
    for contact in (1, 2, 3):
        await text(db, contact, T0)
        await first_inbound(db, contact, T0)
    recorded: list[tuple[int, int]] = []  # (contact, event id)
    for _ in range(120):
        contact = rng.choice((1, 2, 3))
        stage = rng.choice(STAGE_NAMES)
        at = T0 + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        kw: dict[str, object] = {}
        if stage == "demo_booked":
            kw["demo_at"] = at + timedelta(days=rng.randrange(0, 5))
        if stage in ("won", "proposal_sent") and rng.random() < 0.7:
            kw["value"] = Money(rng.randrange(1, 10**7), rng.choice(("USD", "EUR")))
        if stage == "lost" and rng.random() < 0.5:
            kw["reason"] = rng.choice(("price", "timing"))
        mine = [e for c, e in recorded if c == contact]
        roll = rng.random()
        if mine and roll < 0.15:
            kw["corrects"] = rng.choice(mine)
        elif roll < 0.25:
            async with db.read() as session:
                ids = list((await session.execute(select(Opportunity.id).where(
                    Opportunity.contact_id == contact))).scalars())
            if ids:
                kw["opportunity_id"] = rng.choice(ids)
        try:
            done = await record(db, rep_change(contact, stage, at, actor_id=rng.choice((1, 2)), **kw))
        except (InvalidInput, Conflict, NotFound):
            continue
        recorded.append((contact, done.event_id))
    assert len(recorded) > 40

    def snapshot(rows: list[Opportunity]) -> list[dict[str, object]]:
        return [{k: v for k, v in o.model_dump().items() if k != "updated_at"} for o in rows]

    kept = snapshot(await opportunities(db))
    async with db.read() as session:
        events = list((await session.execute(select(StageEvent))).scalars())
    for row in kept:
        state = derive([event_row(e) for e in events if e.opportunity_id == row["id"]], STAGES)
        assert state is not None and (state.stage, state.closed_at, state.value_minor) == (
            row["stage"], row["closed_at"], row["value_minor"])
    async with db.transaction() as session:
        assert await rebuild_opportunities(session, STAGES, NOW) == len(kept)
    assert snapshot(await opportunities(db)) == kept
    open_per_lead = [sum(1 for o in kept if o["contact_id"] == c and o["closed_at"] is None) for c in (1, 2, 3)]
    assert max(open_per_lead) <= 1
