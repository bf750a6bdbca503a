"""Running an import outside the request, all or nothing, without blocking other writers.

The run writes in slices, each its own short transaction ending with the job's progress and
heartbeat (jobs.beat): on SQLite a slice is the only moment the import holds the database's
write lock, so a person saving a client meanwhile waits a fraction of a second, never the
whole import. All or nothing still holds, by taking back: every client the run creates
records its job (clients.import_job_id) and every client it changes keeps its values before
(import_rows.before), so a run that fails, or whose worker dies, is taken back
(take_back(): its clients removed, the values it changed restored) before the job reads
failed or interrupted, and before it runs again.

run_job() is the entry point for every import target (the tests call it); the routes start
it with jobs.start(). Run is what every target's writer shares (a slice's transaction, its
beat); ClientRun writes clients, staff.importing.StaffRun staff members.
"""
import logging
import time
from contextlib import contextmanager

from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..activity import EventKind, record_with
from ..clients.models import Client, client_keys, code_key
from ..db import search
from ..db.search import SEARCHABLE
from ..db.time import utcnow
from ..extensions import db
from ..projects.services import refresh_project_search
from . import targets
from .models import ImportFile, ImportJob, ImportRow, ImportState, RowStatus
from .reading import CONTACT_FIELDS, FIELDS

log = logging.getLogger("clientapp.imports")

# Rows per transaction at most; fewer when a slice takes longer than SLICE_SECONDS (a busy
# machine), down to MIN_SLICE: the write lock is what other people's saves wait for.
UPDATE_SLICE = 5_000
CREATE_SLICE = 20_000
MIN_SLICE = 500
SLICE_SECONDS = 0.3
BATCH = 500  # clients read or changed per statement
IMPORT_CACHE_KIB = -32768  # SQLite page cache of a run (negative: KiB), 32 MB

jobs_table = ImportJob.__table__
rows_table = ImportRow.__table__
clients = Client.__table__
KEY_COLUMNS = ("name_key", "code_key", "match_key", "search_text")


class Conflict(jobs.JobFailure):
    """The database changed since the check in a way the import cannot go through with."""


def _after_slice(job_id: int, done: int) -> None:
    """A seam for the tests that fail or kill an import halfway; does nothing."""


def run_job(job_id: int) -> str:
    """Run a queued job to its end; returns the state it ended in."""
    claimed = jobs.claim(ImportJob, job_id)
    if claimed is None:
        job = db.session.get(ImportJob, job_id)
        return job.state if job is not None else "gone"
    token, job = claimed
    target = targets.of(job)
    run = target.writer()(job, token)
    try:
        take_back(job_id)  # what an earlier attempt left behind, if anything
        outcome = run.write_all()
        with run.transaction() as conn:
            jobs.finish(conn, ImportJob, job_id, token, **outcome)
            # Another target's event names it: an event without one is a client import's.
            kind = {} if target.name == "clients" else {"target": target.name}
            record_with(conn, EventKind.IMPORT_DONE, actor_id=job.created_by_id, job=job_id,
                        file=job.filename, created=outcome["created_count"],
                        updated=outcome["updated_count"], **kind)
            # The file is no longer needed once its rows are in.
            conn.execute(delete(ImportFile.__table__).where(
                ImportFile.__table__.c.job_id == job_id))
        return ImportState.DONE
    except jobs.Lost:
        # Recovered as dead while it ran: the recovery takes back what it committed.
        log.warning("Import job %s was marked interrupted while running", job_id)
        return ImportState.INTERRUPTED
    except Exception as exc:
        if isinstance(exc, jobs.JobFailure):
            failure = exc.as_failure()
        else:
            log.exception("Import job %s failed; taking back what it wrote", job_id)
            failure = {"code": "unexpected"}
        take_back(job_id)
        jobs.fail(ImportJob, job_id, token, failure)
        return ImportState.FAILED


