"""message.imported: texts stored from history rather than received live

SLA alerts are for leads waiting now: a wait none of whose texts arrived live (an import of the Twilio
history, the demo data) never alerts, however recent. Rows from before this revision count as live.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 21:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('imported')
