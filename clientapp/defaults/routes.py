"""The routes of the Project defaults (a client's) and Project settings (a project's)
besides their section's own: documents uploaded, renamed, removed; staff excluded and
let back; a project's value reset; "Apply to upcoming projects". Each answers with the
section's view (htmx) or a redirect to the page (a plain form)."""
from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import sections
from ..clients.blueprint import bp as clients_bp
from ..clients.profile_routes import PROFILE, get_client
from ..documents import storage
from ..documents.routes import filesize
from ..extensions import db
from ..htmx import add_trigger, redirect_htmx, render, wants_fragment
from ..ids import as_id
from ..notices import Notice, after_write, keep
from ..projects.blueprint import bp as projects_bp
from ..projects.page_routes import PAGE as PROJECT_PAGE
from ..projects.page_routes import get_project
from ..projects.services import today
from ..security import referrer_path, role_required
from ..staff.models import StaffMember
from . import services
from .models import PARTS, REASON_MAX


def _page(kind):
    return PROFILE if kind == "client" else PROJECT_PAGE


def _owner(kind, owner_id):
    return get_client(owner_id) if kind == "client" else get_project(owner_id)


def _section(kind):
    return _page(kind).section("defaults" if kind == "client" else "settings")


def answer(kind, owner, status=200, data=None, trigger=None, wrote=False):
    """The section's view with `data` over its context: its block for htmx; for a plain
    request the page (a form or a refusal) or, after a write, a redirect to it."""
    page, section = _page(kind), _section(kind)
    data = data or {}
    if not wants_fragment():
        if wrote:
            if data.get("saved"):
                keep(Notice(data["saved"]))
            return redirect_htmx(page.url(owner))
        return page.render(owner, status=status, editing=section.name,
                           saved=sections.Saved(status, data), trigger=trigger)
    response = render(section.template, "view", status=status, trigger=trigger,
                      **{page.owner_name: owner}, page=page,
                      data={**section.context(owner), **data}, form=None, editing=None,
                      conflict=False, swapped=True)
    if wrote:
        add_trigger(response, "sectionSaved")
    return response


def _written(kind, owner, message, more=None, focus=None):
    """Commit and answer; `focus`: what takes the focus in the new view (a document's id,
    "upload"), where the user's action was."""
    db.session.commit()
    trigger = {"clientUpdated" if kind == "client" else "projectUpdated": None}
    if more:
        trigger[more] = None
    return answer(kind, owner, data={"saved": message, "focus": focus}, wrote=True,
                  trigger=trigger)


def _refused(kind, owner_id, status, data):
    db.session.rollback()
    return answer(kind, _owner(kind, owner_id), status, data)


# --- Documents --------------------------------------------------------------------------------

def upload(kind, owner_id):
    owner = _owner(kind, owner_id)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        return _refused(kind, owner_id, 422, {"upload_errors": [_("Choose one or more files.")]})
    try:
        names = services.add_documents(kind, owner, files, current_user.id)
    except storage.TooLarge:
        db.session.rollback()
        if wants_fragment():
            # The section again (a fresh form, no stale error, no progress), the error by
            # the upload form: htmx would otherwise put a 4xx in the page's alerts.
            response = _refused(kind, owner_id, 413,
                                {"upload_errors": [_upload_limit_message()]})
            target = "#" + _section_id(kind)
            response.headers.update({"HX-Retarget": target, "HX-Reswap": "outerHTML",
                                     "HX-Reselect": target})
            return response
        error = RequestEntityTooLarge()
        error.clientapp_message = _upload_limit_message()
        raise error
    except storage.Refused as refused:
        return _refused(kind, owner_id, 422, {"upload_errors": [str(refused)]})
    return _written(kind, owner, ngettext("%(num)s document uploaded.",
                                          "%(num)s documents uploaded.", len(names)),
                    focus="upload")


def _section_id(kind) -> str:
    return "client-defaults" if kind == "client" else "project-settings"


def _upload_limit_message():
    limit = current_app.config["CLIENTAPP_UPLOAD_MAX_BYTES"]
    return _("A document may weigh at most %(size)s: this one is larger, and nothing was "
             "stored.", size=filesize(limit))


def _document(kind, owner, document_id):
    found = services.document(kind, owner.id, document_id)
    if found is None:
        abort(404)
    return found


