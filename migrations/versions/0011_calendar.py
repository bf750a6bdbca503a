"""the calendar's index: projects by end and start date

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:30:00

A month shows the projects that end on or after its first day and start on or before its
last. With both dates in one index (after archived_at), the database walks the projects
ending from that day on and checks their start in the index itself, reading only the rows
it keeps; projects without an end date are a range of the same index (end_date IS NULL,
start_date within the month).
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_projects_calendar', 'projects', ['archived_at', 'end_date', 'start_date'])


def downgrade():
    op.drop_index('ix_projects_calendar', table_name='projects')
