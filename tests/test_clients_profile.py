"""A client's profile, its Basic information edited in place, and the full Create and Edit
pages: every route as a page and as an htmx fragment, who may do what."""
from datetime import date, datetime, timezone

from sqlalchemy import select

from clientapp.clients.models import Client
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page, make_user, sign_in
from .factories import add_client, add_project, load_client as load
from .html import attr, find, one, text_of


def version_of(response) -> str:
    return attr(response, "input[name=version]", "value")


def edit_data(app, client_id, **changes) -> dict:
    """What the edit form posts when the user changes `changes` (version included)."""
    client = load(app, client_id)
    data = {"type": client.type, "name": client.name, "code": client.code or "",
            "address": client.address or "", "email": client.email or "",
            "phone": client.phone or "", "version": str(client.version)}
    data.update(changes)
    return data


# --- the profile -----------------------------------------------------------------------

def test_profile_page_and_fragment(app, admin_client):
    client_id = add_client(app, name="Acme", code="AC-1", email="hello@acme.test",
                           phone="+33 1 23", address="1 rue de la Paix\n75002 Paris")
    page = admin_client.get(f"/clients/{client_id}")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "<h1>Acme</h1>" in body
    assert "Code: AC-1" in body
    assert '<span class="badge badge-ok">Active</span>' in body
    assert f'href="/clients/{client_id}/edit">Edit</a>' in body
    assert 'id="client-info"' in body and "Basic information" in body
    assert "1 rue de la Paix\n75002 Paris" in body and 'class="multiline"' in body
    assert 'href="mailto:hello@acme.test"' in body
    assert 'id="client-projects"' in body
    assert "No projects for this client yet." in body

    fragment = admin_client.get(f"/clients/{client_id}", htmx=True)
    assert_fragment(fragment, "profile")
    assert 'id="profile-head"' in fragment.get_data(as_text=True)


def test_profile_lists_projects_newest_first(app, admin_client):
    client_id = add_client(app)
    other_id = add_client(app, name="Other")
    add_project(app, client_id, "Spring fair", date(2024, 4, 1), date(2024, 4, 3))
    add_project(app, client_id, "Winter gala", date(2025, 1, 10))
    add_project(app, client_id, "Autumn show", date(2024, 10, 5))
    add_project(app, client_id, "Not scheduled yet")
    add_project(app, other_id, "Someone else's")
    from .html import attr, find, one, text_of, texts

    response = admin_client.get(f"/clients/{client_id}")
    body = response.get_data(as_text=True)
    names = texts(response, "#client-projects tbody th a")
    assert names == ["Winter gala", "Autumn show", "Spring fair", "Not scheduled yet"]
    assert "No projects for this client yet." not in body
    assert "Someone else" not in body


def test_unknown_client_is_404_everywhere(admin_client):
    for url in ("/clients/999", "/clients/999/info", "/clients/999/info/edit", "/clients/999/edit"):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.get(url, htmx=True).status_code == 404, url
    for url in ("/clients/999/info", "/clients/999/edit"):
        assert admin_client.post(url, data={"name": "X", "version": "1"}).status_code == 404, url


# --- Basic information, in place ----------------------------------------------------------

def test_info_view_page_and_fragment(app, admin_client):
    client_id = add_client(app, name="Acme")
    assert_page(admin_client.get(f"/clients/{client_id}/info"))
    fragment = admin_client.get(f"/clients/{client_id}/info", htmx=True)
    assert_fragment(fragment, "client-info")
    body = fragment.get_data(as_text=True)
    # Replaces itself; its Edit swaps in the form.
    assert 'hx-target="this" hx-swap="outerHTML"' in body
    assert f'hx-get="/clients/{client_id}/info/edit"' in body
    assert "<form" not in body and "client-projects" not in body


