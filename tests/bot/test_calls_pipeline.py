"""From Twilio's recording callback to the Slack summary: download from the fake Twilio API, score a real
fixture WAV in the worker process pool, store the score, queue the Slack post. One test transcribes; the
others score on the audio metrics alone to stay fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import multiprocessing
import threading
import wave
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from analytics.calls import CallScore, Recording
from analytics.db import Database
from analytics.models import Contact, Conversation
from analytics.outbox_store import OutboxJob
from bot import state
from bot.calls.pipeline import CallsPart
from bot.outbox.kinds import SLACK_POST
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_calls_webhooks import LEAD, OURS, REP_PHONE, add_rep, callback
from tests.bot.test_twilio_webhooks import BASE, TOKEN, post_signed
from tests.fakes import FakeSlack, FakeTwilio, new_sid
from tests.waiting import HANG_GUARD_S, eventually, hold_until

ACCOUNT = "AC" + "1" * 32
AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
PLAIN_WAV = (AUDIO / "plain_call.wav").read_bytes()  # the rep is on the right channel
VOICE_QUERY = f"?RepChannel=right&Dialed=%2B{REP_PHONE[1:]}&From=%2B{LEAD[1:]}&To=%2B{OURS[1:]}"


@pytest.fixture
async def tw() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(ACCOUNT, TOKEN) as fake:
        yield fake


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token="xoxb-calls-test") as fake:
        yield fake


def settings_for(database_url: str, tw: FakeTwilio, slack: FakeSlack | None, **extra: Any) -> Any:
    slack_settings = {"slack_bot_token": "xoxb-calls-test", "slack_signing_secret": "calls-signing-secret",
                      "slack_api_base_url": slack.base_url, "slack_calls_channel": "CCALLS"} if slack else {}
    return make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN, twilio_account_sid=ACCOUNT,
                         twilio_api_base_url=tw.base_url, **slack_settings, **extra)


@pytest.fixture
async def client(database_url: str, make_client: MakeClient, tw: FakeTwilio, slack: FakeSlack) -> TestClient:
    return await make_client(settings_for(database_url, tw, slack), start_workers=False)


def part_of(client: TestClient) -> CallsPart:
    part: CallsPart = client.server.app[state.CONTAINER].calls
    return part


async def run_scoring(client: TestClient, *, transcribe: bool = False) -> int:
    part = part_of(client)
    part.transcribe = transcribe
    assert part.outbox is not None
    return await part.outbox.run_once()


async def make_due(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


async def rows(db: Database, model: Any) -> list[Any]:
    async with db.read() as session:
        return list((await session.execute(select(model))).scalars())


async def slack_posts(db: Database) -> list[dict[str, Any]]:
    async with db.read() as session:
        jobs = (await session.execute(select(OutboxJob).where(OutboxJob.kind == SLACK_POST))).scalars()
        return [json.loads(job.payload) for job in jobs]


async def add_lead_with_thread(db: Database) -> None:
    async with db.transaction() as session:
        contact = Contact(address=LEAD, channel="sms", display_name="Sam Lead")
        session.add(contact)
        await session.flush()
        session.add(Conversation(contact_id=contact.id or 0, started_at=datetime.now(UTC), channel="sms",
                                 last_message_at=datetime.now(UTC), slack_channel="CLEADS",
                                 slack_thread_ts="1763900000.000100"))


def downloads(tw: FakeTwilio) -> list[str]:
    return [r.path for r in tw.requests if "/Recordings/" in r.path]


async def test_recording_to_lead_thread_end_to_end_with_transcript(client: TestClient, tw: FakeTwilio,
                                                                   slack: FakeSlack, db: Database) -> None:
    rep_id = await add_rep(db)
    await add_lead_with_thread(db)
    sid = new_sid("RE")
    tw.add_recording(sid, PLAIN_WAV, duration=24)
    tw.fail_next_download(503)
    params = callback(sid, RecordingUrl=tw.recording_url(sid).replace(tw.base_url, "https://api.twilio.com"))
    assert (await post_signed(client, "/twilio/recordings" + VOICE_QUERY, params)).status == 204
    assert await run_scoring(client) == 1  # Twilio answers 503: retried later
    [rec] = await rows(db, Recording)
    assert rec.status == "downloading" and "503" in (rec.reason or "")
    assert await rows(db, CallScore) == []
    await make_due(db)
    assert await run_scoring(client, transcribe=True) == 1
    assert await run_scoring(client) == 0

    assert downloads(tw) == [f"{tw.account_path}/Recordings/{sid}.wav"] * 2
    auth = tw.requests[-1].headers["Authorization"]
    assert auth.startswith("Basic ") and TOKEN not in auth
    [rec] = await rows(db, Recording)
    [score] = await rows(db, CallScore)
    assert rec.status == "scored" and rec.scored_at is not None
    assert (score.recording_id, score.rep_id, score.stage) == (rec.id, rep_id, "general")
    result = json.loads(score.result)
    assert result["rep_channel"] == "right" and result["text_scored"] is True and result["transcript"]
    assert score.score == result["score"] and score.communication is not None and score.forward_motion is not None
    assert {u["speaker"] for u in result["transcript"]} == {"rep", "prospect"}

    [post] = await slack_posts(db)
    assert (post["channel"], post["thread_ts"]) == ("CLEADS", "1763900000.000100")
    assert f"*{score.score}/100*" in post["blocks"][0]["text"]["text"] and "Alex Rep" in post["text"]
    assert LEAD not in json.dumps(post)
    kinds = client.server.app[state.CONTAINER].kinds
    if SLACK_POST in kinds:  # the Slack feature's job kind: the summary reaches Slack itself
        await client.server.app[state.CONTAINER].outbox.run_once()
        assert [m["text"] for m in slack.posted("CLEADS", "1763900000.000100")] == [post["text"]]


async def test_a_call_with_no_lead_thread_goes_to_the_calls_channel(client: TestClient, tw: FakeTwilio,
                                                                    db: Database) -> None:
    sid = new_sid("RE")
    tw.add_recording(sid, PLAIN_WAV)
    await post_signed(client, "/twilio/recordings" + VOICE_QUERY, callback(sid, RecordingUrl=tw.recording_url(sid)))
    assert await run_scoring(client) == 1
    [score] = await rows(db, CallScore)
    assert score.rep_id is None and score.forward_motion is None and json.loads(score.result)["transcript"] == []
    [post] = await slack_posts(db)
    assert post["channel"] == "CCALLS" and post["thread_ts"] is None
    assert "+1555***0001" in post["text"] and LEAD not in post["text"] and "unknown rep" in post["text"]


async def test_without_slack_the_score_is_stored_at_the_configured_stage(database_url: str, make_client: MakeClient,
                                                                        tw: FakeTwilio, db: Database) -> None:
    client = await make_client(settings_for(database_url, tw, None, recording_stage="Qualification"),
                               start_workers=False)
    sid = new_sid("RE")
    tw.add_recording(sid, PLAIN_WAV)
    await post_signed(client, "/twilio/recordings", callback(sid, RecordingUrl=tw.recording_url(sid)))
    assert await run_scoring(client) == 1
    [score] = await rows(db, CallScore)
    assert score.stage == "qualification" and await slack_posts(db) == []
    sales_process = [c for c in json.loads(score.result)["criteria"] if c["name"] == "Sales Process"]
    assert sales_process and not sales_process[0]["summary"].startswith("Not applicable")


def mono_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * 8000)
    return buffer.getvalue()


@pytest.mark.parametrize(("body", "fault", "state"), [
    (mono_wav(), None, "not_scorable"),
    (b"RIFF-not-really-a-wav", None, "not_scorable"),
    (PLAIN_WAV, 401, "failed"),
])
async def test_unusable_downloads_end_with_the_reason(client: TestClient, tw: FakeTwilio, db: Database, body: bytes,
                                                      fault: int | None, state: str) -> None:
    sid = new_sid("RE")
    tw.add_recording(sid, body)
    if fault:
        tw.fail_next_download(fault)
    await post_signed(client, "/twilio/recordings", callback(sid, RecordingUrl=tw.recording_url(sid)))
    assert await run_scoring(client) == 1
    [rec] = await rows(db, Recording)
    [job] = [j for j in await rows(db, OutboxJob) if j.kind == "score_recording"]
    assert rec.status == state and rec.reason
    assert job.state == ("failed" if fault else "done")
    assert await rows(db, CallScore) == [] and await slack_posts(db) == []


async def test_two_replicas_score_a_recording_once(database_url: str, make_client: MakeClient, tw: FakeTwilio,
                                                   slack: FakeSlack, db: Database) -> None:
    first = await make_client(settings_for(database_url, tw, slack), start_workers=False)
    second = await make_client(settings_for(database_url, tw, slack), start_workers=False)
    sid = new_sid("RE")
    tw.add_recording(sid, PLAIN_WAV)
    await post_signed(first, "/twilio/recordings", callback(sid, RecordingUrl=tw.recording_url(sid)))
    taken = await asyncio.gather(run_scoring(first), run_scoring(second))
    assert sorted(taken) == [0, 1]
    assert len(downloads(tw)) == 1
    assert len(await rows(db, CallScore)) == 1 and len(await slack_posts(db)) == 1


async def test_a_scoring_cut_short_by_a_restart_resumes_and_stores_once(client: TestClient, tw: FakeTwilio,
                                                                        db: Database) -> None:
    sid = new_sid("RE")
    tw.add_recording(sid, PLAIN_WAV)
    await post_signed(client, "/twilio/recordings", callback(sid, RecordingUrl=tw.recording_url(sid)))
    part = part_of(client)
    part.transcribe = False
    box = part.outbox
    assert box is not None
    [job] = await box.claim()  # the process took the job ... and died
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(updated_at=datetime.now(UTC) - timedelta(minutes=10)))
    assert await box.recover_stale() == 1
    assert await box.run_once() == 1
    [rec] = await rows(db, Recording)
    assert rec.status == "scored" and len(await rows(db, CallScore)) == 1
    # A second run of the same job (it died after storing, before being marked done) changes nothing.
    assert await box.kinds["score_recording"].run(job) is not None
    assert len(await rows(db, CallScore)) == 1 and len(await slack_posts(db)) == 1


async def test_the_running_service_scores_in_the_background_without_blocking(database_url: str,
                                                                             make_client: MakeClient,
                                                                             tw: FakeTwilio, db: Database) -> None:
    client = await make_client(settings_for(database_url, tw, None), start_workers=True)
    part = part_of(client)
    part.transcribe = False
    # The scoring process holds the job until released: while it does, the service must keep answering.
    context = multiprocessing.get_context("spawn")
    started, release = context.Event(), context.Event()
    unused, part.pool = part.pool, ProcessPoolExecutor(1, mp_context=context, initializer=hold_until,
                                                       initargs=(started, release))
    unused.shutdown()
    # Were scoring to block the event loop, nothing below could run until this releases it.
    fallback = threading.Timer(HANG_GUARD_S, release.set)
    fallback.start()
    try:
        sid = new_sid("RE")
        tw.add_recording(sid, (AUDIO / "qualification_call.wav").read_bytes())
        await post_signed(client, "/twilio/recordings", callback(sid, RecordingUrl=tw.recording_url(sid)))
        assert await asyncio.to_thread(started.wait, HANG_GUARD_S), "the job never reached a scoring process"
        for _ in range(3):
            assert (await client.get("/healthz")).status == 200
        assert not release.is_set() and await rows(db, CallScore) == []  # answered while the job was held
        release.set()

        async def scored() -> bool:
            return [r.status for r in await rows(db, Recording)] == ["scored"]

        await eventually(scored, "the recording is scored once the process may work")
    finally:
        fallback.cancel()
        release.set()


async def test_a_long_scoring_keeps_its_job_lease(client: TestClient, db: Database,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.calls import pipeline

    await post_signed(client, "/twilio/recordings", callback())
    box = part_of(client).outbox
    assert box is not None
    [job] = await box.claim()
    stale = datetime.now(UTC) - timedelta(minutes=10)
    async with db.transaction() as session:
        await session.execute(update(OutboxJob).values(updated_at=stale))
    monkeypatch.setattr(pipeline, "HEARTBEAT_S", 0.05)
    scorer = pipeline.RecordingScorer(db, client.server.app[state.CONTAINER].settings, part_of(client))
    beat = asyncio.create_task(scorer._heartbeat(job.id))

    async def beaten() -> bool:
        [row] = [j for j in await rows(db, OutboxJob) if j.id == job.id]
        return bool(row.updated_at.replace(tzinfo=UTC) > stale)

    await eventually(beaten, "a heartbeat refreshes the job's lease")
    beat.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await beat
    assert await box.recover_stale() == 0  # another replica does not take it for abandoned
