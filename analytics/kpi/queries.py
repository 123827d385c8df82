"""SQL reads for KPI reports: SQLAlchemy Core, only the needed columns, bounded by the period.

Every query over messages or waits filters on `sent_at` / `opened_at` first, so the indexes
ix_message_sent_cover and ix_wait_opened_cover make a report's cost follow its window, not the size of the
history; on PostgreSQL they carry every column a report reads, so reports scan the index alone. Counts,
durations and conversation labels are aggregated in SQL; what comes back is a few rows per slice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import DateTime, Row, and_, case, distinct, func, or_, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import (
    INBOUND,
    OPT_IN,
    OPT_OUT,
    WAIT_CLOSED,
    WAIT_OPEN,
    Contact,
    Conversation,
    Message,
    OptEvent,
    Rep,
    Wait,
)
from analytics.periods import Period

W = Wait.__table__.c  # type: ignore[attr-defined]
M = Message.__table__.c  # type: ignore[attr-defined]
C = Contact.__table__.c  # type: ignore[attr-defined]


def raw_time(column):  # type: ignore[no-untyped-def]
    """A timestamp column read without SQLModel's per-value UTC conversion (the cost of big reports).

    PostgreSQL hands back aware UTC datetimes already; SQLite gives naive UTC ones, which `as_utc`
    completes.
    """
    return type_coerce(column, DateTime()).label(column.name)


def as_utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


# PostgreSQL planner settings for the report's own transaction (SET LOCAL ends with it):
# - JIT compiles expressions once a plan's estimated cost passes jit_above_cost; the report's joins over
#   unnested topics are overestimated 100-fold, so it compiled for ~50 ms to save ~1 ms.
# - work_mem: a 90-day report hashes ~10^5 conversations and sorts ~10^5 durations; at the 4 MB default
#   those spill to disk or turn into sorted plans over the heap.
# - No parallel workers: the report runs its own parts side by side (engine._side_by_side); workers on
#   top of that only added start-up cost on 2 cores.
REPORT_SETTINGS = {"jit": "off", "work_mem": "64MB", "max_parallel_workers_per_gather": "0"}


async def tune_for_report(session: AsyncSession) -> None:
    if session.bind.dialect.name != "postgresql":
        return
    # One round trip for all of them (a report tunes up to five connections: engine._side_by_side).
    await session.execute(select(*(func.set_config(name, value, True) for name, value in REPORT_SETTINGS.items())))


async def waits_opened(session: AsyncSession, period: Period) -> Sequence[Row]:
    """Open and closed (not cancelled) waits that opened in the period (`opened_at` via `raw_time`)."""
    stmt = select(
        W.contact_id, raw_time(W.opened_at), W.state, W.calendar_seconds, W.business_seconds,
        W.first_in_conversation, W.closed_by_rep_id, W.channel, W.topics,
    ).where(
        W.opened_at >= period.start, W.opened_at < period.end, W.state.in_((WAIT_OPEN, WAIT_CLOSED))
    )
    return (await session.execute(stmt)).all()


async def message_counts(session: AsyncSession, period: Period, *, with_active: bool
                         ) -> tuple[Sequence[Row], int | None]:
    """(channel, direction, automated, rep_id, topics, count) of the period's messages, `topics` being the
    comma-joined topics of inbound messages ('' for outbound ones): one pass for volumes, channels, replies
    per rep and messages per topic (a few rows per rep and topic combination).

    With `with_active` (PostgreSQL only) the same pass also counts the distinct contacts with a message in
    the period, returned second (else None, and `period_counts` counts them): a second grouping set on
    contact_id, its ~10^4 groups folded into one row by the outer query, costs ~25 % less than a second scan.
    """
    topics = case((M.direction == INBOUND, M.topics), else_="").label("topics")
    if not with_active:
        stmt = (
            select(M.channel, M.direction, M.automated, M.rep_id, topics, func.count())
            .where(M.sent_at >= period.start, M.sent_at < period.end)
            .group_by(M.channel, M.direction, M.automated, M.rep_id, topics)
        )
        return (await session.execute(stmt)).all(), None
    sql = """
        SELECT by_contact, channel, direction, automated, rep_id, topics, sum(n), count(*)
        FROM (SELECT GROUPING(contact_id) = 0 AS by_contact, channel, direction, automated, rep_id,
                     CASE WHEN direction = :inbound THEN topics ELSE '' END AS topics, count(*) AS n
              FROM message
              WHERE sent_at >= :start AND sent_at < :end
              GROUP BY GROUPING SETS ((channel, direction, automated, rep_id, 6), (contact_id))) AS g
        GROUP BY by_contact, channel, direction, automated, rep_id, topics
    """
    params = {"start": period.start, "end": period.end, "inbound": INBOUND}
    rows, active = [], 0
    for by_contact, channel, direction, automated, rep_id, joined, count, groups in \
            (await session.execute(text(sql), params)).all():
        if by_contact:
            active = int(groups)
        else:
            rows.append((channel, direction, automated, rep_id, joined, int(count)))
    return rows, active  # type: ignore[return-value]


async def period_counts(session: AsyncSession, period: Period, *, active: bool = True) -> dict[str, int]:
    """Counts of the period in one round trip: active contacts (any message; unless `active` is False),
    new contacts, conversations started, and distinct contacts that opted out / back in."""
    oc = OptEvent.__table__.c  # type: ignore[attr-defined]
    cc = Conversation.__table__.c  # type: ignore[attr-defined]

    def opt(kind: str):  # type: ignore[no-untyped-def]
        return (select(func.count(distinct(oc.contact_id)))
                .where(oc.at >= period.start, oc.at < period.end, oc.kind == kind).scalar_subquery())

    counts = [
        select(func.count()).select_from(Contact)
        .where(C.first_message_at >= period.start, C.first_message_at < period.end)
        .scalar_subquery().label("new_contacts"),
        select(func.count()).select_from(Conversation)
        .where(cc.started_at >= period.start, cc.started_at < period.end).scalar_subquery().label("conversations"),
        opt(OPT_OUT).label(OPT_OUT),
        opt(OPT_IN).label(OPT_IN),
    ]
    if active:
        # COUNT over a GROUP BY, not COUNT(DISTINCT): PostgreSQL hashes the former and sorts for the latter
        # (309 vs 114 ms over 90 days of 1M messages).
        contacts = (select(M.contact_id).where(M.sent_at >= period.start, M.sent_at < period.end)
                    .group_by(M.contact_id))
        counts.append(select(func.count()).select_from(contacts.subquery()).scalar_subquery().label("active"))
    row = (await session.execute(select(*counts))).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


async def current_state(session: AsyncSession) -> tuple[int, int, datetime | None]:
    """(contacts opted out now, waits open now, when the oldest open wait opened), whatever the period."""
    stmt = select(
        select(func.count()).select_from(Contact).where(C.opted_out.is_(True)).scalar_subquery(),
        select(func.count()).where(W.state == WAIT_OPEN).scalar_subquery(),
        select(func.min(W.opened_at)).where(W.state == WAIT_OPEN).scalar_subquery(),
    )
    opted_out, open_count, oldest = (await session.execute(stmt)).one()
    if isinstance(oldest, str):
        # SQLite returns a scalar subquery's timestamp as the stored text (ISO 8601, UTC).
        oldest = _parse_sqlite_datetime(oldest)
    elif oldest is not None:
        oldest = as_utc(oldest)
    return int(opted_out or 0), int(open_count or 0), oldest


def _parse_sqlite_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def conversation_topics(session: AsyncSession, period: Period) -> Sequence[Row]:
    """Distinct (conversation_id, topics) of the period's inbound messages that touched a topic."""
    stmt = (
        select(M.conversation_id, M.topics)
        .where(M.sent_at >= period.start, M.sent_at < period.end, M.direction == INBOUND, M.topics != "",
               M.conversation_id.is_not(None))
        .distinct()
    )
    return (await session.execute(stmt)).all()


