"""Progress and heartbeat of a running import, committed apart from the import's writes.

On PostgreSQL they are columns of the job row, updated on a connection of their own while
the import's transaction runs. On SQLite a second connection cannot write while that
transaction holds the database's write lock, so they go to a small SQLite file beside the
database instead (`<database>-imports`); every worker process reads the same file (SQLite
already needs them on one machine). A database in memory has no such file: its progress
shows when the job ends.
"""
import sqlite3
from datetime import datetime, timezone

from sqlalchemy import update

from .models import ImportJob

jobs = ImportJob.__table__


def side_path(engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-imports"


def _connect(path: str):
    connection = sqlite3.connect(path, timeout=5, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS progress (job_id INTEGER PRIMARY KEY, "
                       "token TEXT NOT NULL, done INTEGER NOT NULL, beat TEXT NOT NULL)")
    return connection


def record(engine, job_id: int, token: str, done: int) -> None:
    now = datetime.now(timezone.utc)
    path = side_path(engine)
    if path is None:
        if engine.dialect.name == "sqlite":
            return  # in memory: nothing another connection could read
        with engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.worker == token,
                                            jobs.c.state == "running")
                         .values(done_rows=done, heartbeat_at=now))
        return
    connection = _connect(path)
    try:
        connection.execute("INSERT OR REPLACE INTO progress VALUES (?, ?, ?, ?)",
                           (job_id, token, done, now.isoformat()))
    finally:
        connection.close()


def read(engine, job_ids) -> dict:
    """{job_id: (rows done, last heartbeat)} from the side file; {} where there is none."""
    path = side_path(engine)
    job_ids = list(job_ids)
    if path is None or not job_ids:
        return {}
    connection = _connect(path)
    try:
        marks = ", ".join("?" * len(job_ids))
        found = connection.execute(
            f"SELECT job_id, done, beat FROM progress WHERE job_id IN ({marks})", job_ids)
        return {job_id: (done, datetime.fromisoformat(beat)) for job_id, done, beat in found}
    finally:
        connection.close()


def forget(engine, job_id: int) -> None:
    path = side_path(engine)
    if path is None:
        return
    connection = _connect(path)
    try:
        connection.execute("DELETE FROM progress WHERE job_id = ?", (job_id,))
    finally:
        connection.close()
