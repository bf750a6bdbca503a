"""The client list: search, sort, pages, quick add, row menu, archive, delete.

Every write works as a plain form post (303 back to where the user was) and from htmx: on
the list page it answers with the list fragment (plus a notice in #notices and, after a
dialog, the dialog's removal) so the change shows in place; from any other page (the
profile) it answers with HX-Redirect.
"""
from datetime import timezone
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from flask import abort, make_response, request, session, url_for
from flask_babel import format_date, get_timezone, ngettext, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..htmx import is_htmx, redirect_htmx, render, vary, wants_fragment
from ..security import local_path, referrer_path, role_required
from ..text import name_match_key
from . import services
from .blueprint import bp
from .forms import QuickAddForm
from .models import Client
from .services import ListParams, list_page

LIST = "clients/list.html"
DIALOGS = "clients/dialogs.html"


def get_client(client_id: int) -> Client:
    return db.get_or_404(Client, client_id)


# --- Where the user is: the list view behind an htmx request, or the page to go back to. ---

def _list_paths() -> set[str]:
    return {url_for("clients.list_clients"), url_for("clients.quick_add")}


def _params_on_screen() -> ListParams | None:
    """The list view the user is looking at, read from the address bar htmx reports
    (the URL always carries q, sort, view and page); None when not on the list."""
    current = request.headers.get("HX-Current-URL") if is_htmx() else None
    if not current:
        return None
    parts = urlsplit(current)
    if parts.path not in _list_paths():
        return None
    return ListParams.from_args(MultiDict(parse_qsl(parts.query)))


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
    address: str  # its first line
    email: str
    added: str  # the day, formatted for the reader
    archived: bool
    new: bool  # just created here: pinned at the top with a "New" badge
    select_label: Markup
    actions_label: Markup
    profile_url: str
    edit_url: str
    archive_url: str
    unarchive_url: str
    delete_url: str


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
        self._days = {}
        self._zone = get_timezone()
        # Escaped once; each row's escaped name goes in with str's %, which is what
        # Markup's % does, minus its per-argument escaping machinery.
        self._select = str(escape(_("Select %(name)s")))
        self._actions = str(escape(_("Actions for %(name)s")))

    def _day(self, moment) -> str:
        if moment is None:
            return ""
        if moment.tzinfo is None:  # SQLite hands back naive UTC
            moment = moment.replace(tzinfo=timezone.utc)
        day = moment.astimezone(self._zone).date()
        if day not in self._days:
            self._days[day] = format_date(day, "medium")
        return self._days[day]

    def __call__(self, pinned: list, clients: list) -> list:
        rows = []
        for is_new, group in ((True, pinned), (False, clients)):
            for client in group:
                ident = str(client.id)
                name = {"name": str(escape(client.name))}
                rows.append(ClientRow(
                    client.id, client.name, client.code or "",
                    client.address.splitlines()[0] if client.address else "",
                    client.email or "", self._day(client.created_at),
                    client.archived_at is not None, is_new,
                    Markup(self._select % name), Markup(self._actions % name),
                    *(ident.join(pattern) for pattern in self._patterns)))
        return rows


def _row_words() -> dict:
    """The words every row repeats, translated once per page (plain strings: escaping a
    str costs half what re-checking a Markup does)."""
    return {
        "view": _("View"), "edit": _("Edit"), "archive": _("Archive"),
        "unarchive": _("Unarchive"), "delete": _("Delete"),
        "archived": pgettext("client status", "Archived"),
        "new": _("New"),
    }


def _list_context(params: ListParams, page: dict | None = None, **extra) -> dict:
    """What list.html needs. Only a whole page or the list fragment read the clients:
    the quick-add fragment alone does not."""
    if page is None:
        page = list_page(params) if not wants_fragment() or not extra.get("form_only") \
            else {"clients": [], "total": 0, "pages": 1, "number": params.page,
                  "first": 0, "last": 0}
    extra.pop("form_only", None)
    shown = ListParams(params.q, params.sort, params.view, page["number"])
    context = {
        "params": shown,
        "page": page,
        "client_rows": RowMaker(),
        "words": _row_words(),
        "can_write": current_user.can_write,
        "export_url": url_for("imports.export_formats", **shown.args(page=1)),
        "pinned": [],
        "quick_form": None,
        "similar": [],
        "notice": None,
        "focus_list": False,
        "close_dialog": False,
        "list_oob": False,
    }
    context.update(extra)
    return context


