"""Running an import, outside the request, all or nothing; and undoing it.

Every write of a run happens in ONE transaction: the clients created and updated, the
before-values kept for undo and the job marked done commit together or not at all. Progress
and the heartbeat are committed apart, on their own connection, so every worker process
sees them. A worker that dies leaves its transaction to the database, which rolls it back;
its job stops beating and the next request marks it interrupted, ready to run again.

run_job() is the synchronous entry point (the tests call it); start_in_background() runs it
in a thread for the app. The state lives only in the database, never in the thread.
"""
import json
import logging
import secrets
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from ..auth.models import utcnow
from ..clients.models import Client, client_keys, code_key
from ..extensions import db
from ..projects.models import Project
from . import progress
from .models import ACTIVE_STATES, ImportFile, ImportJob, ImportRow
from .reading import FIELDS

log = logging.getLogger("clientapp.imports")

STALE_SECONDS = 30  # a running job whose heartbeat is older than this has lost its worker
CHUNK = 5000  # rows written between two progress updates
BATCH = 500  # clients read or changed per statement
PROGRESS_EVERY = 0.5  # seconds between two progress commits
IMPORT_CACHE_KIB = -32768  # SQLite page cache of a run (negative: KiB), 32 MB

jobs = ImportJob.__table__
rows_table = ImportRow.__table__
clients = Client.__table__


class Conflict(Exception):
    """The database changed since the check in a way the import cannot go through with."""

    def __init__(self, code: str, **detail):
        super().__init__(code)
        self.code = code
        self.detail = detail


class Interrupted(Exception):
    """Someone marked the job interrupted while it ran (its heartbeat looked stale)."""


def _aware(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config.get("CLIENTAPP_IMPORT_STALE_SECONDS", STALE_SECONDS))


# --- Starting ------------------------------------------------------------------------------
def queue(job_id: int, from_states=("checked",)) -> bool:
    """Move the job to queued, once: of two clicks on "Start import", one wins."""
    now = utcnow()
    result = db.session.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state.in_(from_states), jobs.c.error_count == 0)
        .values(state="queued", queued_at=now, heartbeat_at=now, done_rows=0, failure=None,
                worker=None, started_at=None, finished_at=None))
    db.session.commit()
    return result.rowcount == 1


def start_in_background(app, job_id: int) -> None:
    thread = threading.Thread(target=run_in_app, args=(app, job_id), daemon=True,
                              name=f"import-{job_id}")
    thread.start()


def run_in_app(app, job_id: int) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def recover_stale() -> int:
    """Mark interrupted the jobs whose worker stopped beating. Their writes were never
    committed, so there is nothing to undo. A plain read first: on SQLite a write here
    would wait for a running import's transaction."""
    cutoff = utcnow() - stale_after()
    stale = db.session.scalars(select(jobs.c.id).where(
        jobs.c.state.in_(ACTIVE_STATES), jobs.c.heartbeat_at < cutoff)).all()
    beats = progress.read(db.engine, stale)
    stale = [job_id for job_id in stale if job_id not in beats or beats[job_id][1] < cutoff]
    if not stale:
        return 0
    result = db.session.execute(
        update(jobs).where(jobs.c.id.in_(stale), jobs.c.state.in_(ACTIVE_STATES),
                           jobs.c.heartbeat_at < cutoff)
        .values(state="interrupted", finished_at=utcnow(), worker=None))
    db.session.commit()
    for job_id in stale:
        progress.forget(db.engine, job_id)
    if result.rowcount:
        log.warning("Import jobs %s lost their worker; marked interrupted", stale)
    return result.rowcount


