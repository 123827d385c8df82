"""The one place where exceptions become HTTP statuses (and CLI exit codes)."""

from __future__ import annotations

from analytics.errors import AnalyticsError, Conflict, InvalidInput, NotFound, Unavailable
from audio_scoring.errors import ScoringError


class BotError(Exception):
    """Base for errors raised on purpose by the service's edges."""

    status = 500


class BadRequest(BotError):
    status = 400


class Unauthorized(BotError):
    status = 401


class Forbidden(BotError):
    status = 403


class Refused(BotError):
    """The request is understood but Leadline will not do it (e.g. texting an opted-out contact)."""

    status = 409


class RequestTimeout(BotError):
    status = 408


class PayloadTooLarge(BotError):
    status = 413


_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (InvalidInput, 400),
    (NotFound, 404),
    (Conflict, 409),
    (Unavailable, 503),
    (ScoringError, 422),
    (AnalyticsError, 500),
)


def http_status(exc: BaseException) -> int:
    """The HTTP status for an exception raised while handling a request; 500 for anything unexpected."""
    if isinstance(exc, BotError):
        return exc.status
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def exit_code(exc: BaseException) -> int:
    """CLI exit status: 2 for bad input or configuration, 1 for everything else."""
    return 2 if isinstance(exc, (InvalidInput, BadRequest)) else 1
