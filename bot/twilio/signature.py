"""Twilio webhook signatures, checked with the SDK's RequestValidator over the public URL."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

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
