"""Leadline's configuration: one `Settings` object, built once at start from the environment (and an
optional `.env` file) and passed down. Every setting has a help text; `docs/configuration.md`, the README
and `.env.example` list them all (a test keeps them in step).

Each setting is read from `LEADLINE_<NAME>` (e.g. `LEADLINE_DATABASE_URL`), and still from its older bare
name (`DATABASE_URL`), which `bot.config_report` reports as deprecated.
"""

from __future__ import annotations

import ipaddress
import textwrap
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, AliasGenerator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from analytics.business_hours import BusinessCalendar, parse_business_hours, parse_holidays
from analytics.db import check_database_url
from audio_scoring.stages import STAGES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ENV_PREFIX = "LEADLINE_"
ENV_FILE = ".env"


def _env_names(field: str) -> AliasChoices:
    # The prefixed name first: where both are set in one source, it wins.
    return AliasChoices(f"{ENV_PREFIX.lower()}{field}", field)


class Settings(BaseSettings):
    # Unknown names are ignored here and reported by bot.config_report, which can say "did you mean".
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore",
                                      alias_generator=AliasGenerator(validation_alias=_env_names),
                                      populate_by_name=True)

    # Core
    database_url: str = Field(
        "sqlite+aiosqlite:///./leadline.db",
        description="SQLAlchemy URL of the database: `sqlite+aiosqlite:///PATH` (embedded default) or "
        "`postgresql+asyncpg://USER:PASS@HOST:PORT/DB` (production).",
    )
    host: str = Field("127.0.0.1", description="Address `leadline serve` listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port `leadline serve` listens on.")
    public_base_url: str = Field(
        "",
        description="The URL Twilio and Slack call (e.g. `https://leadline.example.com`), used to check "
        "webhook signatures behind proxies. Empty: `http://HOST:PORT`.",
    )
    timezone: str = Field("UTC", description="IANA time zone of the team (e.g. `America/New_York`): "
                          "days, hours and digests are local to it.")
    business_hours: str = Field(
        "",
        description="Opening hours, `;`-separated entries `DAYS RANGE [RANGE ...]`, e.g. "
        "`Mon-Fri 09:00-12:00 13:00-17:30; Sat 10:00-14:00`. Empty: always open.",
    )
    holidays: str = Field("", description="Comma-separated dates (`2026-12-25,2027-01-01`) with no "
                          "business hours.")
    conversation_gap_hours: float = Field(
        24, gt=0, description="Quiet hours after which the next message starts a new conversation."
    )
    sla_minutes: float = Field(15, gt=0, description="Response-time target: a wait answered within this "
                               "many minutes meets the SLA.")
    api_token: SecretStr = Field(SecretStr(""), description="Bearer token for `/api/*`. Empty: the API "
                                 "answers 403.")
    log_level: str = Field("INFO", description="One of DEBUG, INFO, WARNING, ERROR.")
    auto_migrate: bool = Field(True, description="Apply pending database migrations when "
                               "`leadline serve` starts; if false, refuse to start on a stale schema.")
    retention_days: int = Field(0, ge=0, description="Delete message text, waits and conversations older "
                                "than this many days (daily, and `leadline db purge`). 0: keep everything. "
                                "Contacts and opt-outs are always kept.")
    topics_file: str = Field("", description="TOML file that overrides or extends the default topics.")

    # Twilio
    twilio_account_sid: str = Field("", description="Twilio Account SID (`AC...`).")
    twilio_auth_token: SecretStr = Field(SecretStr(""), description="Twilio auth token: signs webhooks "
                                         "and authenticates REST calls.")
    twilio_from: str = Field("", description="Number texts are sent from (`+1555...`), or a Messaging "
                             "Service SID (`MG...`).")
    twilio_api_base_url: str = Field("https://api.twilio.com", description="Base URL of Twilio's REST "
                                     "API, for every REST call and recording download.")
    after_hours_reply: str = Field("", description="Text sent once per conversation to a lead who writes "
                                   "outside business hours. Empty: none.")
    help_reply: str = Field("", description="Text answered to HELP/INFO (not when Twilio's Advanced Opt-Out "
                                          "answered it already). Empty: none.")

    # Slack
    slack_bot_token: SecretStr = Field(SecretStr(""), description="Bot token (`xoxb-...`) of the Slack app. "
                                       "Empty: Slack is off (Twilio and KPIs still work).")
    slack_signing_secret: SecretStr = Field(SecretStr(""), description="Signing secret of the Slack app; "
                                            "every request to `/slack/events` is verified with it.")
    slack_api_base_url: str = Field("https://slack.com/api/", description="Base URL of Slack's Web API.")
    slack_leads_channel: str = Field("", description="Channel ID where each lead conversation gets a thread.")
    slack_alerts_channel: str = Field("", description="Channel ID for SLA alerts as well as the lead's "
                                      "thread. Empty: alerts go to the lead's thread only.")
    slack_allowed_channels: str = Field("", description="Comma-separated channel IDs where KPI questions are "
                                        "answered. Empty: any channel.")
    slack_allowed_users: str = Field("", description="Comma-separated user IDs who may ask KPI questions. "
                                     "Empty: anyone in the workspace.")
    sla_alert_max_age_hours: float = Field(24, gt=0, description="Only waits that opened within this many "
                                           "hours raise SLA alerts (imported history never alerts, however "
                                           "recent).")

    # Digests
    slack_digest_channel: str = Field("", description="Channel ID for the daily/weekly/monthly KPI digests. "
                                      "Empty: no digests are posted.")
    digest_time: str = Field("08:30", description="Local time (TIMEZONE) the digests are posted, `HH:MM`.")
    digest_days: str = Field("Mon-Fri", description="Days the daily digest is posted (e.g. `Mon-Fri`, "
                             "`Mon,Wed,Fri`).")
    weekly_digest: bool = Field(True, description="Post a weekly digest on Mondays for the week before.")
    monthly_digest: bool = Field(True, description="Post a monthly digest on the 1st for the month before.")

    # Call scoring
    whisper_model: str = Field("", description="faster-whisper model name or local directory for call "
                               "transcription. Empty: the bundled offline `tiny.en`.")
    whisper_device: str = Field("auto", description="`auto` (CUDA when available), `cuda` or `cpu`.")
    slack_calls_channel: str = Field("", description="Channel ID for call-score summaries of calls with "
                                     "no known lead thread.")
    rep_forward_number: str = Field("", description="Number that calls to the Twilio number are forwarded "
                                    "to (recorded). Empty: the rep who last texted the caller.")
    recording_rep_channel: str = Field("left", description="Which channel of a dual-channel recording is "
                                       "the rep: `left` or `right`.")
    recording_stage: str = Field("general", description="Sales stage recorded calls are scored as (weights "
                                 "and criteria differ by stage, see docs/call-scoring.md): `general`, "
                                 "`qualification`, `discovery`, `demo`, `proposal` or `negotiation`.")
    scoring_workers: int = Field(1, ge=1, le=8, description="Processes that score calls in parallel.")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone name; expected e.g. "
                             "'America/New_York' or 'UTC'") from None
        return value

    @field_validator("business_hours")
    @classmethod
    def _check_business_hours(cls, value: str) -> str:
        parse_business_hours(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _check_holidays(cls, value: str) -> str:
        parse_holidays(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"'{value}' is not a log level; expected one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("recording_stage")
    @classmethod
    def _check_stage(cls, value: str) -> str:
        if value.lower() not in STAGES:
            raise ValueError(f"'{value}' is not a stage; expected one of {', '.join(STAGES)}")
        return value.lower()

    @field_validator("recording_rep_channel")
    @classmethod
    def _check_channel(cls, value: str) -> str:
        if value.lower() not in ("left", "right"):
            raise ValueError(f"'{value}' is not a channel; expected 'left' or 'right'")
        return value.lower()

    @field_validator("whisper_device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        if value.lower() not in ("auto", "cuda", "cpu"):
            raise ValueError(f"'{value}' is not a device; expected 'auto', 'cuda' or 'cpu'")
        return value.lower()

    @field_validator("digest_time")
    @classmethod
    def _check_digest_time(cls, value: str) -> str:
        hours, sep, minutes = value.strip().partition(":")
        if not (sep and hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60
                and len(minutes) == 2):
            raise ValueError(f"'{value}' is not a time; expected HH:MM, e.g. '08:30'")
        return f"{int(hours):02d}:{minutes}"

    @field_validator("digest_days")
    @classmethod
    def _check_digest_days(cls, value: str) -> str:
        parse_business_hours(f"{value} 00:00-24:00")
        return value

    @field_validator("public_base_url", "twilio_api_base_url", "slack_api_base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not an http(s) URL; expected e.g. 'https://leadline.example.com'")
        return value if value.endswith("/api/") else value.rstrip("/")

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            hours=parse_business_hours(self.business_hours),
            holidays=parse_holidays(self.holidays),
            tz=self.tz,
        )

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def callback_base_url(self) -> str | None:
        """Where Twilio can call back (status callbacks): PUBLIC_BASE_URL, else `http://HOST:PORT` only when
        HOST is an address Twilio could reach; None for 0.0.0.0, loopback or private addresses."""
        if self.public_base_url:
            return self.public_base_url
        return self.base_url if host_is_public(self.host) else None

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token.get_secret_value())

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token.get_secret_value() and self.slack_signing_secret.get_secret_value())

    def secrets(self) -> list[str]:
        """Every secret value, for the log filter that keeps them out of logs."""
        values = [self.api_token, self.twilio_auth_token, self.slack_bot_token, self.slack_signing_secret]
        return [v.get_secret_value() for v in values if v.get_secret_value()]


