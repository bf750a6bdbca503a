"""The clients' import target: a client per row, matched by its code, with its primary
contact in the contact columns. Its writer is running.ClientRun."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from ..clients.models import Client, client_keys, code_key
from ..clients.validation import field_errors
from ..db.search import search_text
from ..extensions import db
from ..projects.models import Project
from . import targets
from .reading import CONTACT_FIELDS, FIELDS, HEADER_NAMES, IMPORT_FIELDS

FIELD_LABELS = {"name": _l("Name"), "code": _l("Code"), "address": _l("Address"),
                "email": _l("Email"), "phone": _l("Phone"), "type": _l("Type"),
                "contact_name": _l("Contact name"), "contact_email": _l("Contact email"),
                "contact_phone": _l("Contact phone")}


def contact_values(values: dict) -> dict | None:
    """The primary contact a row describes (contacts.services' fields), or None."""
    from ..contacts.services import split_name

    if not any(values.get(name) for name in CONTACT_FIELDS):
        return None
    first, last = split_name(values.get("contact_name"))
    return {"first_name": first, "last_name": last, "email": values.get("contact_email"),
            "phone": values.get("contact_phone")}


def contact_row(contact) -> dict:
    """A contact as the contact columns of a file would hold it."""
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return {"contact_name": name or None, "contact_email": contact.email,
            "contact_phone": contact.phone}


def row_keys(values: dict) -> tuple:
    """client_keys() of a row, its contact's name and email searched with the client."""
    return client_keys(values.get("name"), values.get("code"), values.get("address"),
                       values.get("email"), search_text(values.get("contact_name"),
                                                        values.get("contact_email")))


def row_errors(values: dict) -> dict:
    """The client form's rules, and the contact form's for the contact columns."""
    from ..contacts.services import contact_errors

    errors = field_errors({name: values[name] for name in values if name in FIELDS})
    contact = contact_values(values)
    if contact is not None:
        found = contact_errors(contact)
        if contact["email"] and "last_name" in found:
            # A file may name a contact by its email alone (an update of its address).
            del found["last_name"]
        names = {"first_name": "contact_name", "last_name": "contact_name",
                 "email": "contact_email", "phone": "contact_phone"}
        for name, message in found.items():
            errors.setdefault(names.get(name, "contact_name"), message)
    return errors


def owners(keys) -> dict:
    query = select(Client.code_key, Client.id, Client.name)
    query = query.where(Client.code_key.is_not(None) if keys is None
                        else Client.code_key.in_(keys))
    return {key: (client_id, name) for key, client_id, name in db.session.execute(query)}


def lookalikes(keys) -> dict:
    query = select(Client.match_key, Client.id, Client.name).order_by(Client.id)
    query = query.where(Client.match_key != "" if keys is None else Client.match_key.in_(keys))
    found = {}
    for key, client_id, name in db.session.execute(query):
        found.setdefault(key, (client_id, name))
    return found


def primary_contacts(ids) -> dict:
    from ..contacts.services import primary_contacts as primaries

    return {client_id: contact_row(contact) for client_id, contact in primaries(ids).items()}


def template():
    from .exporting import template_response

    return template_response()


# --- Undo ---------------------------------------------------------------------------------
# What ties a client to more than its row, each an EXISTS on clients.id: features add theirs
# (contacts, interactions) with undo.add_tie().
TIES = []


def has_projects():
    return exists().where(Project.__table__.c.client_id == Client.__table__.c.id)


def touched():
    """Edited since it was created (any save moves the version), or tied to more."""
    return or_(Client.__table__.c.version > 1, *(factory() for factory in TIES))


def record_keys(values: dict, record) -> dict:
    keys = client_keys(values["name"], values["code"], values["address"], values["email"],
                       record.contact_words)
    return dict(zip(("name_key", "code_key", "match_key", "search_text"), keys))


def renamed(session, names: dict) -> None:
    from ..projects.services import refresh_project_search

    refresh_project_search(session, names)


def _writer():
    from .running import ClientRun

    return ClientRun


CLIENTS = targets.register(targets.ImportTarget(
    name="clients", fields=IMPORT_FIELDS, record_fields=FIELDS, header_names=HEADER_NAMES,
    field_labels=FIELD_LABELS, key_field="code", key=code_key, row_keys=row_keys,
    row_errors=row_errors, model=Client, owners=owners, lookalikes=lookalikes,
    writer=_writer,
    messages={
        "code_twice": lambda detail, values: _("This code is also on line %(line)s.",
                                               line=detail.get("line")),
        "code_used": lambda detail, values: _("The code %(code)s is already used by %(name)s.",
                                              code=values.get("code") or "",
                                              name=detail.get("name")),
        "similar": lambda detail, values: _("Looks like the existing client %(name)s.",
                                            name=detail.get("name")),
        "similar_line": lambda detail, values: _("Looks like the client on line %(line)s.",
                                                 line=detail.get("line")),
    },
    record_endpoint="clients.profile", record_arg="client_id",
    list_endpoint="clients.list_clients", template=template, always_keep=("type",),
    related=primary_contacts, kept=has_projects, touched=touched, record_keys=record_keys,
    renamed=renamed,
))

