"""Contacts on the client profile: added, edited in place, removed (each role, page and
fragment), their events, the primary contact, the vCard, and search by a contact."""
from sqlalchemy import select

from clientapp.activity import Event
from clientapp.contacts.models import Contact
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .factories import add_client
from .html import find, one, texts, text_of, words


def contact_data(**changes) -> dict:
    data = {"first_name": "Jean", "last_name": "Dupont", "job_title": "Buyer",
            "email": "jean@acme.test", "phone": "+33 1 02 03 04 05", "mobile": "",
            "notes": "", "version": ""}
    data.update(changes)
    return data


def contacts_of(app, client_id) -> list[Contact]:
    with app.app_context():
        found = db.session.scalars(select(Contact).where(Contact.client_id == client_id)
                                   .order_by(Contact.id)).all()
        for contact in found:
            db.session.expunge(contact)
        return found


def events(app) -> list[tuple]:
    with app.app_context():
        return [(e.kind, e.client_id, e.data) for e in
                db.session.scalars(select(Event).order_by(Event.id))]


def add(client, client_id, **changes):
    return client.post(f"/clients/{client_id}/contacts/new", data=contact_data(**changes),
                       htmx=True)


def test_the_section_on_the_profile_and_its_new_form(app, viewer_client, manager_client):
    client_id = add_client(app)
    page = viewer_client.get(f"/clients/{client_id}")
    assert_page(page)
    section = one(page, "section#client-contacts")
    assert section.attributes["aria-labelledby"] == "client-contacts-title"
    assert texts(page, "#client-contacts-title") == ["Contacts"]
    assert "No contacts yet." in text_of(page)
    assert find(page, "#add-contact") == []  # viewers read only

    fragment = manager_client.get(f"/clients/{client_id}/contacts", htmx=True)
    assert_fragment(fragment, "client-contacts")
    assert texts(fragment, "#add-contact") == ["Add contact"]
    new = manager_client.get(f"/clients/{client_id}/contacts/new", htmx=True)
    assert_fragment(new, "client-contacts")
    labels = texts(new, "form.contact-form label, form.contact-form .field-label")
    for label in ("First name", "Last name", "Job title", "Email", "Phone", "Mobile",
                  "Primary contact"):
        assert label in labels
    # Without JavaScript: the whole profile with the form in place.
    assert_page(manager_client.get(f"/clients/{client_id}/contacts/new"))
    assert viewer_client.get(f"/clients/{client_id}/contacts/new").status_code == 403


def test_adding_a_contact_records_exactly_contact_added(app, manager_client):
    client_id = add_client(app)
    response = add(manager_client, client_id)
    assert_fragment(response, "client-contacts")
    assert "clientsChanged" in response.headers["HX-Trigger"]
    [contact] = contacts_of(app, client_id)
    assert (contact.name, contact.email, contact.is_primary) == ("Jean Dupont",
                                                                 "jean@acme.test", True)
    assert events(app) == [("contact.added", client_id,
                            {"contact": contact.id, "name": "Jean Dupont"})]
    assert "Jean Dupont" in texts(response, f"#contact-{contact.id} .contact-name")[0]
    assert one(response, f'#contact-{contact.id} a[href="mailto:jean@acme.test"]')
    # The profile's header shows the primary contact with its links.
    head = manager_client.get(f"/clients/{client_id}")
    assert one(head, '.profile-contact a[href="tel:+33102030405"]')


def test_a_refused_contact_writes_nothing(app, manager_client, viewer_client):
    client_id = add_client(app)
    for bad in ({"first_name": "", "last_name": ""}, {"email": "not an email"},
                {"phone": "call me"}):
        response = add(manager_client, client_id, **bad)
        assert response.status_code == 422
        assert one(response, "form.contact-form .error")
    assert viewer_client.post(f"/clients/{client_id}/contacts/new",
                              data=contact_data()).status_code == 403
    assert manager_client.post(f"/clients/{client_id}/contacts/new", data=contact_data(),
                               csrf=False).status_code in (400, 403)
    assert contacts_of(app, client_id) == [] and events(app) == []


def test_an_intranet_email_is_welcome(app, manager_client):
    client_id = add_client(app)
    assert add(manager_client, client_id, email="jean@agency.local").status_code == 200


