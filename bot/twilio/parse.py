"""Pure parsing of Twilio webhook form bodies into small frozen dataclasses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.errors import BadRequest

SID_RE = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")  # two letters naming the kind (SM, MM, CA, RE ...), 32 hex
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")  # an international phone number
MAX_FIELD = 16_000


@dataclass(frozen=True)
class InboundMessage:
    sid: str
    from_address: str
    to_address: str
    body: str
    num_media: int
    channel: str
    opt_out_type: str | None
    profile_name: str | None


@dataclass(frozen=True)
class StatusUpdate:
    sid: str
    status: str
    error_code: int | None
    to_address: str | None


STATUSES = ("accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed",
            "read", "canceled", "receiving", "received")


def channel_of(address: str, num_media: int = 0) -> str:
    """`whatsapp:+1...` -> whatsapp, `messenger:` -> messenger, `rcs:` -> rcs; else sms, or mms with media."""
    prefix, sep, _ = address.partition(":")
    if sep and prefix.lower() in ("whatsapp", "messenger", "rcs"):
        return prefix.lower()
    return "mms" if num_media > 0 else "sms"


def _field(form: Mapping[str, str], name: str, *, required: bool = True) -> str:
    value = form.get(name)
    if value is None or (required and not value.strip()):
        if required:
            raise BadRequest(f"missing {name}")
        return ""
    if len(value) > MAX_FIELD:
        raise BadRequest(f"{name} is too long")
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; refusing beats silently storing something else.
        raise BadRequest(f"{name} contains a NUL character")
    return value


def _int(form: Mapping[str, str], name: str) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or len(raw) > 6:
        raise BadRequest(f"{name} must be a whole number")
    return int(raw)


def _sid(form: Mapping[str, str], name: str) -> str:
    sid = _field(form, name).strip()
    if not SID_RE.match(sid):
        raise BadRequest(f"{name} is not a Twilio SID")
    return sid


def _address(form: Mapping[str, str], name: str) -> str:
    address = _field(form, name).strip()
    if len(address) > 128 or any(ch.isspace() or ord(ch) < 32 for ch in address):
        raise BadRequest(f"{name} is not an address")
    return address


def parse_inbound(form: Mapping[str, str]) -> InboundMessage:
    """An incoming-message webhook; raises BadRequest naming what is missing or malformed."""
    sid = _sid(form, "MessageSid")
    from_address = _address(form, "From")
    to_address = _address(form, "To")
    num_media = _int(form, "NumMedia")
    body = _field(form, "Body", required=False)
    opt_out = form.get("OptOutType", "").strip().upper() or None
    profile = (form.get("ProfileName") or "").strip()[:200] or None
    return InboundMessage(sid, from_address, to_address, body, num_media, channel_of(from_address, num_media),
                          opt_out, profile)


def parse_status(form: Mapping[str, str]) -> StatusUpdate:
    """A delivery-status callback."""
    sid = _sid(form, "MessageSid")
    status = _field(form, "MessageStatus").strip().lower()
    if status not in STATUSES:
        raise BadRequest(f"MessageStatus {status!r} is not a Twilio message status")
    raw_code = form.get("ErrorCode", "").strip()
    if raw_code and not raw_code.isdigit():
        raise BadRequest("ErrorCode must be a number")
    to = form.get("To", "").strip() or None
    return StatusUpdate(sid, status, int(raw_code) if raw_code else None, to)
