"""Import and export pages: upload and check, fix in place, start and watch, history, undo."""
import json
from datetime import timedelta

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, select

from ..auth.models import utcnow
from ..clients.models import Client
from ..extensions import db
from ..htmx import redirect_htmx, render
from . import checking, engine, exporting
from .checking import FIELD_LABELS, TYPE_LABELS, issue_message
from .models import ImportFile, ImportIssue, ImportJob, ImportRow, MODES
from .reading import DELIMITERS, ENCODINGS, FIELDS, FileProblem, match_headers, read_table

bp = Blueprint("imports", __name__, url_prefix="/clients")

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25
DRAFTS_KEPT = timedelta(days=7)
FINAL_STATES = ("done", "failed", "interrupted", "undone")


OPEN_TO_VIEWERS = ("imports.export_clients", "imports.export_formats")


@bp.before_request
def managers_only():
    """Viewers may export the list; importing and undoing is for managers and admins."""
    if request.endpoint not in OPEN_TO_VIEWERS:
        if not current_user.is_authenticated or not current_user.can_write:
            abort(403)
        engine.recover_stale()


def _page_arg(name: str = "page") -> int:
    try:
        return max(1, min(int(request.args.get(name, 1)), 1_000_000))
    except ValueError:
        return 1


def _mode_arg(source) -> str:
    mode = source.get("mode")
    return mode if mode in MODES else "create"


# --- The import page and the upload -------------------------------------------------------------
@bp.get("/import")
def new_import():
    return render("imports/new.html", "upload_form", problem=None, mode="create")


@bp.get("/import/template")
def download_template():
    return exporting.template_response()


@bp.get("/export")
def export_clients():
    return exporting.export_response(request.args)


@bp.get("/export/formats")
def export_formats():
    return exporting.formats_response(request.args)


def _read_and_check(job: ImportJob, data: bytes, mapping: dict | None = None) -> None:
    """Read the file with the job's settings and check every row (raises FileProblem)."""
    table = read_table(data, job.filename, encoding=job.encoding_choice,
                       delimiter=job.delimiter_choice,
                       max_rows=current_app.config["CLIENTAPP_IMPORT_MAX_ROWS"],
                       max_unpacked=current_app.config["CLIENTAPP_IMPORT_MAX_UNPACKED_BYTES"])
    found = match_headers(table.headers)
    if mapping is None:
        mapping = found
    if "name" not in mapping:
        # The mapping step: keep the file's header and first rows, check nothing yet.
        job.headers = json.dumps(table.headers, ensure_ascii=False)
        job.mapping = json.dumps(mapping)
        job.kind, job.encoding, job.delimiter = table.kind, table.encoding, table.delimiter
        preview = []
        for _line, cells in table.rows:
            preview.append([cell[:checking.PREVIEW_CELL] for cell in cells])
            if len(preview) >= checking.PREVIEW_ROWS:
                break
        job.preview = json.dumps(preview, ensure_ascii=False)
        db.session.execute(delete(ImportRow).where(ImportRow.job_id == job.id))
        db.session.execute(delete(ImportIssue).where(ImportIssue.job_id == job.id))
        job.total_rows = job.new_count = job.update_count = job.same_count = 0
        job.error_count = job.warning_count = job.skip_count = 0
        job.problem = "no_name"
        return
    checking.check_table(job, table, mapping)


@bp.post("/import")
def check_file():
    mode = _mode_arg(request.form)
    upload = request.files.get("file")
    limit = current_app.config["CLIENTAPP_IMPORT_MAX_BYTES"]
    problem = None
    data = b""
    if upload is None or not upload.filename:
        problem = _("Choose a file to import.")
    else:
        data = upload.read(limit + 1)
        if len(data) > limit:
            problem = _("The file is larger than %(limit)s MB. Split it into smaller files.",
                        limit=f"{limit / 1024 / 1024:g}")
    if problem is None:
        _forget_old_drafts()
        job = ImportJob(filename=upload.filename[-255:], mode=mode,
                        created_by_id=current_user.id, state="checked")
        db.session.add(job)
        db.session.flush()
        db.session.add(ImportFile(job_id=job.id, content=data))
        try:
            _read_and_check(job, data)
        except FileProblem as exc:
            db.session.rollback()
            problem = str(exc.message)
        else:
            db.session.commit()
            return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    return render("imports/new.html", "upload_form", status=422, problem=problem, mode=mode)