def live_progress(job: ImportJob) -> dict:
    """Rows done, percent and seconds left of a job, from wherever its progress is kept."""
    done = job.done_rows
    if job.is_active:
        side = progress.read(db.engine, [job.id]).get(job.id)
        if side is not None:
            done = side[0]
    total = job.work_rows
    if job.state in ("done", "undone"):
        percent = 100
    else:
        percent = min(100, done * 100 // total) if total else 0
    seconds_left = None
    started = _aware(job.started_at)
    if job.state == "running" and started and done and total:
        elapsed = (datetime.now(timezone.utc) - started).total_seconds()
        seconds_left = max(0, int((total - done) / (done / max(elapsed, 0.001)) + 0.999))
    return {"done": done, "total": total, "percent": percent, "seconds_left": seconds_left}


# --- Running -------------------------------------------------------------------------------
class Progress:
    """Rows done, committed apart from the import's transaction (see progress.py) at most
    every PROGRESS_EVERY seconds; each commit is also the worker's heartbeat."""

    def __init__(self, engine, job_id: int, token: str):
        self.engine, self.job_id, self.token = engine, job_id, token
        self.done = 0
        self.last = time.monotonic()

    def add(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.last >= PROGRESS_EVERY:
            self.flush()

    def flush(self) -> None:
        progress.record(self.engine, self.job_id, self.token, self.done)
        self.last = time.monotonic()


def _after_chunk(job_id: int, done: int) -> None:
    """A seam for the tests that kill an import halfway; does nothing."""


def run_job(job_id: int) -> str:
    """Run a queued job to its end; returns the state it ended in."""
    engine = db.engine
    token = secrets.token_hex(8)
    now = utcnow()
    with engine.begin() as conn:
        claimed = conn.execute(
            update(jobs).where(jobs.c.id == job_id, jobs.c.state == "queued")
            .values(state="running", worker=token, started_at=now, heartbeat_at=now,
                    done_rows=0)).rowcount
        job = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
    if not claimed or job is None:
        return job.state if job is not None else "gone"
    tracker = Progress(engine, job_id, token)
    tracker.flush()
    try:
        with engine.connect() as conn:
            with conn.begin():
                outcome = _write(conn, job, tracker)
                finished = conn.execute(
                    update(jobs).where(jobs.c.id == job_id, jobs.c.state == "running",
                                       jobs.c.worker == token)
                    .values(state="done", finished_at=utcnow(), heartbeat_at=utcnow(),
                            done_rows=job.new_count + job.update_count + job.same_count,
                            **outcome)).rowcount
                if not finished:
                    raise Interrupted()
                # The file is no longer needed once its rows are in.
                conn.execute(delete(ImportFile.__table__).where(
                    ImportFile.__table__.c.job_id == job_id))
        progress.forget(engine, job_id)
        return "done"
    except Interrupted:
        log.warning("Import job %s was marked interrupted while running; rolled back", job_id)
        return "interrupted"
    except Exception as exc:
        if isinstance(exc, Conflict):
            failure = {"code": exc.code, **exc.detail}
        else:
            log.exception("Import job %s failed; rolled back", job_id)
            failure = {"code": "unexpected"}
        with engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.worker == token,
                                            jobs.c.state == "running")
                         .values(state="failed", finished_at=utcnow(), done_rows=0,
                                 failure=json.dumps(failure, ensure_ascii=False)))
        progress.forget(engine, job_id)
        return "failed"


def _write(conn, job, tracker: Progress) -> dict:
    if conn.dialect.name != "sqlite":
        return _write_all(conn, job, tracker)
    # Take the write lock now, so nothing read below can go stale before the writes.
    conn.execute(update(jobs).where(jobs.c.id == job.id).values(heartbeat_at=utcnow()))
    # A page cache big enough for the clients' indexes while 100,000 rows go in, for this
    # run only: the connection goes back to the pool with its usual cache.
    usual = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
    try:
        return _write_all(conn, job, tracker)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(usual)}")


def _write_all(conn, job, tracker: Progress) -> dict:
    _preflight(conn, job)
    mapping = json.loads(job.mapping)
    fields = tuple(name for name in FIELDS if name in mapping)
    updated, unchanged = _update_matched(conn, job, fields, tracker)
    created_ids = _create_new(conn, job, tracker)
    return {"created_count": len(created_ids), "updated_count": updated,
            "unchanged_count": unchanged, "created_ids": json.dumps(to_ranges(created_ids))}


