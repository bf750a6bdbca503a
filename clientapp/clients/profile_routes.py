"""A client's profile: header, sections edited in place, full create and edit pages."""
from dataclasses import dataclass, field

from flask import request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..htmx import redirect_htmx, render, wants_fragment
from ..projects.models import Project
from ..security import role_required
from ..text import name_match_key
from .blueprint import bp
from .forms import ClientForm
from .models import Client
from .routes import get_client
from .services import similar_clients
from .validation import code_owner

PROFILE = "clients/profile.html"
FORM_PAGE = "clients/form.html"


# --- Saving: one path for the inline section, the edit page and the create page. ---

@dataclass
class Attempt:
    """What came of a save. `status` is None when saved; 422 when a rule refused the input;
    409 when someone else saved first; 200 when the name looks like another client's and
    the user must confirm. `client` is the saved client, or the current one (None when
    creating and nothing was written)."""

    client: Client | None
    status: int | None = None
    similar: list = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return self.status == 409


def save_client(form: ClientForm, client: Client | None = None) -> Attempt:
    """Write `form` over `client` (or as a new client) unless a rule, a newer version or an
    unconfirmed look-alike name stops it; then nothing is written."""
    if client is not None:
        form.client_id = client.id
        # The form carries the version it was opened on: if the client has moved on since,
        # saving would silently undo someone else's change.
        if (form.version.data or "") != str(client.version):
            return Attempt(client, 409)
    if not form.validate():
        return Attempt(client, 422)
    values = form.values()
    renamed = client is None or name_match_key(values["name"]) != client.match_key
    confirmed = name_match_key(form.confirm_similar.data) == name_match_key(values["name"])
    if renamed and not confirmed:
        similar = similar_clients(values["name"], exclude_id=client.id if client else None)
        if similar:
            return Attempt(client, 200, similar)

    client_id = client.id if client is not None else None
    if client is None:
        client = Client(created_by_id=current_user.id)
        db.session.add(client)
    for key, value in values.items():
        setattr(client, key, value)
    try:
        db.session.commit()
    except StaleDataError:
        # Someone saved between our check and our UPDATE: version_id_col caught it.
        db.session.rollback()
        return Attempt(get_client(client_id), 409)
    except IntegrityError:
        # The unique code_key caught a code taken between the form's check and the write.
        db.session.rollback()
        owner = code_owner(values.get("code"), exclude_id=client_id)
        if owner is None:
            raise
        form.code_taken(owner)
        return Attempt(get_client(client_id) if client_id else None, 422)
    return Attempt(client)


# --- The profile and its Basic information section. ---

def _projects(client: Client) -> list:
    return db.session.scalars(
        select(Project).where(Project.client_id == client.id)
        .order_by(Project.start_date.desc().nulls_last(), Project.id.desc())
    ).all()


def _render_profile(client: Client, block: str, status: int = 200, form=None,
                    attempt: Attempt | None = None, saved: bool = False, trigger=None):
    """The profile page, or one of its blocks for htmx. With `form`, Basic information
    shows its form (a page without JavaScript gets the whole profile around it)."""
    return render(
        PROFILE, block, status=status, trigger=trigger,
        client=client, form=form, saved=saved,
        similar=attempt.similar if attempt else [],
        conflict=attempt.conflict if attempt else False,
        projects=_projects(client),
    )


@bp.get("/<id:client_id>")
def profile(client_id: int):
    return _render_profile(get_client(client_id), "profile")


@bp.get("/<id:client_id>/info")
def client_info(client_id: int):
    """Basic information as read (what Cancel brings back)."""
    return _render_profile(get_client(client_id), "info_view")


@bp.get("/<id:client_id>/info/edit")
@role_required("manager")
def edit_info(client_id: int):
    client = get_client(client_id)
    return _render_profile(client, "info_form", form=ClientForm(obj=client))


@bp.post("/<id:client_id>/info")
@role_required("manager")
def save_info(client_id: int):
    form = ClientForm()
    attempt = save_client(form, get_client(client_id))
    if attempt.status is not None:
        # After a conflict the header shows the newer name too.
        return _render_profile(attempt.client, "info_form", attempt.status, form=form,
                               attempt=attempt,
                               trigger="clientUpdated" if attempt.conflict else None)
    return _render_saved_info(attempt.client)


def _render_saved_info(client: Client):
    if not wants_fragment():
        return redirect_htmx(url_for("clients.profile", client_id=client.id))
    # The header (name, code) listens for clientUpdated and refreshes itself.
    return _render_profile(client, "info_view", saved=True, trigger="clientUpdated")


# --- The full Create and Edit pages. ---

def _render_form_page(form: ClientForm, client: Client | None, status: int = 200,
                      attempt: Attempt | None = None):
    return render(
        FORM_PAGE, "client_form", status=status, form=form, client=client,
        similar=attempt.similar if attempt else [],
        conflict=attempt.conflict if attempt else False,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def create():
    form = ClientForm()
    if request.method == "GET":
        return _render_form_page(form, None)
    attempt = save_client(form)
    if attempt.status is not None:
        return _render_form_page(form, None, attempt.status, attempt)
    return redirect_htmx(url_for("clients.profile", client_id=attempt.client.id))


@bp.route("/<id:client_id>/edit", methods=["GET", "POST"])
@role_required("manager")
def edit(client_id: int):
    client = get_client(client_id)
    if request.method == "GET":
        return _render_form_page(ClientForm(obj=client), client)
    form = ClientForm()
    attempt = save_client(form, client)
    if attempt.status is not None:
        return _render_form_page(form, attempt.client, attempt.status, attempt)
    return redirect_htmx(url_for("clients.profile", client_id=client.id))
