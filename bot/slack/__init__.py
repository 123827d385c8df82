"""Slack-facing pieces of the bot."""
