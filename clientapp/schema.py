"""Bring the database schema up to date with Alembic, once even when workers start together."""
import fcntl
import os
from contextlib import contextmanager

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import text

from .extensions import db

_LOCK_ID = 741_852_963  # any constant: the advisory lock that serialises migrations


@contextmanager
def _migration_lock():
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
                conn.commit()
    else:
        path = os.path.join(current_app.instance_path, "migrate.lock")
        with open(path, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def include_name(name, type_, parent_names) -> bool:
    """What Alembic compares: not the search indexes (clientapp.db.search), which migrations
    create through that module and no model describes: SQLite's FTS5 tables, PostgreSQL's
    trigram indexes; nor the indexes only PostgreSQL has ("_pg": an order with NULLS LAST,
    which SQLite cannot write in an index)."""
    if type_ == "table" and name and "_fts" in name:
        return False
    if type_ == "index" and name and name.endswith(("_trgm", "_pg")):
        return False
    return True


def upgrade_schema(app) -> None:
    with app.app_context():
        with _migration_lock():
            upgrade()


def recover_jobs(app) -> None:
    """At start-up: take back the jobs whose worker died with the last run of the server."""
    from .jobs import recover_stale

    with app.app_context():
        recover_stale()
