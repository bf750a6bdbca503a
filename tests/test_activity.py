"""Events are written in the transaction of the change they record: each write on a client
records exactly its event; a refused or failed change records none."""
from sqlalchemy import select

from clientapp.activity import Event
from clientapp.clients.models import Client
from clientapp.extensions import db

from .factories import add_client, add_project
from .test_clients_profile import edit_data


def events(app, client_id=None) -> list[tuple]:
    with app.app_context():
        query = select(Event).order_by(Event.id)
        if client_id is not None:
            query = query.where(Event.client_id == client_id)
        return [(e.kind, e.actor_id, e.data) for e in db.session.scalars(query)]


def test_quick_add_and_the_create_page_record_client_created(app, manager_client, manager_id):
    manager_client.post("/clients/add", data={"name": "Acme"})
    manager_client.post("/clients/new", data={"name": "Globex", "type": "company"})
    with app.app_context():
        ids = db.session.scalars(select(Client.id).order_by(Client.id)).all()
    assert [events(app, i) for i in ids] == [[("client.created", manager_id, {})]] * 2


def test_an_edit_records_each_field_old_and_new(app, admin_client, admin_id):
    client_id = add_client(app, name="Acme", phone="01")
    admin_client.post(f"/clients/{client_id}/info", htmx=True,
                      data=edit_data(app, client_id, name="Acme Studio", phone="02"))
    assert events(app, client_id) == [("client.edited", admin_id, {
        "changes": {"name": ["Acme", "Acme Studio"], "phone": ["01", "02"]}})]
    # Saving without a change records nothing.
    admin_client.post(f"/clients/{client_id}/info", htmx=True, data=edit_data(app, client_id))
    assert len(events(app, client_id)) == 1


def test_a_refused_or_stale_edit_records_nothing(app, admin_client):
    client_id = add_client(app, name="Acme")
    bad = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                            data=edit_data(app, client_id, email="not an email"))
    assert bad.status_code == 422
    stale = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                              data=edit_data(app, client_id, name="Other", version="0"))
    assert stale.status_code == 409
    assert events(app) == []


def test_archive_and_unarchive_record_the_reason(app, admin_client, admin_id):
    a, b = add_client(app, name="A"), add_client(app, name="B")
    admin_client.post(f"/clients/{a}/archive", data={"reason": "Closed"})
    admin_client.post("/clients/bulk-archive", data={"action": "archive", "ids": [a, b]})
    admin_client.post(f"/clients/{a}/unarchive")
    assert events(app, a) == [("client.archived", admin_id, {"reason": "Closed"}),
                              ("client.unarchived", admin_id, {})]
    # Archiving an archived client changes nothing and records nothing.
    assert events(app, b) == [("client.archived", admin_id, {"reason": None})]


def test_a_too_long_reason_is_refused_and_records_nothing(app, admin_client):
    client_id = add_client(app, name="A")
    assert admin_client.post(f"/clients/{client_id}/archive",
                             data={"reason": "x" * 501}).status_code == 422
    assert events(app) == []


def test_delete_records_the_name_and_a_refused_delete_records_nothing(app, manager_client,
                                                                      manager_id):
    kept = add_client(app, name="Kept")
    add_project(app, kept)
    assert manager_client.post(f"/clients/{kept}/delete").status_code == 409
    assert events(app) == []
    gone = add_client(app, name="Gone")
    assert manager_client.post(f"/clients/{gone}/delete").status_code == 303
    assert events(app) == [("client.deleted", manager_id, {"name": "Gone", "id": gone})]


def test_a_deleted_clients_events_stay_without_it(app, admin_client):
    client_id = add_client(app, name="Acme")
    admin_client.post(f"/clients/{client_id}/archive", data={})
    admin_client.post(f"/clients/{client_id}/delete")
    kinds = [(kind, data) for kind, _actor, data in events(app)]
    assert kinds == [("client.archived", {"reason": None}),
                     ("client.deleted", {"name": "Acme", "id": client_id})]
    assert events(app, client_id) == []
