"""Pure parsing of Twilio's voice and recording webhooks into small frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import BadRequest
from bot.twilio.parse import E164_RE, SID_RE

RECORDING_STATUSES = ("in-progress", "completed", "absent", "failed")
COMPLETED = "completed"


@dataclass(frozen=True)
class RecordingCallback:
    recording_sid: str
    call_sid: str
    recording_url: str
    status: str
    channels: int
    duration_s: float | None
    from_number: str | None
    to_number: str | None
    # Set in the callback URL by Leadline's own voice webhook: the rep it dialled and where Twilio put them.
    dialed: str | None
    rep_channel: str | None
    error_code: str | None


@dataclass(frozen=True)
class IncomingCall:
    call_sid: str
    from_number: str
    to_number: str


def _text(form: Mapping[str, str], name: str, limit: int = 500) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise BadRequest(f"{name} is too long")
    return value


def _sid(form: Mapping[str, str], name: str, prefix: str) -> str:
    sid = _text(form, name)
    if not sid:
        raise BadRequest(f"missing {name}")
    if not SID_RE.match(sid) or not sid.upper().startswith(prefix):
        raise BadRequest(f"{name} is not a Twilio {prefix} SID")
    return sid


def _number(form: Mapping[str, str], name: str) -> str | None:
    """A phone number, or None when absent or not a plain E.164 number (client:, sip: and anonymous calls)."""
    value = _text(form, name, 128)
    return value if E164_RE.match(value) else None


def _whole(form: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = _text(form, name, 12)
    if not raw:
        return default
    # Twilio sends -1 for a duration it does not know yet.
    if raw == "-1":
        return None
    if not raw.isdigit() or len(raw) > 7:
        raise BadRequest(f"{name} must be a whole number")
    return int(raw)


def _recording_url(form: Mapping[str, str]) -> str:
    url = _text(form, "RecordingUrl")
    if not url:
        raise BadRequest("missing RecordingUrl")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "/Recordings/" not in parts.path:
        raise BadRequest("RecordingUrl is not a Twilio recording URL")
    return url


def parse_recording(form: Mapping[str, str], query: Mapping[str, str]) -> RecordingCallback:
    """A RecordingStatusCallback; `query` is the callback URL's own query (signed along with the URL)."""
    status = _text(form, "RecordingStatus").lower()
    if status not in RECORDING_STATUSES:
        raise BadRequest(f"RecordingStatus {status!r} is not a Twilio recording status")
    channels = _whole(form, "RecordingChannels", 1) or 1
    duration = _whole(form, "RecordingDuration", None)
    rep_channel = _text(query, "RepChannel").lower() or None
    if rep_channel not in (None, "left", "right"):
        raise BadRequest("RepChannel must be left or right")
    return RecordingCallback(
        recording_sid=_sid(form, "RecordingSid", "RE"),
        call_sid=_sid(form, "CallSid", "CA"),
        recording_url=_recording_url(form),
        status=status,
        channels=channels,
        duration_s=float(duration) if duration is not None else None,
        from_number=_number(form, "From") or _number(query, "From"),
        to_number=_number(form, "To") or _number(query, "To"),
        dialed=_number(query, "Dialed"),
        rep_channel=rep_channel,
        error_code=_text(form, "ErrorCode", 16) or None,
    )


def parse_call(form: Mapping[str, str]) -> IncomingCall:
    """A voice webhook for a call to the Twilio number."""
    from_number = _text(form, "From", 128)
    to_number = _text(form, "To", 128)
    if not from_number:
        raise BadRequest("missing From")
    return IncomingCall(_sid(form, "CallSid", "CA"), from_number, to_number)