def _list_url(params: ListParams) -> str:
    return url_for("clients.list_clients", **params.args())


def _list_fragment(context: dict, before: str = ""):
    """The list fragment and what rides along out of band (notice, dialog removal, the
    Export link of the new view); the address bar is set to the view shown."""
    body = before + render_block(LIST, "client_list", **context) \
        + render_block(LIST, "list_extras", **context)
    return vary(make_response(body))


def _list_update(notice: dict | None = None, close_dialog: bool = False, pinned=(),
                 params: ListParams | None = None, quick_form=None):
    """The htmx answer after a write on the list page: the list again, as the address bar
    says it is, with the dialog closed and a notice; focus goes to the list's summary.
    With `quick_form`, the quick-add form is the main fragment and the list rides along."""
    params = params or _params_on_screen() or ListParams()
    pinned_ids = {c.id for c in pinned}
    page = list_page(params)
    page["clients"] = [c for c in page["clients"] if c.id not in pinned_ids]
    context = _list_context(params, page, notice=notice, close_dialog=close_dialog,
                            pinned=list(pinned), focus_list=quick_form is None,
                            quick_form=quick_form)
    before = ""
    if quick_form is not None:
        before = render_block(LIST, "quick_add", **context)
        context["list_oob"] = True
    response = _list_fragment(context, before)
    # The page shown may differ from the one asked for (past the end after an archive).
    response.headers["HX-Replace-Url"] = _list_url(context["params"])
    return response


def _after_write(notice: dict | None, default_path: str, close_dialog: bool = True):
    """Answer a successful write: in place on the list page, else back where the user was."""
    if wants_fragment() and _params_on_screen() is not None:
        return _list_update(notice, close_dialog=close_dialog)
    target = local_path(request.form.get("next")) or default_path
    if notice is not None and urlsplit(target).path in _list_paths():
        # Shown once by the list page (the profile has its own banner).
        session["clients_notice"] = notice
    return redirect_htmx(target)


def _notice(text: str, undo_ids=()) -> dict:
    return {"text": text, "undo": [int(i) for i in undo_ids]}


@bp.get("")
def list_clients():
    params = ListParams.from_args(request.args)
    context = _list_context(params)
    if wants_fragment():
        response = _list_fragment(context)
        # The address bar shows the view as it is (unknown arguments dropped, a page past
        # the end brought back), so reload and a shared link show the same list.
        response.headers["HX-Push-Url"] = _list_url(context["params"])
        return response
    # What a plain form post left to show once: its notice, a quick-added client on top.
    context["notice"] = session.pop("clients_notice", None)
    pinned = [c for c in (db.session.get(Client, i) for i in session.pop("clients_pinned", []))
              if c is not None]
    if pinned:
        ids = {c.id for c in pinned}
        context["pinned"] = pinned
        context["page"]["clients"] = [c for c in context["page"]["clients"] if c.id not in ids]
    return render(LIST, "client_list", **context)


# --- Quick add: the inline "Add client" form. ---

@bp.get("/add")
@role_required("manager")
def quick_add_form():
    """The inline form (on the list page without JavaScript); ?close=1 removes it."""
    params = _params_on_screen() or ListParams.from_args(request.args)
    form = None if request.args.get("close") else QuickAddForm(formdata=None)
    return render(LIST, "quick_add", **_list_context(params, quick_form=form, form_only=True))


