"""The one rule for every email address the app takes (users, clients, contacts): the syntax
only, judged by email-validator.

Agencies and company intranets use addresses on internal domains (`agency.local`,
`corp.internal`, `test.test`), so there is no deliverability check and no list of
special-use domains: the library's list (a documented part of its API) is emptied for this
process, whose every address check is this one. The domain still needs a dot and a last
label ending in a letter, as every real one has.
"""
import re

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT, DOT_ATOM_TEXT_HOSTNAME

email_validator.SPECIAL_USE_DOMAIN_NAMES[:] = []

# An ASCII dot-atom address by the library's own grammar, whose domain needs no IDNA
# decoding ("xn--" or any "ab--" label): the library would accept it unchanged but for the
# domain's case, and an import checks a hundred thousand of them. Everything else goes
# through validate_email() itself.
_R_LDH = re.compile(r"(?:^|\.)..--")
_MAX_LENGTH = 254
_DOMAIN_MAX = 253
_LABEL_MAX = 63


class InvalidEmail(ValueError):
    """The value is not an email address."""


def _plain_ascii(value: str) -> str | None:
    if len(value) > _MAX_LENGTH or not value.isascii() or value.count("@") != 1:
        return None
    local, domain = value.split("@")
    if not DOT_ATOM_TEXT.match(local) or not DOT_ATOM_TEXT_HOSTNAME.match(domain) \
            or "." not in domain or not domain[-1].isalpha():
        return None
    if len(domain) > _DOMAIN_MAX or _R_LDH.search(domain) \
            or any(len(label) > _LABEL_MAX for label in domain.split(".")):
        return None
    return f"{local}@{domain.lower()}"


def check_email(value: str) -> str:
    """The address in its normal form (the domain lower-cased, Unicode normalised);
    raises InvalidEmail when it is not an address."""
    value = (value or "").strip()
    plain = _plain_ascii(value)
    if plain is not None:
        return plain
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc


def is_email(value: str) -> bool:
    try:
        check_email(value)
    except InvalidEmail:
        return False
    return True
