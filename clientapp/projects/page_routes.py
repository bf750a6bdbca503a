"""A project's page: its header and its sections (Details, Project settings, Staff...),
each edited in place through clientapp/sections.py; removing a staff member. Location and
notes to staff are Project settings values (clientapp/defaults/section.py), edited there
only."""
from flask import current_app, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .. import sections
from ..defaults.section import DefaultsSection
from ..discussions.section import DiscussionSection
from ..extensions import db
from ..htmx import redirect_htmx, wants_fragment
from ..security import role_required
from ..teams.section import TeamSection
from . import services
from .blueprint import bp
from .forms import AddStaffForm, DetailsForm, client_options, form_values
from .models import Project

# What a write on a project changes: its page's header, the list.
CHANGED = ("projectUpdated", "projectsChanged")
# Events the page's sections reload on (their element's hx-trigger): another section
# changed what they show.
SETTINGS_CHANGED = "projectSettingsChanged"
STAFF_CHANGED = "projectStaffChanged"
CLIENT_CHANGED = (SETTINGS_CHANGED, STAFF_CHANGED)


def get_project(project_id: int) -> Project:
    return db.get_or_404(Project, project_id)


@bp.app_template_global()
def staff_url(staff_id: int) -> str | None:
    """The staff member's page, /staff/<id>, when this app has one (the Staff directory is
    its own feature): found by matching the URL, not by an endpoint's name."""
    known = current_app.extensions.setdefault("projects_staff_pages", {})
    if "found" not in known:
        try:
            current_app.create_url_adapter(request).match("/staff/1", method="GET")
            known["found"] = True
        except HTTPException:
            known["found"] = False
    return f"{request.script_root}/staff/{staff_id}" if known["found"] else None


def _editing(section) -> bool:
    """Whether this request shows `section` as its form (its edit, or a refused save)."""
    return request.endpoint in ("projects.project_section_edit",
                                "projects.project_section_save") \
        and (request.view_args or {}).get("name") == section.name


def _save(form, project: Project) -> sections.Saved:
    """Write a section's form over `project`, unless a rule or a newer version stops it."""
    form.project = project
    # The form carries the version it was opened on: saving over a newer one would undo
    # someone else's change without a word.
    if (form.version.data or "") != str(project.version):
        return sections.Saved(409, trigger="projectUpdated")
    if not form.validate():
        return sections.Saved(422)
    try:
        with db.session.begin_nested():
            services.update_project(project, form.values)
    except StaleDataError:
        return sections.Saved(409, trigger="projectUpdated")
    return sections.Saved(data={"saved": True}, trigger=dict.fromkeys(CHANGED))


class DetailsSection(sections.Section):
    name = "details"
    template = "projects/sections/details.html"

    def context(self, project):
        # The picker's first clients, when the form shows.
        return {"saved": False, "client_change": None,
                "options": client_options(None, project.client) if _editing(self) else []}

    def form(self, project):
        return DetailsForm(data={**form_values(project), "version": str(project.version)})

    def submitted(self, project):
        return DetailsForm()

    def save(self, project, form):
        before, upcoming = project.client_id, project.status(services.today()) == "upcoming"
        saved = _save(form, project)
        if saved.status is None and upcoming and before is not None \
                and project.client_id not in (None, before):
            # Another client, before the project starts: take its defaults? (issue 11)
            from ..defaults.services import take_client_defaults

            answer = request.form.get("take_defaults")
            if answer not in ("yes", "no"):
                saved = sections.Saved(200, {"client_change": project.client})
            elif answer == "yes":
                take_client_defaults(project)
        if saved.status is None and project.client_id != before:
            # The settings' marks and the staff's exclusions depend on the client.
            saved.trigger = {**saved.trigger, **dict.fromkeys(CLIENT_CHANGED)}
        if saved.status is not None:
            saved.data["options"] = client_options(None, form.client_choice())
        return saved


def excluded_message(refused) -> str:
    from flask_babel import gettext as _

    if refused.reason:
        return _("%(name)s is excluded from this client's projects: %(reason)s",
                 name=refused.staff.name, reason=refused.reason)
    return _("%(name)s is excluded from this client's projects.", name=refused.staff.name)


class StaffSection(sections.Section):
    """Who works the project; its "form" is Add staff (one active staff member)."""

    name = "staff"
    template = "projects/sections/staff.html"

    def context(self, project):
        # The active staff not on the project yet, when the Add form shows.
        from ..defaults.services import excluded_from

        return {"members": services.staffing(project), "added": None, "removed": None,
                "choices": services.active_staff(project) if _editing(self) else [],
                "excluded": excluded_from(project)}

    def form(self, project):
        return AddStaffForm(formdata=None)

    def submitted(self, project):
        return AddStaffForm()

    def save(self, project, form):
        if not form.validate():
            return sections.Saved(422)
        try:
            services.assign(project, form.member, added_by_id=current_user.id)
        except services.Excluded as refused:
            form.staff.errors.append(excluded_message(refused))
            return sections.Saved(422)
        return sections.Saved(data={"added": form.member.name,
                                    "members": services.staffing(project)},
                              trigger="projectStaffed")


class ProjectPage(sections.Page):
    name = "project"
    template = "projects/page.html"
    endpoint = "projects.project_page"
    id_arg = "project_id"
    owner_name = "project"
    sections = (DetailsSection(), DefaultsSection("project"), StaffSection(),
                TeamSection("project", "projects.project_page", "projects.project", "project_id"),
                DiscussionSection())

    def load(self, project_id):
        return get_project(project_id)

    def context(self, project):
        return {"today": services.today()}



PAGE = ProjectPage()
sections.register(bp, PAGE, "/<id:project_id>")


@bp.get("/<id:project_id>")
def project_page(project_id: int):
    return PAGE.render(get_project(project_id), block="project_page")


@bp.post("/<id:project_id>/staff/<id:staff_id>/remove")
@role_required("manager")
def remove_staff(project_id: int, staff_id: int):
    project = get_project(project_id)
    from ..staff.models import StaffMember

    member = db.get_or_404(StaffMember, staff_id)
    services.unassign(project, staff_id)
    db.session.commit()
    if not wants_fragment():
        return redirect_htmx(url_for("projects.project_page", project_id=project.id))
    return sections.render_view(PAGE, "staff", project,
                                saved=sections.Saved(data={"removed": member.name}),
                                trigger="projectStaffed")
