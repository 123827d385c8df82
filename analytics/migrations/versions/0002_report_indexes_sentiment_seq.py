"""covering report indexes; message.sentiment_seq and contact.sentiment_seq

Reports read a period's messages and waits from one index each (index-only scans on PostgreSQL), and
rank a conversation's scored inbound messages by a stored sequence number instead of a window sort.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MESSAGE_INCLUDE = ["channel", "automated", "rep_id", "contact_id", "conversation_id", "sentiment_score",
                   "sentiment_seq", "topics"]
WAIT_INCLUDE = ["calendar_seconds", "business_seconds", "first_in_conversation", "closed_by_rep_id", "channel",
                "topics", "contact_id"]


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentiment_seq', sa.Integer(), server_default=sa.text('0'), nullable=False))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentiment_seq', sa.Integer(), nullable=True))
    # Number the scored inbound messages of every conversation in time order, as ingest does from now on.
    op.execute("""
        UPDATE message SET sentiment_seq = ranked.seq
        FROM (SELECT id, row_number() OVER (PARTITION BY conversation_id ORDER BY sent_at, sid) AS seq
              FROM message
              WHERE direction = 'inbound' AND sentiment_score IS NOT NULL AND conversation_id IS NOT NULL) AS ranked
        WHERE message.id = ranked.id
    """)
    op.execute("""
        UPDATE contact SET sentiment_seq = coalesce(
            (SELECT max(m.sentiment_seq) FROM message AS m WHERE m.conversation_id = contact.current_conversation_id),
            0)
    """)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_sent_direction')
        batch_op.create_index('ix_message_sent_cover', ['sent_at', 'direction'], unique=False,
                              postgresql_include=MESSAGE_INCLUDE)
    with op.batch_alter_table('wait', schema=None) as batch_op:
        batch_op.drop_index('ix_wait_opened_state')
        batch_op.create_index('ix_wait_opened_cover', ['opened_at', 'state'], unique=False,
                              postgresql_include=WAIT_INCLUDE)


def downgrade() -> None:
    with op.batch_alter_table('wait', schema=None) as batch_op:
        batch_op.drop_index('ix_wait_opened_cover')
        batch_op.create_index('ix_wait_opened_state', ['opened_at', 'state'], unique=False)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_sent_cover')
        batch_op.create_index('ix_message_sent_direction', ['sent_at', 'direction'], unique=False)
        batch_op.drop_column('sentiment_seq')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('sentiment_seq')
