"""The client list: search, filters, sort, pages, quick add, row menu, archive, delete.

The list (#client-list) reloads itself, with its own URL, when something changed it: every
write answers with its notice and a clientsChanged event (clientapp/notices.py) that the
list listens for. Every write also works as a plain form post: a redirect back where the
user was, where the notice shows.
"""
from typing import NamedTuple

from flask import abort, request, session, url_for
from flask_babel import format_date, get_timezone, ngettext, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from ..extensions import db
from ..htmx import push_url, redirect_htmx, render, retarget, wants_fragment
from ..ids import as_ids
from ..notices import Notice, after_write, keep
from ..security import local_path, referrer_path, role_required
from ..text import name_match_key
from . import services
from .blueprint import bp
from .forms import QuickAddForm
from .models import Client
from .profile_routes import get_client
from .services import CLIENTS, list_page
from ..projects.services import project_counts

LIST = "clients/list.html"
DIALOGS = "clients/dialogs.html"
# What a write on a client changes: the list reloads, the profile's header refreshes.
CHANGED = ("clientsChanged", "clientUpdated")


def _back_path() -> str:
    """Where a plain (no-JavaScript) form post goes back to: the page that showed the
    confirmation, else the list."""
    return local_path(request.form.get("next")) or url_for("clients.list_clients")


# --- Rendering the list. ---

class ClientRow(NamedTuple):
    """What one row of the list shows, made in Python once per page: in the template, each
    call (a link, a date) costs several times what it costs here, and fifty rows are most
    of the page's time."""

    id: int
    name: str
    code: str
    type: str  # its label
    address: str  # on one line
    email: str
    added: str  # the day, formatted for the reader
    archived: bool
    projects: int  # how many projects it has
    new: bool  # just created here: pinned at the top with a "New" badge
    select_label: Markup
    actions_label: Markup
    profile_url: str
    edit_url: str
    archive_url: str
    unarchive_url: str
    delete_url: str
    new_project_url: str
    contact: str = ""  # the primary contact's name (an individual is their own contact)
    last_interaction: str = ""  # the day of the latest logged interaction


_SENTINEL = 2147483647  # an id no client has, replaced in each row's links


class RowMaker:
    """Makes the ClientRows of a page: the links from url_for once per page (url_for for
    fifty rows times five links was a third of the page), each distinct day formatted once,
    the words that hold a client's name from escaped templates (their % escapes the name)."""

    _ENDPOINTS = ("clients.profile", "clients.edit", "clients.archive_client",
                  "clients.unarchive_client", "clients.delete_client")

    def __init__(self):
        self._patterns = [url_for(endpoint, client_id=_SENTINEL).split(str(_SENTINEL))
                          for endpoint in self._ENDPOINTS]
        self._patterns.append(url_for("projects.new_project", client=_SENTINEL)
                              .split(str(_SENTINEL)))
        self._days = {}
        self._zone = get_timezone()
        self._types = {"company": _("Company"), "individual": _("Individual")}
        # Escaped once; each row's escaped name goes in with str's %, which is what
        # Markup's % does, minus its per-argument escaping machinery.
        self._select = str(escape(_("Select %(name)s")))
        self._actions = str(escape(_("Actions for %(name)s")))

    def _day(self, moment) -> str:
        if moment is None:
            return ""
        day = moment.astimezone(self._zone).date()
        if day not in self._days:
            self._days[day] = format_date(day, "medium")
        return self._days[day]

    def __call__(self, pinned: list, clients: list) -> list:
        from ..contacts.services import primary_contacts

        rows = []
        contacts = primary_contacts([c.id for c in pinned] + [c.id for c in clients])
        # The page's project counts in one grouped query (the Projects column).
        counts = project_counts([c.id for c in pinned] + [c.id for c in clients])
        for is_new, group in ((True, pinned), (False, clients)):
            for client in group:
                contact = contacts.get(client.id)
                contact_name = contact.name if contact is not None else (
                    client.name if client.type == "individual" else "")
                ident = str(client.id)
                name = {"name": str(escape(client.name))}
                rows.append(ClientRow(
                    client.id, client.name, client.code or "",
                    self._types.get(client.type, client.type),
                    " ".join(client.address.split()) if client.address else "",
                    client.email or "", self._day(client.created_at),
                    client.archived_at is not None, counts.get(client.id, 0), is_new,
                    Markup(self._select % name), Markup(self._actions % name),
                    *(ident.join(pattern) for pattern in self._patterns),
                    contact_name, self._day(client.last_interaction_at)))
        return rows


