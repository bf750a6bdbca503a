"""management teams of clients and projects, and each project's team discussion

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _team_table(name: str, owner: str, owner_table: str) -> None:
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=200), nullable=True),
        sa.Column('in_discussions', sa.Boolean(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint([owner], [f'{owner_table}.id'],
                                name=op.f(f'fk_{name}_{owner}_{owner_table}'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f(f'fk_{name}_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(owner, 'user_id', name=op.f(f'pk_{name}')),
    )


def upgrade():
    _team_table('client_team_members', 'client_id', 'clients')
    with op.batch_alter_table('client_team_members') as batch_op:
        batch_op.create_index('ix_client_team_members_user', ['user_id'])
    _team_table('project_team_members', 'project_id', 'projects')
    with op.batch_alter_table('project_team_members') as batch_op:
        batch_op.create_index('ix_project_team_members_user', ['user_id', 'in_discussions'])

    op.create_table(
        'project_team_changes',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_project_team_changes_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_team_changes')),
    )

    op.create_table(
        'discussion_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('send_key', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_discussion_messages_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_discussion_messages_author_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_messages')),
        sa.UniqueConstraint('author_id', 'send_key', name='uq_discussion_messages_send_key'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('discussion_messages') as batch_op:
        batch_op.create_index('ix_discussion_messages_project', ['project_id', 'id'])
        batch_op.create_index('ix_discussion_messages_changed', ['project_id', 'changed_at'])

    op.create_table(
        'discussion_reads',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_read_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_discussion_reads_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_discussion_reads_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_discussion_reads')),
    )


def downgrade():
    op.drop_table('discussion_reads')
    op.drop_table('discussion_messages')
    op.drop_table('project_team_changes')
    op.drop_table('project_team_members')
    op.drop_table('client_team_members')
