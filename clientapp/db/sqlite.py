"""How every SQLite connection behaves: pragmas, and when a transaction takes the write lock.

SQLite has one writer at a time. A transaction that reads first and writes later holds a
snapshot; if someone else writes meanwhile, its own first write cannot proceed and fails at
once with "database is locked" (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout. So the
transactions of a request that changes something (POST and the like) start with BEGIN
IMMEDIATE: each takes the write lock first, waiting its turn for up to the busy timeout, and
never fails halfway. Reads (GET) and background work start deferred: a read never waits,
and background work (an import's slices) writes first in each of its transactions. Work
that commits in slices (checking an import file) holds the lock for one slice at a time.

pysqlite's own transaction handling (a BEGIN slipped in before the first INSERT, none before
a SELECT or a SAVEPOINT) is turned off, and SQLAlchemy's begin emits the BEGIN, as
SQLAlchemy's documentation recommends for pysqlite.
"""
from contextlib import contextmanager

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 5000
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@contextmanager
def write_lock(wait_ms: int = BUSY_TIMEOUT_MS):
    """The transactions begun inside take the write lock at once, whatever the request's
    method, waiting up to `wait_ms` for it (a burst of sign-in attempts queues there)."""
    before = g.get("clientapp_write_lock")
    g.clientapp_write_lock = wait_ms
    try:
        yield
    finally:
        g.clientapp_write_lock = before


def _begin_statement() -> str:
    if has_app_context() and g.get("clientapp_write_lock"):
        return "BEGIN IMMEDIATE"
    if has_request_context() and request.method not in SAFE_METHODS:
        return "BEGIN IMMEDIATE"
    return "BEGIN"


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    """Foreign keys enforced, WAL so readers never block the writer, a busy timeout so a
    second writer waits instead of failing, and transactions begun by SQLAlchemy."""
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Read through a memory map: a search that visits a thousand scattered rows of a large
    # table takes a third of the time it takes through read() calls and the small page cache.
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    wait_ms = g.get("clientapp_write_lock") if has_app_context() else None
    if not wait_ms or wait_ms == BUSY_TIMEOUT_MS:
        conn.exec_driver_sql(_begin_statement())
        return
    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        conn.exec_driver_sql(_begin_statement())
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
