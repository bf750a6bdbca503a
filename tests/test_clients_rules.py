"""The data rules of a client, through the forms that enforce them: each test fails
without its rule. Optimistic locking (409, nothing overwritten), the unique code at the
form and in the database, the look-alike name to confirm, markup shown as text."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clientapp.clients.models import Client
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .test_clients_profile import (add_client, edit_data, load,
                                   text_of, version_of)


def all_clients(app) -> list[tuple]:
    with app.app_context():
        return [(c.name, c.code) for c in db.session.scalars(select(Client).order_by(Client.id))]


def create(admin_client, htmx=False, **data):
    data.setdefault("type", "company")
    return admin_client.post("/clients/new", data=data, htmx=htmx)


# --- name ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_name_required_and_at_most_200(app, admin_client, name):
    response = create(admin_client, htmx=True, name=name)
    assert_fragment(response, "client-form", 422)
    body = response.get_data(as_text=True)
    message = "Use at most 200 characters." if name.strip() else "Enter the client"
    assert f'id="name-error">{message}' in body
    assert all_clients(app) == []


def test_a_200_character_name_is_fine(app, admin_client):
    assert create(admin_client, name="x" * 200).status_code == 303
    assert all_clients(app) == [("x" * 200, None)]


def test_renaming_to_nothing_is_refused(app, admin_client):
    client_id = add_client(app, name="Acme")
    for url in (f"/clients/{client_id}/info", f"/clients/{client_id}/edit"):
        response = admin_client.post(url, data=edit_data(app, client_id, name="x" * 201))
        assert response.status_code == 422
        assert 'id="name-error">Use at most 200 characters.' in response.get_data(as_text=True)
    assert load(app, client_id).name == "Acme"


# --- code ----------------------------------------------------------------------------------

def test_code_is_optional_and_at_most_50(app, admin_client):
    assert create(admin_client, name="No code", code="  ").status_code == 303
    response = create(admin_client, name="Long code", code="C" * 51)
    assert response.status_code == 422
    assert 'id="code-error">Use at most 50 characters.' in response.get_data(as_text=True)
    assert create(admin_client, name="Fifty", code="C" * 50).status_code == 303
    assert all_clients(app) == [("No code", None), ("Fifty", "C" * 50)]


def test_code_is_unique_ignoring_case_on_create(app, admin_client):
    add_client(app, name="Acme", code="AB-1")
    response = create(admin_client, htmx=True, name="Globex", code="ab-1")
    assert_fragment(response, "client-form", 422)
    assert 'id="code-error">The code ab-1 is already used by Acme.' in response.get_data(as_text=True)
    assert all_clients(app) == [("Acme", "AB-1")]


def test_code_is_unique_ignoring_case_on_edit(app, admin_client):
    add_client(app, name="Acme", code="AB-1")
    other_id = add_client(app, name="Globex", code="GX")
    for url in (f"/clients/{other_id}/info", f"/clients/{other_id}/edit"):
        response = admin_client.post(url, data=edit_data(app, other_id, code="Ab-1"))
        assert response.status_code == 422, url
        assert "is already used by Acme." in response.get_data(as_text=True)
    assert load(app, other_id).code == "GX"


def test_a_client_keeps_its_own_code_in_another_case(app, admin_client):
    client_id = add_client(app, name="Acme", code="ab-1")
    response = admin_client.post(f"/clients/{client_id}/info",
                                 data=edit_data(app, client_id, code="AB-1"))
    assert response.status_code == 303
    assert load(app, client_id).code == "AB-1"


def test_database_refuses_a_code_that_differs_only_in_case(app):
    add_client(app, name="Acme", code="AB-1")
    with app.app_context():
        db.session.add(Client(name="Globex", code="ab-1"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert all_clients(app) == [("Acme", "AB-1")]


def test_code_taken_between_check_and_write_is_a_422(app, admin_client, monkeypatch):
    """Two saves racing for one code: the form's check passes for both, the unique
    code_key refuses the second, and the user gets the message beside the field."""
    add_client(app, name="Acme", code="AB-1")
    client_id = add_client(app, name="Globex")
    monkeypatch.setattr("clientapp.clients.forms.code_owner", lambda code, exclude_id=None: None)
    response = create(admin_client, htmx=True, name="Initech", code="ab-1")
    assert_fragment(response, "client-form", 422)
    assert 'id="code-error">The code ab-1 is already used by Acme.' in response.get_data(as_text=True)
    edit = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                             data=edit_data(app, client_id, code="AB-1"))
    assert_fragment(edit, "client-info", 422)
    assert "is already used by Acme." in edit.get_data(as_text=True)
    monkeypatch.undo()
    assert all_clients(app) == [("Acme", "AB-1"), ("Globex", None)]


# --- email, phone, address, type ---------------------------------------------------------

@pytest.mark.parametrize("email", ["nope", "a@b", "two words@example.com", "a@@example.com"])
def test_malformed_email_is_refused(app, admin_client, email):
    response = create(admin_client, name="Acme", email=email)
    assert response.status_code == 422
    assert 'id="email-error">Enter a valid email address' in response.get_data(as_text=True)
    assert all_clients(app) == []


def test_email_is_optional_and_kept_when_valid(app, admin_client):
    assert create(admin_client, name="No email", email="").status_code == 303
    assert create(admin_client, name="Email", email="ops@example.co.uk").status_code == 303
    with app.app_context():
        assert [c.email for c in db.session.scalars(select(Client).order_by(Client.id))] == \
            [None, "ops@example.co.uk"]


def test_phone_accepts_phone_characters_only(app, admin_client):
    response = create(admin_client, name="Acme", phone="call me maybe")
    assert response.status_code == 422 and 'id="phone-error"' in response.get_data(as_text=True)
    assert create(admin_client, name="Acme", phone="+33 (0)1 23-45.67").status_code == 303


def test_address_keeps_its_lines(app, admin_client):
    create(admin_client, name="Acme", address="12 Main St\r\nSuite 4\r\nSpringfield")
    with app.app_context():
        client = db.session.scalars(select(Client)).one()
        assert client.address.splitlines() == ["12 Main St", "Suite 4", "Springfield"]
    body = admin_client.get(f"/clients/{client.id}").get_data(as_text=True)
    assert '<dd class="multiline">12 Main St\r\nSuite 4\r\nSpringfield</dd>' in body


def test_type_is_company_by_default_or_individual(app, admin_client):
    admin_client.post("/clients/new", data={"name": "Company by default"})
    create(admin_client, name="Jane Doe", type="individual")
    response = create(admin_client, name="Robot", type="robot")
    assert response.status_code == 422 and 'id="type-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert [c.type for c in db.session.scalars(select(Client).order_by(Client.id))] == \
            ["company", "individual"]


# --- optimistic locking ------------------------------------------------------------------

@pytest.mark.parametrize("url, fragment_id", [("/clients/{id}/info", "client-info"),
                                              ("/clients/{id}/edit", "client-form")])
def test_saving_over_a_newer_version_is_a_409_that_overwrites_nothing(
        app, admin_client, manager_client, url, fragment_id):
    client_id = add_client(app, name="Acme", phone="01")
    url = url.format(id=client_id)
    mine = edit_data(app, client_id, name="Mine", phone="02")  # opened at version 1
    theirs = admin_client.post(url, data=edit_data(app, client_id, name="Theirs",
                                                   email="t@example.com"))
    assert theirs.status_code == 303

    response = manager_client.post(url, htmx=True, data=mine)
    assert_fragment(response, fragment_id, 409)
    text = text_of(response)
    assert "Changed by someone else." in text
    # The current values are shown; the user's own input stays in the form.
    assert "Theirs" in text and "t@example.com" in text
    assert 'value="Mine"' in response.get_data(as_text=True)
    client = load(app, client_id)
    assert (client.name, client.phone, client.email, client.version) == \
        ("Theirs", "01", "t@example.com", 2)

    page = manager_client.post(url, data=mine)
    assert_page(page, 409)
    assert load(app, client_id).name == "Theirs"


def test_the_conflict_lets_the_user_reload_the_current_values(app, admin_client):
    client_id = add_client(app, name="Acme")
    stale = edit_data(app, client_id, name="Mine")
    admin_client.post(f"/clients/{client_id}/info", data=edit_data(app, client_id, name="Theirs"))
    response = admin_client.post(f"/clients/{client_id}/info", htmx=True, data=stale)
    body = response.get_data(as_text=True)
    # The header refreshes to the newer name as well.
    assert "clientUpdated" in response.headers["HX-Trigger"]
    reload_link = f'href="/clients/{client_id}/info/edit" hx-get="/clients/{client_id}/info/edit"'
    assert reload_link in body and "Load the current values" in body
    fresh = admin_client.get(f"/clients/{client_id}/info/edit", htmx=True)
    assert version_of(fresh) == "2" and 'value="Theirs"' in fresh.get_data(as_text=True)
    # Saved from the fresh form, the change goes through.
    again = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                              data=edit_data(app, client_id, name="Mine"))
    assert_fragment(again, "client-info")
    assert load(app, client_id).name == "Mine"

    page = admin_client.post(f"/clients/{client_id}/edit", data=stale)
    assert f'href="/clients/{client_id}/edit">Load the current values' in page.get_data(as_text=True)


def test_an_edit_without_its_version_is_refused(app, admin_client):
    client_id = add_client(app, name="Acme")
    data = edit_data(app, client_id, name="No version")
    del data["version"]
    assert admin_client.post(f"/clients/{client_id}/info", data=data).status_code == 409
    assert load(app, client_id).name == "Acme"


def test_a_save_landing_between_check_and_write_is_a_409(app, admin_client):
    """The version matched when checked, but another save commits before our UPDATE.
    PostgreSQL lets it land: version_id_col makes our UPDATE miss (StaleDataError) and
    nothing is overwritten. SQLite cannot let it land: a write request holds the write lock
    from its first read (BEGIN IMMEDIATE), so the other save waits for ours."""
    client_id = add_client(app, name="Acme")
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    landed = []

    def someone_else_saves(session, flush_context, instances):
        if sqlite:
            import sqlite3

            with app.app_context():
                other = sqlite3.connect(db.engine.url.database, timeout=0)
            try:
                other.execute("UPDATE clients SET name = 'Theirs' WHERE id = ?", (client_id,))
                landed.append(True)
            except sqlite3.OperationalError:  # locked: it would wait for our commit
                landed.append(False)
            finally:
                other.close()
            return
        with db.engine.begin() as other:
            other.execute(update(Client).where(Client.id == client_id)
                          .values(name="Theirs", version=Client.version + 1))
        landed.append(True)

    event.listen(Session, "before_flush", someone_else_saves, once=True)
    try:
        response = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                                     data=edit_data(app, client_id, name="Mine", phone="99"))
    finally:
        event.remove(Session, "before_flush", someone_else_saves)
    client = load(app, client_id)
    if sqlite:
        assert landed == [False]
        assert_fragment(response, "client-info")
        assert (client.name, client.phone, client.version) == ("Mine", "99", 2)
        return
    assert landed == [True]
    assert_fragment(response, "client-info", 409)
    assert "Changed by someone else." in text_of(response) and "Theirs" in text_of(response)
    assert (client.name, client.phone, client.version) == ("Theirs", None, 2)


# --- look-alike names ------------------------------------------------------------------------

@pytest.mark.parametrize("existing, new", [
    ("ACME", "Acme, Inc."),
    ("Émile & Fils SARL", "emile and fils"),
    ("Globex GmbH", "globex"),
])
def test_a_look_alike_name_asks_to_confirm_and_links_the_existing_client(
        app, admin_client, existing, new):
    existing_id = add_client(app, name=existing)
    response = create(admin_client, htmx=True, name=new)
    assert_fragment(response, "client-form")
    body = response.get_data(as_text=True)
    assert "Existing clients with a similar name" in body
    assert f'href="/clients/{existing_id}"' in body
    assert 'name="confirm_similar"' in body and ">Save anyway</button>" in body
    assert len(all_clients(app)) == 1

    confirmed = create(admin_client, name=new, confirm_similar=new)
    assert confirmed.status_code == 303
    assert [name for name, _ in all_clients(app)] == [existing, new]


def test_a_confirmation_is_for_the_name_it_was_given(app, admin_client):
    add_client(app, name="Acme")
    add_client(app, name="Globex")
    response = create(admin_client, name="GLOBEX LTD", confirm_similar="Acme Inc")
    assert "Existing clients with a similar name" in response.get_data(as_text=True)
    assert len(all_clients(app)) == 2


def test_a_different_name_is_saved_without_asking(app, admin_client):
    add_client(app, name="Acme")
    assert create(admin_client, name="Acme Events").status_code == 303


def test_renaming_to_a_look_alike_asks_to_confirm(app, admin_client):
    add_client(app, name="Acme Inc")
    client_id = add_client(app, name="Globex")
    response = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                                 data=edit_data(app, client_id, name="ACME"))
    assert_fragment(response, "client-info")
    assert "similar name" in response.get_data(as_text=True)
    assert load(app, client_id).name == "Globex"
    page = admin_client.post(f"/clients/{client_id}/edit", data=edit_data(app, client_id, name="ACME"))
    assert "similar name" in page.get_data(as_text=True)
    confirmed = admin_client.post(f"/clients/{client_id}/info", data=edit_data(
        app, client_id, name="ACME", confirm_similar="ACME"))
    assert confirmed.status_code == 303 and load(app, client_id).name == "ACME"


def test_editing_other_fields_of_a_look_alike_does_not_ask_again(app, admin_client):
    add_client(app, name="Acme Inc")
    client_id = add_client(app, name="ACME")
    response = admin_client.post(f"/clients/{client_id}/info",
                                 data=edit_data(app, client_id, name="Acme", phone="12"))
    assert response.status_code == 303 and load(app, client_id).phone == "12"


# --- markup stays text -----------------------------------------------------------------------

IMG = "<img src=x onerror=alert(1)>"
DIV = '<div hx-get="/x" hx-trigger="load">'


def assert_inert(response):
    body = response.get_data(as_text=True)
    assert "<img src=x" not in body and '<div hx-get="/x"' not in body, body
    return body


def test_markup_in_every_field_shows_as_text(app, admin_client):
    client_id = add_client(app, name=IMG, code=DIV[:50], address=DIV, phone=None,
                           email=None, archive_reason=IMG,
                           archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    urls = [f"/clients/{client_id}", f"/clients/{client_id}/info",
            f"/clients/{client_id}/info/edit", f"/clients/{client_id}/edit"]
    for url in urls:
        for htmx in (False, True):
            body = assert_inert(admin_client.get(url, htmx=htmx))
            if url.endswith("/info") and htmx:
                # Basic information as read leaves the name to the header.
                assert "&lt;div hx-get=" in body, url
            else:
                assert "&lt;img src=x onerror=alert(1)&gt;" in body, url
    # Saved again from the forms, and in every answer a save can give.
    saved = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                              data=edit_data(app, client_id, address=IMG + DIV))
    assert_inert(saved)
    assert_inert(create(admin_client, htmx=True, name=IMG + " Ltd", email=DIV))  # 422
    assert_inert(create(admin_client, htmx=True, name=IMG, code="new"))  # look-alike
    assert_inert(create(admin_client, htmx=True, name="Other", code=DIV[:50]))  # code owner
    stale = edit_data(app, client_id, version="1")
    assert_inert(admin_client.post(f"/clients/{client_id}/info", htmx=True, data=stale))  # 409
    assert_inert(admin_client.post(f"/clients/{client_id}/edit", data=stale))
    assert load(app, client_id).address == IMG + DIV
