"""A full scenario with every secret set to a recognisable value: no secret and no full phone number
may appear in the logs, at any level."""

from __future__ import annotations

import base64
import io
import logging
import re

from aiohttp.test_utils import TestClient, TestServer

from bot import state
from bot.app import create_app
from bot.logs import configure_logging
from tests.bot.conftest import make_settings
from tests.bot.test_twilio_webhooks import BASE, OURS
from tests.fakes import FakeTwilio, new_sid, twilio_signature_headers

SECRETS = {
    "twilio_auth_token": "TWILIO-SECRET-tok-7f3a9c",
    "api_token": "API-SECRET-tok-55aa21",
    "slack_bot_token": "xoxb-SLACK-SECRET-998877",
    "slack_signing_secret": "SLACK-SIGNING-SECRET-1234",
}
SID = "AC" + "9" * 32
LEAD = "+15557654321"


async def test_no_secret_or_phone_number_reaches_the_logs(database_url: str) -> None:
    stream = io.StringIO()
    settings = make_settings(database_url, public_base_url=BASE, twilio_account_sid=SID,
                             twilio_from=OURS, log_level="DEBUG", **SECRETS)
    handler = configure_logging("DEBUG", settings.secrets(), stream=stream)
    try:
        async with FakeTwilio(SID, SECRETS["twilio_auth_token"]) as tw:
            settings.twilio_api_base_url = tw.base_url
            client = TestClient(TestServer(create_app(settings, start_workers=False), host="127.0.0.1"))
            await client.start_server()
            try:
                params = {"MessageSid": new_sid(), "From": LEAD, "To": OURS, "Body": f"call me at {LEAD}"}
                headers = twilio_signature_headers(SECRETS["twilio_auth_token"], BASE + "/twilio/messages", params)
                assert (await client.post("/twilio/messages", data=params, headers=headers)).status == 200
                forged = {**headers, "X-Twilio-Signature": "bad"}
                assert (await client.post("/twilio/messages", data=params, headers=forged)).status == 403
                auth = {"Authorization": f"Bearer {SECRETS['api_token']}"}
                resp = await client.post("/api/messages", json={"to": LEAD, "body": "hi"}, headers=auth)
                assert resp.status == 202
                await client.server.app[state.CONTAINER].outbox.run_once()
                assert len(tw.sent) == 1
                bad = {"Authorization": "Bearer wrong-" + SECRETS["api_token"]}
                assert (await client.post("/api/messages", json={"to": LEAD, "body": "x"}, headers=bad)).status == 401
                logging.getLogger("leadline.test").info("contact %s wrote", LEAD)
            finally:
                await client.close()
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert '"path": "/twilio/messages"' in text  # the scenario did log
    basic = base64.b64encode(f"{SID}:{SECRETS['twilio_auth_token']}".encode()).decode()
    for secret in [*SECRETS.values(), basic]:
        assert secret not in text, f"secret leaked: {secret[:8]}..."
    assert LEAD not in text and LEAD[1:] not in text
    assert not re.search(r"\+\d{10,15}", text), re.search(r".{60}\+\d{10,15}.{20}", text)
