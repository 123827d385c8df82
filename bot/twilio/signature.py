"""Twilio webhook signatures, checked with the SDK's RequestValidator over the public URL."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import unquote

from twilio.request_validator import RequestValidator


def public_url(base_url: str, path_qs: str) -> str:
    """The URL Twilio called: PUBLIC_BASE_URL (behind proxies) plus the request's path and query."""
    return base_url.rstrip("/") + path_qs


def signature_valid(auth_token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
    if not signature or not auth_token:
        return False
    validator = RequestValidator(auth_token)
    # The URL exactly as configured signs almost every real request: one HMAC. The SDK's validate() always
    # computes two (with and without the default port) and is kept for the other spelling.
    if hmac.compare_digest(validator.compute_signature(url, form).encode(), signature.encode()):
        return True
    return bool(validator.validate(url, form, signature))


def refusal_hint(checked_url: str, public_base_url: str, token_set: bool, request_base: str) -> dict[str, str]:
    """What the log says when a Twilio signature fails: the URL checked and how to fix the setting.

    `request_base` is the scheme and host the request came to (as a proxy forwards them). The URL is shown
    decoded, so the log filter masks the phone numbers a callback's query may carry; the token never
    appears."""
    if not token_set:
        hint = "LEADLINE_TWILIO_AUTH_TOKEN is empty, so every Twilio request is refused: set it"
    elif not public_base_url:
        hint = (f"LEADLINE_PUBLIC_BASE_URL is empty, so the URL checked is built from LEADLINE_HOST and "
                f"LEADLINE_PORT; set LEADLINE_PUBLIC_BASE_URL to the URL Twilio calls (this request came to "
                f"{request_base})")
    elif request_base.rstrip("/") != public_base_url.rstrip("/"):
        hint = (f"this request came to {request_base}, not LEADLINE_PUBLIC_BASE_URL; if that is the URL Twilio "
                f"calls, set LEADLINE_PUBLIC_BASE_URL={request_base}")
    else:
        hint = ("LEADLINE_PUBLIC_BASE_URL matches the request: check that LEADLINE_TWILIO_AUTH_TOKEN is this "
                "account's auth token and that the webhook URL in Twilio's console is exactly the one checked")
    return {"url_checked": unquote(checked_url), "hint": hint}
