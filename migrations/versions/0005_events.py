"""events: the record of what happened, written with each change

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_events_actor_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'],
                                name=op.f('fk_events_client_id_clients'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('events') as batch_op:
        batch_op.create_index('ix_events_at', ['at', 'id'], unique=False)
        batch_op.create_index('ix_events_client_at', ['client_id', 'at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_index('ix_events_client_at')
        batch_op.drop_index('ix_events_at')
    op.drop_table('events')
