"""client search index without per-row column sizes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:10:00

The SQLite FTS5 trigram index of 0001 kept, for every client, the size of its column, which
only ranking (bm25) reads. The list never ranks: it sorts. Without them (columnsize=0) the
index is filled a sixth faster by a large import, and searches answer the same. The
triggers of 0001 name the table, not its options, so they go on working unchanged.
PostgreSQL has no such index: nothing to do there.
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _recreate(options: str) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute('DROP TABLE clients_fts')
    op.execute("CREATE VIRTUAL TABLE clients_fts USING fts5(search_text, content='clients', "
               f"content_rowid='id', tokenize='trigram'{options})")
    op.execute("INSERT INTO clients_fts(clients_fts) VALUES ('rebuild')")


def upgrade():
    _recreate(', columnsize=0')


def downgrade():
    _recreate('')
