"""Import and export pages: upload and check, fix in place, start and watch, history, undo.

One journey for every import target (targets.py): its pages live under the target's own
URL (/clients/import..., /staff/import...), the first part of which names the target; a
job's pages answer 404 under another target's URL. The history (/clients/imports) lists
every job with what it imported."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, or_, select

from .. import jobs
from ..db.time import utcnow
from ..extensions import db
from ..htmx import redirect_htmx, render
from ..ids import as_id
from ..listing import Listing, Sort
from . import checking, exporting, running, targets, undo  # noqa: F401  (running registers the job)
from .models import (MODES, ImportFile, ImportIssue, ImportJob, ImportRow, ImportState,
                     IssueKind)
from .pages import can_start, check_context, status_context
from .reading import DELIMITERS, ENCODINGS, FileProblem, match_headers, read_table

bp = Blueprint("imports", __name__)
# The journey's URLs: /clients/import..., /staff/import... (the target's name first).
JOURNEY = "/<any(clients, staff):target>/import"

DRAFTS_KEPT = timedelta(days=7)
CHECKING_KEPT = timedelta(hours=1)  # a check whose request died midway is gone after this
FINAL_STATES = (ImportState.DONE, ImportState.FAILED, ImportState.INTERRUPTED,
                ImportState.UNDONE)
ISSUE_KINDS = tuple(IssueKind)


OPEN_TO_VIEWERS = ("imports.export_clients", "imports.export_formats")


@bp.url_value_preprocessor
def _take_target(endpoint, values):
    if values and "target" in values:
        g.import_target = values.pop("target")


@bp.url_defaults
def _give_target(endpoint, values):
    """url_for() of a journey's page stays within the target of the page that links to it
    (the clients' outside any)."""
    if "target" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "target"):
        values["target"] = g.get("import_target", "clients")


def current_target() -> targets.ImportTarget:
    return targets.get(g.get("import_target"))


@bp.context_processor
def _target_context():
    return {"target": current_target()}


def _job_or_404(job_id: int, **options) -> ImportJob:
    """The job, under its own target's URL only."""
    job = db.session.get(ImportJob, job_id, **options)
    if job is None or targets.of(job) is not current_target():
        abort(404)
    return job


@bp.before_request
def managers_only():
    """Viewers may export the list; importing and undoing is for managers and admins."""
    if request.endpoint not in OPEN_TO_VIEWERS:
        if not current_user.is_authenticated or not current_user.can_write:
            abort(403)


def _page_arg(name: str = "page") -> int:
    try:
        return max(1, min(int(request.args.get(name, 1)), 1_000_000))
    except ValueError:
        return 1


def _mode_arg(source) -> str:
    mode = source.get("mode")
    return mode if mode in MODES else "create"


def _keep_empty_arg(source, default: bool = True) -> bool:
    """"Empty cells keep the current value": a ticked box, when the form showed it."""
    if "keep_empty_shown" not in source:
        return default
    return source.get("keep_empty") == "1"


# --- The import page and the upload -------------------------------------------------------------
@bp.get(JOURNEY)
def new_import():
    return render("imports/new.html", "upload_form", problem=None, mode="create")


@bp.get(JOURNEY + "/template")
def download_template():
    return current_target().template()


@bp.get("/clients/export")
def export_clients():
    return exporting.export_response(request.args)


@bp.get("/clients/export/formats")
def export_formats():
    return exporting.formats_response(request.args)


def _table(job: ImportJob, data: bytes):
    return read_table(data, job.filename, encoding=job.encoding_choice,
                      delimiter=job.delimiter_choice,
                      max_rows=current_app.config["CLIENTAPP_IMPORT_MAX_ROWS"],
                      max_unpacked=current_app.config["CLIENTAPP_IMPORT_MAX_UNPACKED_BYTES"],
                      lookup=targets.of(job).header_lookup())


def _read_and_check(job: ImportJob, data: bytes, mapping: dict | None = None) -> None:
    """Read the file with the job's settings and check every row, committing slice by slice
    (checking.check_table). Raises FileProblem, possibly after some slices were committed:
    the caller decides what becomes of the job then."""
    table = _table(job, data)
    found = match_headers(table.headers, targets.of(job).header_lookup())
    if mapping is None:
        mapping = found
    if "name" not in mapping:
        # The mapping step: keep the file's header and first rows, check nothing yet.
        job.headers = table.headers
        job.mapping = mapping
        job.kind, job.encoding, job.delimiter = table.kind, table.encoding, table.delimiter
        preview = []
        for _line, cells in table.rows:
            preview.append([cell[:checking.PREVIEW_CELL] for cell in cells])
            if len(preview) >= checking.PREVIEW_ROWS:
                break
        job.preview = preview
        db.session.execute(delete(ImportRow).where(ImportRow.job_id == job.id))
        db.session.execute(delete(ImportIssue).where(ImportIssue.job_id == job.id))
        job.total_rows = job.new_count = job.update_count = job.same_count = 0
        job.error_count = job.warning_count = job.skip_count = 0
        job.problem = "no_name"
        job.state = ImportState.CHECKED
        return
    for _slice in checking.check_table(job, table, mapping):
        db.session.commit()


