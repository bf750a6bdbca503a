"""One email rule for users and clients (forms and imports): the syntax only, judged by
email-validator, intranet domains welcome."""
import random
import string

import pytest
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from clientapp.auth.models import User
from clientapp.clients.models import Client
from clientapp.clients.validation import field_errors
from clientapp.emails import InvalidEmail, _plain_ascii, check_email
from clientapp.extensions import db

from .conftest import PASSWORD

INTRANET = ["alice@agency.local", "bob@corp.internal", "x@test.test", "ops@localhost.lan",
            "first.last+tag@mail.example.co.uk", "émile@exämple.fr"]
NOT_EMAILS = ["nope", "a@b", "two words@example.com", "a@@example.com", "a@example.",
              "@example.com", "a..b@example.com", "a@-example.com", "a@1.2.3.4"]


@pytest.mark.parametrize("email", INTRANET)
def test_intranet_and_ordinary_addresses_pass(email):
    assert check_email(email).lower() == email.lower()


@pytest.mark.parametrize("email", NOT_EMAILS)
def test_what_is_not_an_address_is_refused(email):
    with pytest.raises(InvalidEmail):
        check_email(email)


def test_the_domain_is_lower_cased():
    assert check_email("  Ada@Example.COM ") == "Ada@example.com"


def _library(value):
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        return None


def test_the_shortcut_for_plain_addresses_agrees_with_the_library():
    """Plain ASCII addresses skip the full call; on every one it takes, the library agrees."""
    rng = random.Random(14)
    local_chars = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-."
    domain_chars = string.ascii_lowercase + string.digits + "-."
    taken = 0
    for _ in range(20000):
        local = "".join(rng.choice(local_chars) for _ in range(rng.choice([1, 5, 64, 70])))
        domain = ".".join("".join(rng.choice(domain_chars) for _ in range(rng.choice([1, 3, 63, 64])))
                          for _ in range(rng.randint(1, 4)))
        value = f"{local}@{domain}"
        shortcut = _plain_ascii(value)
        if shortcut is not None:
            taken += 1
            assert shortcut == _library(value), value
    assert taken > 1000
    for value in ("a@xn--bcher-kva.example", "a@ab--c.example", "a@" + "b" * 64 + ".com"):
        assert _plain_ascii(value) is None


def test_an_admin_creates_a_user_on_an_intranet_domain(app, admin_client):
    for n, email in enumerate(INTRANET[:3]):
        response = admin_client.post("/users", data={"name": f"U{n}", "email": email,
                                                     "role": "viewer", "password": PASSWORD})
        assert response.status_code == 303, email
    with app.app_context():
        assert {u.email for u in db.session.scalars(select(User))} >= set(INTRANET[:3])


def test_a_client_gets_an_intranet_email(app, admin_client):
    for email in INTRANET[:3]:
        response = admin_client.post("/clients/new", data={"type": "company",
                                                           "name": f"Acme {email}", "email": email})
        assert response.status_code == 303, email
    with app.app_context():
        assert {c.email for c in db.session.scalars(select(Client))} == set(INTRANET[:3])


@pytest.mark.parametrize("email", INTRANET)
def test_an_imported_client_row_follows_the_same_rule(app, email):
    with app.app_context():
        assert "email" not in field_errors({"name": "Acme", "email": email})
        assert "email" in field_errors({"name": "Acme", "email": "two words@example.com"})
