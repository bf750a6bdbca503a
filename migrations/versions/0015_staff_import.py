"""staff import: what each import job brings in, and the staff members an import created

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 09:10:00

import_jobs.target says whether a job imports clients or staff members (every job before
this one imported clients). staff.import_job_id records the import that created a staff
member, as clients.import_job_id does for clients: "Undo import" removes exactly those.
On SQLite the staff table is rebuilt in batch mode (a foreign key cannot be added in
place), with its AUTOINCREMENT and its search triggers put back.
"""
import sqlalchemy as sa
from alembic import op

from clientapp.db import search

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.add_column(sa.Column('target', sa.String(length=16), nullable=False,
                                   server_default='clients'))
    with search.batch_alter_table(op, 'staff',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.add_column(sa.Column('import_job_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_staff_import_job_id_import_jobs'), 'import_jobs',
                                 ['import_job_id'], ['id'], ondelete='SET NULL')
        batch.create_index('ix_staff_import_job_id', ['import_job_id'], unique=False)


def downgrade():
    with search.batch_alter_table(op, 'staff',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_index('ix_staff_import_job_id')
        batch.drop_constraint(op.f('fk_staff_import_job_id_import_jobs'), type_='foreignkey')
        batch.drop_column('import_job_id')
    with op.batch_alter_table('import_jobs', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_column('target')