def test_edit_in_place_and_a_stale_version_is_409(app, manager_client):
    client_id = add_client(app)
    add(manager_client, client_id)
    [contact] = contacts_of(app, client_id)
    form = manager_client.get(f"/clients/{client_id}/contacts/{contact.id}/edit", htmx=True)
    assert_fragment(form, "client-contacts")
    assert one(form, f"#contact-{contact.id} form input[name=first_name]").attributes[
        "value"] == "Jean"
    saved = manager_client.post(f"/clients/{client_id}/contacts/{contact.id}", htmx=True,
                                data=contact_data(first_name="Jeanne", is_primary="y",
                                                  version=str(contact.version)))
    assert saved.status_code == 200
    assert contacts_of(app, client_id)[0].first_name == "Jeanne"
    before = events(app)
    stale = manager_client.post(f"/clients/{client_id}/contacts/{contact.id}", htmx=True,
                                data=contact_data(first_name="Old", is_primary="y",
                                                  version=str(contact.version)))
    assert stale.status_code == 409
    assert "Changed by someone else." in text_of(stale)
    assert contacts_of(app, client_id)[0].first_name == "Jeanne"
    assert events(app) == before


def test_one_primary_contact_per_client(app, manager_client):
    client_id = add_client(app)
    add(manager_client, client_id)
    add(manager_client, client_id, first_name="Marie", last_name="Curie", is_primary="y")
    first, second = contacts_of(app, client_id)
    assert (first.is_primary, second.is_primary) == (False, True)
    body = manager_client.get(f"/clients?q=").get_data(as_text=True)
    assert "Marie Curie" in body


def test_remove_records_contact_removed_and_others_are_404(app, manager_client, admin_client):
    client_id, other_id = add_client(app), add_client(app, name="Other")
    add(manager_client, client_id)
    [contact] = contacts_of(app, client_id)
    # A contact of another client, by a crafted URL: not found there.
    assert manager_client.post(f"/clients/{other_id}/contacts/{contact.id}/remove"
                               ).status_code == 404
    assert manager_client.get(f"/clients/{other_id}/contacts/{contact.id}/edit"
                              ).status_code == 404
    assert manager_client.get(f"/clients/{client_id}/contacts/99999999999/edit"
                              ).status_code == 404
    response = manager_client.post(f"/clients/{client_id}/contacts/{contact.id}/remove",
                                   htmx=True)
    assert_fragment(response, "client-contacts")
    assert contacts_of(app, client_id) == []
    assert [kind for kind, *_ in events(app)] == ["contact.added", "contact.removed"]
    assert events(app)[-1][2] == {"contact": contact.id, "name": "Jean Dupont"}


def test_remove_asks_first_in_a_dialog_or_a_page(app, manager_client, viewer_client):
    client_id, other_id = add_client(app), add_client(app, name="Other")
    add(manager_client, client_id)
    [contact] = contacts_of(app, client_id)
    view = manager_client.get(f"/clients/{client_id}/contacts", htmx=True)
    remove = one(view, f"#contact-{contact.id} a[hx-get$='/remove']")
    assert words(remove) == "Remove Jean Dupont"
    ask_url = f"/clients/{client_id}/contacts/{contact.id}/remove"
    assert remove.attributes["href"] == ask_url  # a GET: it only asks
    assert find(view, f"#contact-{contact.id} form[action$='/remove']") == []

    # htmx: a modal dialog whose form replaces the section; nothing removed yet.
    dialog = manager_client.get(ask_url, htmx=True)
    assert dialog.status_code == 200
    assert "<html" not in dialog.get_data(as_text=True)
    box = one(dialog, "dialog[data-open-on-load]")
    assert texts(dialog, "dialog h2") == ["Remove “Jean Dupont”?"]
    assert texts(dialog, "dialog p") == ["The contact is removed from Acme for good."]
    form = one(dialog, "dialog form")
    assert (form.attributes["hx-post"], form.attributes["hx-target"],
            form.attributes["hx-swap"]) == (ask_url, "#client-contacts", "outerHTML")
    assert texts(dialog, "dialog button") == ["Cancel", "Remove"]
    assert texts(dialog, "#" + box.attributes["aria-labelledby"]) == ["Remove “Jean Dupont”?"]
    assert [c.id for c in contacts_of(app, client_id)] == [contact.id]

    # Without JavaScript: a page of its own, a plain form, Cancel back to the profile.
    page = manager_client.get(ask_url)
    assert_page(page)
    assert texts(page, "main h1") == ["Remove “Jean Dupont”?"]
    plain = one(page, "main form")
    assert plain.attributes["action"] == ask_url and "hx-post" not in plain.attributes
    assert one(page, "main a.button").attributes["href"] == f"/clients/{client_id}"
    assert viewer_client.get(ask_url).status_code == 403
    assert manager_client.get(f"/clients/{other_id}/contacts/{contact.id}/remove"
                              ).status_code == 404
    assert manager_client.get(f"/clients/{client_id}/contacts/99999999/remove"
                              ).status_code == 404

    # Confirmed: the section comes back, and the dialog is told to close.
    done = manager_client.post(ask_url, htmx=True)
    assert_fragment(done, "client-contacts")
    assert "closeDialog" in done.headers["HX-Trigger"]
    assert contacts_of(app, client_id) == []
    assert manager_client.get(ask_url).status_code == 404


