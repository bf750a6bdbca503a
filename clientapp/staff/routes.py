"""The staff directory: the list, Add staff member, a staff member's page (details edited
in place, their projects), Deactivate and Reactivate."""
from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import sections
from ..extensions import db
from ..htmx import push_url, redirect_htmx, render, wants_fragment
from ..notices import Notice, after_write, keep
from ..projects.models import Assignment, Project
from ..projects import services as project_services
from ..projects.services import newest_projects
from ..security import local_path, role_required
from . import services
from .forms import StaffForm
from .models import StaffMember
from .services import STAFF

bp = Blueprint("staff", __name__, url_prefix="/staff")

LIST = "staff/list.html"
# What a write on a staff member changes: the list reloads, their page's header refreshes.
CHANGED = ("staffChanged", "staffUpdated")


def get_staff(staff_id: int) -> StaffMember:
    return db.get_or_404(StaffMember, staff_id)


# --- The list and Add staff member. ---

def _list_context(params, add_form=None) -> dict:
    page = services.list_page(params)
    return {"params": params.with_(page=page.page), "page": page, "add_form": add_form,
            "can_write": current_user.can_write}


@bp.get("")
def list_staff():
    context = _list_context(STAFF.params(request.args))
    response = render(LIST, "staff_list", **context)
    if wants_fragment():
        push_url(response, context["params"].url())
    return response


def _add_form(form, status: int = 200):
    if not wants_fragment():
        return render(LIST, None, status=status, **_list_context(STAFF.params(request.args),
                                                                 add_form=form))
    return render(LIST, "add_form", status=status, add_form=form, can_write=True)


@bp.get("/new")
@role_required("manager")
def add_form():
    """The Add staff member form (on the list page without JavaScript); ?close=1 removes it."""
    return _add_form(None if request.args.get("close") else StaffForm(formdata=None))


@bp.post("/new")
@role_required("manager")
def add_staff():
    form = StaffForm()
    if not form.validate():
        return _add_form(form, 422)
    values = form.values()
    alike = services.namesakes(values["name"], values["email"])
    member = services.create_staff(values)
    db.session.commit()
    text = _("Staff member “%(name)s” added.", name=member.name)
    if alike:
        # Added all the same (two people may share a name), but said: it may be a double.
        text += " " + _("Already in the directory with the same name or email: %(list)s. "
                        "If it is the same person, deactivate one of them.",
                        list=", ".join(describe(other) for other in alike))
    keep(Notice(text, warning=bool(alike)))
    return redirect_htmx(url_for("staff.profile", staff_id=member.id))


# --- A staff member's page: a header and its sections. ---

class InfoSection(sections.Section):
    name = "info"
    template = "staff/sections/info.html"

    def context(self, member):
        return {"saved": False}

    def form(self, member):
        return StaffForm(obj=member)

    def submitted(self, member):
        return StaffForm()

    def save(self, member, form):
        # The form carries the version it was opened on: if the member has moved on since,
        # saving would silently undo someone else's change.
        if (form.version.data or "") != str(member.version):
            return sections.Saved(409, trigger="staffUpdated")
        if not form.validate():
            return sections.Saved(422)
        try:
            with db.session.begin_nested():
                services.update_staff(member, form.values())
        except StaleDataError:
            return sections.Saved(409, trigger="staffUpdated")
        return sections.Saved(data={"saved": True}, trigger=dict.fromkeys(CHANGED))


PROJECTS = newest_projects("staff.profile_section")


class ProjectsSection(sections.Section):
    """The projects the staff member works, newest first, 20 a page; read only here."""

    name = "projects"
    template = "staff/sections/projects.html"
    editable = False

    def context(self, member):
        params = self.list_params(PROJECTS, staff_id=member.id)
        query = (select(Project).join(Assignment, Assignment.project_id == Project.id)
                 .where(Assignment.staff_id == member.id)
                 .options(joinedload(Project.client)))
        return {"params": params, "page": PROJECTS.paginate(query, params)}


class StaffPage(sections.Page):
    name = "profile"
    template = "staff/profile.html"
    endpoint = "staff.profile"
    id_arg = "staff_id"
    owner_name = "member"
    sections = (InfoSection(), ProjectsSection())

    def load(self, staff_id):
        return get_staff(staff_id)


PAGE = StaffPage()
sections.register(bp, PAGE, "/<id:staff_id>")


@bp.get("/<id:staff_id>")
def profile(staff_id: int):
    return PAGE.render(get_staff(staff_id), block="profile")


# --- Deactivate, reactivate: one click, with Undo. ---

def _back_path(member) -> str:
    return local_path(request.form.get("next")) or url_for("staff.profile", staff_id=member.id)


def describe(member: StaffMember) -> str:
    """A staff member as a list of look-alikes names them: name (role, email)."""
    details = ", ".join(value for value in (member.role, member.email) if value)
    return f"{member.name} ({details})" if details else member.name


def _set_active(staff_id: int, active: bool):
    """Deactivate (with Undo; a warning when they still work projects to come) or
    reactivate; no notice when nothing changed."""
    member = get_staff(staff_id)
    changed = services.set_active(member, active)
    db.session.commit()
    notice = None
    if changed and active:
        notice = Notice(_("“%(name)s” is active again.", name=member.name))
    elif changed:
        projects, total = services.upcoming_projects(member, project_services.today())
        text = _("“%(name)s” deactivated.", name=member.name)
        if total:
            names = ", ".join(pgettext("quoted name", "“%(name)s”", name=project.name)
                              for project in projects)
            if total > len(projects):
                extra = total - len(projects)
                names += " " + ngettext("and %(num)s more", "and %(num)s more", extra)
            text += " " + ngettext(
                "They stay on %(num)s project to come: %(list)s. Remove them from it if "
                "they will not work it.",
                "They stay on %(num)s projects to come: %(list)s. Remove them from those "
                "they will not work.", total, list=names)
        notice = Notice(text, undo_url=url_for("staff.reactivate", staff_id=member.id),
                        warning=bool(total))
    return after_write(notice, _back_path(member), trigger=CHANGED)


@bp.post("/<id:staff_id>/deactivate")
@role_required("manager")
def deactivate(staff_id: int):
    return _set_active(staff_id, False)


@bp.post("/<id:staff_id>/reactivate")
@role_required("manager")
def reactivate(staff_id: int):
    return _set_active(staff_id, True)
