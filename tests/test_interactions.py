"""The Interactions section: the timeline (logged entries among the app's events), logging,
editing and deleting one's own entries, the filters and Load more (keyset on (at, id))."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from clientapp.activity import Event
from clientapp.clients.models import Client
from clientapp.contacts.models import Contact
from clientapp.extensions import db
from clientapp.interactions.timeline import Cursor

from .conftest import assert_fragment, assert_page, make_user, sign_in
from .factories import add_client, load_client
from .html import find, one, texts, text_of
from .test_clients_profile import edit_data

WHEN = "2026-11-20T10:30"


def add_contact(app, client_id, first="Jean", last="Dupont") -> int:
    with app.app_context():
        contact = Contact(client_id=client_id, first_name=first, last_name=last,
                          is_primary=False)
        db.session.add(contact)
        db.session.commit()
        return contact.id


def add_event(app, client_id, kind="interaction.note", at=None, actor_id=None, **fields):
    with app.app_context():
        event = Event(client_id=client_id, kind=kind, actor_id=actor_id, data={},
                      at=at or datetime(2026, 1, 1, tzinfo=timezone.utc), **fields)
        db.session.add(event)
        db.session.commit()
        return event.id


def events(app) -> list[Event]:
    with app.app_context():
        found = db.session.scalars(select(Event).order_by(Event.id)).all()
        for event in found:
            db.session.expunge(event)
        return found


def log(client, client_id, **changes):
    data = {"kind": "call", "at": WHEN, "contact": "", "summary": "Called about the fair",
            "details": "Line 1\nLine 2"}
    data.update(changes)
    return client.post(f"/clients/{client_id}/interactions/new", data=data, htmx=True)


def test_the_section_page_and_fragment_for_each_role(app, admin_client, manager_client,
                                                      viewer_client):
    client_id = add_client(app)
    for who, may_log in ((admin_client, True), (manager_client, True), (viewer_client, False)):
        page = who.get(f"/clients/{client_id}")
        assert_page(page)
        assert texts(page, "#client-interactions-title") == ["Interactions"]
        assert bool(find(page, "#log-interaction")) is may_log
        assert_fragment(who.get(f"/clients/{client_id}/interactions", htmx=True),
                        "client-interactions")
    new = manager_client.get(f"/clients/{client_id}/interactions/new", htmx=True)
    assert_fragment(new, "client-interactions")
    labels = texts(new, "form.interaction-form .field-label")
    assert labels[:5] == ["Type", "Date *", "Contact", "Summary *", "Details"]
    assert texts(new, "form.interaction-form button[type=submit]") == ["Save"]
    assert [o.attributes["value"] for o in find(new, "select[name=kind] option")] == [
        "note", "call", "email", "meeting"]
    assert one(new, "input[name=at]").attributes["type"] == "datetime-local"
    assert_page(manager_client.get(f"/clients/{client_id}/interactions/new"))
    assert viewer_client.get(f"/clients/{client_id}/interactions/new").status_code == 403


def test_logging_a_call_with_a_contact(app, manager_client, manager_id):
    client_id = add_client(app)
    contact_id = add_contact(app, client_id)
    version = load_client(app, client_id).version
    response = log(manager_client, client_id, contact=str(contact_id))
    assert_fragment(response, "client-interactions")
    assert "clientsChanged" in response.headers["HX-Trigger"]
    [event] = events(app)
    assert (event.kind, event.actor_id, event.contact_id, event.summary, event.details) == (
        "interaction.call", manager_id, contact_id, "Called about the fair", "Line 1\nLine 2")
    assert event.at == datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc)
    entry = one(response, f"#entry-{event.id}")
    assert "Called about the fair" in entry.text() and "with Jean Dupont" in entry.text()
    client = load_client(app, client_id)
    assert client.last_interaction_at == event.at
    assert client.version == version  # logging is no edit of the client


def test_the_date_is_typed_in_the_users_time_zone(app, admin_id):
    user_id = make_user(app, "manager", email="paris@example.com", timezone="Europe/Paris")
    client_id = add_client(app)
    log(sign_in(app, user_id), client_id, at="2026-01-10T10:00")
    assert events(app)[0].at == datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)


def test_bad_input_is_422_and_writes_nothing(app, manager_client):
    client_id, other_id = add_client(app), add_client(app, name="Other")
    theirs = add_contact(app, other_id)
    ahead = (datetime.now() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    for bad in ({"summary": "  "}, {"at": "tomorrow"}, {"at": ""}, {"at": ahead},
                {"kind": "fax"}, {"contact": str(theirs)}, {"contact": "99999999999"}):
        response = log(manager_client, client_id, **bad)
        assert response.status_code == 422, bad
        assert find(response, "form.interaction-form .error"), bad
    assert events(app) == []
    assert load_client(app, client_id).last_interaction_at is None


def test_markup_shows_as_text(app, manager_client):
    client_id = add_client(app)
    response = log(manager_client, client_id, summary="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert "&lt;script&gt;" in response.get_data(as_text=True)


def test_own_entries_are_edited_and_deleted_by_their_author(app, manager_client, manager_id):
    client_id = add_client(app)
    log(manager_client, client_id)
    [event] = events(app)
    form = manager_client.get(f"/clients/{client_id}/interactions/{event.id}/edit", htmx=True)
    assert_fragment(form, "client-interactions")
    assert one(form, f"#entry-{event.id} input[name=summary]").attributes["value"] == \
        "Called about the fair"
    saved = manager_client.post(f"/clients/{client_id}/interactions/{event.id}", htmx=True,
                                data={"kind": "meeting", "at": "2026-11-21T09:00",
                                      "contact": "", "summary": "Met instead", "details": ""})
    assert saved.status_code == 200
    [event] = events(app)
    assert (event.kind, event.summary, event.details) == ("interaction.meeting", "Met instead",
                                                          None)
    assert load_client(app, client_id).last_interaction_at == event.at
    removed = manager_client.post(f"/clients/{client_id}/interactions/{event.id}/remove",
                                  htmx=True)
    assert_fragment(removed, "client-interactions")
    assert events(app) == []
    assert load_client(app, client_id).last_interaction_at is None


def test_delete_asks_first_and_only_who_may_delete_is_asked(app, admin_client, manager_client,
                                                            viewer_client, manager_id):
    client_id = add_client(app)
    log(manager_client, client_id, summary="Called <about> the fair")
    app_event = add_event(app, client_id, kind="client.created", actor_id=manager_id)
    [event, _] = events(app)
    view = manager_client.get(f"/clients/{client_id}/interactions", htmx=True)
    ask_url = f"/clients/{client_id}/interactions/{event.id}/remove"
    delete = one(view, f"#entry-{event.id} a[hx-get='{ask_url}']")
    assert delete.attributes["hx-target"] == "body"
    assert find(view, f"#entry-{event.id} form[action$='/remove']") == []

    dialog = manager_client.get(ask_url, htmx=True)
    assert texts(dialog, "dialog h2") == ["Delete this interaction?"]
    assert texts(dialog, "dialog p") == [
        "“Called <about> the fair” is deleted from the timeline for good."]
    form = one(dialog, "dialog form")
    assert (form.attributes["hx-post"], form.attributes["hx-target"]) == (
        ask_url, "#client-interactions")
    assert_page(manager_client.get(ask_url))
    # Who may not delete it is not asked either.
    assert viewer_client.get(ask_url).status_code == 403
    assert manager_client.get(f"/clients/{client_id}/interactions/{app_event}/remove"
                              ).status_code == 403
    assert len(events(app)) == 2

    done = admin_client.post(ask_url, htmx=True)
    assert_fragment(done, "client-interactions")
    assert "closeDialog" in done.headers["HX-Trigger"]
    assert [e.id for e in events(app)] == [app_event]


def test_others_entries_and_app_events_are_403(app, admin_client, manager_client, admin_id,
                                               manager_id):
    client_id = add_client(app)
    other = make_user(app, "manager", email="other@example.com")
    theirs = add_event(app, client_id, actor_id=other, summary="Theirs")
    app_event = add_event(app, client_id, kind="client.created", actor_id=manager_id)
    data = {"kind": "note", "at": WHEN, "contact": "", "summary": "Mine now", "details": ""}
    for who in (manager_client, admin_client):
        assert who.get(f"/clients/{client_id}/interactions/{theirs}/edit").status_code == 403
        assert who.post(f"/clients/{client_id}/interactions/{theirs}",
                        data=data).status_code == 403
        for url in (f"/clients/{client_id}/interactions/{app_event}/edit",):
            assert who.get(url).status_code == 403
        assert who.post(f"/clients/{client_id}/interactions/{app_event}",
                        data=data).status_code == 403
        assert who.post(f"/clients/{client_id}/interactions/{app_event}/remove"
                        ).status_code == 403
    assert manager_client.post(f"/clients/{client_id}/interactions/{theirs}/remove"
                               ).status_code == 403
    # Another client's entry through this client's URL: not found.
    other_client = add_client(app, name="Other")
    assert manager_client.get(f"/clients/{other_client}/interactions/{theirs}/edit"
                              ).status_code == 404
    assert [e.id for e in events(app)] == [theirs, app_event]
    # Admins may delete anyone's logged entry.
    assert admin_client.post(f"/clients/{client_id}/interactions/{theirs}/remove"
                             ).status_code == 303
    assert [e.id for e in events(app)] == [app_event]


def test_no_write_without_the_csrf_token(app, manager_client):
    client_id = add_client(app)
    response = manager_client.post(f"/clients/{client_id}/interactions/new", csrf=False,
                                   data={"kind": "note", "at": WHEN, "summary": "x"})
    assert response.status_code in (400, 403)
    assert events(app) == []


def test_load_more_pages_by_time_and_id_with_equal_times(app, manager_client, manager_id):
    client_id = add_client(app)
    same = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    ids = [add_event(app, client_id, at=same, actor_id=manager_id, summary=f"N{n}")
           for n in range(45)]
    page = manager_client.get(f"/clients/{client_id}")
    seen = [int(node.attributes["id"].removeprefix("entry-"))
            for node in find(page, "#timeline-entries > li.timeline-entry")]
    assert len(seen) == 20
    before = one(page, "#timeline-more input[name=before]").attributes["value"]
    # A new entry logged meanwhile, at the same time, does not shift the pages.
    add_event(app, client_id, at=same, actor_id=manager_id, summary="Late")
    while before:
        more = manager_client.get(f"/clients/{client_id}/interactions/more?before={before}",
                                  htmx=True)
        assert more.status_code == 200 and "<html" not in more.get_data(as_text=True)
        seen += [int(node.attributes["id"].removeprefix("entry-"))
                 for node in find(more, "li.timeline-entry")]
        found = find(more, "#timeline-more input[name=before]")
        before = found[0].attributes["value"] if found else None
    assert seen == sorted(ids, reverse=True)
    # Without JavaScript Load more is a plain GET of the section: the next entries.
    plain = manager_client.get(f"/clients/{client_id}/interactions/more?before="
                               f"{Cursor(same, ids[25])}")
    assert plain.status_code == 303
    assert_page(manager_client.get(plain.headers["Location"]))


def test_filters_by_type_and_author(app, admin_client, manager_client, admin_id, manager_id):
    client_id = add_client(app)
    log(manager_client, client_id, kind="call", summary="A call")
    log(admin_client, client_id, kind="note", summary="A note")
    admin_client.post(f"/clients/{client_id}/info", htmx=True,
                      data=edit_data(app, client_id, phone="0102"))

    def summaries(query):
        response = admin_client.get(f"/clients/{client_id}/interactions?{query}", htmx=True)
        return [" ".join(n.text().split()) for n in find(response, "li.timeline-entry")]

    assert len(summaries("")) == 3
    assert [s for s in summaries("type=call")] and all("A call" in s for s in summaries("type=call"))
    assert len(summaries("type=logged")) == 2
    [edited] = summaries("type=app")
    assert "Client edited." in edited and "Phone" in edited and "0102" in edited
    assert all("Ada Admin" in s for s in summaries(f"who={admin_id}"))
    assert len(summaries(f"who={manager_id}")) == 1
    assert len(summaries("type=bogus&who=x&before=nonsense")) == 3


def test_the_filters_follow_in_the_address_bar_and_a_reload_keeps_them(
        app, admin_client, admin_id):
    client_id = add_client(app)
    log(admin_client, client_id, kind="call", summary="A call")
    log(admin_client, client_id, kind="note", summary="A note")
    swapped = admin_client.get(f"/clients/{client_id}/interactions?type=call&who={admin_id}",
                               htmx=True)
    assert swapped.headers["HX-Replace-Url"] == \
        f"/clients/{client_id}?type=call&who={admin_id}"
    assert "HX-Push-Url" not in swapped.headers
    reloaded = admin_client.get(swapped.headers["HX-Replace-Url"])
    assert_page(reloaded)
    [entry] = find(reloaded, "li.timeline-entry")
    assert "A call" in entry.text() and "A note" not in text_of(reloaded)
    assert one(reloaded, "#timeline-type option[selected]").attributes["value"] == "call"
    everything = admin_client.get(f"/clients/{client_id}/interactions?type=all", htmx=True)
    assert everything.headers["HX-Replace-Url"] == f"/clients/{client_id}"
    # Another section's view leaves the address alone.
    assert "HX-Replace-Url" not in admin_client.get(f"/clients/{client_id}/info",
                                                    htmx=True).headers


def test_the_apps_events_render_each_kind_and_unknown_ones(app, admin_client):
    client_id = add_client(app)
    with app.app_context():
        for kind, data in (("project.created", {"project": 7, "name": "Launch"}),
                           ("client.archived", {"reason": "Closed"}),
                           ("contact.added", {"contact": 1, "name": "Jean Dupont"}),
                           ("something.new", {"x": 1})):
            db.session.add(Event(client_id=client_id, kind=kind, data=data,
                                 at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
    page = admin_client.get(f"/clients/{client_id}")
    assert page.status_code == 200
    assert one(page, '#client-interactions a[href="/projects/7"]').text() == "Launch"
    body = text_of(page)
    assert "Reason: Closed" in body and "Contact “Jean Dupont” added." in body
    assert "Event: something.new" in body
    # App events have no Edit or Delete, even for admins.
    assert find(page, "#client-interactions .timeline-entry .actions") == []


def test_an_import_undo_keeps_clients_with_contacts_or_interactions(app, manager_id):
    from clientapp.imports import undo
    from clientapp.imports.models import ImportJob

    from .test_imports_running import check, created_by, queue, rows_csv, run

    job_id = check(app, rows_csv(4))
    assert queue(app, job_id) and run(app, job_id) == "done"
    ids = created_by(app, job_id)
    add_contact(app, ids[0])
    add_event(app, ids[1], actor_id=manager_id, summary="Called")
    add_event(app, ids[2], kind="client.archived")  # an app event ties nothing
    with app.app_context():
        plan = undo.undo_plan(db.session.get(ImportJob, job_id))
        assert plan["touched"]["count"] == 2
        report = undo.undo_job(db.session.get(ImportJob, job_id), None)
        db.session.commit()
        assert sorted(db.session.scalars(select(Client.id)).all()) == ids[:2]
    assert report["removed"] == 2


def test_dashboard_latest_interactions_and_needs_attention(make_app):
    app = make_app(CLIENTAPP_STALE_DAYS=30)
    from .conftest import make_user, sign_in

    viewer = sign_in(app, make_user(app, "viewer"))
    now = datetime.now(timezone.utc)
    old = now - timedelta(days=100)
    with app.app_context():
        fresh = Client(name="Fresh", created_at=old, last_interaction_at=now - timedelta(days=2))
        stale = Client(name="Stale", created_at=old, last_interaction_at=now - timedelta(days=40))
        never = Client(name="Never", created_at=old - timedelta(days=5))
        young = Client(name="Young", created_at=now - timedelta(days=3))
        gone = Client(name="Archived", created_at=old, archived_at=now)
        db.session.add_all([fresh, stale, never, young, gone])
        db.session.flush()
        db.session.add(Event(client_id=fresh.id, kind="interaction.meeting", data={},
                             at=now - timedelta(days=2), summary="Kick-off"))
        db.session.commit()
    page = viewer.get("/")
    assert_page(page)
    attention = one(page, "#needs-attention")
    assert [a.text() for a in attention.css("a")] == ["Never", "Stale"]
    assert "2 active clients without an interaction for 30 days." in attention.text()
    latest = " ".join(one(page, '[aria-labelledby="box-interactions-title"]').text().split())
    assert "Fresh" in latest and "Meeting" in latest and "Kick-off" in latest


def test_the_client_list_sorts_by_last_interaction(app, viewer_client):
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.add_all([Client(name="B", last_interaction_at=now - timedelta(days=9)),
                            Client(name="A"),
                            Client(name="C", last_interaction_at=now - timedelta(days=1))])
        db.session.commit()
    page = viewer_client.get("/clients?sort=-interaction")
    assert texts(page, "#client-rows th.name-col a") == ["C", "B", "A"]
    header = [th for th in find(page, "thead th") if "Last interaction" in th.text()]
    assert header and header[0].attributes.get("aria-sort") == "descending"
    assert texts(viewer_client.get("/clients?sort=interaction"),
                 "#client-rows th.name-col a") == ["B", "C", "A"]


def test_a_client_an_import_created_says_so_at_the_end_of_its_timeline(app, manager_client,
                                                                         viewer_client):
    from .test_imports_running import check, created_by, queue, run

    job_id = check(app, b"Name\nAcme\n", filename="spring.csv")
    assert queue(app, job_id) and run(app, job_id) == "done"
    [client_id] = created_by(app, job_id)
    page = manager_client.get(f"/clients/{client_id}")
    last = find(page, "#timeline-entries > li.timeline-entry")[-1]
    assert "Client created by the import of “spring.csv”." in last.text()
    assert last.css_first("a").attributes["href"].endswith(f"/import/{job_id}")
    viewer_page = viewer_client.get(f"/clients/{client_id}")
    assert find(viewer_page, "#timeline-entries > li.timeline-entry a") == []


def test_needs_attention_counts_up_to_its_cap(app, viewer_client, monkeypatch):
    from clientapp.interactions import dashboard

    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    old = datetime.now(timezone.utc) - timedelta(days=200)
    with app.app_context():
        db.session.add_all([Client(name=f"C{n}", created_at=old) for n in range(3)])
        db.session.commit()
    attention = one(viewer_client.get("/"), "#needs-attention")
    assert "More than 2 active clients without an interaction for 90 days." in attention.text()
    assert len(attention.css("a")) == 3
