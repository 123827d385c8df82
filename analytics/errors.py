"""The one exception base of the analytics package.

Edges (HTTP, CLI) map these to status codes and exit codes in one place; analytics itself never
knows about HTTP.
"""


class AnalyticsError(Exception):
    """Base for every error analytics raises on purpose."""


class InvalidInput(AnalyticsError):
    """A caller handed analytics a value it cannot use (bad period, bad setting, bad query)."""


class NotFound(AnalyticsError):
    """A record the caller named does not exist."""


class Conflict(AnalyticsError):
    """The request conflicts with stored state (for example a duplicate that differs)."""


class Unavailable(AnalyticsError):
    """The database cannot be reached right now; the caller may retry later."""
