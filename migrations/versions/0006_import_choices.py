"""imports: possible duplicates, and whether empty cells keep the current value

Row statuses and issue kinds get room for "duplicate".

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ADD COLUMN on SQLite: the table (and its AUTOINCREMENT) stays.
    with op.batch_alter_table('import_jobs', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('duplicate_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('create_duplicates', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('keep_empty', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    for table, column in (('import_rows', 'status'), ('import_issues', 'kind')):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=sa.String(length=16),
                                  existing_type=sa.String(length=8), existing_nullable=False)


def downgrade():
    for table, column in (('import_rows', 'status'), ('import_issues', 'kind')):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, type_=sa.String(length=8),
                                  existing_type=sa.String(length=16), existing_nullable=False)
    with op.batch_alter_table('import_jobs', table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column('keep_empty')
        batch_op.drop_column('create_duplicates')
        batch_op.drop_column('duplicate_count')
