"""The profile's Interactions section: the timeline (logged interactions and the app's
events, newest first, filtered by type and author, "Load more" by keyset), and the log,
edit and delete of one's own entries (sections.ItemSection)."""
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import sections
from ..imports.undo import add_tie
from ..activity import Event
from ..auth.models import User
from ..contacts.services import client_contacts
from ..extensions import db
from ..ids import as_id
from . import services, timeline
from .forms import InteractionForm, local_now


def timeline_args(args) -> dict:
    """The timeline's filters and cursor from a request's arguments."""
    return {"kind": timeline.read_type(args.get("type")), "who": as_id(args.get("who")),
            "before": timeline.Cursor.parse(args.get("before"))}


def timeline_context(client, args) -> dict:
    wanted = timeline_args(args)
    entries, next_cursor = timeline.client_timeline(client.id, **wanted)
    # Who may do what to each entry, decided once here rather than twice per entry in the
    # template (the same rules as InteractionsSection.may_change and may_remove).
    user = current_user._get_current_object()
    writer = user.is_authenticated and user.can_write
    own = {e.id for e in entries if writer and e.logged and e.actor_id == user.id}
    removable = own | ({e.id for e in entries if e.logged} if writer and user.is_admin
                       else set())
    import_file = None
    if next_cursor is None and client.import_job_id is not None \
            and wanted["kind"] in ("all", "app") and wanted["who"] is None:
        from ..imports.models import ImportJob

        import_file = db.session.scalar(select(ImportJob.filename)
                                        .where(ImportJob.id == client.import_job_id))
    return {"entries": entries, "next": next_cursor, "type": wanted["kind"],
            "who": wanted["who"], "before": wanted["before"],
            "type_labels": timeline.type_labels(), "editable": own, "removable": removable,
            "import_file": import_file}


class InteractionsSection(sections.ItemSection):
    name = "interactions"
    template = "clients/sections/interactions.html"
    element_id = "client-interactions"

    def context(self, client):
        # Its filters come from its own view's URL or the profile's (url_state() puts them
        # there), never from another section's request.
        own = request.method == "GET" and (request.view_args.get("name") == self.name
                                           or request.endpoint == "clients.profile")
        data = timeline_context(client, request.args if own else {})
        data.update(item_form=None, item_editing=None, saved=False, removed=None,
                    conflict=False, users=db.session.execute(
                        select(User.id, User.name).order_by(User.name, User.id)).all())
        return data

    def url_state(self) -> dict:
        wanted = timeline_args(request.args)
        state = {"type": wanted["kind"]} if wanted["kind"] != "all" else {}
        if wanted["who"] is not None:
            state["who"] = wanted["who"]
        return state

    def load_item(self, client, item_id):
        event = db.session.get(Event, item_id)
        if event is None or event.client_id != client.id:
            abort(404)
        return event

    def may_change(self, client, item) -> bool:
        """Only the author edits a logged entry; nobody edits the app's events."""
        return item.logged and current_user.can_write and item.actor_id == current_user.id

    def may_remove(self, client, item) -> bool:
        return item.logged and current_user.can_write and (
            item.actor_id == current_user.id or current_user.is_admin)

    def item_form(self, client, item=None):
        form = InteractionForm(formdata=None)
        form.set_contacts(client_contacts(client.id))
        if item is None:
            form.at.data = local_now()
        else:
            form.fill(item)
        return form

    def submitted_item(self, client, item=None):
        form = InteractionForm()
        form.set_contacts(client_contacts(client.id))
        return form

    def save_item(self, client, item, form):
        if not form.validate():
            return sections.Saved(422)
        if item is None:
            services.log_interaction(client, form.values())
        else:
            services.update_interaction(item, form.values())
        return sections.Saved(data={"saved": True}, trigger={"clientsChanged": None})

    def remove_item(self, client, item):
        summary = item.summary
        services.delete_interaction(item)
        return sections.Saved(data={"removed": summary}, trigger={"clientsChanged": None})

    def remove_question(self, client, item):
        return {"title": _("Delete this interaction?"),
                "text": _("“%(summary)s” is deleted from the timeline for good.",
                          summary=item.summary),
                "button": _("Delete")}


def _has_logged_interactions():
    from sqlalchemy import exists

    from ..activity import LOGGED_KINDS
    from ..clients.models import Client

    events = Event.__table__
    return exists().where(events.c.client_id == Client.__table__.c.id,
                          events.c.kind.in_(LOGGED_KINDS))


# A client with logged interactions is more than its import's row: its undo keeps it.
add_tie(_has_logged_interactions)