async def rep_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rc = Rep.__table__.c  # type: ignore[attr-defined]
    stmt = select(rc.id, rc.name).where(rc.id.in_(wanted))
    return {rep_id: name for rep_id, name in (await session.execute(stmt)).all()}


async def contact_addresses(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(C.id, C.address).where(C.id.in_(wanted))
    return {contact_id: address for contact_id, address in (await session.execute(stmt)).all()}


# --- PostgreSQL: waits aggregated into pools by the database ------------------------------------------

# Breakdown -> the column of `wait_pools`'s subquery it groups on.
GROUPING_COLUMNS = {"rep": "rep", "channel": "channel", "hour": "hr", "weekday": "wd"}


def _durations(business: bool, sla_business: bool) -> tuple[str, str]:
    """SQL of (shown seconds, SLA seconds) of a closed wait with stored durations."""
    business_s = "coalesce(business_seconds, calendar_seconds)"
    return (business_s if business else "calendar_seconds", business_s if sla_business else "calendar_seconds")


def _local_wall(segments: Sequence[tuple[datetime | None, int]]) -> str:
    """SQL of a wait's local wall time from UTC offsets computed in Python (zoneinfo, as Python's
    `astimezone`): `segments` is [(from, offset seconds)], the first `from` None."""
    if len(segments) == 1:
        offset = f"{int(segments[0][1])}"
    else:
        whens = " ".join(f"WHEN opened_at >= :seg{i} THEN {int(off)}"
                         for i, (_at, off) in reversed(list(enumerate(segments))) if i)
        offset = f"CASE {whens} ELSE {int(segments[0][1])} END"
    return f"((opened_at AT TIME ZONE 'UTC') + make_interval(secs => {offset}))"


async def wait_pools(session: AsyncSession, period: Period, *, business: bool, sla_business: bool,
                     sla_seconds: float, breakdowns: Sequence[str],
                     segments: Sequence[tuple[datetime | None, int]]) -> list[tuple]:  # type: ignore[type-arg]
    """Per grouping set (overall, and rep/channel/hour/weekday when asked) of the period's waits:
    (breakdown or "" for overall, its key, waits, closed durations ascending, first-response durations
    ascending, closed waits within the SLA). Durations only of closed waits with stored durations; `waits`
    counts every not-cancelled wait."""
    shown, sla = _durations(business, sla_business)
    kinds = [b for b in GROUPING_COLUMNS if b in breakdowns]
    columns = [GROUPING_COLUMNS[b] for b in kinds]
    sets = ["()", *(f"({c})" for c in columns)]
    # GROUPING(...) has a bit set for each of `columns` not grouped on (the first column is the high bit).
    grouping = f"GROUPING({', '.join(columns)})" if columns else "0"
    tags = {(1 << len(columns)) - 1 - (1 << (len(columns) - 1 - i)): kind for i, kind in enumerate(kinds)}
    tags[(1 << len(columns)) - 1] = ""
    local = _local_wall(segments) if any(b in ("hour", "weekday") for b in breakdowns) else None
    hr = f"extract(hour FROM {local})::int" if local else "0"
    wd = f"(extract(isodow FROM {local})::int - 1)" if local else "0"
    sql = f"""
        SELECT {grouping}, {", ".join(columns) or "0"}, count(*),
               coalesce(array_agg(s) FILTER (WHERE done), '{{}}'),
               coalesce(array_agg(s) FILTER (WHERE done AND f), '{{}}'),
               count(*) FILTER (WHERE done AND q <= :sla)
        FROM (SELECT state = :closed AND calendar_seconds IS NOT NULL AS done, first_in_conversation AS f,
                     {shown} AS s, {sla} AS q, closed_by_rep_id AS rep, channel, {hr} AS hr, {wd} AS wd
              FROM wait
              WHERE opened_at >= :start AND opened_at < :end AND state IN (:open, :closed)
              ORDER BY s) AS w
        GROUP BY GROUPING SETS ({", ".join(sets)})
    """  # noqa: S608 (only constants of this module and integers are formatted in; values are bound)
    params: dict[str, object] = {"start": period.start, "end": period.end, "open": WAIT_OPEN, "closed": WAIT_CLOSED,
                                 "sla": sla_seconds}
    for i, (at, _off) in enumerate(segments):
        if i:
            params[f"seg{i}"] = at
    out = []
    for row in (await session.execute(text(sql), params)).all():
        kind = tags[row[0]]
        key = row[1 + kinds.index(kind)] if kind else None
        count, closed, first, met = row[1 + max(1, len(columns)):]
        out.append((kind, key, count, ascending(closed), ascending(first), met))
    return out


def ascending(values: list[float]) -> list[float]:
    """`values` sorted in place.

    The pools' arrays are built without ORDER BY inside array_agg: that sorts every group of every
    grouping set apart (the longest statement of a report, ~45 ms for a week). Their input comes sorted
    instead, which hashed aggregation keeps in practice though SQL does not promise it; this sort makes it
    certain, and costs one pass over input that is already in order.
    """
    values.sort()
    return values


async def topic_pools(session: AsyncSession, period: Period, *, business: bool, sla_business: bool,
                      sla_seconds: float, durations: bool) -> list[tuple]:  # type: ignore[type-arg]
    """Per topic touched by the period's waits: (topic, waits, closed durations ascending, first-response
    durations ascending, met, longest closed duration). Without `durations` the arrays are empty."""
    shown, sla = _durations(business, sla_business)
    arrays = (f"coalesce(array_agg({shown}) FILTER (WHERE done), '{{}}'), "
              f"coalesce(array_agg({shown}) FILTER (WHERE done AND first_in_conversation), '{{}}')"
              ) if durations else "'{}'::float8[], '{}'::float8[]"
    # Sorted input instead of ORDER BY inside array_agg, as in wait_pools (see `ascending`).
    sql = f"""
        SELECT topic, count(*), {arrays}, count(*) FILTER (WHERE done AND {sla} <= :sla),
               max({shown}) FILTER (WHERE done)
        FROM (SELECT *, state = :closed AND calendar_seconds IS NOT NULL AS done FROM wait
              WHERE opened_at >= :start AND opened_at < :end AND state IN (:open, :closed) AND topics <> ''
              {"ORDER BY " + shown if durations else ""}) AS w,
             unnest(string_to_array(w.topics, ',')) AS t(topic)
        WHERE topic <> ''
        GROUP BY topic
    """  # noqa: S608 (constants of this module only; values are bound)
    params = {"start": period.start, "end": period.end, "open": WAIT_OPEN, "closed": WAIT_CLOSED,
              "sla": sla_seconds}
    return [(topic, count, ascending(closed), ascending(first), met, longest_s)
            for topic, count, closed, first, met, longest_s in (await session.execute(text(sql), params)).all()]


async def waits_measured_now(session: AsyncSession, period: Period, *, business: bool,
                             longest_closed_s: float | None) -> Sequence[Row]:
    """The period's waits measured as of now (open ones, and closed ones without a stored duration), plus
    the closed waits whose shown duration is `longest_closed_s` (the candidates for the longest wait), in
    one pass; same columns as `waits_opened`."""
    measured = or_(W.state == WAIT_OPEN, and_(W.state == WAIT_CLOSED, W.calendar_seconds.is_(None)))
    if longest_closed_s is not None:
        shown = func.coalesce(W.business_seconds, W.calendar_seconds) if business else W.calendar_seconds
        measured = or_(measured, and_(W.state == WAIT_CLOSED, W.calendar_seconds.is_not(None),
                                      shown == longest_closed_s))
    stmt = select(
        W.contact_id, raw_time(W.opened_at), W.state, W.calendar_seconds, W.business_seconds,
        W.first_in_conversation, W.closed_by_rep_id, W.channel, W.topics,
    ).where(W.opened_at >= period.start, W.opened_at < period.end, measured)
    return (await session.execute(stmt)).all()


def _labelled_sql() -> str:
    """SQL (a WITH list) of `labelled(cid, label)`: each conversation with scored inbound messages in the
    period and its `breakdowns.conversation_label`, bit for bit: the same exact integer aggregates in
    score units of 0.0001, the same single division, the lower of mean and an unhappy last score, then
    the thresholds of the score rounded to 4 places as `label_bounds` comparisons.

    No window and no sort: a conversation's scored messages in the period are the consecutive
    `sentiment_seq` numbers lo..hi, so message k of the period is seq - lo + 1 and
    sum(k * units) = sum(seq * units) - (lo - 1) * sum(units). Units are whole numbers held in doubles:
    every product and partial sum is an integer far below 2^53, so each is exact in any summing order (and
    cheaper than BIGINT/NUMERIC arithmetic); the newest score rides in max() as
    seq * 100000 + units + 10000.
    """
    return """
        scored_messages AS (
            SELECT conversation_id AS cid, CAST(sentiment_seq AS DOUBLE PRECISION) AS seq,
                   round(sentiment_score * 10000) AS units
            FROM message
            WHERE sent_at >= :start AND sent_at < :end AND direction = :inbound
                  AND sentiment_score IS NOT NULL AND sentiment_seq IS NOT NULL AND conversation_id IS NOT NULL),
        sums AS (
            SELECT cid, count(*) AS n, sum(seq * units) - (min(seq) - 1) * sum(units) AS w,
                   max(seq * 100000 + units + 10000) AS newest
            FROM scored_messages GROUP BY cid),
        means AS (
            SELECT cid, w / CAST(5000 * n * (n + 1) AS DOUBLE PRECISION) AS mean,
                   CAST(CAST(newest AS BIGINT) % 100000 - 10000 AS DOUBLE PRECISION) / 10000 AS last
            FROM sums),
        scored AS (
            SELECT cid, CASE WHEN last < :unhappy_below AND last < mean THEN last ELSE mean END AS m FROM means),
        labelled AS (
            SELECT cid, CASE WHEN m >= :vh THEN 'very_happy' WHEN m >= :h THEN 'happy'
                             WHEN m < :u THEN 'unhappy' ELSE 'neutral' END AS label
            FROM scored)
    """


async def conversation_labels(session: AsyncSession, period: Period, *, bounds: tuple[float, float, float],
                              unhappy_below: float, per_conversation: bool) -> Sequence[Row]:
    """(label, conversations) of the period, or with `per_conversation` (conversation_id, label) rows."""
    tail = "SELECT cid, label FROM labelled" if per_conversation else \
        "SELECT label, count(*) FROM labelled GROUP BY label"
    params = {"start": period.start, "end": period.end, "inbound": INBOUND, "unhappy_below": unhappy_below,
              "vh": bounds[0], "h": bounds[1], "u": bounds[2]}
    return (await session.execute(text(f"WITH {_labelled_sql()} {tail}"), params)).all()


async def topic_labels(session: AsyncSession, period: Period, *, bounds: tuple[float, float, float],
                       unhappy_below: float) -> Sequence[Row]:
    """PostgreSQL: (topic, label, conversations) for the conversations whose inbound messages in the period
    touched the topic, and (NULL, label, conversations) for all of them."""
    sql = f"""
        WITH {_labelled_sql()},
        touched AS (
            SELECT DISTINCT conversation_id AS cid, topic
            FROM message, unnest(string_to_array(message.topics, ',')) AS t(topic)
            WHERE sent_at >= :start AND sent_at < :end AND direction = :inbound AND message.topics <> ''
                  AND conversation_id IS NOT NULL AND topic <> '')
        SELECT NULL, label, count(*) FROM labelled GROUP BY label
        UNION ALL
        SELECT topic, label, count(*) FROM touched JOIN labelled USING (cid) GROUP BY topic, label
    """  # noqa: S608 (constants of this module only; values are bound)
    params = {"start": period.start, "end": period.end, "inbound": INBOUND, "unhappy_below": unhappy_below,
              "vh": bounds[0], "h": bounds[1], "u": bounds[2]}
    return (await session.execute(text(sql), params)).all()
