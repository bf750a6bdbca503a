"""search text keeps words with an apostrophe joined too

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 10:00:00

search_text() now adds, for a value holding a word with an apostrophe ("L'Oréal"), that
word without it ("loreal"), so a search typed without the apostrophe finds it. Every
searchable table's existing rows get their search text again, by the same rule as a save:
clients (with their contacts' words), projects (with their client's name) and staff. In
batches by id, writing only the rows whose text changes; on SQLite the tables' triggers keep
the FTS index in step, on PostgreSQL the trigram index follows by itself.

Downgrade leaves the texts: the extra words only let more searches match, and the earlier
code writes a row's text afresh on its next save.
"""
import sqlalchemy as sa
from alembic import op

from clientapp.db.search import search_text

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BATCH = 2000


def _batches(bind, query: str):
    """The rows of `query` (which selects id first, `WHERE id > :after ORDER BY id LIMIT
    :size`), a batch at a time."""
    after = 0
    while True:
        rows = bind.execute(sa.text(query), {"after": after, "size": BATCH}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _write(bind, table: str, changes: list, extra: str = "") -> None:
    if changes:
        bind.execute(sa.text(f"UPDATE {table} SET search_text = :text{extra} WHERE id = :id"),
                     changes)


def _clients(bind) -> None:
    for rows in _batches(bind, "SELECT id, name, code, address, email, search_text FROM clients "
                               "WHERE id > :after ORDER BY id LIMIT :size"):
        ids = [row[0] for row in rows]
        contacts = {}
        for client_id, first, last, email in bind.execute(sa.text(
                "SELECT client_id, first_name, last_name, email FROM contacts "
                "WHERE client_id IN :ids ORDER BY client_id, id")
                .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids}):
            contacts.setdefault(client_id, []).extend((first, last, email))
        changes = []
        for client_id, name, code, address, email, old in rows:
            words = search_text(*contacts.get(client_id, ()))
            new = search_text(name, code, address, email, words)
            if new != old:
                changes.append({"id": client_id, "text": new, "words": words})
        _write(bind, "clients", changes, ", contact_words = :words")


def _projects(bind) -> None:
    for rows in _batches(bind, "SELECT p.id, p.name, p.location, c.name, p.search_text "
                               "FROM projects p LEFT JOIN clients c ON c.id = p.client_id "
                               "WHERE p.id > :after ORDER BY p.id LIMIT :size"):
        _write(bind, "projects", [
            {"id": ident, "text": new} for ident, name, location, client, old in rows
            if (new := search_text(name, location, client)) != old])


def _staff(bind) -> None:
    for rows in _batches(bind, "SELECT id, name, email, phone, role, search_text FROM staff "
                               "WHERE id > :after ORDER BY id LIMIT :size"):
        _write(bind, "staff", [
            {"id": ident, "text": new} for ident, name, email, phone, role, old in rows
            if (new := search_text(name, email, phone, role)) != old])


def upgrade():
    bind = op.get_bind()
    _clients(bind)
    _projects(bind)
    _staff(bind)


def downgrade():
    pass
