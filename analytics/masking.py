"""Masking of contact addresses for reports, exports and logs: enough to recognise, not enough to dial."""

from __future__ import annotations

import re

# E.164 numbers as Twilio writes them, optionally behind a channel prefix (whatsapp:, messenger:, rcs:).
PHONE_RE = re.compile(r"(?<![\w+])\+\d{7,15}(?!\d)")


def mask_number(number: str) -> str:
    """`+15551234567` -> `+1555***4567`; short or odd values keep only their last two characters."""
    digits = number[1:] if number.startswith("+") else number
    if len(digits) >= 8:
        return f"{number[: len(number) - len(digits) + 4]}***{digits[-4:]}"
    return "***" + number[-2:] if len(number) > 2 else "***"


def mask_address(address: str) -> str:
    """Mask the number part of a contact address, keeping any channel prefix (`whatsapp:+1555***4567`)."""
    prefix, sep, rest = address.rpartition(":")
    if sep:
        return f"{prefix}:{mask_number(rest)}"
    return mask_number(address)


def mask_phones_in_text(text: str) -> str:
    """Replace every E.164 number in free text by its masked form."""
    return PHONE_RE.sub(lambda m: mask_number(m.group(0)), text)
