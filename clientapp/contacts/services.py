"""Contacts: their rules (shared by the form and the importer), and their writes.

Writes flush and record their event (contact.added, contact.removed) in the caller's
transaction. A contact's names and email are folded into its client's search text, so the
client search finds a client by its contacts; that write goes around the ORM, so it never
moves the client's version (adding a contact is no edit of the client's own fields)."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..activity import EventKind, record
from ..clients.models import Client, client_keys
from ..db import search
from ..emails import is_email
from ..extensions import db
from .models import EMAIL_MAX, JOB_TITLE_MAX, NAME_MAX, NOTES_MAX, PHONE_MAX, Contact

FIELDS = ("first_name", "last_name", "job_title", "email", "phone", "mobile", "notes")
_PHONE = re.compile(r"^[0-9+()./\- x]*$", re.IGNORECASE)
_LIMITS = {"first_name": NAME_MAX, "last_name": NAME_MAX, "job_title": JOB_TITLE_MAX,
           "email": EMAIL_MAX, "phone": PHONE_MAX, "mobile": PHONE_MAX, "notes": NOTES_MAX}


def contact_errors(data: dict) -> dict:
    """Messages by field for cleaned values (None when empty) that break a rule."""
    errors = {}
    if not data.get("first_name") and not data.get("last_name"):
        errors["last_name"] = _l("Enter the contact's first or last name.")
    for name, limit in _LIMITS.items():
        value = data.get(name)
        if value and len(value) > limit:
            errors[name] = _l("Use at most %(n)s characters.", n=limit)
    email = data.get("email")
    if email and "email" not in errors and not is_email(email):
        errors["email"] = _l("Enter a valid email address, like name@example.com.")
    for name in ("phone", "mobile"):
        value = data.get(name)
        if value and name not in errors and not _PHONE.match(value):
            errors[name] = _l("Use digits, spaces and + ( ) - . only.")
    for key, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            errors[key] = _l("This value contains a character that is not allowed.")
    return errors


def split_name(full: str | None) -> tuple[str, str]:
    """"Jean Dupont" -> ("Jean", "Dupont"): the last word is the last name (an import's
    "Contact name" column holds one field)."""
    words = (full or "").split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def client_contacts(client_id: int) -> list[Contact]:
    """The primary contact first, then by name."""
    return db.session.scalars(
        select(Contact).where(Contact.client_id == client_id)
        .order_by(Contact.is_primary.desc(), Contact.last_name, Contact.first_name, Contact.id)
    ).all()


def primary_contacts(client_ids) -> dict:
    """{client_id: its primary contact} for these clients (the list's Contact column)."""
    ids = list(client_ids)
    if not ids:
        return {}
    found = db.session.scalars(select(Contact).where(Contact.client_id.in_(ids),
                                                     Contact.is_primary.is_(True)))
    return {contact.client_id: contact for contact in found}


def contact_words(client_id: int) -> str:
    rows = db.session.execute(select(Contact.first_name, Contact.last_name, Contact.email)
                              .where(Contact.client_id == client_id).order_by(Contact.id)).all()
    return search.search_text(*(value for row in rows for value in row))


def refresh_search(client: Client) -> None:
    """Fold the client's contacts into its search text (a Core UPDATE: no version move)."""
    db.session.flush()
    words = contact_words(client.id)
    keys = client_keys(client.name, client.code, client.address, client.email, words)
    db.session.execute(update(Client.__table__).where(Client.__table__.c.id == client.id)
                       .values(contact_words=words, search_text=keys[3]))
    # The session's copy would otherwise write the old words back on its next save.
    db.session.expire(client, ["contact_words", "search_text"])


def _only_primary(client: Client, contact: Contact) -> None:
    """`contact` becomes the one primary contact of its client."""
    db.session.execute(update(Contact.__table__)
                       .where(Contact.__table__.c.client_id == client.id,
                              Contact.__table__.c.id != contact.id,
                              Contact.__table__.c.is_primary.is_(True))
                       .values(is_primary=False, version=Contact.__table__.c.version + 1))


def add_contact(client: Client, values: dict, primary: bool = False) -> Contact:
    first = db.session.scalar(select(Contact.id).where(Contact.client_id == client.id)
                              .limit(1)) is None
    contact = Contact(client_id=client.id, is_primary=False, **values)
    db.session.add(contact)
    db.session.flush()
    if primary or first:  # a client's first contact is its primary one
        _only_primary(client, contact)
        contact.is_primary = True
        db.session.flush()
    record(EventKind.CONTACT_ADDED, client, contact=contact.id, name=contact.name)
    refresh_search(client)
    return contact


def update_contact(client: Client, contact: Contact, values: dict, primary: bool) -> None:
    """StaleDataError when someone saved the contact since it was read."""
    for name, value in values.items():
        setattr(contact, name, value)
    if primary and not contact.is_primary:
        _only_primary(client, contact)
        contact.is_primary = True
    elif not primary and contact.is_primary:
        contact.is_primary = False
    db.session.flush()
    refresh_search(client)


def remove_contact(client: Client, contact: Contact) -> None:
    contact_id, name = contact.id, contact.name
    db.session.delete(contact)
    db.session.flush()
    record(EventKind.CONTACT_REMOVED, client, contact=contact_id, name=name)
    refresh_search(client)
