"""`leadline digest`: preview a KPI digest in the terminal, or post it to Slack now (exactly once per key).

    leadline digest [--kind daily|weekly|monthly] [--date YYYY-MM-DD] [--dry-run] [--json] [--png FILE] [--force]

`--date` is the first day the digest covers (the day, the Monday, the 1st); default: the last complete
period. `--dry-run` prints the text, `--json` prints `{kind, period, report, previous_report, text, blocks}`;
neither posts. Otherwise the digest is claimed and posted now, unless it was already (then `--force`).
Exit status: 0 ok, 2 bad input, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from analytics import digests
from analytics.db import Database
from analytics.digests import KINDS, DigestKey, check_first_day, last_complete
from analytics.errors import InvalidInput
from bot.cli_support import fail, run_with_db
from bot.digests.jobs import DigestPoster, Prepared, prepare, queue_digest
from bot.outbox import Outbox
from bot.outbox.kinds import DIGEST_POST
from bot.settings import Settings


def resolve_key(kind: str, when: str | None, now: datetime, settings: Settings) -> DigestKey:
    if when is None:
        return last_complete(kind, now, settings.tz)
    try:
        first_day = date.fromisoformat(when)
    except ValueError:
        raise InvalidInput(f"--date {when!r} is not a date; expected YYYY-MM-DD") from None
    check_first_day(kind, first_day)
    return DigestKey(kind, first_day)


def as_json(prepared: Prepared) -> dict[str, Any]:
    data = prepared.data
    return {
        "kind": data.key.kind,
        "period": {"first_day": data.key.first_day.isoformat(), "label": data.label,
                   **data.report.period.to_json()},
        "report": data.report.to_json(),
        "previous_report": data.previous_report.to_json(),
        "text": prepared.rendered.text,
        "blocks": prepared.rendered.blocks,
    }


async def _preview(db: Database, settings: Settings, key: DigestKey, now: datetime, args: argparse.Namespace
                   ) -> None:
    prepared = await prepare(db, settings, key, now)
    if args.png:
        if prepared.chart is None:
            print(f"leadline: the {key.kind} digest has no chart; {args.png} not written", file=sys.stderr)
        else:
            args.png.write_bytes(prepared.chart.png)
    if args.json:
        print(json.dumps(as_json(prepared), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(prepared.rendered.text)


async def _post(db: Database, settings: Settings, key: DigestKey, now: datetime, force: bool) -> None:
    from bot.slack.client import make_web_client

    channel = settings.slack_digest_channel
    digest_id = await queue_digest(db, settings, key, now, channel=channel, force=force)
    if digest_id is None:
        print(f"the {key} was already posted to {channel}; --force posts it again")
        return
    # Run this digest's job here rather than wait for the service's worker; on a Slack hiccup the job
    # stays queued and the service's outbox retries it.
    outbox = Outbox(db, {DIGEST_POST: DigestPoster(db, make_web_client(settings)).kind()})
    await outbox.run_once()
    async with db.read() as session:
        row = await digests.get(session, digest_id)
    if row is not None and row.state == digests.POSTED:
        print(f"posted the {key} to {channel} (ts {row.slack_ts})")
    elif row is not None and row.state == digests.FAILED:
        raise RuntimeError(f"Slack refused the {key}: {row.error}")
    else:
        print(f"the {key} is queued; the service will retry posting it")


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    try:
        key = resolve_key(args.kind, args.date, now, settings)
    except InvalidInput as exc:
        return fail(str(exc), 2)
    preview = args.dry_run or args.json
    if not preview and not (settings.slack_configured and settings.slack_digest_channel):
        return fail("posting needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_DIGEST_CHANNEL; "
                     "use --dry-run to preview", 2)

    async def work(db: Database) -> None:
        if preview:
            await _preview(db, settings, key, now, args)
        else:
            await _post(db, settings, key, now, args.force)

    return run_with_db(work, settings)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `digest` command."""
    parser = subparsers.add_parser(
        "digest", help="preview or post a daily, weekly or monthly KPI digest",
        description="Build the KPI digest of a period (docs/digests.md) from the same figures as `leadline kpi`. "
        "With --dry-run print it (and write its chart with --png); with --json print it as JSON; otherwise "
        "post it to SLACK_DIGEST_CHANNEL now, once per digest unless --force.",
    )
    parser.add_argument("--kind", choices=KINDS, default="daily", help="which digest (default daily)")
    parser.add_argument("--date", metavar="YYYY-MM-DD",
                        help="first day it covers: the day, the Monday or the 1st (default: the last complete "
                        "period)")
    parser.add_argument("--dry-run", action="store_true", help="print the digest instead of posting it")
    parser.add_argument("--json", action="store_true",
                        help="print {kind, period, report, previous_report, text, blocks} instead of posting")
    parser.add_argument("--png", metavar="FILE", type=Path, help="write the chart to FILE (a 1200x600 PNG)")
    parser.add_argument("--force", action="store_true", help="post again even if this digest was posted")
    parser.set_defaults(func=cmd_digest)