def _readable(job: ImportJob, data: bytes) -> None:
    """Read the whole file once without keeping anything (FileProblem if it breaks
    somewhere): a check again replaces the stored rows only with a file known to read."""
    if not any(True for _row in _table(job, data).rows):
        raise FileProblem(checking.NO_ROWS)


@bp.post(JOURNEY)
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
        job = ImportJob(filename=upload.filename[-255:], mode=mode, target=current_target().name,
                        keep_empty=_keep_empty_arg(request.form),
                        created_by_id=current_user.id, state=ImportState.CHECKING)
        db.session.add(job)
        db.session.flush()
        db.session.add(ImportFile(job_id=job.id, content=data))
        db.session.commit()
        job_id = job.id
        try:
            _read_and_check(job, data)
        except FileProblem as exc:
            # Slices of it may be stored already: the job goes, its rows with it.
            db.session.rollback()
            db.session.execute(delete(ImportJob).where(ImportJob.id == job_id))
            db.session.commit()
            problem = str(exc.message)
        else:
            db.session.commit()
            return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    return render("imports/new.html", "upload_form", status=422, problem=problem, mode=mode)


def _forget_old_drafts() -> None:
    """Checked files nobody imported are deleted after a week (their rows with them), and a
    check whose request died halfway after an hour."""
    now = utcnow()
    db.session.execute(delete(ImportJob).where(or_(
        (ImportJob.state == ImportState.CHECKED) & (ImportJob.created_at < now - DRAFTS_KEPT),
        (ImportJob.state == ImportState.CHECKING) & (ImportJob.created_at < now - CHECKING_KEPT),
    )))


def _job_page(job: ImportJob, block: str | None = None, status: int = 200, pages=None,
              focus_next: bool = False, announce: bool = False, paged: bool = False,
              nothing_chosen: bool = False):
    context = {"job": job}
    if job.state == ImportState.CHECKED:
        context.update(check_context(job, pages, focus_next=focus_next, paged=paged,
                                      nothing_chosen=nothing_chosen))
    else:
        context.update(status_context(job, announce=announce))
    return render("imports/job.html", block, status=status, **context)


@bp.get(JOURNEY + "/<id:job_id>")
def import_job(job_id: int):
    job = _job_or_404(job_id)
    pages = {kind: _page_arg(f"{kind}s_page") for kind in ISSUE_KINDS}
    return _job_page(job, "import_job", pages=pages)


@bp.get(JOURNEY + "/<id:job_id>/issues/<kind>")
def job_issues(job_id: int, kind: str):
    job = _job_or_404(job_id)
    if kind not in ISSUE_KINDS:
        abort(404)
    if job.state != ImportState.CHECKED:
        return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    return _job_page(job, f"{kind}_list", pages={kind: _page_arg()}, paged=True)


@bp.get(JOURNEY + "/<id:job_id>/status")
def import_job_status(job_id: int):
    job = db.session.get(ImportJob, job_id)
    if job is not None and targets.of(job) is not current_target():
        abort(404)
    if job is None:
        if request.headers.get("HX-Request") != "true":
            abort(404)
        # Gone (a draft deleted while a page polled it): 286 tells htmx to stop polling.
        return render("imports/job.html", "job_gone", status=286)
    if job.state == ImportState.CHECKED:
        return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    # Once the job has ended, 286 stops the polling (the final fragment has no trigger either).
    final = ((job.state in FINAL_STATES or jobs.is_stale(job))
             and request.headers.get("HX-Request") == "true")
    # The poll that sees the end also says so in the page's status region.
    return _job_page(job, "import_status", status=286 if final else 200, announce=final)


def _after_change(job: ImportJob):
    """After a fix, a skip or new settings: the check block for htmx, the page otherwise."""
    db.session.commit()
    if request.headers.get("HX-Request") == "true":
        pages = {"error": as_id(request.form.get("errors_page")) or 1}
        # Focus moves on to the next error (or to "Start import" once there is none).
        return _job_page(job, "import_check", pages=pages, focus_next=True)
    return redirect_htmx(url_for("imports.import_job", job_id=job.id))


def _checked_job(job_id: int) -> ImportJob:
    # Locked (on PostgreSQL) so that a start cannot slip in between this check and the fix.
    job = _job_or_404(job_id, with_for_update=True)
    if job.state != ImportState.CHECKED:
        abort(409)
    return job


@bp.post(JOURNEY + "/<id:job_id>/fix")
def fix_cell(job_id: int):
    job = _checked_job(job_id)
    line = as_id(request.form.get("line"))
    field = request.form.get("field", "")
    value = request.form.get("value", "")
    if line is None or not checking.fix_cell(job, line, field, value[:100_000]):
        abort(404)
    return _after_change(job)


