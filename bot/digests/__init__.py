"""Daily, weekly and monthly KPI digests posted to Slack."""
