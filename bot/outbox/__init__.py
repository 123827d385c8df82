"""The outbox: work that talks to the outside world, queued in the transaction of the change that needs it."""

from bot.outbox.worker import (
    DONE,
    FAILED,
    RETRY,
    UNKNOWN,
    Handler,
    Job,
    JobKind,
    Outbox,
    Outcome,
    backoff_seconds,
    enqueue,
)

__all__ = ["DONE", "FAILED", "RETRY", "UNKNOWN", "Handler", "Job", "JobKind", "Outbox", "Outcome", "backoff_seconds",
           "enqueue"]
