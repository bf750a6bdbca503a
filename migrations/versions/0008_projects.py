"""projects in full, staff members and who works which project

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:00:00

Projects gain times, a location, notes to staff, archiving, a version for optimistic
locking and the derived keys of the list (folded name, search text: name, location and the
client's name); SQLite rebuilds the table with AUTOINCREMENT so a deleted project's id is
never given again. Staff members (who do not sign in) and project_staff (who works which
project) are new; both searchable tables get their search index.
"""
import sqlalchemy as sa
from alembic import op

from clientapp.db import search
from clientapp.text import fold

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _fill_project_keys() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT p.id, p.name, c.name FROM projects p LEFT JOIN clients c ON c.id = p.client_id"
    )).all()
    for project_id, name, client_name in rows:
        bind.execute(sa.text("UPDATE projects SET name_key = :key, search_text = :text "
                             "WHERE id = :id"),
                     {"key": fold(name)[:200], "text": search.search_text(name, client_name),
                      "id": project_id})


def upgrade():
    with op.batch_alter_table('projects', recreate='auto',
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('start_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('end_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('location', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(op.f('fk_projects_created_by_id_users'), 'users',
                                    ['created_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_projects_archived_start', ['archived_at', 'start_date', 'id'])
        batch_op.create_index('ix_projects_archived_end', ['archived_at', 'end_date', 'id'])
        batch_op.create_index('ix_projects_archived_name', ['archived_at', 'name_key', 'id'])
    op.execute("UPDATE projects SET updated_at = created_at")
    _fill_project_keys()
    # SQLite adds columns in place, but AUTOINCREMENT needs the table made again.
    recreate = 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'
    with op.batch_alter_table('projects', recreate=recreate,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
    search.create_index(op, 'projects')

    op.create_table(
        'staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('phone', sa.String(length=50), nullable=True),
        sa.Column('role', sa.String(length=200), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('staff') as batch_op:
        batch_op.create_index('ix_staff_active_name', ['active', 'name_key', 'id'])
    search.create_index(op, 'staff')

    op.create_table(
        'project_staff',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_project_staff_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'],
                                name=op.f('fk_project_staff_staff_id_staff'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'],
                                name=op.f('fk_project_staff_added_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('project_id', 'staff_id', name=op.f('pk_project_staff')),
    )
    with op.batch_alter_table('project_staff') as batch_op:
        batch_op.create_index('ix_project_staff_staff', ['staff_id', 'project_id'])


def downgrade():
    op.drop_table('project_staff')
    search.drop_index(op, 'staff')
    op.drop_table('staff')
    search.drop_index(op, 'projects')
    with op.batch_alter_table('projects') as batch_op:
        batch_op.drop_index('ix_projects_archived_name')
        batch_op.drop_index('ix_projects_archived_end')
        batch_op.drop_index('ix_projects_archived_start')
        batch_op.drop_constraint(op.f('fk_projects_created_by_id_users'), type_='foreignkey')
        for column in ('search_text', 'name_key', 'version', 'created_by_id', 'updated_at',
                       'archived_at', 'notes', 'location', 'end_time', 'start_time'):
            batch_op.drop_column(column)