class SliceSize:
    """How many rows the next slice takes: at most `most`, halved (or more) after a slice
    that held the lock longer than SLICE_SECONDS, grown again after quick ones."""

    def __init__(self, most: int):
        self.most = most
        self.least = min(MIN_SLICE, most)
        self.size = most

    def took(self, seconds: float) -> None:
        if seconds > SLICE_SECONDS:
            self.size = max(self.least, int(self.size * SLICE_SECONDS / seconds))
        elif seconds < SLICE_SECONDS / 2:
            self.size = min(self.most, self.size * 2)


class Run:
    """A run of a job: its slices' transactions and beats. A target's subclass writes its
    rows in write_all() and returns the job's outcome (created_count, updated_count,
    unchanged_count, done_rows)."""

    def __init__(self, job, token: str):
        self.job, self.token = job, token
        self.done = 0

    @contextmanager
    def transaction(self):
        """One slice: a transaction of its own, with SQLite's write lock taken at once (so
        nothing read in the slice goes stale before its writes) and a page cache big enough
        for the clients' indexes, for this connection only while the slice runs."""
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                usual = conn.exec_driver_sql("PRAGMA cache_size").scalar()
                conn.exec_driver_sql(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
                conn.commit()  # (the pragma autobegan SQLAlchemy's transaction)
            try:
                with conn.begin():
                    if sqlite:
                        conn.execute(update(jobs_table).where(jobs_table.c.id == self.job.id)
                                     .values(heartbeat_at=utcnow()))
                    yield conn
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA cache_size={int(usual)}")

    def slice_done(self, conn, rows: int) -> None:
        self.done += rows
        jobs.beat(conn, ImportJob, self.job.id, self.token, self.done)

    def after_slice(self) -> None:
        _after_slice(self.job.id, self.done)

    def write_all(self) -> dict:
        raise NotImplementedError


class ClientRun(Run):
    def write_all(self) -> dict:
        self.preflight()
        fields = tuple(name for name in (*FIELDS, *CONTACT_FIELDS) if name in self.job.mapping)
        updated, unchanged = self.update_matched(fields)
        created = self.create_new()
        return {"created_count": created, "updated_count": updated,
                "unchanged_count": unchanged, "done_rows": self.done}

    def preflight(self) -> None:
        job = self.job
        with db.engine.connect() as conn:
            taken = conn.execute(
                select(rows_table.c.line, rows_table.c.code, clients.c.name)
                .join(clients, clients.c.code_key == rows_table.c.code_key)
                .where(rows_table.c.job_id == job.id, rows_table.c.status == RowStatus.NEW)
                .order_by(rows_table.c.line).limit(5)).all()
            if taken:
                raise Conflict("code_taken", lines=[r.line for r in taken], value=taken[0].code,
                               name=taken[0].name)
            gone = conn.execute(
                select(rows_table.c.line)
                .outerjoin(clients, clients.c.id == rows_table.c.client_id)
                .where(rows_table.c.job_id == job.id,
                       rows_table.c.status.in_((RowStatus.UPDATE, RowStatus.SAME)),
                       clients.c.id.is_(None))
                .order_by(rows_table.c.line).limit(5)).scalars().all()
        if gone:
            raise Conflict("client_gone", lines=list(gone))

    # --- Clients matched by code -------------------------------------------------------------
    def update_matched(self, fields: tuple) -> tuple[int, int]:
        """Update the clients matched by code, keeping each one's values before."""
        job = self.job
        with db.engine.connect() as conn:
            stored = conn.execute(
                select(rows_table.c.line, rows_table.c.client_id,
                       *(rows_table.c[f] for f in fields))
                .where(rows_table.c.job_id == job.id,
                       rows_table.c.status.in_((RowStatus.UPDATE, RowStatus.SAME)))
                .order_by(rows_table.c.line)).all()
        updated = unchanged = 0
        size = SliceSize(UPDATE_SLICE)
        start = 0
        while start < len(stored):
            piece = stored[start:start + size.size]
            began = time.perf_counter()
            with self.transaction() as conn:
                for first in range(0, len(piece), BATCH):
                    done = self._update_batch(conn, piece[first:first + BATCH], fields)
                    updated += done
                    unchanged += len(piece[first:first + BATCH]) - done
                self.slice_done(conn, len(piece))
            size.took(time.perf_counter() - began)
            start += len(piece)
            _after_slice(job.id, self.done)
        return updated, unchanged

    def _update_batch(self, conn, batch, fields: tuple) -> int:
        query = select(clients).where(clients.c.id.in_([r.client_id for r in batch]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        current = {c.id: c for c in conn.execute(query)}
        changes, befores = [], []
        now = utcnow()
        contact_fields = [name for name in fields if name in CONTACT_FIELDS]
        words = _write_contacts(conn, batch, contact_fields, self.job.keep_empty, now) \
            if contact_fields else {}
        for row in batch:
            client = current.get(row.client_id)
            if client is None:
                raise Conflict("client_gone", lines=[row.line])
            new_values = {name: getattr(client, name) for name in FIELDS}
            before = {}
            for name in fields:
                if name in CONTACT_FIELDS:
                    continue
                value = row._mapping[name]
                if value is None and (self.job.keep_empty or name == "type"):
                    continue  # as the check said: an empty cell keeps the value
                if name == "code" and code_key(value) == code_key(new_values[name]):
                    continue
                if value != new_values[name]:
                    before[name] = new_values[name]
                    new_values[name] = value
            contact_words = words.get(client.id, client.contact_words)
            if not before:
                befores.append({"b_line": row.line, "b_before": None,
                                "b_status": RowStatus.UPDATE if client.id in words
                                else RowStatus.SAME})
                continue
            keys = dict(zip(KEY_COLUMNS, client_keys(new_values["name"], new_values["code"],
                                                     new_values["address"],
                                                     new_values["email"],
                                                     contact_words)))
            changes.append({"b_id": client.id, "b_version": client.version, "b_now": now,
                            **{"b_" + name: value for name, value in new_values.items()},
                            **{"b_" + name: value for name, value in keys.items()}})
            befores.append({"b_line": row.line, "b_status": RowStatus.UPDATE,
                            "b_before": before})
        if changes:
            statement = (
                update(clients)
                .where(clients.c.id == bindparam("b_id"),
                       clients.c.version == bindparam("b_version"))
                .values({**{name: bindparam("b_" + name) for name in (*FIELDS, *KEY_COLUMNS)},
                         "version": clients.c.version + 1, "updated_at": bindparam("b_now")}))
            result = conn.execute(statement, changes)
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(changes):
                raise Conflict("changed_meanwhile")
            # A renamed client's projects are found by its new name.
            refresh_project_search(conn, {c["b_id"]: c["b_name"] for c in changes
                                          if c["b_name"] != current[c["b_id"]].name})
        _set_contact_words(conn, {client_id: (current[client_id], text)
                                  for client_id, text in words.items()})
        conn.execute(
            update(rows_table)
            .where(rows_table.c.job_id == self.job.id,
                   rows_table.c.line == bindparam("b_line"))
            .values(before=bindparam("b_before", type_=rows_table.c.before.type),
                    status=bindparam("b_status")), befores)
        return len(changes) + len(set(words) - {c["b_id"] for c in changes})

    # --- New clients ----------------------------------------------------------------------
    def create_new(self) -> int:
        job = self.job
        statuses = [RowStatus.NEW] + ([RowStatus.DUPLICATE] if job.create_duplicates else [])
        is_new = (rows_table.c.job_id == job.id, rows_table.c.status.in_(statuses))
        now = utcnow()
        when = literal(now, clients.c.created_at.type)
        columns = ("type", "name", "code", "address", "email", "phone", *KEY_COLUMNS,
                   "created_at", "updated_at", "created_by_id", "import_job_id", "version")
        created = 0
        size = SliceSize(CREATE_SLICE)
        after = 0  # the last line written
        while True:
            with db.engine.connect() as conn:
                # The slice's last line, counted by the database (the primary key's order)
                # rather than by reading every line.
                last = conn.execute(select(rows_table.c.line)
                                    .where(*is_new, rows_table.c.line > after)
                                    .order_by(rows_table.c.line)
                                    .limit(1).offset(size.size - 1)).scalar()
            in_slice = rows_table.c.line > after
            if last is not None:
                in_slice = in_slice & (rows_table.c.line <= last)
            source = (
                select(func.coalesce(rows_table.c.type, "company"), rows_table.c.name,
                       rows_table.c.code, rows_table.c.address, rows_table.c.email,
                       rows_table.c.phone, *(rows_table.c[key] for key in KEY_COLUMNS),
                       when, when, literal(job.created_by_id, clients.c.created_by_id.type),
                       literal(job.id, clients.c.import_job_id.type),
                       literal(1, clients.c.version.type))
                .where(*is_new, in_slice)
                .order_by(rows_table.c.line))
            began = time.perf_counter()
            try:
                with self.transaction() as conn:
                    with _search_index_filled_in_bulk(conn) as index:
                        ids = conn.execute(insert(clients).from_select(columns, source)
                                           .returning(clients.c.id)).scalars().all()
                        index(ids)
                    if ids and any(name in job.mapping for name in CONTACT_FIELDS):
                        _add_new_contacts(conn, sorted(ids), source, now)
                    if ids:
                        self.slice_done(conn, len(ids))
            except IntegrityError:
                # A code taken by someone between the check (or preflight) and this slice.
                raise Conflict("code_taken_meanwhile") from None
            size.took(time.perf_counter() - began)
            created += len(ids)
            if ids:
                _after_slice(job.id, self.done)
            if last is None:
                return created
            after = last


# --- Contacts: the file's contact columns are the client's primary contact. ---------------------
def _contact_values(row) -> dict | None:
    from .clients_target import contact_values

    return contact_values({name: row._mapping.get(name) for name in CONTACT_FIELDS})


def _add_new_contacts(conn, ids: list, source, when) -> None:
    """The primary contacts of the clients a slice created. The slice's INSERT ... SELECT
    took its rows in line order and ids only grow, so the n-th id is the n-th row's client.
    Their created_at is their client's: a contact the import made does not tie the client
    to more than its import (undo.add_tie)."""
    from ..contacts.models import Contact

    lines = source.with_only_columns(*(rows_table.c[name] for name in CONTACT_FIELDS))
    rows = conn.execute(lines).all()
    if len(rows) != len(ids):
        raise Conflict("changed_meanwhile")
    records, words = [], {}
    for client_id, row in zip(ids, rows):
        values = _contact_values(row)
        if values is None:
            continue
        records.append({"client_id": client_id, "is_primary": True, "created_at": when,
                        "updated_at": when, "version": 1, "job_title": None, "mobile": None,
                        "notes": None, **values})
        words[client_id] = search.search_text(row.contact_name, row.contact_email)
    if records:
        conn.execute(insert(Contact.__table__), records)
        conn.execute(update(clients).where(clients.c.id == bindparam("b_id"))
                     .values(contact_words=bindparam("b_words")),
                     [{"b_id": i, "b_words": w} for i, w in words.items()])


def _write_contacts(conn, batch, fields, keep_empty: bool, now) -> dict:
    """Create or update the primary contact of each matched client from its row (an empty
    cell keeps the contact's value when `keep_empty`); returns {client_id: contact words}
    of the clients whose contacts changed."""
    from ..contacts.models import Contact

    contacts = Contact.__table__
    ids = [row.client_id for row in batch]
    primary = {c.client_id: c for c in conn.execute(
        select(contacts).where(contacts.c.client_id.in_(ids), contacts.c.is_primary))}
    changed = set()
    for row in batch:
        values = _contact_values(row)
        if values is None:
            continue
        current = primary.get(row.client_id)
        if current is None:
            conn.execute(insert(contacts).values(
                client_id=row.client_id, is_primary=True, created_at=now, updated_at=now,
                version=1, **values))
            changed.add(row.client_id)
            continue
        given = {name: row._mapping[name] for name in fields}
        new = {}
        if "contact_name" in given and (given["contact_name"] or not keep_empty):
            name = " ".join(p for p in (current.first_name, current.last_name) if p)
            if given["contact_name"] != (name or None):
                new.update(first_name=values["first_name"], last_name=values["last_name"])
        for column, name in (("email", "contact_email"), ("phone", "contact_phone")):
            if name in given and (given[name] or not keep_empty) \
                    and given[name] != current._mapping[column]:
                new[column] = given[name]
        if new:
            conn.execute(update(contacts).where(contacts.c.id == current.id)
                         .values(**new, updated_at=now, version=contacts.c.version + 1))
            changed.add(row.client_id)
    words = {}
    if changed:
        for client_id, first, last, email in conn.execute(
                select(contacts.c.client_id, contacts.c.first_name, contacts.c.last_name,
                       contacts.c.email).where(contacts.c.client_id.in_(changed))
                .order_by(contacts.c.id)):
            words.setdefault(client_id, []).extend((first, last, email))
    return {client_id: search.search_text(*values) for client_id, values in words.items()}


def _set_contact_words(conn, changed: dict) -> None:
    """contact_words and search_text of clients whose contacts changed ({id: (row, words)};
    the row as read before the update: its client fields are rewritten from the same
    values the update used, so read them again)."""
    if not changed:
        return
    for client in conn.execute(select(clients).where(clients.c.id.in_(list(changed)))):
        words = changed[client.id][1]
        keys = client_keys(client.name, client.code, client.address, client.email, words)
        conn.execute(update(clients).where(clients.c.id == client.id)
                     .values(contact_words=words, search_text=keys[3]))


# SQLite's client search index is kept by a trigger per inserted row. For a slice of many
# new clients, filling it with one INSERT ... SELECT is faster: the triggers are dropped and
# created again inside the slice's transaction (DDL is transactional in SQLite, and the slice
# holds the write lock), so no other writer ever sees them missing, and a failed slice rolls
# back to the triggers as they were.
BULK_INDEX_MIN = 1000  # below this many new clients the triggers are as fast
FTS5_AUTOMERGE = 4  # FTS5's default
FTS5_HASHSIZE = 1024 * 1024  # FTS5's default: bytes of new index entries held before a flush
BULK_HASHSIZE = 64 * 1024 * 1024  # a slice's whole index in one segment


@contextmanager
def _search_index_filled_in_bulk(conn):
    """Yields index(ids): called with the ids just inserted, it fills their index entries
    when the triggers were off for them, and does nothing when they were on."""
    index = SEARCHABLE[clients.name]
    if conn.dialect.name != "sqlite":
        yield lambda ids: None
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
        "AND name IN (?, ?, ?)", (clients.name, *index.triggers)).all()
    if not triggers:
        yield lambda ids: None
        return
    for name, _sql in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    fts = index.fts
    usual = dict(conn.exec_driver_sql(
        f"SELECT k, v FROM {fts}_config WHERE k IN ('automerge', 'hashsize')").all())
    # No merging of the index's segments while it fills; the next writes merge them.
    _set_search_index(conn, fts, "automerge", 0)
    _set_search_index(conn, fts, "hashsize", BULK_HASHSIZE)

    def fill(ids):
        # The slice holds the write lock and ids only grow (AUTOINCREMENT): the range
        # between its first and last new id is exactly its clients.
        if ids:
            conn.exec_driver_sql(
                f"INSERT INTO {fts}(rowid, {index.column}) SELECT id, {index.column} "
                "FROM clients WHERE id BETWEEN ? AND ?", (min(ids), max(ids)))
    yield fill
    _set_search_index(conn, fts, "automerge", usual.get("automerge", FTS5_AUTOMERGE))
    _set_search_index(conn, fts, "hashsize", usual.get("hashsize", FTS5_HASHSIZE))
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)


def _set_search_index(conn, fts: str, option: str, value) -> None:
    conn.exec_driver_sql(f"INSERT INTO {fts}({fts}, rank) VALUES (?, ?)", (option, value))


# --- Taking back ------------------------------------------------------------------------------
def take_back(job_id: int) -> None:
    """Undo what a run of this job committed, whatever became of its clients since: those it
    created go (a client with projects stays: the database refuses), the values it changed
    come back where nobody changed them again. Slice by slice, like the run."""
    from .undo import delete_created, restore_updated

    while delete_created(job_id, limit=CREATE_SLICE, everything=True):
        db.session.commit()
    restore_updated(job_id, {"restored": 0, "changed": [], "gone": 0}, forget=True)
    db.session.commit()


jobs.register(ImportJob, run_job, take_back)
