"""Twilio at the edge: signed webhooks in, texts out through the outbox, history import."""
