"""Undoing an import: the records it created go, the values it changed come back.

Only what the import did is undone, whatever its target (clients, staff members). Its
records are found by the job they record (import_job_id), never by id ranges. A record
someone worked on since (edited, or, for a client, given contacts, interactions...) is kept
unless the user asks to remove it too; one the target must keep (a client with projects, a
staff member who works projects) is always kept. A changed value comes back only where it
still holds what the import wrote: a later edit by someone wins, and is listed.
"""
from sqlalchemy import JSON, and_, delete, func, insert, literal, not_, or_, select, update

from ..activity import Event, EventKind, record
from ..db.time import utcnow
from ..extensions import db
from . import targets
from .models import ImportJob, ImportRow, ImportState, RowStatus

BATCH = 500
LISTED = 20  # names shown in the undo dialog and report

rows_table = ImportRow.__table__
jobs_table = ImportJob.__table__


def add_tie(condition_factory) -> None:
    """A feature's tie of a client to more than its row: an EXISTS on clients.id. A tied
    client created by an import is kept by its undo unless the user chooses to remove it."""
    from .clients_target import TIES

    TIES.append(condition_factory)


def _target_of(job_id: int):
    return targets.get(db.session.scalar(select(jobs_table.c.target)
                                         .where(jobs_table.c.id == job_id)))


def _listed(records, condition) -> dict:
    names = db.session.execute(select(records.c.id, records.c.name).where(condition)
                               .order_by(records.c.id).limit(LISTED)).all()
    total = db.session.scalar(select(func.count()).select_from(records).where(condition))
    return {"count": total, "names": [{"id": i, "name": n} for i, n in names]}


def undo_plan(job: ImportJob) -> dict:
    """What undoing `job` would do, for its dialog: the records it would remove, and those it
    would keep (the target keeps them: with projects; touched since: kept unless the user
    asks)."""
    target = targets.of(job)
    records = target.model.__table__
    created = records.c.import_job_id == job.id
    return {
        "created": db.session.scalar(select(func.count()).select_from(records).where(created)),
        "with_projects": _listed(records, and_(created, target.kept())),
        "touched": _listed(records, and_(created, not_(target.kept()), target.touched())),
        "updated": job.updated_count,
    }


def delete_created(job_id: int, limit: int, everything: bool = False) -> int:
    """Delete up to `limit` records that job created and that can go (never those the
    target keeps; those touched since only with `everything`); returns how many."""
    target = _target_of(job_id)
    records = target.model.__table__
    condition = and_(records.c.import_job_id == job_id, not_(target.kept()))
    if not everything:
        condition = and_(condition, not_(target.touched()))
    doomed = select(records.c.id).where(condition).limit(limit).scalar_subquery()
    return db.session.execute(delete(records).where(records.c.id.in_(doomed))).rowcount


def restore_updated(job_id: int, report: dict, forget: bool = False) -> None:
    """Give the records the job changed their values back, field by field where they still
    hold what the import wrote; list in report["changed"] those someone changed since.
    With `forget` the kept values are cleared, so a second call restores nothing twice."""
    target = _target_of(job_id)
    records = target.model.__table__
    fields = target.record_fields
    stored = db.session.execute(
        select(rows_table.c.line, rows_table.c.client_id, rows_table.c.before,
               *(rows_table.c[f] for f in fields))
        .where(rows_table.c.job_id == job_id, rows_table.c.before.is_not(None))
        .order_by(rows_table.c.line)).all()
    now = utcnow()
    for start in range(0, len(stored), BATCH):
        batch = stored[start:start + BATCH]
        current = {c.id: c for c in db.session.execute(
            select(records).where(records.c.id.in_([r.client_id for r in batch])))}
        for row in batch:
            found = current.get(row.client_id)
            if found is None:
                report["gone"] += 1
                continue
            values = {name: getattr(found, name) for name in fields}
            touched = False
            for name, old in row.before.items():
                if values[name] == row._mapping[name]:
                    values[name] = old
                    touched = True
                elif not any(c["id"] == found.id for c in report["changed"]):
                    report["changed"].append({"id": found.id, "name": found.name})
            if not touched:
                continue
            db.session.execute(
                update(records).where(records.c.id == found.id)
                .values(**values, **target.record_keys(values, found),
                        version=records.c.version + 1, updated_at=now))
            if values["name"] != found.name and target.renamed is not None:
                target.renamed(db.session, {found.id: values["name"]})
            report["restored"] += 1
    if forget and stored:
        db.session.execute(update(rows_table).where(rows_table.c.job_id == job_id,
                                                    rows_table.c.before.is_not(None))
                           .values(before=None))


def undo_job(job: ImportJob, user_id: int | None, remove_touched: bool = False) -> dict | None:
    """Undo a done import (the caller commits). None when the job is not, or no longer,
    undoable: of two clicks one undoes."""
    claimed = db.session.execute(
        update(jobs_table).where(jobs_table.c.id == job.id, jobs_table.c.state == ImportState.DONE)
        .values(state=ImportState.UNDONE, undone_at=utcnow(), undone_by_id=user_id)).rowcount
    if not claimed:
        return None
    plan = undo_plan(job)
    report = {"removed": 0, "kept": plan["with_projects"]["names"],
              "kept_count": plan["with_projects"]["count"],
              "touched": [] if remove_touched else plan["touched"]["names"],
              "touched_count": 0 if remove_touched else plan["touched"]["count"],
              "restored": 0, "changed": [], "gone": 0}
    while True:
        removed = delete_created(job.id, BATCH, everything=remove_touched)
        report["removed"] += removed
        if removed < BATCH:
            break
    restore_updated(job.id, report)
    db.session.execute(update(jobs_table).where(jobs_table.c.id == job.id)
                       .values(undo_report=report))
    target = targets.of(job)
    kind = {} if target.name == "clients" else {"target": target.name}
    record(EventKind.IMPORT_UNDONE, None, actor_id=user_id, job=job.id, file=job.filename,
           removed=report["removed"], restored=report["restored"], **kind)
    if target.name == "clients":
        _record_on_each_client(job, user_id)
    return report


def _record_on_each_client(job: ImportJob, user_id: int | None) -> None:
    """import.undone on the timeline of every client the import made or changed that is
    still there (kept, or given its values back), in one INSERT ... SELECT."""
    clients = targets.get("clients").model.__table__
    events = Event.__table__
    updated = select(rows_table.c.client_id).where(rows_table.c.job_id == job.id,
                                                   rows_table.c.status == RowStatus.UPDATE)
    source = select(literal(utcnow(), events.c.at.type), literal(EventKind.IMPORT_UNDONE.value),
                    literal(user_id, events.c.actor_id.type), clients.c.id,
                    literal({"job": job.id, "file": job.filename}, JSON)).where(
        or_(clients.c.import_job_id == job.id, clients.c.id.in_(updated)))
    db.session.execute(insert(events).from_select(
        ("at", "kind", "actor_id", "client_id", "data"), source))
