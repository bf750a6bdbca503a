"""contacts and the interactions timeline

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:00:00

Contacts get their table; import rows keep a file's contact columns. Logged interactions are events (the timeline is one table, paged
on (at, id)): events gain the contact, a summary and details. Clients gain contact_words
(their contacts' search words, folded into search_text) and last_interaction_at (the list's
sort, the dashboard's "Needs attention"), added in place; events is rebuilt on SQLite both
ways (a foreign key is neither added nor dropped in place there).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=False),
        sa.Column('last_name', sa.String(length=100), nullable=False),
        sa.Column('job_title', sa.String(length=200), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('phone', sa.String(length=50), nullable=True),
        sa.Column('mobile', sa.String(length=50), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('is_primary', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'],
                                name=op.f('fk_contacts_client_id_clients'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_contacts_client_id', 'contacts', ['client_id', 'id'], unique=False)
    op.create_index('uq_contacts_client_primary', 'contacts', ['client_id'], unique=True,
                    sqlite_where=sa.text('is_primary'), postgresql_where=sa.text('is_primary'))

    # In place (nullable or with a default): SQLite's ADD COLUMN keeps the search triggers.
    op.add_column('clients', sa.Column('contact_words', sa.Text(), server_default='',
                                       nullable=False))
    op.add_column('clients', sa.Column('last_interaction_at', sa.DateTime(timezone=True),
                                       nullable=True))
    op.create_index('ix_clients_archived_interaction', 'clients',
                    ['archived_at', 'last_interaction_at', 'created_at', 'id'], unique=False)

    # A batch (a rebuild on SQLite, which cannot add a foreign key in place); events is
    # no searchable table, nothing to restore.
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('summary', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('details', sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_events_contact_id_contacts'), 'contacts',
                                    ['contact_id'], ['id'], ondelete='SET NULL')
    op.create_index('ix_events_kind_at', 'events', ['kind', 'at', 'id'], unique=False)

    # An import's contact columns, as checked.
    for column in ('contact_name', 'contact_email', 'contact_phone'):
        op.add_column('import_rows', sa.Column(column, sa.Text(), nullable=True))


def downgrade():
    for column in ('contact_phone', 'contact_email', 'contact_name'):
        op.drop_column('import_rows', column)
    op.drop_index('ix_events_kind_at', table_name='events')
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_constraint(op.f('fk_events_contact_id_contacts'), type_='foreignkey')
        batch_op.drop_column('details')
        batch_op.drop_column('summary')
        batch_op.drop_column('contact_id')
    op.drop_index('ix_clients_archived_interaction', table_name='clients')
    # In place (SQLite 3.35+): a rebuild would drop the search triggers and the clients
    # under the foreign keys of events and projects.
    op.drop_column('clients', 'last_interaction_at')
    op.drop_column('clients', 'contact_words')
    op.drop_index('uq_contacts_client_primary', table_name='contacts')
    op.drop_index('ix_contacts_client_id', table_name='contacts')
    op.drop_table('contacts')