def test_info_edit_page_and_fragment(app, admin_client):
    client_id = add_client(app, name="Acme", code="AC")
    page = admin_client.get(f"/clients/{client_id}/info/edit")
    assert_page(page)
    # Without JavaScript the whole profile comes back with the section as a form.
    assert 'id="client-info-form"' in page.get_data(as_text=True)
    assert 'id="client-projects"' in page.get_data(as_text=True)

    fragment = admin_client.get(f"/clients/{client_id}/info/edit", htmx=True)
    assert_fragment(fragment, "client-info")
    body = fragment.get_data(as_text=True)
    assert 'id="client-info-form"' in body
    assert f'hx-post="/clients/{client_id}/info"' in body
    assert 'hx-target="this" hx-swap="outerHTML"' in body
    assert version_of(fragment) == "1"
    assert 'value="Acme"' in body and 'value="AC"' in body
    assert f'hx-get="/clients/{client_id}/info">Cancel</a>' in body


def test_info_save_swaps_back_the_updated_view(app, admin_client):
    client_id = add_client(app, name="Acme")
    response = admin_client.post(f"/clients/{client_id}/info", htmx=True, data=edit_data(
        app, client_id, name="Acme Studio", code="ACS", email="a@acme.test",
        address="Line 1\r\nLine 2", type="individual"))
    assert_fragment(response, "client-info")
    body = response.get_data(as_text=True)
    # The card shows the new values but not the name again: the header has it, and it
    # hears about the save (clientUpdated); a notice says it was saved.
    assert "<form" not in body and "ACS" in body and "Individual" in body
    assert "Acme Studio" not in body
    assert "clientUpdated" in response.headers["HX-Trigger"]
    assert 'hx-swap-oob="afterbegin:#notices"' in body and "Saved." in body
    client = load(app, client_id)
    assert (client.name, client.code, client.email, client.type) == \
        ("Acme Studio", "ACS", "a@acme.test", "individual")
    assert client.address.splitlines() == ["Line 1", "Line 2"]
    assert client.version == 2


def test_header_refreshes_itself_after_a_save(app, admin_client):
    client_id = add_client(app)
    head = one(admin_client.get(f"/clients/{client_id}"), "#profile-head").attributes
    assert head["hx-trigger"] == "clientUpdated from:body"
    assert (head["hx-get"], head["hx-select"]) == (f"/clients/{client_id}", "#profile-head")


def test_info_save_without_javascript_redirects_to_the_profile(app, admin_client):
    client_id = add_client(app, name="Acme")
    response = admin_client.post(f"/clients/{client_id}/info",
                                 data=edit_data(app, client_id, name="Acme Studio"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{client_id}")
    assert load(app, client_id).name == "Acme Studio"


def test_info_errors_render_inside_the_form(app, admin_client):
    client_id = add_client(app, name="Acme")
    response = admin_client.post(f"/clients/{client_id}/info", htmx=True,
                                 data=edit_data(app, client_id, name="  ", email="nope"))
    assert_fragment(response, "client-info", 422)
    body = response.get_data(as_text=True)
    assert 'id="client-info-form"' in body
    assert '<p class="error" id="name-error">Enter the client' in body
    assert 'aria-describedby="name-error" aria-invalid="true"' in body
    assert 'id="email-error">Enter a valid email address' in body
    assert load(app, client_id).name == "Acme"

    page = admin_client.post(f"/clients/{client_id}/info", data=edit_data(app, client_id, name=""))
    assert_page(page, 422)
    assert 'id="name-error"' in page.get_data(as_text=True)


# --- the full Create and Edit pages ---------------------------------------------------------

def test_create_page_and_fragment(admin_client):
    page = admin_client.get("/clients/new")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "<h1>New client</h1>" in body
    for label in ("Type", "Name", "Code", "Address", "Email", "Phone"):
        assert f">{label}</" in body, label
    assert ">Save</button>" in body
    assert 'name="version"' not in body
    assert_fragment(admin_client.get("/clients/new", htmx=True), "client-form")


def test_create_saves_and_goes_to_the_profile(app, admin_client, admin_id):
    response = admin_client.post("/clients/new", data={
        "type": "company", "name": " Globex ", "code": "GX", "address": "Here\nThere",
        "email": "info@globex.test", "phone": "+1 555 0100"})
    assert response.status_code == 303
    with app.app_context():
        client = db.session.scalars(select(Client)).one()
        assert (client.name, client.code, client.address, client.email, client.phone) == \
            ("Globex", "GX", "Here\nThere", "info@globex.test", "+1 555 0100")
        assert client.created_by_id == admin_id and client.archived_at is None
        assert response.headers["Location"].endswith(f"/clients/{client.id}")


def test_create_from_htmx_redirects_with_hx_redirect(app, admin_client):
    response = admin_client.post("/clients/new", htmx=True, data={"name": "Initech"})
    assert response.status_code == 200
    with app.app_context():
        client_id = db.session.scalars(select(Client.id)).one()
    assert response.headers["HX-Redirect"] == f"/clients/{client_id}"


def test_create_errors_page_and_fragment(app, admin_client):
    page = admin_client.post("/clients/new", data={"name": ""})
    assert_page(page, 422)
    fragment = admin_client.post("/clients/new", htmx=True, data={"name": "", "email": "x@"})
    assert_fragment(fragment, "client-form", 422)
    assert 'id="email-error"' in fragment.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Client)).all() == []


