"""Misconfiguration says so: each message as an operator meets it, from the real `leadline` command (a
subprocess with a controlled environment and working directory) or the real app over HTTP."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import state
from bot.app import create_app
from bot.logs import configure_logging
from bot.settings import host_is_public
from tests.bot.conftest import MakeClient, make_settings
from tests.bot.test_cli import leadline, start_serve, stop_serve, wait_ready
from tests.bot.test_twilio_webhooks import BASE, TOKEN, inbound, post_signed
from tests.fakes import FakeTwilio

SID = "AC" + "3" * 32
SECRET_VALUE = "s3cr3t-value-never-shown"
WILDCARD = "0.0.0.0"  # noqa: S104  (a HOST setting's value; these tests bind nothing to it)


def warnings(stderr: str) -> list[str]:
    return [line.removeprefix("leadline: warning: ") for line in stderr.splitlines()
            if line.startswith("leadline: warning: ")]


def upgrade_in(cwd: Path, env: dict[str, str] | None = None, env_file: str | None = None):  # type: ignore[no-untyped-def]
    """`leadline db upgrade` run from `cwd`, with `env_file` as its `.env`: a real command that needs settings."""
    if env_file is not None:
        (cwd / ".env").write_text(env_file, encoding="utf-8")
    return leadline("db", "upgrade", env=env, cwd=cwd)


@pytest.mark.sqlite
def test_unknown_misspelt_and_unparsable_env_file_lines_are_reported(tmp_path: Path) -> None:
    result = upgrade_in(tmp_path, env_file=(
        f"LEADLINE_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'a.db'}\n"
        "LEADLINE_TIMEZOME=Europe/Paris\n"
        f"SLACK_SIGNING_SECERT={SECRET_VALUE}\n"
        "COMPOSE_PROJECT_NAME=leadline\n"
        "this line is not an assignment\n"))
    assert result.returncode == 0, result.stderr
    assert warnings(result.stderr) == [
        ".env line 2: unknown setting LEADLINE_TIMEZOME (ignored); did you mean LEADLINE_TIMEZONE?",
        ".env line 3: unknown setting SLACK_SIGNING_SECERT (ignored); did you mean LEADLINE_SLACK_SIGNING_SECRET?",
        ".env line 4: unknown setting COMPOSE_PROJECT_NAME (ignored)",
        ".env line 5: cannot parse this line (ignored); expected NAME=value",
    ]
    assert SECRET_VALUE not in result.stderr + result.stdout
    assert (tmp_path / "a.db").exists()


@pytest.mark.sqlite
def test_only_leadline_variables_of_the_environment_can_be_unknown(tmp_path: Path) -> None:
    result = upgrade_in(tmp_path, env={
        "LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        "LEADLINE_PUBLIC_URL": "https://x.example.com", "LEADLINE_WORKERS": "3",
        "HOSTNAME": "box", "DATABASE_URI": "x", "COMPOSE_FILE": "deploy.yml"})
    assert result.returncode == 0, result.stderr
    assert warnings(result.stderr) == [
        "the environment: unknown setting LEADLINE_PUBLIC_URL (ignored); did you mean LEADLINE_PUBLIC_BASE_URL?",
        "the environment: unknown setting LEADLINE_WORKERS (ignored)",
    ]


@pytest.mark.sqlite
def test_old_names_still_work_with_a_deprecation_line(tmp_path: Path) -> None:
    result = upgrade_in(tmp_path, env={"TIMEZONE": "Europe/Paris"},
                        env_file=f"DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'old-name.db'}\n")
    assert result.returncode == 0, result.stderr
    assert warnings(result.stderr) == [
        "the environment: TIMEZONE is the old name of LEADLINE_TIMEZONE; rename it (old names still work, "
        "but will stop working in a later version)",
        ".env line 1: DATABASE_URL is the old name of LEADLINE_DATABASE_URL; rename it (old names still work, "
        "but will stop working in a later version)",
    ]
    assert (tmp_path / "old-name.db").exists()


@pytest.mark.sqlite
def test_a_setting_given_twice_says_which_one_is_used(tmp_path: Path) -> None:
    result = upgrade_in(
        tmp_path, env={"LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'from-env.db'}"},
        env_file=(f"LEADLINE_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'from-file.db'}\n"
                  f"LEADLINE_TIMEZONE=UTC\nTIMEZONE=Europe/Paris\n"))
    assert result.returncode == 0, result.stderr
    lines = warnings(result.stderr)
    assert ("LEADLINE_DATABASE_URL is set more than once: LEADLINE_DATABASE_URL (the environment) is used; "
            "ignored: LEADLINE_DATABASE_URL (.env line 1)") in lines
    assert ("LEADLINE_TIMEZONE is set more than once: LEADLINE_TIMEZONE (.env line 2) is used; "
            "ignored: TIMEZONE (.env line 3)") in lines
    assert (tmp_path / "from-env.db").exists() and not (tmp_path / "from-file.db").exists()


@pytest.mark.parametrize("env_file", [b"LEADLINE_PORT=eighty\n", b"LEADLINE_TIMEZONE=\xff\xfe\n"],
                         ids=["bad-value", "not-utf8"])
def test_a_bad_env_file_does_not_break_version_or_help(tmp_path: Path, env_file: bytes) -> None:
    (tmp_path / ".env").write_bytes(env_file)
    version = leadline("version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("leadline "), version.stderr
    for command in (["--help"], ["serve", "--help"], ["db", "upgrade", "--help"]):
        helped = leadline(*command, cwd=tmp_path)
        assert helped.returncode == 0 and "usage: leadline" in helped.stdout, helped.stderr
    # A command that needs the settings says what is wrong in one line, and exits 2.
    upgraded = leadline("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 2
    assert len(upgraded.stderr.strip().splitlines()) == 1, upgraded.stderr
    assert "Traceback" not in upgraded.stderr
    expected = "invalid setting LEADLINE_PORT" if env_file.startswith(b"LEADLINE_PORT") else "cannot read .env"
    assert upgraded.stderr.startswith(f"leadline: {expected}"), upgraded.stderr


@pytest.mark.sqlite
def test_serve_warns_when_twilio_has_no_public_base_url(tmp_path: Path) -> None:
    proc, port = start_serve(tmp_path, {"LEADLINE_TWILIO_ACCOUNT_SID": SID, "LEADLINE_TWILIO_AUTH_TOKEN": TOKEN,
                                        "LEADLINE_TIMEZONE": "UTC", "TIMEZONE": "UTC"})
    try:
        wait_ready(proc, port)
    finally:
        stderr = stop_serve(proc)
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    said = [entry["msg"] for entry in logged if entry["level"] == "warning"]
    assert any(msg.startswith("LEADLINE_PUBLIC_BASE_URL is empty while Twilio is configured: webhook signatures "
                              f"are checked against http://127.0.0.1:{port}") and
               "texts are sent without a status callback" in msg for msg in said), said
    # The name notices go to the JSON log too, not as bare lines.
    assert any(msg.startswith("the environment: TIMEZONE is the old name of LEADLINE_TIMEZONE") for msg in said)
    assert any(msg.startswith("LEADLINE_TIMEZONE is set more than once") for msg in said)
    assert TOKEN not in stderr


@pytest.mark.sqlite
def test_serve_says_nothing_of_the_kind_when_configured(tmp_path: Path) -> None:
    proc, port = start_serve(tmp_path, {"LEADLINE_TWILIO_ACCOUNT_SID": SID, "LEADLINE_TWILIO_AUTH_TOKEN": TOKEN,
                                        "LEADLINE_PUBLIC_BASE_URL": BASE})
    try:
        wait_ready(proc, port)
    finally:
        stderr = stop_serve(proc)
    assert '"level": "warning"' not in stderr, stderr


@pytest.mark.parametrize(("host", "public"), [
    (WILDCARD, False), ("::", False), ("127.0.0.1", False), ("localhost", False), ("10.1.2.3", False),
    ("192.168.1.5", False), ("[::1]", False), ("203.0.114.7", True), ("leadline.example.com", True)])
def test_which_listen_addresses_twilio_could_reach(host: str, public: bool) -> None:
    assert host_is_public(host) is public


async def test_no_status_callback_to_an_address_twilio_cannot_reach(database_url: str, make_client: MakeClient) -> None:
    async with FakeTwilio(SID, TOKEN) as tw:
        for public_base_url, expected in (("", None), (BASE, BASE + "/twilio/status")):
            settings = make_settings(database_url, host=WILDCARD, public_base_url=public_base_url,
                                     twilio_auth_token=TOKEN, twilio_account_sid=SID, twilio_from="+15559990000",
                                     twilio_api_base_url=tw.base_url, api_token="api-token-for-tests-123")
            client = await make_client(settings, start_workers=False)
            resp = await client.post("/api/messages", json={"to": "+15551230077", "body": "hello"},
                                     headers={"Authorization": "Bearer api-token-for-tests-123"})
            assert resp.status == 202
            assert await client.server.app[state.CONTAINER].outbox.run_once() == 1
            assert tw.sent[-1].get("StatusCallback") == expected


async def refused_logs(database_url: str, public_base_url: str, token: str, path: str = "/twilio/messages",
                       headers: dict[str, str] | None = None) -> tuple[int, list[dict[str, str]]]:
    """POST a badly signed webhook to the real app; the status and what the log said about it."""
    stream = io.StringIO()
    settings = make_settings(database_url, public_base_url=public_base_url, twilio_auth_token=token)
    handler = configure_logging("INFO", settings.secrets(), stream=stream)
    client = TestClient(TestServer(create_app(settings, start_workers=False), host="127.0.0.1"))
    await client.start_server()
    try:
        resp = await post_signed(client, path, inbound("hi"), token="not-the-token", headers=headers)
        status = resp.status
    finally:
        await client.close()
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert token == "" or token not in text
    entries = [json.loads(line) for line in text.splitlines()]
    return status, [e for e in entries if e["msg"] == "invalid Twilio signature"]


async def test_a_refused_signature_logs_the_url_checked_and_how_to_fix_it(database_url: str) -> None:
    status, said = await refused_logs(database_url, BASE, TOKEN, headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "leads.example.org"})
    assert status == 403 and len(said) == 1
    assert said[0]["url_checked"] == BASE + "/twilio/messages"
    assert said[0]["hint"] == ("this request came to https://leads.example.org, not LEADLINE_PUBLIC_BASE_URL; if "
                               "that is the URL Twilio calls, set LEADLINE_PUBLIC_BASE_URL=https://leads.example.org")


async def test_a_refused_signature_without_public_base_url(database_url: str) -> None:
    status, said = await refused_logs(database_url, "", TOKEN)
    assert status == 403 and len(said) == 1
    assert said[0]["url_checked"] == "http://127.0.0.1:8080/twilio/messages"
    assert said[0]["hint"].startswith("LEADLINE_PUBLIC_BASE_URL is empty, so the URL checked is built from "
                                      "LEADLINE_HOST and LEADLINE_PORT; set LEADLINE_PUBLIC_BASE_URL")


async def test_a_refused_signature_when_the_url_matches_points_at_the_token(database_url: str) -> None:
    status, said = await refused_logs(
        database_url, BASE, TOKEN, path="/twilio/recordings?From=%2B15551230001&RepChannel=right",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "leadline.example.com"})
    assert status == 403 and len(said) == 1
    # The query is part of what is signed, shown decoded so that the log masks the caller's number.
    assert said[0]["url_checked"] == BASE + "/twilio/recordings?From=+1555***0001&RepChannel=right"
    assert "check that LEADLINE_TWILIO_AUTH_TOKEN is this account's auth token" in said[0]["hint"]


async def test_a_refused_signature_with_no_token(database_url: str) -> None:
    status, said = await refused_logs(database_url, BASE, "")
    assert status == 403 and said[0]["hint"].startswith("LEADLINE_TWILIO_AUTH_TOKEN is empty")
