"""The projects list, the "New project" form (also what Duplicate and a client's "New
project" open, pre-filled), the client picker's options, archive, unarchive and delete.

The list (#project-list) reloads itself with its own URL when a write sends
projectsChanged; every write also works as a plain form post (a redirect back).
"""
from flask import make_response, request, url_for
from typing import NamedTuple

from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from flask_login import current_user

from ..clients.models import Client
from ..extensions import db
from jinja2_fragments.flask import render_block

from ..htmx import push_url, redirect_htmx, render, retarget, vary, wants_fragment
from ..ids import as_id
from ..notices import Notice, after_write, keep
from ..security import local_path, referrer_path, role_required
from . import services
from .blueprint import bp
from .forms import ProjectForm, client_options, form_values
from .models import Project, ProjectStatus
from .page_routes import CHANGED, get_project
from .services import PROJECTS

LIST = "projects/list.html"
FORM = "projects/form.html"
DIALOGS = "projects/dialogs.html"


class ProjectRow(NamedTuple):
    """What one row of the list shows, made in Python once per page (as the client list's
    rows are: in the template each link and date costs several times more)."""

    id: int
    name: str
    url: str
    client_name: str | None
    client_url: str | None
    dates: str  # "" without dates
    status: str  # its label
    status_class: str  # the badge's class
    location: str


_SENTINEL = 2147483647


class RowMaker:
    """Makes a page's ProjectRows: links from one url_for each, each distinct day formatted
    once, the status words translated once."""

    def __init__(self, day):
        self._day = day
        self._project = url_for("projects.project_page", project_id=_SENTINEL) \
            .split(str(_SENTINEL))
        self._client = url_for("clients.profile", client_id=_SENTINEL).split(str(_SENTINEL))
        self._days = {}
        self._status = {
            ProjectStatus.UPCOMING: (pgettext("project status", "Upcoming"), "badge badge-info"),
            ProjectStatus.ONGOING: (pgettext("project status", "Ongoing"), "badge badge-ok"),
            ProjectStatus.PAST: (pgettext("project status", "Past"), "badge"),
            ProjectStatus.ARCHIVED: (pgettext("project status", "Archived"), "badge badge-warn"),
        }

    def _date(self, day) -> str:
        if day not in self._days:
            self._days[day] = format_date(day, "medium")
        return self._days[day]

    def dates(self, project) -> str:
        """As templates/projects/_macros.html's project_dates() writes them."""
        if project.start_date is None:
            return ""
        first = self._date(project.start_date)
        if project.start_time:
            first += ", " + project.start_time.strftime("%H:%M")
        last = project.end_date or project.start_date
        end_time = project.end_time.strftime("%H:%M") if project.end_time else ""
        if last != project.start_date:
            return f"{first} – {self._date(last)}" + (f", {end_time}" if end_time else "")
        return f"{first} – {end_time}" if end_time else first

    def __call__(self, projects) -> list:
        rows = []
        for project in projects:  # services.LIST_ROW rows
            ident = str(project.id)
            has_client = project.client_id is not None
            # The model's own rule, read from the row's values.
            label, badge = self._status[Project.status(project, self._day)]
            rows.append(ProjectRow(
                project.id, project.name, ident.join(self._project),
                project.client_name if has_client else None,
                str(project.client_id).join(self._client) if has_client else None,
                self.dates(project), label, badge, project.location or ""))
        return rows


@bp.get("")
def list_projects():
    params = PROJECTS.params(request.args)
    day = services.today()
    page, counts = services.list_page(params, day)
    client = db.session.get(Client, params.client) if params.client is not None else None
    params = params.with_(page=page.page)
    # The client filter's options are outside the list's fragment: only a page needs them.
    # ("Find a client" is sent by the Show button, without JavaScript.)
    choices = [] if wants_fragment() else client_options(
        (request.args.get("client_q") or "")[:200], client)
    response = render(LIST, "project_list", params=params, page=page, counts=counts,
                      rows=RowMaker(day)(page.items), client_choices=choices,
                      can_write=current_user.can_write)
    if wants_fragment():
        push_url(response, params.url())
    return response


# --- New project (and Duplicate, and a client's "New project") ------------------------------

def _form_page(form, status: int = 200, source=None, note=None):
    client = form.client_choice()
    return render(FORM, "project_form", status=status, form=form, source=source, note=note,
                  options=client_options(None, client), inherited=_inherited(client))