@bp.post("/add")
@role_required("manager")
def quick_add():
    form = QuickAddForm()
    params = _params_on_screen() or ListParams()
    if not form.validate():
        return render(LIST, "quick_add", status=422,
                      **_list_context(params, quick_form=form, form_only=True))
    name = form.cleaned()["name"]
    # A look-alike name ("ACME" for "Acme, Inc.") asks first; the form then carries the
    # name the user confirmed, so changing the name asks again.
    confirmed = name_match_key(form.confirm_similar.data) == name_match_key(name)
    similar = [] if confirmed else services.similar_clients(name)
    if similar:
        form.confirm_similar.data = name
        return render(LIST, "quick_add", **_list_context(params, quick_form=form,
                                                          similar=similar, form_only=True))
    client = services.create_client(name, created_by_id=current_user.id)
    notice = _notice(_("Client “%(name)s” created.", name=client.name))
    if wants_fragment():
        return _list_update(notice, pinned=[client], params=params,
                            quick_form=QuickAddForm(formdata=None))
    session["clients_notice"] = notice
    session["clients_pinned"] = [client.id]
    return redirect_htmx(url_for("clients.list_clients"))


# --- Archive, unarchive, delete: GET shows the confirmation, POST does it. ---

def _dialog(block: str, status: int = 200, **context):
    """A confirmation: a modal <dialog> for htmx, a page of its own otherwise. A refusal
    (422, 409) replaces the open dialog in place, whatever the form's own target."""
    context.setdefault("next_path", referrer_path() or url_for("clients.list_clients"))
    context.setdefault("on_list", _params_on_screen() is not None)
    context.setdefault("error", None)
    response = render(DIALOGS, block, status=status, modal=wants_fragment(), dialog=block,
                      **context)
    if status >= 400 and wants_fragment():
        response.headers["HX-Retarget"] = "#client-dialog"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def _reason() -> tuple[str | None, str | None]:
    """The optional archive reason, and the error when it cannot be kept."""
    reason = (request.form.get("reason") or "").strip() or None
    if reason and len(reason) > services.REASON_MAX:
        return reason, _("Use at most %(n)s characters.", n=services.REASON_MAX)
    if reason and "\x00" in reason:
        return reason, _("This value contains a character that is not allowed.")
    return reason, None


@bp.route("/<int:client_id>/archive", methods=["GET", "POST"])
@role_required("manager")
def archive_client(client_id: int):
    client = get_client(client_id)
    if request.method == "GET":
        return _dialog("archive_dialog", client=client, reason="")
    reason, error = _reason()
    if error:
        return _dialog("archive_dialog", 422, client=client, reason=reason, error=error,
                       next_path=_back_path())
    services.archive_clients([client], reason)
    notice = _notice(_("“%(name)s” archived.", name=client.name), undo_ids=[client.id])
    return _after_write(notice, url_for("clients.profile", client_id=client.id))


@bp.post("/<int:client_id>/unarchive")
@role_required("manager")
def unarchive_client(client_id: int):
    client = get_client(client_id)
    services.unarchive_clients([client])
    notice = _notice(_("“%(name)s” is active again.", name=client.name))
    return _after_write(notice, url_for("clients.profile", client_id=client.id),
                        close_dialog=False)


@bp.route("/<int:client_id>/delete", methods=["GET", "POST"])
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
        client = get_client(client_id)
        return _dialog("delete_dialog", 409, client=client, projects=refused.projects,
                       next_path=_back_path())
    notice = _notice(_("“%(name)s” deleted.", name=name))
    return _after_write(notice, url_for("clients.list_clients"))


# --- Bulk: the rows' checkboxes, "Archive selected" / "Unarchive selected". ---

def _selected_ids(values) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10][
        :services.BULK_MAX]


@bp.route("/bulk-archive", methods=["GET", "POST"])
@role_required("manager")
def bulk_archive():
    source = request.args if request.method == "GET" else request.form
    action = source.get("action")
    if action not in ("archive", "unarchive"):
        abort(400)
    selected = services.clients_by_ids(_selected_ids(source.getlist("ids")))
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
        text = ngettext("%(num)s client archived.", "%(num)s clients archived.", len(changed))
        notice = _notice(text, undo_ids=[c.id for c in changed])
    else:
        changed = services.unarchive_clients(concerned)
        notice = _notice(ngettext("%(num)s client is active again.",
                                  "%(num)s clients are active again.", len(changed)))
    return _after_write(notice, url_for("clients.list_clients"))
