"""Logs are JSON lines with phone numbers masked and secrets redacted, whatever logs them."""

from __future__ import annotations

import io
import json
import logging

from analytics.masking import mask_address, mask_number, mask_phones_in_text
from bot.logs import configure_logging


def test_mask_number_keeps_country_and_last_four() -> None:
    assert mask_number("+15551234567") == "+1555***4567"
    assert mask_address("whatsapp:+447700900123") == "whatsapp:+4477***0123"
    assert mask_phones_in_text("from +15551234567 to +15557654321.") == "from +1555***4567 to +1555***4321."


def test_log_lines_mask_numbers_and_secrets() -> None:
    stream = io.StringIO()
    handler = configure_logging("INFO", ["sekret-token-123"], stream=stream)
    try:
        log = logging.getLogger("leadline.test")
        log.info("text from %s with %s", "+15551234567", "sekret-token-123", extra={"to": "+15557654321"})
        try:
            raise ValueError("boom for +15550001111")
        except ValueError:
            log.exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = stream.getvalue()
    assert "+15551234567" not in text and "+15557654321" not in text and "+15550001111" not in text
    assert "sekret-token-123" not in text
    assert lines[0]["msg"] == "text from +1555***4567 with ***"
    assert lines[0]["to"] == "+1555***4321"
    assert "ValueError" in lines[1]["exc"]