def _row_words() -> dict:
    """The words every row repeats, translated once per page (plain strings: escaping a
    str costs half what re-checking a Markup does)."""
    return {
        "view": _("View"), "edit": _("Edit"), "archive": _("Archive"),
        "unarchive": _("Unarchive"), "delete": _("Delete"), "new_project": _("New project"),
        "archived": pgettext("client status", "Archived"),
        "new": _("New"),
    }


def _list_context(params, **extra) -> dict:
    """What list.html needs. The clients just created here (kept in the session by quick
    add) are pinned at the top of the first list shown after it."""
    page = list_page(params)
    pinned = [c for c in (db.session.get(Client, i) for i in session.pop("clients_pinned", []))
              if c is not None]
    if pinned:
        ids = {c.id for c in pinned}
        page.items = [c for c in page.items if c.id not in ids]
    context = {
        "params": params.with_(page=page.page),
        "page": page,
        "pinned": pinned,
        "client_rows": RowMaker(),
        "words": _row_words(),
        "can_write": current_user.can_write,
        "export_url": url_for("imports.export_formats", **params.args(page=1)),
        "quick_form": None,
        "similar": [],
    }
    context.update(extra)
    return context


@bp.get("")
def list_clients():
    params = CLIENTS.params(request.args)
    context = _list_context(params)
    # The list and, out of band, the Export link of the view it shows.
    response = render(LIST, ["client_list", "export_link"], **context)
    if wants_fragment():
        # The address bar shows the view as it is (unknown arguments dropped, a page past
        # the end brought back), so reload and a shared link show the same list.
        push_url(response, context["params"].url())
    return response


# --- Quick add: the inline "Add client" form. ---

def _quick_add(form, status: int = 200, similar=()):
    return render(LIST, "quick_add", status=status, quick_form=form, similar=list(similar),
                  can_write=True)


@bp.get("/add")
@role_required("manager")
def quick_add_form():
    """The inline form (on the list page without JavaScript); ?close=1 removes it."""
    if not wants_fragment():
        return render(LIST, None, **_list_context(
            CLIENTS.params(request.args),
            quick_form=None if request.args.get("close") else QuickAddForm(formdata=None)))
    return _quick_add(None if request.args.get("close") else QuickAddForm(formdata=None))


@bp.post("/add")
@role_required("manager")
def quick_add():
    form = QuickAddForm()
    if not form.validate():
        if not wants_fragment():
            return render(LIST, None, status=422,
                          **_list_context(CLIENTS.params({}), quick_form=form))
        return _quick_add(form, 422)
    name = form.cleaned()["name"]
    # A look-alike name ("ACME" for "Acme, Inc.") asks first; the form then carries the
    # name the user confirmed, so changing the name asks again.
    confirmed = name_match_key(form.confirm_similar.data) == name_match_key(name)
    similar = [] if confirmed else services.similar_clients(name)
    if similar:
        form.confirm_similar.data = name
        if not wants_fragment():
            return render(LIST, None, **_list_context(CLIENTS.params({}), quick_form=form,
                                                      similar=similar))
        return _quick_add(form, similar=similar)
    client = services.create_client({"name": name}, created_by_id=current_user.id)
    db.session.commit()
    # The next list shown (the one the event reloads, or the page a plain post lands on)
    # pins it at the top with a "New" badge.
    session["clients_pinned"] = [client.id]
    notice = Notice(_("Client “%(name)s” created.", name=client.name))
    if not wants_fragment():
        keep(notice)
        return redirect_htmx(url_for("clients.list_clients"))
    response = render(LIST, ["quick_add", "notice_oob"], quick_form=QuickAddForm(formdata=None),
                      similar=[], can_write=True, notice=notice.as_dict())
    response.headers["HX-Trigger"] = '{"clientsChanged": null}'
    return response


# --- Archive, unarchive, delete: GET shows the confirmation, POST does it. ---

def _dialog(block: str, status: int = 200, **context):
    """A confirmation: a modal <dialog> for htmx, a page of its own otherwise. A refusal
    (422, 409) replaces the open dialog in place, whatever the form's own target."""
    context.setdefault("next_path", referrer_path() or url_for("clients.list_clients"))
    context.setdefault("error", None)
    response = render(DIALOGS, block, status=status, modal=wants_fragment(), dialog=block,
                      **context)
    if status >= 400 and wants_fragment():
        retarget(response, "#client-dialog", "outerHTML")
    return response


