"""The client list: search, filters, sort, pages, quick add, row menu, archive, delete.

The list (#client-list) reloads itself, with its own URL, when something changed it: every
write answers with its notice and a clientsChanged event (clientapp/notices.py) that the
list listens for. Every write also works as a plain form post: a redirect back where the
user was, where the notice shows.
"""
from flask import abort, request, session, url_for
from flask_babel import format_date, get_timezone, ngettext, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
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

LIST = "clients/list.html"
DIALOGS = "clients/dialogs.html"
# What a write on a client changes: the list reloads, the profile's header refreshes.
CHANGED = ("clientsChanged", "clientUpdated")


def _back_path() -> str:
    """Where a plain (no-JavaScript) form post goes back to: the page that showed the
    confirmation, else the list."""
    return local_path(request.form.get("next")) or url_for("clients.list_clients")


# --- Rendering the list. ---

_SENTINEL = 2147483647  # an id no client has, replaced in each row's links


class RowMaker:
    """Writes the rows of a page as HTML, in Python: the template calls it once. A Jinja
    block costs more per row (each of a row's thirty-odd values escaped and joined one by
    one); here only what a person typed is escaped. The links come from
    url_for once per page, each distinct day is formatted once, the words every row
    repeats are translated and escaped once."""

    _ENDPOINTS = ("clients.profile", "clients.edit", "clients.archive_client",
                  "clients.unarchive_client", "clients.delete_client")

    def __init__(self, can_write: bool):
        self._can_write = can_write
        self._patterns = [url_for(endpoint, client_id=_SENTINEL).split(str(_SENTINEL))
                          for endpoint in self._ENDPOINTS]
        self._patterns.append(url_for("projects.new_project", client=_SENTINEL)
                              .split(str(_SENTINEL)))
        self._days = {}
        self._zone = get_timezone()
        self._types = {"company": str(escape(_("Company"))),
                       "individual": str(escape(_("Individual")))}
        words = {"view": _("View"), "edit": _("Edit"), "archive": _("Archive"),
                 "unarchive": _("Unarchive"), "delete": _("Delete"),
                 "new_project": _("New project"),
                 "archived": pgettext("client status", "Archived"), "new": _("New"),
                 "select": _("Select %(name)s"), "actions": _("Actions for %(name)s")}
        self._w = w = {key: str(escape(value)) for key, value in words.items()}
        self._badges = {
            "archived": f' <span class="badge badge-warn">{w["archived"]}</span>',
            "new": f' <span class="badge badge-new">{w["new"]}</span>'}
        self._token = str(escape(generate_csrf())) if can_write else ""

    def _day(self, moment) -> str:
        if moment is None:
            return ""
        day = moment.astimezone(self._zone).date()
        if day not in self._days:
            self._days[day] = str(escape(format_date(day, "medium")))
        return self._days[day]

    def __call__(self, pinned: list, clients: list) -> Markup:
        extras = services.page_extras([c.id for c in pinned] + [c.id for c in clients])
        html = []
        for is_new, group in ((True, pinned), (False, clients)):
            for client in group:
                projects, contact = extras.get(client.id, (0, None))
                contact_name = contact.name if contact is not None else (
                    client.name if client.type == "individual" else "")
                html.append(self._row(client, is_new, projects, contact_name))
        return Markup("".join(html))

    def _row(self, client, is_new: bool, projects: int, contact: str) -> str:
        w, ident = self._w, str(client.id)
        profile, edit, archive, unarchive, delete, new_project = (
            ident.join(pattern) for pattern in self._patterns)
        name = str(escape(client.name))
        archived = client.archived_at is not None
        address = str(escape(" ".join(client.address.split()))) if client.address else ""
        out = [f'<tr id="client-row-{ident}" class="row-new">' if is_new
               else f'<tr id="client-row-{ident}">']
        if self._can_write:
            out.append(
                f'<td class="select-col"><label class="check-only"><input type="checkbox" '
                f'form="bulk-form" name="ids" value="{ident}"><span class="visually-hidden">'
                f'{w["select"] % {"name": name}}</span></label></td>')
        out.append(
            f'<th scope="row" class="name-col"><a href="{profile}">{name}</a>'
            f'{self._badges["archived"] if archived else ""}'
            f'{self._badges["new"] if is_new else ""}</th>'
            # wide-only: the columns a phone leaves out (app.css).
            f'<td class="wide-only">{escape(client.code or "")}</td>'
            f'<td class="type-col wide-only">'
            f'{self._types.get(client.type) or escape(client.type)}</td>'
            f'<td class="address-col wide-only"><span class="one-line" title="{address}">'
            f'{address}</span></td><td class="wide-only">{escape(client.email or "")}</td>'
            f'<td>{escape(contact)}</td>'
            f'<td class="date-col">{self._day(client.last_interaction_at)}</td>'
            f'<td class="date-col wide-only">{self._day(client.created_at)}</td>'
            f'<td class="number-col">{projects}</td>'
            # The three-dots menu. Without JavaScript nojs.css shows its items as links.
            f'<td class="actions-col"><div class="menu-wrap">'
            f'<button type="button" class="button button-quiet button-small menu-button" '
            f'id="client-actions-{ident}" popovertarget="client-menu-{ident}" '
            f'aria-haspopup="menu" aria-expanded="false"><span aria-hidden="true">⋮</span>'
            f'<span class="visually-hidden">{w["actions"] % {"name": name}}</span></button>'
            f'<ul id="client-menu-{ident}" role="menu" popover '
            f'aria-labelledby="client-actions-{ident}">'
            f'<li role="none"><a role="menuitem" href="{profile}">{w["view"]}</a></li>')
        if self._can_write:
            out.append(f'<li role="none"><a role="menuitem" href="{edit}">{w["edit"]}</a></li>')
            if archived:
                out.append(
                    f'<li role="none"><form method="post" action="{unarchive}" '
                    f'hx-post="{unarchive}" hx-target="#notices" hx-swap="afterbegin" '
                    f'class="menu-form"><input type="hidden" name="csrf_token" '
                    f'value="{self._token}"><button type="submit" role="menuitem">'
                    f'{w["unarchive"]}</button></form></li>')
            else:
                out.append(
                    f'<li role="none"><a role="menuitem" href="{new_project}">'
                    f'{w["new_project"]}</a></li>'
                    f'<li role="none"><a role="menuitem" href="{archive}" hx-get="{archive}" '
                    f'hx-target="body" hx-swap="beforeend">{w["archive"]}</a></li>')
            out.append(
                f'<li role="none"><a role="menuitem" class="danger" href="{delete}" '
                f'hx-get="{delete}" hx-target="body" hx-swap="beforeend">{w["delete"]}</a></li>')
        out.append('</ul></div></td></tr>\n')
        return "".join(out)


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
        "client_rows": RowMaker(current_user.can_write),
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
