"""The rules a client's fields obey, shared by the forms and the importer so a file is
checked exactly as the form would check it."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..emails import is_email
from ..extensions import db
from .models import ADDRESS_MAX, CLIENT_TYPES, CODE_MAX, EMAIL_MAX, NAME_MAX, PHONE_MAX, Client, code_key

FIELDS = ("type", "name", "code", "address", "email", "phone")

_PHONE = re.compile(r"^[0-9+()./\- x]*$", re.IGNORECASE)


def clean(value) -> str | None:
    """Trimmed text, or None when empty."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def field_errors(data: dict) -> dict:
    """Messages by field for values that break a rule; {} when all are fine.
    `data` holds cleaned values (see clean()); missing keys count as empty."""
    errors = {}
    name = data.get("name")
    if not name:
        errors["name"] = _l("Enter the client's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _l("Use at most %(n)s characters.", n=NAME_MAX)
    code = data.get("code")
    if code and len(code) > CODE_MAX:
        errors["code"] = _l("Use at most %(n)s characters.", n=CODE_MAX)
    email = data.get("email")
    if email:
        if len(email) > EMAIL_MAX:
            errors["email"] = _l("Use at most %(n)s characters.", n=EMAIL_MAX)
        elif not is_email(email):
            errors["email"] = _l("Enter a valid email address, like name@example.com.")
    phone = data.get("phone")
    if phone:
        if len(phone) > PHONE_MAX:
            errors["phone"] = _l("Use at most %(n)s characters.", n=PHONE_MAX)
        elif not _PHONE.match(phone):
            errors["phone"] = _l("Use digits, spaces and + ( ) - . only.")
    address = data.get("address")
    if address and len(address) > ADDRESS_MAX:
        errors["address"] = _l("Use at most %(n)s characters.", n=ADDRESS_MAX)
    kind = data.get("type")
    if kind and kind not in CLIENT_TYPES:
        errors["type"] = _l("Choose company or individual.")
    for key, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            errors[key] = _l("This value contains a character that is not allowed.")
    return errors


def code_owner(code: str | None, exclude_id: int | None = None) -> Client | None:
    """The client that already uses `code` (ignoring case and accents), if any."""
    if not code:
        return None
    query = select(Client).where(Client.code_key == code_key(code))
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()