def _reason() -> tuple[str | None, str | None]:
    """The optional archive reason, and the error when it cannot be kept."""
    reason = (request.form.get("reason") or "").strip() or None
    if reason and len(reason) > services.REASON_MAX:
        return reason, _("Use at most %(n)s characters.", n=services.REASON_MAX)
    if reason and "\x00" in reason:
        return reason, _("This value contains a character that is not allowed.")
    return reason, None


def _archived_notice(changed: list) -> Notice:
    if len(changed) == 1:
        return Notice(_("“%(name)s” archived.", name=changed[0].name),
                      undo_url=url_for("clients.unarchive_client", client_id=changed[0].id))
    return Notice(ngettext("%(num)s client archived.", "%(num)s clients archived.",
                           len(changed)),
                  undo_url=url_for("clients.bulk_archive"),
                  undo_fields={"action": "unarchive", "ids": [c.id for c in changed]})


@bp.route("/<id:client_id>/archive", methods=["GET", "POST"])
@role_required("manager")
def archive_client(client_id: int):
    client = get_client(client_id)
    if request.method == "GET":
        return _dialog("archive_dialog", client=client, reason="")
    reason, error = _reason()
    if error:
        return _dialog("archive_dialog", 422, client=client, reason=reason, error=error,
                       next_path=_back_path())
    changed = services.archive_clients([client], reason)
    db.session.commit()
    notice = _archived_notice(changed) if changed else None
    return after_write(notice, _back_path(), trigger=CHANGED, close_dialog=True)


@bp.post("/<id:client_id>/unarchive")
@role_required("manager")
def unarchive_client(client_id: int):
    client = get_client(client_id)
    services.unarchive_clients([client])
    db.session.commit()
    notice = Notice(_("“%(name)s” is active again.", name=client.name))
    return after_write(notice, _back_path(), trigger=CHANGED)


@bp.route("/<id:client_id>/delete", methods=["GET", "POST"])
@role_required("manager")
def delete_client(client_id: int):
    client = get_client(client_id)
    if request.method == "GET":
        return _dialog("delete_dialog", client=client,
                       projects=services.project_count(client.id))
    name = client.name
    try:
        services.delete_client(client)
    except services.DeleteRefused as refused:
        db.session.rollback()
        client = get_client(client_id)
        return _dialog("delete_dialog", 409, client=client, projects=refused.projects,
                       next_path=_back_path())
    db.session.commit()
    notice = Notice(_("“%(name)s” deleted.", name=name))
    back = _back_path()
    if back.split("?")[0] == url_for("clients.profile", client_id=client_id):
        # Deleted from its own profile, which is gone: on to the list.
        keep(notice)
        return redirect_htmx(url_for("clients.list_clients"))
    return after_write(notice, back, trigger=CHANGED, close_dialog=True)


# --- Bulk: the rows' checkboxes, "Archive selected" / "Unarchive selected". ---

@bp.route("/bulk-archive", methods=["GET", "POST"])
@role_required("manager")
def bulk_archive():
    source = request.args if request.method == "GET" else request.form
    action = source.get("action")
    if action not in ("archive", "unarchive"):
        abort(400)
    selected = services.clients_by_ids(as_ids(source.getlist("ids"))[:services.BULK_MAX])
    archiving = action == "archive"
    # Only those the action changes count: archiving an archived client does nothing.
    concerned = [c for c in selected if (c.archived_at is None) == archiving]
    if request.method == "GET":
        return _dialog("bulk_dialog", action=action, clients=concerned, reason="")
    reason, error = _reason() if archiving else (None, None)
    if error:
        return _dialog("bulk_dialog", 422, action=action, clients=concerned, reason=reason,
                       error=error, next_path=_back_path())
    if archiving:
        changed = services.archive_clients(concerned, reason)
        notice = _archived_notice(changed) if changed else None
    else:
        changed = services.unarchive_clients(concerned)
        notice = Notice(ngettext("%(num)s client is active again.",
                                 "%(num)s clients are active again.", len(changed)))
    db.session.commit()
    return after_write(notice, _back_path(), trigger=CHANGED, close_dialog=True)
