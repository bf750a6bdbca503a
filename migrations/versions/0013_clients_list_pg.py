"""the client list in order on PostgreSQL without sorting every client

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 07:00:00

"archived_at IS NULL" is no equality for PostgreSQL's planner: (archived_at, name_key, id)
cannot give the active clients in name order, so it read and sorted all of them for each
page (about 50 ms at 100,000 clients). Partial indexes over the active clients give the
Active tab by name, by date added and by code in order, and a plain (name_key, id) gives
"Show archives" by name. SQLite reads its composite indexes in order already; models
describe none of these (clientapp.schema leaves "_pg" indexes out of Alembic's comparison).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ACTIVE = sa.text('archived_at IS NULL')
INDEXES = (
    ('ix_clients_active_name_pg', ['name_key', 'id'], ACTIVE),
    ('ix_clients_active_created_pg', ['created_at', 'id'], ACTIVE),
    ('ix_clients_active_code_pg', ['code_key', 'id'], ACTIVE),
    ('ix_clients_name_pg', ['name_key', 'id'], None),
)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, columns, where in INDEXES:
            op.create_index(name, 'clients', columns, postgresql_where=where)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, _columns, _where in reversed(INDEXES):
            op.drop_index(name, table_name='clients')
