"""Local fakes of Twilio's REST API and Slack's Web API that the real SDKs talk to over HTTP.

See ``tests/fakes/twilio_api.py`` and ``tests/fakes/slack_api.py`` for usage; typical fixtures::

    @pytest.fixture
    async def tw():
        async with FakeTwilio("AC" + "1" * 32, "tw-token") as fake:
            yield fake

    @pytest.fixture
    async def slack():
        async with FakeSlack(bot_token="xoxb-test") as fake:
            yield fake
"""

from tests.fakes.slack_api import (
    FakeSlack,
    SlackCall,
    SlackUpload,
    event_callback_body,
    interaction_body,
    slack_signed_headers,
    slash_command_body,
)
from tests.fakes.twilio_api import (
    FakeTwilio,
    RecordedRequest,
    make_twilio_client,
    new_sid,
    rfc2822,
    twilio_error_body,
    twilio_signature_headers,
    utc,
)

__all__ = [
    "FakeSlack",
    "FakeTwilio",
    "RecordedRequest",
    "SlackCall",
    "SlackUpload",
    "event_callback_body",
    "interaction_body",
    "make_twilio_client",
    "new_sid",
    "rfc2822",
    "slack_signed_headers",
    "slash_command_body",
    "twilio_error_body",
    "twilio_signature_headers",
    "utc",
]
