"""project defaults per client: stored files and documents, client defaults, excluded
staff, field report templates, project settings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 07:00:00

New tables only: a project's location and notes stay on projects; what it inherits besides
(field reports, excluded staff) and which values it changed live in project_settings.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _when(name):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        _when('created_at'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_stored_files_stored_name')),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=255), nullable=False),
        _when('created_at'),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'],
                                name=op.f('fk_documents_file_id_stored_files'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'],
                                name=op.f('fk_documents_client_id_clients'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_documents_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_documents_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_documents_client', 'documents', ['client_id', 'id'])
    op.create_index('ix_documents_project', 'documents', ['project_id', 'id'])
    op.create_index('ix_documents_file', 'documents', ['file_id'])
    op.create_table(
        'client_defaults',
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('location_name', sa.String(length=200), nullable=True),
        sa.Column('location_address', sa.Text(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('field_reports', sa.JSON(), nullable=False),
        _when('updated_at'),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'],
                                name=op.f('fk_client_defaults_client_id_clients'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('client_id', name=op.f('pk_client_defaults')),
    )
    op.create_table(
        'client_excluded_staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        _when('created_at'),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'],
                                name=op.f('fk_client_excluded_staff_client_id_clients'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'],
                                name=op.f('fk_client_excluded_staff_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_client_excluded_staff')),
        sa.UniqueConstraint('client_id', 'staff_id',
                            name=op.f('uq_client_excluded_staff_client_id')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_client_excluded_staff_staff', 'client_excluded_staff', ['staff_id'])
    op.create_table(
        'project_settings',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('field_reports', sa.JSON(), nullable=False),
        sa.Column('excluded', sa.JSON(), nullable=False),
        sa.Column('location_changed', sa.Boolean(), nullable=False),
        sa.Column('documents_changed', sa.Boolean(), nullable=False),
        sa.Column('reports_changed', sa.Boolean(), nullable=False),
        sa.Column('notes_changed', sa.Boolean(), nullable=False),
        sa.Column('excluded_changed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_project_settings_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_settings')),
    )
    op.create_table(
        'field_report_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        _when('created_at'),
        _when('updated_at'),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_report_templates')),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table('field_report_templates')
    op.drop_table('project_settings')
    op.drop_index('ix_client_excluded_staff_staff', table_name='client_excluded_staff')
    op.drop_table('client_excluded_staff')
    op.drop_table('client_defaults')
    op.drop_index('ix_documents_file', table_name='documents')
    op.drop_index('ix_documents_project', table_name='documents')
    op.drop_index('ix_documents_client', table_name='documents')
    op.drop_table('documents')
    op.drop_table('stored_files')