def _inherited(client) -> dict:
    """What a project of `client` takes for the fields left empty: its default location
    (on one line) and notes, for the form's hints."""
    from ..defaults.services import defaults_of

    defaults = defaults_of(client.id) if client is not None else None
    if defaults is None:
        return {}
    return {"client": client.name, "notes": bool(defaults.notes),
            "location": ", ".join(defaults.location.splitlines())}


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new_project():
    if request.method == "GET":
        # ?client=ID pre-selects an active client; ?from=ID copies a project but its dates.
        data, source = {}, None
        source_id = as_id(request.args.get("from"))
        if source_id is not None:
            source = get_project(source_id)
            data = form_values(source)
            data["name"] = _("%(name)s (copy)", name=source.name)[:200]
            for name in ("start_date", "end_date"):
                data[name] = ""
            if source.client is not None and source.client.archived_at is not None:
                data["client"] = ""
        # Why a client asked for is not chosen (archived, or gone), said above the form.
        note = None
        if source is not None and source.client is not None and not data.get("client"):
            note = _("“%(name)s” is archived, so the copy has no client: choose an active "
                     "client, or unarchive it first.", name=source.client.name)
        client_id = as_id(request.args.get("client"))
        if request.args.get("client"):
            client = db.session.get(Client, client_id) if client_id is not None else None
            if client is None:
                note = _("The client asked for does not exist (it may have been deleted): "
                         "choose one below.")
            elif client.archived_at is not None:
                note = _("“%(name)s” is archived, so it is not chosen: choose an active "
                         "client, or unarchive it first.", name=client.name)
            else:
                data["client"] = str(client.id)
                note = None
        return _form_page(ProjectForm(formdata=None, data=data), source=source, note=note)
    form = ProjectForm()
    if not form.validate():
        db.session.rollback()
        return _form_page(form, 422)
    project = services.create_project(form.values, created_by_id=current_user.id)
    db.session.commit()
    keep(Notice(_("Project “%(name)s” created.", name=project.name)))
    return redirect_htmx(url_for("projects.project_page", project_id=project.id))


@bp.get("/client-options")
def client_picker_options():
    """The picker's <option>s for what was typed in "Find a client" (only ever the options:
    what a select swaps in, whoever asks)."""
    selected_id = as_id(request.args.get("client"))
    selected = db.session.get(Client, selected_id) if selected_id else None
    q = (request.args.get("client_q") or "").replace("\x00", "")[:200]
    body = render_block(FORM, "client_options", options=client_options(q, selected),
                        current=selected.id if selected else "",
                        blank=request.args.get("blank") == "all")
    return vary(make_response(body))


# --- Archive, unarchive, delete ---------------------------------------------------------------

def _back_path(project) -> str:
    return local_path(request.form.get("next")) or url_for("projects.project_page",
                                                          project_id=project.id)


@bp.post("/<id:project_id>/archive")
@role_required("manager")
def archive_project(project_id: int):
    project = get_project(project_id)
    services.archive_project(project)
    db.session.commit()
    notice = Notice(_("“%(name)s” archived.", name=project.name),
                    undo_url=url_for("projects.unarchive_project", project_id=project.id))
    return after_write(notice, _back_path(project), trigger=CHANGED)


@bp.post("/<id:project_id>/unarchive")
@role_required("manager")
def unarchive_project(project_id: int):
    project = get_project(project_id)
    services.unarchive_project(project)
    db.session.commit()
    notice = Notice(_("“%(name)s” is active again.", name=project.name))
    return after_write(notice, _back_path(project), trigger=CHANGED)


def _dialog(status: int = 200, **context):
    context.setdefault("next_path", referrer_path() or url_for("projects.list_projects"))
    response = render(DIALOGS, "delete_dialog", status=status, modal=wants_fragment(),
                      **context)
    if status >= 400 and wants_fragment():
        retarget(response, "#project-dialog", "outerHTML")
    return response


@bp.route("/<id:project_id>/delete", methods=["GET", "POST"])
@role_required("manager")
def delete_project(project_id: int):
    project = get_project(project_id)
    if request.method == "GET":
        return _dialog(project=project, staff=services.staff_count(project.id))
    name, client_id = project.name, project.client_id
    try:
        services.delete_project(project)
    except services.DeleteRefused as refused:
        db.session.rollback()
        return _dialog(409, project=get_project(project_id), staff=refused.staff,
                       next_path=local_path(request.form.get("next")) or url_for(
                           "projects.project_page", project_id=project_id))
    db.session.commit()
    notice = Notice(_("“%(name)s” deleted.", name=name))
    back = local_path(request.form.get("next")) or ""
    if not back or back.split("?")[0] == url_for("projects.project_page", project_id=project_id):
        # Deleted from its own page, which is gone: back to the projects list when the page
        # was opened from it (as it was: its search, filters, page), else on to its client,
        # or the list.
        keep(notice)
        came_from = local_path(request.form.get("came_from")) or ""
        if came_from.split("?")[0] == url_for("projects.list_projects"):
            return redirect_htmx(came_from)
        return redirect_htmx(url_for("clients.profile", client_id=client_id) if client_id
                             else url_for("projects.list_projects"))
    return after_write(notice, back, trigger=CHANGED, close_dialog=True)
