"""The life of a job row: queue, claim, beat, finish or fail, and recovery of dead workers.

Every change of state is a conditional UPDATE, so that two workers, two clicks or a worker
and a recovery never both win. The work itself commits in slices, each ending with beat(),
which moves the job's progress and heartbeat in the same transaction and raises Lost when
the job is no longer this worker's (recovered as dead meanwhile): the slice then rolls back.
"""
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import select, update

from ..db.time import utcnow
from ..extensions import db
from .models import ACTIVE_STATES, JobState

log = logging.getLogger("clientapp.jobs")

STALE_SECONDS = 30


class Lost(Exception):
    """The job is no longer this worker's: it was recovered as dead while it ran."""


class JobFailure(Exception):
    """A failure the user can act on: `code` and `detail` are shown in their language."""

    def __init__(self, code: str, **detail):
        super().__init__(code)
        self.code = code
        self.detail = detail

    def as_failure(self) -> dict:
        return {"code": self.code, **self.detail}


@dataclass(frozen=True)
class Kind:
    model: type
    run: Callable[[int], str]  # run(job_id) -> the state it ended in; in an app context
    # Takes back what a dead or failed worker committed (called after the job is taken
    # from it), so that a job's work is all or nothing; None when it commits once.
    take_back: Callable[[int], None] | None = None


KINDS: dict[str, Kind] = {}


def register(model, run, take_back=None) -> None:
    KINDS[model.__tablename__] = Kind(model, run, take_back)


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config.get("CLIENTAPP_JOB_STALE_SECONDS",
                                                    STALE_SECONDS))


def is_stale(job) -> bool:
    """Whether `job` looks abandoned: active, with no sign of life for stale_after().
    A read only, for pages: recover_stale() is what acts on it."""
    return (job.state in ACTIVE_STATES and job.heartbeat_at is not None
            and job.heartbeat_at < utcnow() - stale_after())


# --- Queue and start (from a request: the route commits, then starts) -----------------------
def queue(model, job_id: int, from_states, *conditions) -> bool:
    """Move the job to queued if it is in one of `from_states` (and meets `conditions`):
    of two clicks on "Start", one wins. The caller commits, then calls start()."""
    table = model.__table__
    now = utcnow()
    result = db.session.execute(
        update(table)
        .where(table.c.id == job_id, table.c.state.in_(list(from_states)), *conditions)
        .values(state=JobState.QUEUED, queued_at=now, heartbeat_at=now, done_rows=0,
                failure=None, worker=None, started_at=None, finished_at=None))
    return result.rowcount == 1


def start(app, model, job_id: int) -> None:
    """Run a queued job in a thread of this process."""
    kind = KINDS[model.__tablename__]
    thread = threading.Thread(target=run_in_app, args=(app, kind.run, job_id), daemon=True,
                              name=f"{model.__tablename__}-{job_id}")
    thread.start()


def run_in_app(app, run, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


# --- In the worker ---------------------------------------------------------------------------
def claim(model, job_id: int):
    """Take a queued job for this worker: (token, the job's row), or None when it is not
    queued (someone else claimed it, or it ended)."""
    table = model.__table__
    token = secrets.token_hex(8)
    now = utcnow()
    with db.engine.begin() as conn:
        claimed = conn.execute(
            update(table).where(table.c.id == job_id, table.c.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, worker=token, started_at=now, heartbeat_at=now,
                    done_rows=0)).rowcount
        row = conn.execute(select(table).where(table.c.id == job_id)).one_or_none()
    return (token, row) if claimed and row is not None else None


def _mine(table, job_id: int, token: str):
    return (table.c.id == job_id, table.c.worker == token, table.c.state == JobState.RUNNING)


def beat(conn, model, job_id: int, token: str, done: int) -> None:
    """Progress and heartbeat, in the transaction of the slice just written (call it last in
    the slice): Lost when the job was recovered meanwhile, so the slice rolls back."""
    table = model.__table__
    moved = conn.execute(update(table).where(*_mine(table, job_id, token))
                         .values(done_rows=done, heartbeat_at=utcnow())).rowcount
    if not moved:
        raise Lost()


def finish(conn, model, job_id: int, token: str, **values) -> None:
    """Mark the job done in the transaction of its last writes (Lost: rolled back)."""
    table = model.__table__
    now = utcnow()
    moved = conn.execute(update(table).where(*_mine(table, job_id, token))
                         .values(state=JobState.DONE, finished_at=now, heartbeat_at=now,
                                 **values)).rowcount
    if not moved:
        raise Lost()


def fail(model, job_id: int, token: str, failure: dict) -> None:
    table = model.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(*_mine(table, job_id, token))
                     .values(state=JobState.FAILED, finished_at=utcnow(), done_rows=0,
                             failure=failure))


# --- Recovery (at start-up, `clientapp recover-jobs`, or before running a job again) ----------
def recover_stale(model=None, job_id: int | None = None) -> int:
    """Mark interrupted the active jobs whose worker stopped beating, then take back what
    they committed; returns how many. Every kind, or one `model`, or one job of it.

    The job is taken from its worker first (a conditional UPDATE on the stale heartbeat):
    a worker that was only slow then finds it Lost at its next beat and rolls back."""
    kinds = [KINDS[model.__tablename__]] if model is not None else list(KINDS.values())
    cutoff = utcnow() - stale_after()
    recovered = 0
    for kind in kinds:
        table = kind.model.__table__
        where = [table.c.state.in_(list(ACTIVE_STATES)), table.c.heartbeat_at < cutoff]
        if job_id is not None:
            where.append(table.c.id == job_id)
        stale = db.session.scalars(select(table.c.id).where(*where)).all()
        for stale_id in stale:
            taken = db.session.execute(
                update(table).where(table.c.id == stale_id, *where)
                .values(state=JobState.INTERRUPTED, finished_at=utcnow(), worker=None)
            ).rowcount
            db.session.commit()
            if not taken:
                continue
            log.warning("Job %s %s lost its worker; marked interrupted", table.name, stale_id)
            if kind.take_back is not None:
                kind.take_back(stale_id)
            recovered += 1
    return recovered
