"""the projects list: an index on (archived_at, end_date, start_date)

Revision ID: 0009_projects_list
Revises: 0008
Create Date: 2026-11-30 06:00:00

The Ongoing tab (started on or before today, ending today or later) reads its projects and
their count from this index alone: the range of end dates from today on, its start dates
checked in the index itself, never in the table.
"""
from alembic import op

revision = '0009_projects_list'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_projects_archived_end_start', 'projects',
                    ['archived_at', 'end_date', 'start_date'])


def downgrade():
    op.drop_index('ix_projects_archived_end_start', table_name='projects')
