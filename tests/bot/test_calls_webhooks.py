"""Twilio's recording callback and voice webhook through the real app over HTTP, signed like Twilio signs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from analytics.calls import Recording
from analytics.db import Database
from analytics.models import Contact, Message, Rep
from analytics.outbox_store import OutboxJob
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_twilio_webhooks import BASE, TOKEN, count, post_signed
from tests.fakes import new_sid

ACCOUNT = "AC" + "1" * 32
LEAD = "+15551230001"
OURS = "+15559990000"
REP_PHONE = "+15557770001"


def callback(sid: str | None = None, *, status: str = "completed", channels: str = "2", **extra: str) -> dict[str, str]:
    sid = sid or new_sid("RE")
    return {"AccountSid": ACCOUNT, "CallSid": new_sid("CA"), "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}",
            "RecordingStatus": status, "RecordingChannels": channels, "RecordingDuration": "24",
            "RecordingSource": "DialVerb", **extra}


async def recordings(db: Database) -> list[Recording]:
    async with db.read() as session:
        return list((await session.execute(select(Recording))).scalars())


async def jobs(db: Database, kind: str = "score_recording") -> list[OutboxJob]:
    async with db.read() as session:
        return list((await session.execute(select(OutboxJob).where(OutboxJob.kind == kind))).scalars())


async def add_rep(db: Database, phone: str = REP_PHONE, name: str = "Alex Rep") -> int:
    async with db.transaction() as session:
        rep = Rep(name=name, phone=phone)
        session.add(rep)
        await session.flush()
        return rep.id or 0


@pytest.fixture
async def client(database_url: str, make_client: MakeClient) -> TestClient:
    settings = make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN, twilio_account_sid=ACCOUNT)
    return await make_client(settings, start_workers=False)


async def test_a_completed_dual_channel_recording_is_stored_once_and_queued_once(client: TestClient,
                                                                                 db: Database) -> None:
    params = callback()
    answers = [await post_signed(client, "/twilio/recordings", params) for _ in range(3)]
    assert [a.status for a in answers] == [204, 204, 204]
    [rec] = await recordings(db)
    assert (rec.recording_sid, rec.status, rec.channels, rec.duration_s) == (params["RecordingSid"], "pending", 2, 24)
    [job] = await jobs(db)
    assert json.loads(job.payload) == {"recording_id": rec.id}
    assert job.ordering_key == params["RecordingSid"]


@pytest.mark.parametrize("case", ["forged", "unsigned", "changed_param"])
async def test_bad_signatures_are_refused_and_store_nothing(client: TestClient, db: Database, case: str) -> None:
    params = callback()
    if case == "forged":
        resp = await post_signed(client, "/twilio/recordings", params, token="wrong-token")
    elif case == "unsigned":
        resp = await client.post("/twilio/recordings", data=params)
    else:
        signed = await post_signed(client, "/twilio/recordings?RepChannel=right", params,
                                   signed_url=BASE + "/twilio/recordings?RepChannel=left")
        assert signed.status == 403
        resp = await post_signed(client, "/twilio/recordings", {**params, "RecordingChannels": "1"},
                                 signed_url=BASE + "/twilio/recordings?x=1")
    assert resp.status == 403
    assert await count(db, Recording) == 0 and await count(db, OutboxJob) == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"RecordingSid": ""}, "missing RecordingSid"),
        ({"RecordingSid": "SM" + "a" * 32}, "RecordingSid is not a Twilio RE SID"),
        ({"CallSid": "nope"}, "CallSid is not a Twilio CA SID"),
        ({"RecordingStatus": "done"}, "RecordingStatus 'done'"),
        ({"RecordingChannels": "two"}, "RecordingChannels must be a whole number"),
        ({"RecordingUrl": "ftp://example.com/x"}, "RecordingUrl is not a Twilio recording URL"),
    ],
)
async def test_malformed_signed_callbacks_get_400(client: TestClient, db: Database, change: dict[str, str],
                                                  reason: str) -> None:
    resp = await post_signed(client, "/twilio/recordings", {**callback(), **change})
    assert resp.status == 400
    assert reason in (await resp.json())["error"]
    assert await count(db, Recording) == 0


async def test_a_non_form_body_gets_400(client: TestClient, db: Database) -> None:
    resp = await client.post("/twilio/recordings", json=callback())
    assert resp.status == 400
    assert await count(db, Recording) == 0


@pytest.mark.parametrize(
    ("status", "channels", "state", "reason"),
    [
        ("completed", "1", "not_scorable", "single-channel recording"),
        ("absent", "2", "not_scorable", "no audio"),
        ("failed", "2", "failed", "failed to record"),
        ("in-progress", "2", "pending", "still recording"),
    ],
)
async def test_recordings_that_cannot_be_scored_are_kept_with_the_reason(client: TestClient, db: Database,
                                                                         status: str, channels: str, state: str,
                                                                         reason: str) -> None:
    assert (await post_signed(client, "/twilio/recordings", callback(status=status, channels=channels))).status == 204
    [rec] = await recordings(db)
    assert rec.status == state and reason in (rec.reason or "")
    assert await jobs(db) == []


async def test_in_progress_then_completed_queues_scoring_once(client: TestClient, db: Database) -> None:
    first = callback(status="in-progress")
    await post_signed(client, "/twilio/recordings", first)
    done = {**first, "RecordingStatus": "completed"}
    for _ in range(2):
        await post_signed(client, "/twilio/recordings", done)
    await post_signed(client, "/twilio/recordings", first)  # late, out-of-order news changes nothing
    [rec] = await recordings(db)
    assert (rec.status, rec.twilio_status, rec.reason) == ("pending", "completed", None)
    assert len(await jobs(db)) == 1


async def test_rep_and_lead_are_found_by_the_numbers_on_the_call(client: TestClient, db: Database) -> None:
    rep_id = await add_rep(db)
    async with db.transaction() as session:
        contact = Contact(address=LEAD, channel="sms")
        session.add(contact)
        await session.flush()
        contact_id = contact.id
    query = f"?RepChannel=right&Dialed=%2B{REP_PHONE[1:]}&From=%2B{LEAD[1:]}&To=%2B{OURS[1:]}"
    resp = await post_signed(client, "/twilio/recordings" + query, callback())
    assert resp.status == 204
    [rec] = await recordings(db)
    assert (rec.rep_id, rec.contact_id, rec.rep_channel) == (rep_id, contact_id, "right")
    assert (rec.from_number, rec.to_number) == (LEAD, OURS)


async def test_rep_channel_defaults_to_the_setting(database_url: str, make_client: MakeClient,
                                                   db: Database) -> None:
    settings = make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN,
                             twilio_account_sid=ACCOUNT, recording_rep_channel="right")
    client = await make_client(settings, start_workers=False)
    await post_signed(client, "/twilio/recordings", callback(From=REP_PHONE, To=LEAD))
    [rec] = await recordings(db)
    assert rec.rep_channel == "right" and rec.rep_id is None


# --- the voice webhook ---------------------------------------------------------------------------------------

def call(**extra: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "CallSid": new_sid("CA"), "From": LEAD, "To": OURS, "CallStatus": "ringing",
            "Direction": "inbound", **extra}


def dial_of(twiml: str) -> tuple[ElementTree.Element | None, ElementTree.Element]:
    root = ElementTree.fromstring(twiml)  # noqa: S314 - our own TwiML, in a test
    assert root.tag == "Response"
    return root.find("Dial"), root


async def test_voice_dials_the_forward_number_recorded_in_two_channels(database_url: str, make_client: MakeClient,
                                                                       db: Database) -> None:
    settings = make_settings(database_url, public_base_url=BASE, twilio_auth_token=TOKEN,
                             rep_forward_number=REP_PHONE)
    client = await make_client(settings, start_workers=False)
    resp = await post_signed(client, "/twilio/voice", call())
    assert resp.status == 200 and resp.content_type == "application/xml"
    dial, _ = dial_of(await resp.text())
    assert dial is not None and dial.findtext("Number") == REP_PHONE
    assert dial.get("record") == "record-from-answer-dual"
    url = urlsplit(dial.get("recordingStatusCallback") or "")
    assert f"{url.scheme}://{url.netloc}{url.path}" == BASE + "/twilio/recordings"
    assert parse_qs(url.query) == {"RepChannel": ["right"], "Dialed": [REP_PHONE], "From": [LEAD], "To": [OURS]}


async def test_voice_dials_the_rep_who_last_texted_the_caller(client: TestClient, db: Database) -> None:
    old_rep = await add_rep(db, "+15557770002", "Old Rep")
    new_rep = await add_rep(db)
    async with db.transaction() as session:
        contact = Contact(address=LEAD, channel="sms")
        session.add(contact)
        await session.flush()
        for n, (rep_id, day) in enumerate([(old_rep, 1), (new_rep, 2)]):
            session.add(Message(sid=f"SM{n:032x}", contact_id=contact.id or 0, direction="outbound", channel="sms",
                                sent_at=datetime(2026, 11, day, tzinfo=UTC), rep_id=rep_id))
    resp = await post_signed(client, "/twilio/voice", call())
    dial, _ = dial_of(await resp.text())
    assert dial is not None and dial.findtext("Number") == REP_PHONE


async def test_voice_with_no_rep_says_so_politely_and_hangs_up(client: TestClient) -> None:
    resp = await post_signed(client, "/twilio/voice", call())
    dial, root = dial_of(await resp.text())
    assert dial is None
    assert "Nobody is available" in (root.findtext("Say") or "")
    assert root.find("Hangup") is not None


@pytest.mark.parametrize("params", [call(), {"From": LEAD}])
async def test_voice_refuses_forged_or_malformed_calls(client: TestClient, params: dict[str, Any]) -> None:
    assert (await post_signed(client, "/twilio/voice", params, token="forged")).status == 403
    if "CallSid" not in params:
        assert (await post_signed(client, "/twilio/voice", params)).status == 400