def test_edit_page_and_fragment(app, admin_client):
    client_id = add_client(app, name="Acme", phone="01 23")
    page = admin_client.get(f"/clients/{client_id}/edit")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "<h1>Edit Acme</h1>" in body and 'value="01 23"' in body
    assert version_of(page) == "1"
    assert f'href="/clients/{client_id}">Cancel</a>' in body
    fragment = admin_client.get(f"/clients/{client_id}/edit", htmx=True)
    assert_fragment(fragment, "client-form")
    assert f'hx-post="/clients/{client_id}/edit"' in fragment.get_data(as_text=True)


def test_edit_saves_and_goes_to_the_profile(app, admin_client):
    client_id = add_client(app, name="Acme")
    response = admin_client.post(f"/clients/{client_id}/edit",
                                 data=edit_data(app, client_id, phone="+44 20 7946 0000"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{client_id}")
    htmx = admin_client.post(f"/clients/{client_id}/edit", htmx=True,
                             data=edit_data(app, client_id, name="Acme 2"))
    assert htmx.headers["HX-Redirect"] == f"/clients/{client_id}"
    client = load(app, client_id)
    assert (client.name, client.phone, client.version) == ("Acme 2", "+44 20 7946 0000", 3)


def test_edit_errors_page_and_fragment(app, admin_client):
    client_id = add_client(app, name="Acme")
    assert_page(admin_client.post(f"/clients/{client_id}/edit",
                                  data=edit_data(app, client_id, name="")), 422)
    fragment = admin_client.post(f"/clients/{client_id}/edit", htmx=True,
                                 data=edit_data(app, client_id, name=""))
    assert_fragment(fragment, "client-form", 422)
    assert load(app, client_id).name == "Acme"


def test_manager_edits_too(app, manager_client):
    client_id = add_client(app)
    assert manager_client.get(f"/clients/{client_id}/edit").status_code == 200
    response = manager_client.post(f"/clients/{client_id}/info",
                                   data=edit_data(app, client_id, name="By manager"))
    assert response.status_code == 303
    assert load(app, client_id).name == "By manager"


def test_a_write_without_csrf_token_saves_nothing(app, admin_client):
    client_id = add_client(app, name="Acme")
    response = admin_client.post(f"/clients/{client_id}/info", csrf=False,
                                 data=edit_data(app, client_id, name="Forged"))
    assert response.status_code == 400
    assert admin_client.post("/clients/new", csrf=False, data={"name": "Forged"}).status_code == 400
    assert load(app, client_id).name == "Acme"
    with app.app_context():
        assert len(db.session.scalars(select(Client)).all()) == 1


# --- viewers ------------------------------------------------------------------------------

def test_viewer_reads_but_sees_no_edit_controls(app, viewer_client):
    client_id = add_client(app, name="Acme", archived_at=datetime.now(timezone.utc))
    body = viewer_client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "<h1>Acme</h1>" in body and "Basic information" in body
    assert "/edit" not in body and ">Edit<" not in body
    assert "Unarchive" not in body
    assert_fragment(viewer_client.get(f"/clients/{client_id}/info", htmx=True), "client-info")


def test_viewer_cannot_open_forms_or_write(app, viewer_client):
    client_id = add_client(app, name="Acme")
    for url in ("/clients/new", f"/clients/{client_id}/edit", f"/clients/{client_id}/info/edit"):
        assert viewer_client.get(url).status_code == 403, url
    for url in ("/clients/new", f"/clients/{client_id}/edit", f"/clients/{client_id}/info"):
        response = viewer_client.post(url, data=edit_data(app, client_id, name="Viewer was here"))
        assert response.status_code == 403, url
    assert load(app, client_id).name == "Acme"
    with app.app_context():
        assert len(db.session.scalars(select(Client)).all()) == 1


def test_anonymous_is_sent_to_sign_in(app, client, admin_id):
    client_id = add_client(app)
    response = client.get(f"/clients/{client_id}")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


# --- archived -----------------------------------------------------------------------------

def test_archived_profile_shows_its_banner_and_everything_else(app, admin_client):
    archived_at = datetime(2025, 3, 14, 10, 0, tzinfo=timezone.utc)
    client_id = add_client(app, name="Old Co", code="OLD", archived_at=archived_at,
                           archive_reason="Stopped trading\nin 2025")
    add_project(app, client_id, "Last show", date(2024, 12, 1))
    response = admin_client.get(f"/clients/{client_id}")
    assert_page(response)
    body = response.get_data(as_text=True)
    assert '<span class="badge badge-warn">Archived</span>' in body
    assert "Archived on Mar 14, 2025." in body
    assert "Reason: Stopped trading\nin 2025" in body
    assert "Last show" in body and "Code: OLD" in body and "Basic information" in body
    # Unarchive, in the banner and in the menu: each a POST carrying its CSRF token.
    forms = find(response, f"form[action='/clients/{client_id}/unarchive']")
    assert len(forms) == 2
    for form in forms:
        assert form.attributes["method"] == "post"
        assert form.css_first("input[name=csrf_token]").attributes["value"]
    assert ">Unarchive</button>" in body
    assert_fragment(admin_client.get(f"/clients/{client_id}", htmx=True), "profile")


def test_active_profile_has_no_archive_banner(app, admin_client):
    body = admin_client.get(f"/clients/{add_client(app)}").get_data(as_text=True)
    assert "Archived on" not in body and "Unarchive" not in body


def test_archived_client_can_still_be_edited(app, admin_client):
    client_id = add_client(app, archived_at=datetime.now(timezone.utc))
    response = admin_client.post(f"/clients/{client_id}/info",
                                 data=edit_data(app, client_id, phone="12 34"))
    assert response.status_code == 303
    client = load(app, client_id)
    assert client.phone == "12 34" and client.archived_at is not None


def test_profile_in_french(app, admin_id):
    user_id = make_user(app, "manager", email="fr@example.com", locale="fr")
    client_id = add_client(app, name="Acme", archived_at=datetime(2025, 3, 14, tzinfo=timezone.utc))
    french = sign_in(app, user_id)
    page = french.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Informations de base" in page and "Projets" in page
    assert ">Modifier</a>" in page and "Archivé le 14 mars 2025." in page
    form = french.get("/clients/new").get_data(as_text=True)
    assert "Nouveau client" in form and ">Enregistrer</button>" in form


def test_profile_header_menu_edits_archives_exports_and_deletes(app, admin_client):
    from .html import find, words

    client_id = add_client(app, name="Acme", code="AC-1")
    add_client(app, name="Globex")
    page = admin_client.get(f"/clients/{client_id}")
    items = {words(i): i.attributes for i in find(page, "#client-menu-profile [role=menuitem]")}
    assert list(items) == ["Edit", "New project", "Archive", "Export", "Delete"]
    assert items["New project"]["href"] == f"/projects/new?client={client_id}"
    export = items["Export"]["href"]
    assert export == items["Export"]["hx-get"]
    # The formats offered for this client alone, and each download holds it alone.
    dialog = admin_client.get(export, htmx=True)
    assert "This client alone." in words(find(dialog, "dialog")[0])
    csv_link = [a.attributes["href"] for a in find(dialog, "a[download]")][0]
    lines = admin_client.get(csv_link).get_data(as_text=True).splitlines()
    assert len(lines) == 2 and lines[1].startswith("Acme,AC-1")
    # Empty fields say so, in words.
    assert "Not set" in words(find(page, "#client-info")[0])
