"""A client's profile (a page of sections), and the full create and edit pages."""
from flask import request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import sections
from ..contacts.section import ContactsSection
from ..defaults.section import DefaultsSection
from ..extensions import db
from ..interactions.section import InteractionsSection
from ..htmx import redirect_htmx, render
from ..projects.services import HISTORY, client_history
from ..projects.services import today as project_today
from ..security import role_required
from ..teams.section import TeamSection
from ..text import name_match_key
from . import services
from .blueprint import bp
from .forms import ClientForm
from .models import Client
from .validation import code_owner

FORM_PAGE = "clients/form.html"


def get_client(client_id: int) -> Client:
    return db.get_or_404(Client, client_id)


# --- Saving: one path for the Basic information section, the edit page and the create page.

def save_client(form: ClientForm, client: Client | None = None) -> sections.Saved:
    """Write `form` over `client` (or as a new client, then in data["client"]) unless a
    rule, a newer version or an unconfirmed look-alike name stops it; the caller commits
    when saved, rolls back otherwise."""
    if client is not None:
        form.client_id = client.id
        # The form carries the version it was opened on: if the client has moved on since,
        # saving would silently undo someone else's change.
        if (form.version.data or "") != str(client.version):
            return sections.Saved(409, trigger="clientUpdated")
    if not form.validate():
        return sections.Saved(422)
    values = form.values()
    renamed = client is None or name_match_key(values["name"]) != client.match_key
    confirmed = name_match_key(form.confirm_similar.data) == name_match_key(values["name"])
    if renamed and not confirmed:
        similar = services.similar_clients(values["name"],
                                           exclude_id=client.id if client else None)
        if similar:
            return sections.Saved(200, {"similar": similar})
    try:
        with db.session.begin_nested():
            if client is None:
                client = services.create_client(values, created_by_id=current_user.id)
            else:
                services.update_client(client, values)
    except StaleDataError:
        # Someone saved between our check and our UPDATE: version_id_col caught it.
        return sections.Saved(409, trigger="clientUpdated")
    except IntegrityError:
        # The unique code_key caught a code taken between the form's check and the write.
        owner = code_owner(values.get("code"), exclude_id=form.client_id)
        if owner is None:
            raise
        form.code_taken(owner)
        return sections.Saved(422)
    return sections.Saved(data={"client": client, "saved": True}, trigger="clientUpdated")


# --- The profile: a header and its sections. ---

class InfoSection(sections.Section):
    name = "info"
    template = "clients/sections/info.html"

    def context(self, client):
        return {"similar": [], "saved": False}

    def form(self, client):
        return ClientForm(obj=client)

    def submitted(self, client):
        return ClientForm()

    def save(self, client, form):
        return save_client(form, client)


class ProjectsSection(sections.Section):
    """The client's project history, newest first, 20 a page; read only here (archived
    clients keep theirs)."""

    name = "projects"
    template = "clients/sections/projects.html"
    editable = False

    def context(self, client):
        params = self.list_params(HISTORY, client_id=client.id)
        return {"params": params, "page": client_history(client.id, params),
                "today": project_today()}


class ClientProfile(sections.Page):
    name = "profile"
    template = "clients/profile.html"
    endpoint = "clients.profile"
    id_arg = "client_id"
    owner_name = "client"
    sections = (InfoSection(), ContactsSection(),
                TeamSection("client", "clients.profile", "clients.profile", "client_id"),
                DefaultsSection("client"), ProjectsSection(),
                InteractionsSection())

    def load(self, client_id):
        return get_client(client_id)

    def context(self, client):
        from ..contacts.services import primary_contacts

        return {"primary_contact": primary_contacts([client.id]).get(client.id)}


PROFILE = ClientProfile()
sections.register(bp, PROFILE, "/<id:client_id>")


@bp.get("/<id:client_id>")
def profile(client_id: int):
    return PROFILE.render(get_client(client_id), block="profile")


# --- The full Create and Edit pages. ---

def _render_form_page(form: ClientForm, client: Client | None, status: int = 200,
                      saved: sections.Saved | None = None):
    return render(FORM_PAGE, "client_form", status=status, form=form, client=client,
                  similar=saved.data.get("similar", []) if saved else [],
                  conflict=bool(saved and saved.conflict))


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def create():
    form = ClientForm()
    if request.method == "GET":
        return _render_form_page(form, None)
    saved = save_client(form)
    if saved.status is not None:
        db.session.rollback()
        return _render_form_page(form, None, saved.status, saved)
    db.session.commit()
    return redirect_htmx(url_for("clients.profile", client_id=saved.data["client"].id))


@bp.route("/<id:client_id>/edit", methods=["GET", "POST"])
@role_required("manager")
def edit(client_id: int):
    client = get_client(client_id)
    if request.method == "GET":
        return _render_form_page(ClientForm(obj=client), client)
    form = ClientForm()
    saved = save_client(form, client)
    if saved.status is not None:
        db.session.rollback()
        return _render_form_page(form, get_client(client_id), saved.status, saved)
    db.session.commit()
    return redirect_htmx(url_for("clients.profile", client_id=client.id))