@bp.post(JOURNEY + "/<id:job_id>/skip")
def skip_row(job_id: int):
    job = _checked_job(job_id)
    line = as_id(request.form.get("line"))
    if line is None or not checking.skip_row(job, line, skip=True):
        abort(404)
    return _after_change(job)


@bp.post(JOURNEY + "/<id:job_id>/restore")
def restore_skipped(job_id: int):
    job = _checked_job(job_id)
    checking.restore_skipped(job)
    return _after_change(job)


@bp.post(JOURNEY + "/<id:job_id>/check")
def check_again(job_id: int):
    """Check again, with the settings the form sends (encoding, delimiter, columns, mode)."""
    job = _job_or_404(job_id)
    fields = targets.of(job).fields
    if job.state not in (ImportState.CHECKED, *jobs.RERUN_STATES):
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
    if not settings_changed and any(f"column_{name}" in form for name in fields):
        width = len(job.headers)
        mapping = {}
        for name in fields:
            index = form.get(f"column_{name}", type=int)
            if index is not None and 0 <= index < width and index not in mapping.values():
                mapping[name] = index
    reread = (settings_changed or job.problem is not None
              or (mapping is not None and mapping != job.mapping))
    if "mode" in form:
        job.mode = _mode_arg(form)
        job.keep_empty = _keep_empty_arg(form, job.keep_empty)
    job.state = ImportState.CHECKED
    job.failure = None
    if reread:
        stored = db.session.get(ImportFile, job.id)
        if stored is None:
            abort(409)
        try:
            _readable(job, stored.content)
        except FileProblem as exc:
            db.session.rollback()
            return _settings_problem(_job_or_404(job_id), exc)
        _read_and_check(job, stored.content, mapping)
    else:
        checking.recheck(job)
    return _after_change(job)


def _settings_problem(job: ImportJob, exc: FileProblem):
    """The file cannot be read with the settings chosen: say so, keep the last check."""
    if job.state != ImportState.CHECKED:
        return render("imports/job.html", "import_job", status=422, **status_context(job))
    context = check_context(job, settings_problem=str(exc.message))
    return render("imports/job.html", "import_check", status=422, **context)


@bp.get(JOURNEY + "/<id:job_id>/errors.csv")
def download_errors(job_id: int):
    return exporting.error_rows_response(_job_or_404(job_id))


# --- Running ----------------------------------------------------------------------------------
def _start(job_id: int, from_states, *conditions) -> None:
    """Queue the job (once: of two clicks one wins), commit, and run it in the background."""
    if jobs.queue(ImportJob, job_id, from_states, *conditions):
        db.session.commit()
        jobs.start(current_app._get_current_object(), ImportJob, job_id)


@bp.post(JOURNEY + "/<id:job_id>/start")
def start_import(job_id: int):
    job = _job_or_404(job_id)
    if can_start(job):
        job.create_duplicates = request.form.get("create_duplicates") == "1"
        if not job.work_rows - job.same_count:
            # Only possible duplicates, and the user left them out: nothing would be written.
            db.session.rollback()
            return _job_page(job, "import_check", status=422, nothing_chosen=True)
        _start(job_id, (ImportState.CHECKED,), ImportJob.error_count == 0)
    # A second click (or a job already running) lands on the same page: one job, not two.
    return redirect_htmx(url_for("imports.import_job", job_id=job_id))


@bp.post(JOURNEY + "/<id:job_id>/run-again")
def run_again(job_id: int):
    job = _job_or_404(job_id)
    # A job whose worker died is taken back and marked interrupted first.
    jobs.recover_stale(ImportJob, job.id)
    _start(job_id, jobs.RERUN_STATES)
    return redirect_htmx(url_for("imports.import_job", job_id=job_id))


@bp.get(JOURNEY + "/<id:job_id>/undo")
def confirm_undo(job_id: int):
    job = _job_or_404(job_id)
    if job.state != ImportState.DONE:
        return redirect_htmx(url_for("imports.import_job", job_id=job.id))
    return render("imports/undo.html", "undo_dialog", job=job, plan=undo.undo_plan(job))


@bp.post(JOURNEY + "/<id:job_id>/undo")
def undo_import(job_id: int):
    job = _job_or_404(job_id)
    undo.undo_job(job, current_user.id, remove_touched=request.form.get("remove_touched") == "1")
    db.session.commit()
    return redirect_htmx(url_for("imports.import_job", job_id=job.id))


# --- History --------------------------------------------------------------------------------
HISTORY = Listing(
    endpoint="imports.import_history",
    sorts=(Sort("created", (ImportJob.created_at,), first="desc"),),
    default_sort="-created",
    tiebreak=ImportJob.id,
    page_size=25,
    searchable=False,
)


@bp.get("/clients/imports")
def import_history():
    params = HISTORY.params(request.args)
    # Checked files not imported yet too, to come back to (not one still being checked).
    query = select(ImportJob).where(ImportJob.state != ImportState.CHECKING)
    page = HISTORY.paginate(query, params)
    return render("imports/history.html", "import_history", page=page,
                  params=params.with_(page=page.page), target_of=targets.of)