def test_a_section_without_a_removal_question_has_no_such_page(app, manager_client):
    # The management team's members are removed without asking (no element_id): its
    # confirmation URL does not exist.
    client_id = add_client(app)
    assert manager_client.get(f"/clients/{client_id}/team/1/remove").status_code == 404


def test_markup_shows_as_text(app, manager_client):
    client_id = add_client(app)
    add(manager_client, client_id, first_name="<b>Bold</b>")
    body = manager_client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "<b>Bold</b>" not in body and "&lt;b&gt;Bold&lt;/b&gt;" in body


def parse_vcard(text: str) -> list[tuple[str, str]]:
    """(name with parameters, unescaped value) per property, folded lines joined."""
    unfolded = text.replace("\r\n ", "")
    props = []
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        out, i = "", 0
        while i < len(value):
            if value[i] == "\\" and i + 1 < len(value):
                out += "\n" if value[i + 1] in "nN" else value[i + 1]
                i += 2
            else:
                out += value[i]
                i += 1
        props.append((name, out))
    return props


def test_vcard_downloads_and_parses_back(app, manager_client, viewer_client):
    client_id = add_client(app, name="Acme; Sons, Ltd")
    long_note = "Line one, with; marks\\ and a backslash\nLine two " + "é" * 60
    add(manager_client, client_id, first_name="Jean-Marie", last_name="D'Ormesson",
        notes=long_note, mobile="06 12 34 56 78")
    [contact] = contacts_of(app, client_id)
    response = viewer_client.get(f"/clients/{client_id}/contacts/{contact.id}/vcard")
    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert 'filename="jean-marie-d-ormesson.vcf"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    props = dict(parse_vcard(body))
    assert props["BEGIN"] == "VCARD" and props["VERSION"] == "3.0"
    assert props["FN"] == "Jean-Marie D'Ormesson"
    assert props["ORG"] == "Acme; Sons, Ltd"
    assert props["NOTE"] == long_note
    assert props["TEL;TYPE=CELL"] == "06 12 34 56 78"
    assert props["EMAIL;TYPE=INTERNET"] == "jean@acme.test"
    other = add_client(app, name="Other")
    assert viewer_client.get(f"/clients/{other}/contacts/{contact.id}/vcard").status_code == 404


def test_the_client_search_finds_clients_by_their_contacts(app, manager_client):
    client_id = add_client(app, name="Acme")
    add_client(app, name="Globex")
    add(manager_client, client_id)
    found = manager_client.get("/clients?q=dupont")
    assert texts(found, "#client-list tbody a.client-name") == ["Acme"] or \
        "Acme" in text_of(found) and "Globex" not in text_of(found)
    # An edit of the client's own fields keeps its contacts searchable.
    from .test_clients_profile import edit_data
    manager_client.post(f"/clients/{client_id}/info", htmx=True,
                        data=edit_data(app, client_id, name="Acme Studio"))
    assert "Acme Studio" in text_of(manager_client.get("/clients?q=jean+dupont"))
    [contact] = contacts_of(app, client_id)
    manager_client.post(f"/clients/{client_id}/contacts/{contact.id}/remove")
    assert "Acme Studio" not in text_of(manager_client.get("/clients?q=dupont"))


def test_deleting_a_client_removes_its_contacts_and_keeps_its_events(app, manager_client):
    client_id = add_client(app)
    add(manager_client, client_id)
    assert manager_client.post(f"/clients/{client_id}/delete").status_code == 303
    assert contacts_of(app, client_id) == []
    assert [kind for kind, *_ in events(app)] == ["contact.added", "client.deleted"]
