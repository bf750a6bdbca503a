"""Undoing an import: the clients it created go, the values it changed come back.

Only what the import did is undone. Its clients are found by the job they record
(clients.import_job_id), never by id ranges. A client someone worked on since (edited, or
given contacts, interactions...) is kept unless the user asks to remove it too; one with
projects is always kept (its projects need it). A changed value comes back only where it
still holds what the import wrote: a later edit by someone wins, and is listed.
"""
from sqlalchemy import JSON, and_, delete, exists, func, insert, literal, not_, or_, select, update

from ..activity import Event, EventKind, record
from ..clients.models import Client, client_keys
from ..db.time import utcnow
from ..extensions import db
from ..projects.models import Project
from ..projects.services import refresh_project_search
from .models import ImportJob, ImportRow, ImportState, RowStatus
from .reading import FIELDS

BATCH = 500
LISTED = 20  # names shown in the undo dialog and report

clients = Client.__table__
rows_table = ImportRow.__table__
jobs_table = ImportJob.__table__

# What ties a client to more than its row, each an EXISTS on clients.c.id: features add
# theirs (contacts, interactions) with add_tie(). A tied client created by an import is kept
# by its undo unless the user chooses to remove it too.
TIES = []


def add_tie(condition_factory) -> None:
    TIES.append(condition_factory)


def _has_projects():
    return exists().where(Project.__table__.c.client_id == clients.c.id)


def _touched():
    """Edited since it was created (any save moves the version), or tied to more."""
    return or_(clients.c.version > 1, *(factory() for factory in TIES))


def _created_by(job_id: int):
    return clients.c.import_job_id == job_id


def _listed(condition) -> dict:
    names = db.session.execute(select(clients.c.id, clients.c.name).where(condition)
                               .order_by(clients.c.id).limit(LISTED)).all()
    total = db.session.scalar(select(func.count()).select_from(clients).where(condition))
    return {"count": total, "names": [{"id": i, "name": n} for i, n in names]}


def undo_plan(job: ImportJob) -> dict:
    """What undoing `job` would do, for its dialog: the clients it would remove, and those it
    would keep (with projects; touched since: kept unless the user asks)."""
    created = _created_by(job.id)
    return {
        "created": db.session.scalar(select(func.count()).select_from(clients).where(created)),
        "with_projects": _listed(and_(created, _has_projects())),
        "touched": _listed(and_(created, not_(_has_projects()), _touched())),
        "updated": job.updated_count,
    }


def delete_created(job_id: int, limit: int, everything: bool = False) -> int:
    """Delete up to `limit` clients that job created and that can go (never those with
    projects; those touched since only with `everything`); returns how many."""
    condition = and_(_created_by(job_id), not_(_has_projects()))
    if not everything:
        condition = and_(condition, not_(_touched()))
    doomed = select(clients.c.id).where(condition).limit(limit).scalar_subquery()
    return db.session.execute(delete(clients).where(clients.c.id.in_(doomed))).rowcount


def restore_updated(job_id: int, report: dict, forget: bool = False) -> None:
    """Give the clients the job changed their values back, field by field where they still
    hold what the import wrote; list in report["changed"] those someone changed since.
    With `forget` the kept values are cleared, so a second call restores nothing twice."""
    stored = db.session.execute(
        select(rows_table.c.line, rows_table.c.client_id, rows_table.c.before,
               *(rows_table.c[f] for f in FIELDS))
        .where(rows_table.c.job_id == job_id, rows_table.c.before.is_not(None))
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
            touched = False
            for name, old in row.before.items():
                if values[name] == row._mapping[name]:
                    values[name] = old
                    touched = True
                elif not any(c["id"] == client.id for c in report["changed"]):
                    report["changed"].append({"id": client.id, "name": client.name})
            if not touched:
                continue
            keys = client_keys(values["name"], values["code"], values["address"],
                               values["email"], client.contact_words)
            db.session.execute(
                update(clients).where(clients.c.id == client.id)
                .values(**values, name_key=keys[0], code_key=keys[1], match_key=keys[2],
                        search_text=keys[3], version=clients.c.version + 1, updated_at=now))
            if values["name"] != client.name:
                refresh_project_search(db.session, {client.id: values["name"]})
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
    record(EventKind.IMPORT_UNDONE, None, actor_id=user_id, job=job.id, file=job.filename,
           removed=report["removed"], restored=report["restored"])
    _record_on_each_client(job, user_id)
    return report


def _record_on_each_client(job: ImportJob, user_id: int | None) -> None:
    """import.undone on the timeline of every client the import made or changed that is
    still there (kept, or given its values back), in one INSERT ... SELECT."""
    events = Event.__table__
    updated = select(rows_table.c.client_id).where(rows_table.c.job_id == job.id,
                                                   rows_table.c.status == RowStatus.UPDATE)
    source = select(literal(utcnow(), events.c.at.type), literal(EventKind.IMPORT_UNDONE.value),
                    literal(user_id, events.c.actor_id.type), clients.c.id,
                    literal({"job": job.id, "file": job.filename}, JSON)).where(
        or_(clients.c.import_job_id == job.id, clients.c.id.in_(updated)))
    db.session.execute(insert(events).from_select(
        ("at", "kind", "actor_id", "client_id", "data"), source))
