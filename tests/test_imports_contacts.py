"""The clients' import and export carry the primary contact: "Contact name", "Contact email",
"Contact phone" (and their French names), created or updated by an import, written by the
export, searchable, and undone with the clients the import made."""
import csv
import io

from sqlalchemy import select

from clientapp.clients.models import Client
from clientapp.clients.services import client_params, count_clients
from clientapp.contacts.models import Contact
from clientapp.extensions import db
from clientapp.imports import undo
from clientapp.imports.models import ImportJob
from clientapp.imports.reading import match_headers

from .factories import add_client
from .test_imports_checking import check, issues, statuses
from .test_imports_running import queue, run


def contacts(app) -> list[tuple]:
    with app.app_context():
        return [(c.client_id, c.first_name, c.last_name, c.email, c.phone, c.is_primary)
                for c in db.session.scalars(select(Contact).order_by(Contact.id))]


def found(app, q) -> int:
    with app.app_context():
        return count_clients(client_params(q=q))


def test_english_and_french_headers_name_the_contact_columns():
    assert match_headers(["Name", "Contact name", "Contact email", "Contact phone"]) == {
        "name": 0, "contact_name": 1, "contact_email": 2, "contact_phone": 3}
    assert match_headers(["Nom", "Nom du contact", "Courriel du contact",
                          "Téléphone du contact"]) == {
        "name": 0, "contact_name": 1, "contact_email": 2, "contact_phone": 3}


def test_an_import_creates_each_clients_primary_contact(app):
    job_id = check(app, "Nom;Nom du contact;Courriel du contact;Téléphone du contact\n"
                        "Acme;Jean Dupont;jean@acme.test;01 02 03 04 05\n"
                        "Globex;;;\n".encode())
    assert statuses(app, job_id) == {2: "new", 3: "new"}
    assert queue(app, job_id) and run(app, job_id) == "done"
    with app.app_context():
        acme = db.session.scalar(select(Client.id).where(Client.name == "Acme"))
    assert contacts(app) == [(acme, "Jean", "Dupont", "jean@acme.test", "01 02 03 04 05", True)]
    assert found(app, "dupont") == 1 and found(app, "jean acme") == 1
    # Contacts the import made do not tie their clients: its undo removes them.
    with app.app_context():
        report = undo.undo_job(db.session.get(ImportJob, job_id), None)
        db.session.commit()
    assert report["removed"] == 2 and contacts(app) == []


def test_bad_contact_values_are_row_errors(app):
    job_id = check(app, b"Name,Contact name,Contact email,Contact phone\n"
                        b"Acme,Jean,not-an-email,\nGlobex,,,call me\nInitech,Ann,ann@x.test,\n")
    assert statuses(app, job_id) == {2: "error", 3: "error", 4: "new"}
    assert issues(app, job_id, "error") == [(2, "error", "contact_email", "field"),
                                            (3, "error", "contact_name", "field"),
                                            (3, "error", "contact_phone", "field")]


def test_update_mode_creates_or_updates_the_primary_contact(app, viewer_client):
    acme = add_client(app, name="Acme", code="A1")
    globex = add_client(app, name="Globex", code="G1")
    with app.app_context():
        db.session.add(Contact(client_id=acme, first_name="Jean", last_name="Dupont",
                               email="old@acme.test", is_primary=True))
        db.session.commit()
    export = viewer_client.get("/clients/export?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    assert rows[0][6:] == ["Contact name", "Contact email", "Contact phone"]
    assert rows[1][0] == "Acme" and rows[1][6:] == ["Jean Dupont", "old@acme.test", ""]
    # The export imported again changes nothing.
    same = check(app, export.encode(), mode="update")
    assert set(statuses(app, same).values()) == {"same"}

    job_id = check(app, b"Name,Code,Contact email,Contact name\nAcme,A1,new@acme.test,\n"
                        b"Globex,G1,g@globex.test,Gil Bert\n", mode="update")
    assert statuses(app, job_id) == {2: "update", 3: "update"}
    assert queue(app, job_id) and run(app, job_id) == "done"
    assert contacts(app) == [(acme, "Jean", "Dupont", "new@acme.test", None, True),
                             (globex, "Gil", "Bert", "g@globex.test", None, True)]
    assert found(app, "bert") == 1 and found(app, "new acme") == 1
    with app.app_context():
        assert db.session.get(ImportJob, job_id).updated_count == 2