class SettingsError(Exception):
    """Configuration is invalid; `lines` name each setting and what is expected."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def host_is_public(host: str) -> bool:
    """Whether a listen address could be reached from the internet: not a wildcard, loopback, private or
    link-local address, nor `localhost`. A host name is taken at its word."""
    host = host.strip("[]")
    if host.lower() in ("", "localhost") or host.lower().endswith(".localhost"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment, turning pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "SETTINGS"
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"invalid setting {name}: {message}")
        raise SettingsError(lines) from None


def setting_names() -> list[str]:
    """The name of every setting without the prefix (`DATABASE_URL`), in declaration order."""
    return [name.upper() for name in Settings.model_fields]


def env_name(name: str) -> str:
    """The environment variable a setting is read from: `database_url` -> `LEADLINE_DATABASE_URL`."""
    return ENV_PREFIX + name.upper()


def _shown_default(name: str) -> str:
    default = Settings.model_fields[name].default
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if isinstance(default, bool):
        default = str(default).lower()
    return "" if default is None else str(default)


def markdown_table() -> str:
    """The settings table for README.md and docs/configuration.md (regenerate after adding a setting)."""
    rows = ["| Setting | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = _shown_default(name)
        shown = f"`{default}`" if default else "(empty)"
        rows.append(f"| `{env_name(name)}` | {shown} | {field.description} |")
    return "\n".join(rows) + "\n"


def env_example() -> str:
    """`.env.example`: every setting, commented out at its default, under its help text (regenerate with
    `python -c "from bot.settings import env_example; print(env_example(), end='')" > .env.example`)."""
    lines = ["# Leadline settings: copy to .env and uncomment what you change. Each line shows the default.",
             "# Generated by bot.settings.env_example(); docs/configuration.md explains each setting.", ""]
    for name, field in Settings.model_fields.items():
        lines.append(textwrap.fill((field.description or "").replace("`", ""), width=100,
                                   initial_indent="# ", subsequent_indent="# "))
        default = _shown_default(name)
        # dotenv quoting: a value with spaces or `#` must be quoted to survive as one value.
        if any(c in default for c in " #;"):
            default = f'"{default}"'
        lines.append(f"# {env_name(name)}={default}")
        lines.append("")
    return "\n".join(lines)
