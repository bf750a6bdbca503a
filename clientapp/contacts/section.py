"""The profile's Contacts section: the client's people, each added, edited in place and
removed (sections.ItemSection), and downloaded as a vCard."""
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from .. import sections
from ..imports.undo import add_tie
from ..extensions import db
from . import services
from .forms import ContactForm
from .models import Contact


class ContactsSection(sections.ItemSection):
    name = "contacts"
    template = "clients/sections/contacts.html"
    element_id = "client-contacts"

    def context(self, client):
        return {"contacts": services.client_contacts(client.id), "item_form": None,
                "item_editing": None, "current": None, "conflict": False,
                "saved": False, "removed": None}

    def load_item(self, client, item_id):
        contact = db.session.get(Contact, item_id)
        if contact is None or contact.client_id != client.id:
            abort(404)
        return contact

    def item_form(self, client, item=None):
        if item is None:
            return ContactForm(formdata=None)
        return ContactForm(formdata=None, obj=item)

    def submitted_item(self, client, item=None):
        return ContactForm()

    def save_item(self, client, item, form):
        if item is not None and (form.version.data or "") != str(item.version):
            return sections.Saved(409, {"current": item, "conflict": True})
        if not form.validate():
            return sections.Saved(422)
        try:
            with db.session.begin_nested():
                if item is None:
                    services.add_contact(client, form.values(), primary=form.is_primary.data)
                else:
                    services.update_contact(client, item, form.values(),
                                            primary=form.is_primary.data)
        except StaleDataError:
            return sections.Saved(409, {"current": db.session.get(Contact, item.id, populate_existing=True),
                                         "conflict": True})
        return sections.Saved(data={"saved": True}, trigger={"clientUpdated": None, "clientsChanged": None})

    def remove_item(self, client, item):
        services.remove_contact(client, item)
        return sections.Saved(data={"removed": item.name},
                              trigger={"clientUpdated": None, "clientsChanged": None})

    def remove_question(self, client, item):
        return {"title": _("Remove “%(name)s”?", name=item.name),
                "text": _("The contact is removed from %(client)s for good.", client=client.name),
                "button": _("Remove")}


def _has_contacts():
    from sqlalchemy import exists

    from ..clients.models import Client

    contacts, clients = Contact.__table__, Client.__table__
    return exists().where(contacts.c.client_id == clients.c.id,
                          contacts.c.created_at > clients.c.created_at)


# A client someone gave contacts to is more than its import's row: its undo keeps it. (The
# contacts an import makes from its file's contact columns share their client's created_at.)
add_tie(_has_contacts)