def _preflight(conn, job) -> None:
    taken = conn.execute(
        select(rows_table.c.line, rows_table.c.code, clients.c.name)
        .join(clients, clients.c.code_key == rows_table.c.code_key)
        .where(rows_table.c.job_id == job.id, rows_table.c.status == "new")
        .order_by(rows_table.c.line).limit(5)).all()
    if taken:
        raise Conflict("code_taken", lines=[r.line for r in taken], value=taken[0].code,
                       name=taken[0].name)
    gone = conn.execute(
        select(rows_table.c.line)
        .outerjoin(clients, clients.c.id == rows_table.c.client_id)
        .where(rows_table.c.job_id == job.id, rows_table.c.status.in_(("update", "same")),
               clients.c.id.is_(None))
        .order_by(rows_table.c.line).limit(5)).scalars().all()
    if gone:
        raise Conflict("client_gone", lines=list(gone))


def _update_matched(conn, job, fields: tuple, tracker: Progress) -> tuple[int, int]:
    """Update the clients matched by code, keeping each one's values before."""
    stored = conn.execute(
        select(rows_table.c.line, rows_table.c.client_id, *(rows_table.c[f] for f in fields))
        .where(rows_table.c.job_id == job.id, rows_table.c.status.in_(("update", "same")))
        .order_by(rows_table.c.line)).all()
    updated = unchanged = 0
    change_client = (
        update(clients)
        .where(clients.c.id == bindparam("b_id"), clients.c.version == bindparam("b_version"))
        .values({**{name: bindparam("b_" + name) for name in (*FIELDS, "name_key", "code_key",
                                                               "match_key", "search_text")},
                 "version": clients.c.version + 1, "updated_at": bindparam("b_now")}))
    keep_before = (update(rows_table)
                   .where(rows_table.c.job_id == job.id, rows_table.c.line == bindparam("b_line"))
                   .values(before=bindparam("b_before"), status=bindparam("b_status")))
    now = utcnow()
    for start in range(0, len(stored), BATCH):
        batch = stored[start:start + BATCH]
        query = select(clients).where(clients.c.id.in_([r.client_id for r in batch]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        current = {c.id: c for c in conn.execute(query)}
        changes, befores = [], []
        for row in batch:
            client = current[row.client_id]
            new_values = {name: getattr(client, name) for name in FIELDS}
            before = {}
            for name in fields:
                value = row._mapping[name]
                if name == "type" and value is None:
                    continue
                if name == "code" and code_key(value) == code_key(new_values[name]):
                    continue
                if value != new_values[name]:
                    before[name] = new_values[name]
                    new_values[name] = value
            if not before:
                unchanged += 1
                befores.append({"b_line": row.line, "b_before": None, "b_status": "same"})
                continue
            updated += 1
            keys = client_keys(new_values["name"], new_values["code"], new_values["address"],
                               new_values["email"])
            changes.append({"b_id": client.id, "b_version": client.version, "b_now": now,
                            **{"b_" + name: value for name, value in new_values.items()},
                            "b_name_key": keys[0], "b_code_key": keys[1],
                            "b_match_key": keys[2], "b_search_text": keys[3]})
            befores.append({"b_line": row.line, "b_status": "update",
                            "b_before": json.dumps(before, ensure_ascii=False)})
        if changes:
            result = conn.execute(change_client, changes)
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(changes):
                raise Conflict("changed_meanwhile")
        conn.execute(keep_before, befores)
        tracker.add(len(batch))
        _after_chunk(job.id, tracker.done)
    return updated, unchanged


def _create_new(conn, job, tracker: Progress) -> list:
    is_new = (rows_table.c.job_id == job.id, rows_table.c.status == "new")
    count = conn.execute(select(func.count()).select_from(rows_table).where(*is_new)).scalar()
    # The first line of each chunk, counted by the database rather than by reading every line.
    numbered = select(rows_table.c.line,
                      func.row_number().over(order_by=rows_table.c.line).label("n")
                      ).where(*is_new).subquery()
    starts = conn.execute(select(numbered.c.line).where((numbered.c.n - 1) % CHUNK == 0)
                          .order_by(numbered.c.line)).scalars().all()
    now = utcnow()
    when = literal(now, clients.c.created_at.type)
    columns = ("type", "name", "code", "address", "email", "phone", "name_key", "code_key",
               "match_key", "search_text", "created_at", "updated_at", "created_by_id",
               "version")
    created = []
    with _search_index_filled_per_chunk(conn, count) as index_chunk:
        for index, first in enumerate(starts):
            in_chunk = rows_table.c.line >= first
            if index + 1 < len(starts):
                in_chunk = in_chunk & (rows_table.c.line < starts[index + 1])
            source = (
                select(func.coalesce(rows_table.c.type, "company"), rows_table.c.name,
                       rows_table.c.code, rows_table.c.address, rows_table.c.email,
                       rows_table.c.phone, rows_table.c.name_key, rows_table.c.code_key,
                       rows_table.c.match_key, rows_table.c.search_text, when, when,
                       literal(job.created_by_id, clients.c.created_by_id.type),
                       literal(1, clients.c.version.type))
                .where(*is_new, in_chunk)
                .order_by(rows_table.c.line))
            result = conn.execute(
                insert(clients).from_select(columns, source).returning(clients.c.id))
            ids = result.scalars().all()
            index_chunk(ids)
            created.extend(ids)
            tracker.add(len(ids))
            _after_chunk(job.id, tracker.done)
    return created


# SQLite's client search index (migrations 0001) is kept by a trigger per inserted row.
# For a large import, filling it with one INSERT ... SELECT per chunk is faster; the
# triggers are dropped and created again inside the import's transaction (DDL is
# transactional in SQLite, and the import holds the write lock), so a failed or killed run
# rolls back to the triggers as they were, and no other writer ever sees them missing.
SEARCH_INDEX_TRIGGERS = ("clients_fts_insert", "clients_fts_update", "clients_fts_delete")
BULK_INDEX_MIN = 1000  # below this many new clients the triggers are as fast
FTS5_AUTOMERGE = 4  # FTS5's default
FTS5_HASHSIZE = 1024 * 1024  # FTS5's default: bytes of new index entries held before a flush
# FTS5 writes its pending entries out as a new segment at the end of every statement, so the
# index is filled every SEARCH_CHUNK clients rather than every CHUNK, from a buffer big
# enough to hold them: fewer, larger segments (a third less time for 100,000 clients). One
# fill of 20,000 clients takes about 0.2 s, well inside the one-second progress promise.
SEARCH_CHUNK = 20_000
BULK_HASHSIZE = 64 * 1024 * 1024


@contextmanager
def _search_index_filled_per_chunk(conn, count: int):
    if conn.dialect.name != "sqlite" or count < BULK_INDEX_MIN:
        yield lambda ids: None
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'clients' "
        "AND name IN ({})".format(", ".join("?" * len(SEARCH_INDEX_TRIGGERS))),
        SEARCH_INDEX_TRIGGERS).all()
    if not any(name == "clients_fts_insert" for name, _sql in triggers):
        yield lambda ids: None
        return
    for name, _sql in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    # No merging of the index's segments while it fills (a third of the time); the next
    # writes merge them as usual once automerge is back to what it was.
    usual = dict(conn.exec_driver_sql(
        "SELECT k, v FROM clients_fts_config WHERE k IN ('automerge', 'hashsize')").all())
    _set_search_index(conn, "automerge", 0)
    _set_search_index(conn, "hashsize", BULK_HASHSIZE)
    waiting = []

    def fill(ids):
        conn.exec_driver_sql(
            "INSERT INTO clients_fts(rowid, search_text) SELECT id, search_text FROM clients "
            "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))

    def index_chunk(ids):
        waiting.extend(ids)
        if len(waiting) >= SEARCH_CHUNK:
            fill(waiting)
            waiting.clear()

    yield index_chunk
    if waiting:
        fill(waiting)
    _set_search_index(conn, "automerge", usual.get("automerge", FTS5_AUTOMERGE))
    _set_search_index(conn, "hashsize", usual.get("hashsize", FTS5_HASHSIZE))
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)


def _set_search_index(conn, option: str, value) -> None:
    conn.exec_driver_sql("INSERT INTO clients_fts(clients_fts, rank) VALUES (?, ?)",
                         (option, value))


def to_ranges(ids) -> list:
    ranges = []
    for value in sorted(ids):
        if ranges and ranges[-1][1] == value - 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges


def from_ranges(ranges) -> list:
    return [value for first, last in ranges for value in range(first, last + 1)]


def created_ids(job: ImportJob) -> list:
    return from_ranges(json.loads(job.created_ids)) if job.created_ids else []


# --- Undo ------------------------------------------------------------------------------------
def undo_job(job: ImportJob, user_id: int | None) -> dict | None:
    """Remove the clients the run created (those that gained projects since stay), restore
    the values it changed (where nobody changed them again since). One transaction; the
    caller commits. None when the job is not (or no longer) undoable."""
    claimed = db.session.execute(
        update(jobs).where(jobs.c.id == job.id, jobs.c.state == "done")
        .values(state="undone", undone_at=utcnow(), undone_by_id=user_id)).rowcount
    if not claimed:
        return None
    report = {"removed": 0, "kept": [], "restored": 0, "changed": [], "gone": 0}
    ids = created_ids(job)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        with_projects = set(db.session.scalars(
            select(Project.client_id).where(Project.client_id.in_(batch)).distinct()))
        removable = [client_id for client_id in batch if client_id not in with_projects]
        blocked = _delete_clients(removable)
        report["removed"] += len(removable) - len(blocked)
        kept = sorted(with_projects | set(blocked))
        if kept:
            report["kept"].extend(
                {"id": c.id, "name": c.name} for c in db.session.execute(
                    select(Client.id, Client.name).where(Client.id.in_(kept)).order_by(Client.id)))
    _restore_updated(job, report)
    db.session.execute(update(jobs).where(jobs.c.id == job.id)
                       .values(undo_report=json.dumps(report, ensure_ascii=False)))
    return report


def _delete_clients(client_ids: list) -> list:
    """Delete these clients; those another record still needs (the database refuses) are
    returned instead of deleted."""
    if not client_ids:
        return []
    try:
        with db.session.begin_nested():
            db.session.execute(delete(clients).where(clients.c.id.in_(client_ids)))
        return []
    except IntegrityError:
        blocked = []
        for client_id in client_ids:
            try:
                with db.session.begin_nested():
                    db.session.execute(delete(clients).where(clients.c.id == client_id))
            except IntegrityError:
                blocked.append(client_id)
        return blocked


def _restore_updated(job: ImportJob, report: dict) -> None:
    stored = db.session.execute(
        select(rows_table.c.line, rows_table.c.client_id, rows_table.c.before,
               *(rows_table.c[f] for f in FIELDS))
        .where(rows_table.c.job_id == job.id, rows_table.c.before.is_not(None))
        .order_by(rows_table.c.line)).all()
    now = utcnow()
    for start in range(0, len(stored), BATCH):
        batch = stored[start:start + BATCH]
        current = {c.id: c for c in db.session.execute(
            select(clients).where(clients.c.id.in_([r.client_id for r in batch])))}
        for row in batch:
            client = current.get(row.client_id)
            if client is None:
                report["gone"] += 1
                continue
            values = {name: getattr(client, name) for name in FIELDS}
            before = json.loads(row.before)
            touched = False
            for name, old in before.items():
                # Only what still holds the imported value: a later edit by someone wins.
                if values[name] == row._mapping[name]:
                    values[name] = old
                    touched = True
                else:
                    if not any(c["id"] == client.id for c in report["changed"]):
                        report["changed"].append({"id": client.id, "name": client.name})
            if not touched:
                continue
            keys = client_keys(values["name"], values["code"], values["address"],
                               values["email"])
            db.session.execute(
                update(clients).where(clients.c.id == client.id)
                .values(**values, name_key=keys[0], code_key=keys[1], match_key=keys[2],
                        search_text=keys[3], version=clients.c.version + 1, updated_at=now))
            report["restored"] += 1