def rename_document(kind, owner_id, document_id):
    owner = _owner(kind, owner_id)
    doc = _document(kind, owner, document_id)
    if request.method == "GET":
        return answer(kind, owner, data={"renaming": doc.id})
    name = (request.form.get("name") or "").replace("\x00", "").strip()
    problem = None
    if not name:
        problem = _("Give the document a name.")
    elif len(name) > 255:
        problem = _("At most %(num)s characters.", num=255)
    if problem:
        return _refused(kind, owner_id, 422, {"renaming": doc.id, "rename_error": problem,
                                              "rename_value": name})
    services.rename_document(kind, owner, doc, name)
    return _written(kind, owner, _("Document renamed."), focus=doc.id)


def remove_document(kind, owner_id, document_id):
    """GET: the question first (the shared confirmation: a modal dialog for htmx, a page
    of its own otherwise); POST: the removal."""
    owner = _owner(kind, owner_id)
    doc = _document(kind, owner, document_id)
    name = doc.name
    if request.method == "GET":
        return render(sections.REMOVE_TEMPLATE, "remove_dialog", modal=wants_fragment(),
                      question={"title": _("Remove “%(name)s”?", name=name),
                                "text": _("The document is removed from this list; other "
                                          "projects that have it keep their copy."),
                                "button": _("Remove")},
                      action=request.path, target="#" + _section_id(kind),
                      next_path=_page(kind).url(owner))
    after = services.neighbour_document(kind, owner.id, doc.id)
    services.remove_document(kind, owner, doc)
    response = _written(kind, owner, _("“%(name)s” removed.", name=name),
                        focus=after or "upload")
    if wants_fragment():
        add_trigger(response, "closeDialog")
    return response


# --- Excluded staff ---------------------------------------------------------------------------

def _already_excluded(kind, owner) -> dict:
    if kind == "client":
        return {e.staff_id: e.reason for e in services.exclusions(owner.id)}
    return services.excluded_from(owner)


def _choices(already):
    """The active staff members not excluded yet."""
    return [staff for staff in db.session.scalars(
        services.select(StaffMember).where(StaffMember.active.is_(True))
        .order_by(StaffMember.name_key, StaffMember.id)) if staff.id not in already]


def exclude(kind, owner_id):
    owner = _owner(kind, owner_id)
    already = _already_excluded(kind, owner)
    form_data = {"excluding": True, "choices": _choices(already)}
    if request.method == "GET":
        return answer(kind, owner, data=form_data)
    staff_id = as_id(request.form.get("staff"))
    reason = (request.form.get("reason") or "").replace("\x00", "").replace("\r\n", "\n")
    reason = reason.strip() or None
    staff = db.session.get(StaffMember, staff_id) if staff_id else None
    form_data.update(staff_value=request.form.get("staff"), reason_value=reason)
    if staff is None:
        message = (_("Choose a staff member.") if not request.form.get("staff") else
                   _("This staff member does not exist (they may have been removed)."))
        return _refused(kind, owner_id, 422, {**form_data, "staff_error": message})
    if staff.id in already:
        return _refused(kind, owner_id, 422, {**form_data, "staff_error": _(
            "%(name)s is already excluded.", name=staff.name)})
    if reason and len(reason) > REASON_MAX:
        return _refused(kind, owner_id, 422, {
            **form_data, "reason_error": _("At most %(num)s characters.", num=REASON_MAX)})
    if kind == "client":
        staffed = services.staffed_upcoming(owner.id, staff.id, today())
    else:
        staffed = [owner] if db.session.get(services.Assignment, (owner.id, staff.id)) else []
    decision = request.form.get("remove")
    if staffed and decision not in ("yes", "no"):
        return answer(kind, owner, data={**form_data, "confirm": {
            "staff": staff, "reason": reason, "projects": staffed}})
    remove_from = staffed if decision == "yes" else []
    if kind == "client":
        services.exclude(owner, staff, reason, remove_from)
    else:
        entries = [{"staff": i, "reason": r}
                   for i, r in services.project_excluded(owner).items() if i != staff.id]
        services.set_project_excluded(owner, entries + [{"staff": staff.id, "reason": reason}])
        for project in remove_from:
            from ..projects.services import unassign

            unassign(project, staff.id)
    # The project's Staff section shows who is excluded and, after a removal, who is left.
    more = "projectStaffChanged" if kind == "project" else None
    return _written(kind, owner, _("%(name)s excluded.", name=staff.name), more,
                    focus="part:excluded")