def _forget_old_drafts() -> None:
    """Checked files nobody imported are deleted after a week (their rows with them)."""
    old = utcnow() - DRAFTS_KEPT
    db.session.execute(delete(ImportJob).where(ImportJob.state == "checked",
                                               ImportJob.created_at < old))


# --- The check result -----------------------------------------------------------------------
def _issue_page(job: ImportJob, kind: str, page: int) -> dict:
    base = select(ImportIssue).where(ImportIssue.job_id == job.id, ImportIssue.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    issues = db.session.scalars(base.order_by(ImportIssue.line, ImportIssue.id)
                                .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    mapping = json.loads(job.mapping)
    headers = json.loads(job.headers)
    rows = {}
    if issues:
        rows = {row.line: row for row in db.session.scalars(select(ImportRow).where(
            ImportRow.job_id == job.id, ImportRow.line.in_({i.line for i in issues})))}
    items = []
    for issue in issues:
        row = rows.get(issue.line)
        values = {name: getattr(row, name) for name in FIELDS if name in mapping} if row else {}
        column_index = mapping.get(issue.field)
        column = headers[column_index] if column_index is not None and column_index < len(headers) else ""
        detail = json.loads(issue.detail) if issue.detail else {}
        items.append({
            "line": issue.line, "field": issue.field, "kind": issue.kind, "code": issue.code,
            "column": column or (FIELD_LABELS[issue.field] if issue.field else ""),
            "field_label": FIELD_LABELS.get(issue.field, ""),
            "value": values.get(issue.field) if issue.field else None,
            "name": values.get("name"), "client_id": row.client_id if row else None,
            "message": issue_message(issue, values) if kind != "change" else "",
            "old": detail.get("old"), "new": detail.get("new"), "detail": detail,
        })
    names = {}
    if kind == "change" and items:
        names = dict(db.session.execute(select(Client.id, Client.name).where(
            Client.id.in_({item["client_id"] for item in items if item["client_id"]}))).all())
    return {"kind": kind, "items": items, "total": total, "page": page, "pages": pages,
            "client_names": names}


def _check_context(job: ImportJob, pages: dict | None = None,
                   settings_problem: str | None = None, focus_next: bool = False,
                   paged: bool = False) -> dict:
    pages = pages or {}
    headers = json.loads(job.headers)
    mapping = json.loads(job.mapping)
    mapped = set(mapping.values())
    skipped = db.session.scalars(select(ImportRow.line).where(
        ImportRow.job_id == job.id, ImportRow.status == "skip").order_by(ImportRow.line)
        .limit(50)).all()
    return {
        "job": job, "headers": headers, "mapping": mapping,
        "preview": json.loads(job.preview),
        "unknown": [h or _("Column %(n)s", n=i + 1) for i, h in enumerate(headers)
                    if i not in mapped],
        "errors": _issue_page(job, "error", pages.get("error", 1)),
        "warnings": _issue_page(job, "warning", pages.get("warning", 1)),
        "changes": _issue_page(job, "change", pages.get("change", 1)),
        "codes_used": _codes_used(job),
        "skipped": skipped, "settings_problem": settings_problem, "focus_next": focus_next,
        "paged": paged,  # a page of issues asked for by the pager: focus goes to its heading
        "fields": FIELDS, "field_labels": FIELD_LABELS,
        "encodings": ENCODINGS, "delimiters": DELIMITERS, "type_labels": TYPE_LABELS,
        "can_start": can_start(job),
    }


def _codes_used(job: ImportJob) -> int:
    """Rows refused in create mode because an existing client has their code: the page then
    points to the mode that updates those clients instead."""
    if job.mode != "create" or not job.error_count:
        return 0
    return db.session.scalar(select(func.count()).select_from(ImportIssue).where(
        ImportIssue.job_id == job.id, ImportIssue.kind == "error",
        ImportIssue.code == "code_used"))


def can_start(job: ImportJob) -> bool:
    """A checked job with no error and something to write (a run that would create and
    change nothing is not offered)."""
    return (job.state == "checked" and job.problem is None and job.error_count == 0
            and job.new_count + job.update_count > 0)


def _status_context(job: ImportJob, announce: bool = False) -> dict:
    created = []
    if job.state == "done":
        ids = engine.created_ids(job)[:20]
        if ids:
            created = db.session.execute(select(Client.id, Client.name)
                                         .where(Client.id.in_(ids)).order_by(Client.id)).all()
    failure = json.loads(job.failure) if job.failure else None
    report = json.loads(job.undo_report) if job.undo_report else None
    return {"job": job, "created": created, "failure": failure, "report": report,
            "live": engine.live_progress(job), "announce": announce}


def _job_page(job: ImportJob, block: str | None = None, status: int = 200, pages=None,
              focus_next: bool = False, announce: bool = False, paged: bool = False):
    context = {"job": job}
    if job.state == "checked":
        context.update(_check_context(job, pages, focus_next=focus_next, paged=paged))
    else:
        context.update(_status_context(job, announce=announce))
    return render("imports/job.html", block, status=status, **context)


@bp.get("/import/<int:job_id>")
def import_job(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    pages = {kind: _page_arg(f"{kind}s_page") for kind in ("error", "warning", "change")}
    return _job_page(job, "import_job", pages=pages)


@bp.get("/import/<int:job_id>/issues/<kind>")
def job_issues(job_id: int, kind: str):
    job = db.get_or_404(ImportJob, job_id)
    if kind not in ("error", "warning", "change"):
        abort(404)
    if job.state != "checked":
        return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    return _job_page(job, f"{kind}_list", pages={kind: _page_arg()}, paged=True)


@bp.get("/import/<int:job_id>/status")
def import_job_status(job_id: int):
    job = db.session.get(ImportJob, job_id)
    if job is None:
        if request.headers.get("HX-Request") != "true":
            abort(404)
        # Gone (a draft deleted while a page polled it): 286 tells htmx to stop polling.
        return render("imports/job.html", "job_gone", status=286)
    if job.state == "checked":
        return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    # Once the job has ended, 286 stops the polling (the final fragment has no trigger either).
    final = job.state in FINAL_STATES and request.headers.get("HX-Request") == "true"
    # The poll that sees the end also says so in the page's status region.
    return _job_page(job, "import_status", status=286 if final else 200, announce=final)


def _after_change(job: ImportJob):
    """After a fix, a skip or new settings: the check block for htmx, the page otherwise."""
    db.session.commit()
    if request.headers.get("HX-Request") == "true":
        pages = {"error": request.form.get("errors_page", 1, type=int) or 1}
        # Focus moves on to the next error (or to "Start import" once there is none).
        return _job_page(job, "import_check", pages=pages, focus_next=True)
    return redirect_htmx(url_for("imports.import_job", job_id=job.id))


def _checked_job(job_id: int) -> ImportJob:
    # Locked (on PostgreSQL) so that a start cannot slip in between this check and the fix.
    job = db.session.get(ImportJob, job_id, with_for_update=True)
    if job is None:
        abort(404)
    if job.state != "checked":
        abort(409)
    return job


@bp.post("/import/<int:job_id>/fix")
def fix_cell(job_id: int):
    job = _checked_job(job_id)
    line = request.form.get("line", type=int)
    field = request.form.get("field", "")
    value = request.form.get("value", "")
    if line is None or not checking.fix_cell(job, line, field, value[:100_000]):
        abort(404)
    return _after_change(job)


@bp.post("/import/<int:job_id>/skip")
def skip_row(job_id: int):
    job = _checked_job(job_id)
    line = request.form.get("line", type=int)
    if line is None or not checking.skip_row(job, line, skip=True):
        abort(404)
    return _after_change(job)


@bp.post("/import/<int:job_id>/restore")
def restore_skipped(job_id: int):
    job = _checked_job(job_id)
    checking.restore_skipped(job)
    return _after_change(job)


@bp.post("/import/<int:job_id>/check")
def check_again(job_id: int):
    """Check again, with the settings the form sends (encoding, delimiter, columns, mode)."""
    job = db.get_or_404(ImportJob, job_id)
    if job.state not in ("checked", "failed", "interrupted"):
        abort(409)
    form = request.form
    settings_changed = False
    if "encoding" in form or "delimiter" in form:
        encoding = form.get("encoding") if form.get("encoding") in ENCODINGS else None
        delimiter = form.get("delimiter") if form.get("delimiter") in DELIMITERS else None
        if (encoding, delimiter) != (job.encoding_choice, job.delimiter_choice):
            job.encoding_choice, job.delimiter_choice = encoding, delimiter
            settings_changed = True  # other text, other header: columns matched afresh
    mapping = None
    if not settings_changed and any(f"column_{name}" in form for name in FIELDS):
        width = len(json.loads(job.headers))
        mapping = {}
        for name in FIELDS:
            index = form.get(f"column_{name}", type=int)
            if index is not None and 0 <= index < width and index not in mapping.values():
                mapping[name] = index
    reread = (settings_changed or job.problem is not None
              or (mapping is not None and mapping != json.loads(job.mapping)))
    if "mode" in form:
        job.mode = _mode_arg(form)
    job.state = "checked"
    job.failure = None
    if reread:
        stored = db.session.get(ImportFile, job.id)
        if stored is None:
            abort(409)
        try:
            _read_and_check(job, stored.content, mapping)
        except FileProblem as exc:
            db.session.rollback()
            return _settings_problem(db.get_or_404(ImportJob, job_id), exc)
    else:
        checking.recheck(job)
    return _after_change(job)


def _settings_problem(job: ImportJob, exc: FileProblem):
    """The file cannot be read with the settings chosen: say so, keep the last check."""
    if job.state != "checked":
        return render("imports/job.html", "import_job", status=422, **_status_context(job))
    context = _check_context(job, settings_problem=str(exc.message))
    return render("imports/job.html", "import_check", status=422, **context)


@bp.get("/import/<int:job_id>/errors.csv")
def download_errors(job_id: int):
    return exporting.error_rows_response(db.get_or_404(ImportJob, job_id))


# --- Running ----------------------------------------------------------------------------------
@bp.post("/import/<int:job_id>/start")
def start_import(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    if can_start(job):
        if engine.queue(job.id):
            engine.start_in_background(current_app._get_current_object(), job.id)
    # A second click (or a job already running) lands on the same page: one job, not two.
    return redirect_htmx(url_for("imports.import_job", job_id=job.id))


@bp.post("/import/<int:job_id>/run-again")
def run_again(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    if engine.queue(job.id, from_states=("failed", "interrupted")):
        engine.start_in_background(current_app._get_current_object(), job.id)
    return redirect_htmx(url_for("imports.import_job", job_id=job.id))


@bp.get("/import/<int:job_id>/undo")
def confirm_undo(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    if job.state != "done":
        return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    return render("imports/undo.html", "undo_dialog", job=job)


@bp.post("/import/<int:job_id>/undo")
def undo_import(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    engine.undo_job(job, current_user.id)
    db.session.commit()
    return redirect_htmx(url_for("imports.import_job", job_id=job.id))


# --- History --------------------------------------------------------------------------------
@bp.get("/imports")
def import_history():
    page = _page_arg()
    base = select(ImportJob)  # checked files not imported yet too, to come back to
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, -(-total // HISTORY_PAGE_SIZE))
    page = min(page, pages)
    jobs = db.session.scalars(base.order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
                              .limit(HISTORY_PAGE_SIZE)
                              .offset((page - 1) * HISTORY_PAGE_SIZE)).all()
    return render("imports/history.html", "import_history", jobs=jobs, page=page, pages=pages,
                  total=total)
