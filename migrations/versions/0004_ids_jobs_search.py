"""ids never reused, clients know their import, JSON columns, search by words

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00

- SQLite gave a deleted client's id to the next new client (INTEGER PRIMARY KEY without
  AUTOINCREMENT), and the same for import jobs: an import's undo, which deleted clients by
  stored id ranges, could delete a client it never created. Both tables are rebuilt with
  AUTOINCREMENT (PostgreSQL sequences never go back: nothing to do there).
- clients.import_job_id records the import that created each client; it is filled from the
  id ranges that done imports kept (import_jobs.created_ids), which then go.
- The JSON kept as text becomes JSON columns.
- Search compares words: each client's search_text is made again by
  clientapp.db.search.search_text (punctuation as spaces, ligatures spelt out), and so are
  the derived keys, whose folding now spells out ligatures. PostgreSQL gets a trigram index
  over search_text; SQLite's FTS5 index is rebuilt from the new text.
"""
import json

import sqlalchemy as sa
from alembic import op

from clientapp.clients.models import client_keys
from clientapp.db import search

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 2000

JSON_COLUMNS = {
    "import_jobs": {"headers": False, "mapping": False, "preview": False, "failure": True,
                    "undo_report": True},
    "import_rows": {"before": True},
    "import_issues": {"detail": True},
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _to_json(table: str, **kwargs) -> None:
    with op.batch_alter_table(table, **kwargs) as batch:
        for column, nullable in JSON_COLUMNS[table].items():
            batch.alter_column(column, type_=sa.JSON(), existing_type=sa.Text(),
                               existing_nullable=nullable, postgresql_using=f"{column}::json")


def _to_text(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        for column, nullable in JSON_COLUMNS[table].items():
            batch.alter_column(column, type_=sa.Text(), existing_type=sa.JSON(),
                               existing_nullable=nullable, postgresql_using=f"{column}::text")


def _rekey(table: str, key: str, job_id: int | None = None) -> None:
    """Make the derived keys of the rows of `table` (of one import job for import_rows)
    again, as the code defines them now, walking them by `key`."""
    bind = op.get_bind()
    rows = sa.table(table, sa.column(key), sa.column("job_id"), sa.column("name"),
                    sa.column("code"), sa.column("address"), sa.column("email"),
                    sa.column("name_key"), sa.column("match_key"), sa.column("search_text"))
    where = [rows.c.job_id == job_id] if job_id is not None else []
    statement = (sa.update(rows).where(rows.c[key] == sa.bindparam("b_key"), *where)
                 .values(name_key=sa.bindparam("b_name"), match_key=sa.bindparam("b_match"),
                         search_text=sa.bindparam("b_search")))
    last = None
    while True:
        query = (sa.select(rows.c[key], rows.c.name, rows.c.code, rows.c.address, rows.c.email)
                 .where(*where).order_by(rows.c[key]).limit(BATCH))
        if last is not None:
            query = query.where(rows.c[key] > last)
        found = bind.execute(query).all()
        if not found:
            return
        changes = []
        for row_key, name, code, address, email in found:
            name_key, _code_key, match_key, text = client_keys(name, code, address, email)
            changes.append({"b_key": row_key, "b_name": name_key, "b_match": match_key,
                            "b_search": text})
        bind.execute(statement, changes)
        last = found[-1][0]


def upgrade():
    bind = op.get_bind()
    recreate = "always" if _sqlite() else "auto"

    _to_json("import_jobs")
    _to_json("import_rows")
    _to_json("import_issues")

    search.drop_index(op, "clients")
    with op.batch_alter_table("clients", recreate=recreate,
                              table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("import_job_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_clients_import_job_id_import_jobs"), "import_jobs",
                                 ["import_job_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_clients_import_job_id", ["import_job_id"], unique=False)

    jobs = sa.table("import_jobs", sa.column("id"), sa.column("state"),
                    sa.column("created_ids", sa.Text()))
    clients = sa.table("clients", sa.column("id"), sa.column("import_job_id"))
    done = bind.execute(sa.select(jobs.c.id, jobs.c.created_ids).where(
        jobs.c.state == "done", jobs.c.created_ids.is_not(None))).all()
    for job_id, ranges in done:
        for first, last in json.loads(ranges):
            bind.execute(sa.update(clients).where(clients.c.id.between(first, last),
                                                  clients.c.import_job_id.is_(None))
                         .values(import_job_id=job_id))
    # (Every rebuild of the table keeps AUTOINCREMENT only when told again.)
    with op.batch_alter_table("import_jobs", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("created_ids")

    _rekey("clients", "id")
    import_rows = sa.table("import_rows", sa.column("job_id"))
    for (job_id,) in bind.execute(sa.select(import_rows.c.job_id).distinct()).all():
        _rekey("import_rows", "line", job_id)
    search.create_index(op, "clients")


def downgrade():
    bind = op.get_bind()
    recreate = "always" if _sqlite() else "auto"
    search.drop_index(op, "clients")
    with op.batch_alter_table("import_jobs") as batch:
        batch.add_column(sa.Column("created_ids", sa.Text(), nullable=True))
    jobs = sa.table("import_jobs", sa.column("id"), sa.column("created_ids", sa.Text()))
    clients = sa.table("clients", sa.column("id"), sa.column("import_job_id"))
    made = {}
    for client_id, job_id in bind.execute(
            sa.select(clients.c.id, clients.c.import_job_id)
            .where(clients.c.import_job_id.is_not(None)).order_by(clients.c.id)).all():
        ranges = made.setdefault(job_id, [])
        if ranges and ranges[-1][1] == client_id - 1:
            ranges[-1][1] = client_id
        else:
            ranges.append([client_id, client_id])
    for job_id, ranges in made.items():
        bind.execute(sa.update(jobs).where(jobs.c.id == job_id)
                     .values(created_ids=json.dumps(ranges)))
    with op.batch_alter_table("clients", recreate=recreate,
                              table_kwargs={"sqlite_autoincrement": False}) as batch:
        batch.drop_index("ix_clients_import_job_id")
        batch.drop_constraint(op.f("fk_clients_import_job_id_import_jobs"), type_="foreignkey")
        batch.drop_column("import_job_id")
    for table in JSON_COLUMNS:
        _to_text(table)
    if _sqlite():
        search.create_index(op, "clients")
