"""What the pages of an import job show: the check (its figures, its issues a page at a
time, the file's columns and settings) and the run (progress, outcome, undo report)."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import jobs
from ..db.time import utcnow
from ..extensions import db
from . import targets
from .checking import TYPE_LABELS, issue_message
from .models import ImportIssue, ImportJob, ImportRow, ImportState, IssueKind, RowStatus
from .reading import DELIMITERS, ENCODINGS

PAGE_SIZE = 50


def issue_page(job: ImportJob, kind: str, page: int) -> dict:
    base = select(ImportIssue).where(ImportIssue.job_id == job.id, ImportIssue.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    issues = db.session.scalars(base.order_by(ImportIssue.line, ImportIssue.id)
                                .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    mapping = job.mapping
    headers = job.headers
    target = targets.of(job)
    labels = target.field_labels
    rows = {}
    if issues:
        rows = {row.line: row for row in db.session.scalars(select(ImportRow).where(
            ImportRow.job_id == job.id, ImportRow.line.in_({i.line for i in issues})))}
    items = []
    for issue in issues:
        row = rows.get(issue.line)
        values = {name: getattr(row, name) for name in target.fields if name in mapping} \
            if row else {}
        column_index = mapping.get(issue.field)
        column = headers[column_index] if column_index is not None and column_index < len(headers) else ""
        detail = issue.detail or {}
        items.append({
            "line": issue.line, "field": issue.field, "kind": issue.kind, "code": issue.code,
            "column": column or (labels[issue.field] if issue.field else ""),
            "field_label": labels.get(issue.field, ""),
            "value": values.get(issue.field) if issue.field else None,
            "name": values.get("name"), "client_id": row.client_id if row else None,
            "message": issue_message(issue, values, target) if kind != "change" else "",
            "old": detail.get("old"), "new": detail.get("new"), "detail": detail,
        })
    names = {}
    if kind == "change" and items:
        model = target.model
        names = dict(db.session.execute(select(model.id, model.name).where(
            model.id.in_({item["client_id"] for item in items if item["client_id"]}))).all())
    return {"kind": kind, "items": items, "total": total, "page": page, "pages": pages,
            "client_names": names}


def check_context(job: ImportJob, pages: dict | None = None,
                   settings_problem: str | None = None, focus_next: bool = False,
                   paged: bool = False, nothing_chosen: bool = False) -> dict:
    pages = pages or {}
    headers = job.headers
    mapping = job.mapping
    mapped = set(mapping.values())
    skipped = db.session.scalars(select(ImportRow.line).where(
        ImportRow.job_id == job.id, ImportRow.status == RowStatus.SKIP).order_by(ImportRow.line)
        .limit(50)).all()
    return {
        "job": job, "headers": headers, "mapping": mapping,
        "preview": job.preview,
        "unknown": [h or _("Column %(n)s", n=i + 1) for i, h in enumerate(headers)
                    if i not in mapped],
        "errors": issue_page(job, "error", pages.get("error", 1)),
        "warnings": issue_page(job, "warning", pages.get("warning", 1)),
        "changes": issue_page(job, "change", pages.get("change", 1)),
        "duplicates": issue_page(job, "duplicate", pages.get("duplicate", 1)),
        "codes_used": codes_used(job),
        "skipped": skipped, "settings_problem": settings_problem, "focus_next": focus_next,
        "paged": paged,  # a page of issues asked for by the pager: focus goes to its heading
        "fields": targets.of(job).fields, "field_labels": targets.of(job).field_labels,
        "encodings": ENCODINGS, "delimiters": DELIMITERS, "type_labels": TYPE_LABELS,
        "can_start": can_start(job), "nothing_chosen": nothing_chosen,
    }


def codes_used(job: ImportJob) -> int:
    """Rows refused in create mode because an existing record has their key (a client's
    code, a staff member's email): the page then points to the mode that updates them."""
    if job.mode != "create" or not job.error_count:
        return 0
    return db.session.scalar(select(func.count()).select_from(ImportIssue).where(
        ImportIssue.job_id == job.id, ImportIssue.kind == IssueKind.ERROR,
        ImportIssue.code == "code_used"))


def can_start(job: ImportJob) -> bool:
    """A checked job with no error and something it could write (a run that would create and
    change nothing is not offered; possible duplicates count, the user may create them)."""
    return (job.state == ImportState.CHECKED and job.problem is None and job.error_count == 0
            and job.new_count + job.update_count + job.duplicate_count > 0)


def status_context(job: ImportJob, announce: bool = False) -> dict:
    # A job whose worker stopped beating reads as interrupted (and stops the polling); it is
    # marked so by the next start-up, `clientapp recover-jobs` or "Run again", never by a GET.
    state = ImportState.INTERRUPTED if jobs.is_stale(job) else ImportState(job.state)
    created = []
    if state == ImportState.DONE:
        model = targets.of(job).model
        created = db.session.execute(select(model.id, model.name)
                                     .where(model.import_job_id == job.id)
                                     .order_by(model.id).limit(20)).all()
    return {"job": job, "state": state, "created": created, "failure": job.failure,
            "report": job.undo_report, "live": live_progress(job), "announce": announce}


def live_progress(job: ImportJob) -> dict:
    """Rows done, percent and seconds left of a job."""
    done, total = job.done_rows, job.work_rows
    if job.state in (ImportState.DONE, ImportState.UNDONE):
        percent = 100
    else:
        percent = min(100, done * 100 // total) if total else 0
    seconds_left = None
    if job.state == ImportState.RUNNING and job.started_at and done and total:
        elapsed = (utcnow() - job.started_at).total_seconds()
        seconds_left = max(0, int((total - done) / (done / max(elapsed, 0.001)) + 0.999))
    return {"done": done, "total": total, "percent": percent, "seconds_left": seconds_left}
