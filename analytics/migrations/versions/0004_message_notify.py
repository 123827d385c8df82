"""message.notify: whom to tell what becomes of an outbound text

A text a rep wrote in a Slack thread is reacted to when Twilio takes it; a later `undelivered` or `failed`
status callback must reach the same Slack message, so the message keeps where that is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('notify')
