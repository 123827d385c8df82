"""Import every table module so SQLModel.metadata is complete (for Alembic and test set-up)."""

from analytics import calls, digests, models, outbox_store, processed_events  # noqa: F401
from analytics.outcomes import tables as outcome_tables  # noqa: F401
