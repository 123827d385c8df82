"""outcomes: stage_event (every stage change, never updated) and opportunity (derived from them)

Issue 16's domain core. Nothing is back-filled: existing leads get an opportunity at their next first
inbound text or an explicit stage change (analytics.outcomes.record).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:02:41
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('opportunity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('auto_opened', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('stage_entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('value_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('lost_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('demo_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('demo_booked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('demo_held_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('proposal_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('proposal_value_minor', sa.BigInteger(), nullable=True),
    sa.Column('proposal_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('rep_id', sa.Integer(), nullable=True),
    sa.Column('reached', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('last_event_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['rep_id'], ['rep.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.create_index('ix_opportunity_closed', ['closed_at'], unique=False)
        batch_op.create_index('ix_opportunity_contact_opened', ['contact_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_opportunity_demo_booked', ['demo_booked_at'], unique=False)
        batch_op.create_index('ix_opportunity_demo_held', ['demo_held_at'], unique=False)
        batch_op.create_index('ix_opportunity_opened', ['opened_at'], unique=False)
        batch_op.create_index('uq_opportunity_open_contact', ['contact_id'], unique=True, postgresql_where=sa.text('closed_at IS NULL'), sqlite_where=sa.text('closed_at IS NULL'))

    op.create_table('stage_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('demo_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('value_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('client_event_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('corrects', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['rep.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['corrects'], ['stage_event.id'], ),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'client_event_id', name='uq_stage_event_client')
    )
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.create_index('ix_stage_event_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_event_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_event_corrects'), ['corrects'], unique=False)
        batch_op.create_index('ix_stage_event_demo_at', ['demo_at'], unique=False)
        batch_op.create_index('ix_stage_event_opportunity_at', ['opportunity_id', 'at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_event_opportunity_at')
        batch_op.drop_index('ix_stage_event_demo_at')
        batch_op.drop_index(batch_op.f('ix_stage_event_corrects'))
        batch_op.drop_index(batch_op.f('ix_stage_event_contact_id'))
        batch_op.drop_index('ix_stage_event_at')

    op.drop_table('stage_event')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index('uq_opportunity_open_contact', postgresql_where=sa.text('closed_at IS NULL'), sqlite_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_opportunity_opened')
        batch_op.drop_index('ix_opportunity_demo_held')
        batch_op.drop_index('ix_opportunity_demo_booked')
        batch_op.drop_index('ix_opportunity_contact_opened')
        batch_op.drop_index('ix_opportunity_closed')

    op.drop_table('opportunity')