def remove_exclusion(kind, owner_id, staff_id):
    owner = _owner(kind, owner_id)
    if kind == "client":
        found = services.db.session.scalar(services.select(services.Exclusion).where(
            services.Exclusion.client_id == owner.id, services.Exclusion.staff_id == staff_id))
        if found is None:
            abort(404)
        name = found.staff.name
        services.unexclude(owner, found)
    else:
        excluded = services.project_excluded(owner)
        if staff_id not in excluded:
            if staff_id in services.excluded_from(owner):
                # The client excludes them from all its projects: only its profile may
                # let them back.
                return _refused(kind, owner_id, 422, {"errors": [_(
                    "The client excludes this staff member from all its projects: let them "
                    "back on the client's profile.")]})
            abort(404)
        staff = db.session.get(StaffMember, staff_id)
        name = staff.name if staff else ""
        services.set_project_excluded(owner, [{"staff": i, "reason": r}
                                              for i, r in excluded.items() if i != staff_id])
        return _written(kind, owner, _("%(name)s may work these projects again.", name=name),
                        "projectStaffChanged", focus="part:excluded")
    return _written(kind, owner, _("%(name)s may work these projects again.", name=name),
                    focus="part:excluded")


# --- A project's reset, a client's Apply to upcoming ------------------------------------------

def _reset_question(project, part) -> dict:
    labels = {"location": _("Location"), "documents": _("Information documents"),
              "reports": _("Field reports"), "notes": _("Notes to staff"),
              "excluded": _("Excluded staff")}
    if part == "documents":
        own = len(services.documents("project", project.id))
        theirs = len(services.documents("client", project.client_id))
        text = _("The project's %(own)s documents are replaced by the client's %(theirs)s: "
                 "a document uploaded for this project only is deleted for good.",
                 own=own, theirs=theirs)
    else:
        text = _("The value changed for this project is replaced by the client's default "
                 "and cannot be brought back.")
    return {"title": _("Reset “%(part)s” to the client's default?", part=labels[part]),
            "text": text, "button": _("Reset to client default")}


@projects_bp.route("/<id:project_id>/settings/<any(%s):part>/reset" % ", ".join(PARTS),
                   methods=["GET", "POST"])
@role_required("manager")
def settings_reset(project_id: int, part: str):
    """GET: the question first (a reset throws the project's own value away: its own
    documents' files included); POST: the reset."""
    project = get_project(project_id)
    if project.client_id is None:
        abort(404)
    if request.method == "GET":
        return render(sections.REMOVE_TEMPLATE, "remove_dialog", modal=wants_fragment(),
                      question=_reset_question(project, part), action=request.path,
                      target="#project-settings", next_path=PROJECT_PAGE.url(project))
    services.reset(project, part)
    response = _written("project", project, _("Back to the client's default."),
                        "projectStaffChanged" if part == "excluded" else None,
                        focus="part:" + part)
    if wants_fragment():
        add_trigger(response, "closeDialog")
    return response


@clients_bp.route("/<id:client_id>/defaults/apply", methods=["GET", "POST"])
@role_required("manager")
def defaults_apply(client_id: int):
    """GET lists the upcoming projects that take the defaults; POST gives them."""
    client = get_client(client_id)
    back = url_for("clients.profile", client_id=client.id)
    if request.method == "GET":
        return render("defaults/apply.html", "apply_dialog", modal=wants_fragment(),
                      client=client, projects=services.upcoming_projects(client.id, today()),
                      leaving=services.excluded_staffed_upcoming(client, today()),
                      next_path=referrer_path() or back)
    projects = services.apply_to_upcoming(client, today())
    db.session.commit()
    notice = Notice(ngettext("The project defaults were applied to %(num)s upcoming project.",
                             "The project defaults were applied to %(num)s upcoming projects.",
                             len(projects)))
    return after_write(notice, back, trigger="clientUpdated", close_dialog=True)


def _register(bp, kind, rule, prefix):
    def bind(view):
        def bound(**kwargs):
            owner_id = kwargs.pop(f"{kind}_id")
            return view(kind, owner_id, **kwargs)

        bound.__name__ = f"{prefix}{view.__name__}"
        return role_required("manager")(bound)

    bp.add_url_rule(f"{rule}/documents", f"{prefix}upload", bind(upload), methods=["POST"])
    bp.add_url_rule(f"{rule}/documents/<id:document_id>/rename", f"{prefix}rename_document",
                    bind(rename_document), methods=["GET", "POST"])
    bp.add_url_rule(f"{rule}/documents/<id:document_id>/remove", f"{prefix}remove_document",
                    bind(remove_document), methods=["GET", "POST"])
    bp.add_url_rule(f"{rule}/exclude", f"{prefix}exclude", bind(exclude),
                    methods=["GET", "POST"])
    bp.add_url_rule(f"{rule}/excluded/<id:staff_id>/remove", f"{prefix}remove_exclusion",
                    bind(remove_exclusion), methods=["POST"])


_register(clients_bp, "client", "/<id:client_id>/defaults", "defaults_")
_register(projects_bp, "project", "/<id:project_id>/settings", "settings_")
