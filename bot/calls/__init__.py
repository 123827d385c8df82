"""Recorded calls: Twilio recording and voice webhooks, the scoring worker, the rep directory."""
