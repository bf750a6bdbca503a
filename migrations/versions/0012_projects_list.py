"""the projects list: newest first, by name and a client's history on PostgreSQL

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 06:00:00

(The Ongoing tab reads its projects and their count from the calendar's index, 0011:
(archived_at, end_date, start_date), the range of end dates from today on, its start dates
checked in the index.)

On PostgreSQL, "archived_at IS NULL" is no equality for the planner: (archived_at,
start_date) cannot give the active projects in start order, and it sorts them all. Partial
indexes over the active projects can: newest first (the projects without dates last, as
SQLite's backward reading of its index has them), by name, and a client's history. SQLite
cannot write NULLS LAST in an index and does not need them; models describe none of them
(clientapp.schema leaves "_pg" indexes out of Alembic's comparison).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_projects_active_start_pg', 'projects',
                        [sa.text('start_date DESC NULLS LAST'), sa.text('id DESC')],
                        postgresql_where=sa.text('archived_at IS NULL'))
        op.create_index('ix_projects_active_name_pg', 'projects', ['name_key', 'id'],
                        postgresql_where=sa.text('archived_at IS NULL'))
        op.create_index('ix_projects_client_start_pg', 'projects',
                        ['client_id', sa.text('start_date DESC NULLS LAST'),
                         sa.text('id DESC')])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in ('ix_projects_client_start_pg', 'ix_projects_active_name_pg',
                     'ix_projects_active_start_pg'):
            op.drop_index(name, table_name='projects')
