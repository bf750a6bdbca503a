"""A client's profile in the browser: Basic information edited in place (save, cancel,
errors, someone else's save), the archived profile, the full Create and Edit pages."""
import re
from datetime import date, datetime, timezone

from playwright.sync_api import expect

from clientapp.clients.models import Client
from clientapp.extensions import db
from clientapp.projects.models import Project
from ..factories import add_client, load_client as stored


def open_profile(live_server, page, client_id):
    page.goto(f"{live_server.url}/clients/{client_id}")
    return page.locator("#client-info")


def test_inline_edit_save(live_server, signed_in, axe):
    page = signed_in("manager")
    client_id = add_client(live_server.app, name="Acme", code="AC")
    info = open_profile(live_server, page, client_id)
    expect(page.get_by_role("heading", level=1, name="Acme")).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    axe(page, "profile")

    info.get_by_role("link", name="Edit basic information").click()
    name = info.get_by_label("Name")
    expect(name).to_be_focused()
    axe(page, "Basic information as a form")
    name.fill("Acme Studio")
    info.get_by_label("Address").fill("1 rue de la Paix\n75002 Paris")
    info.get_by_label("Individual").check()
    info.get_by_role("button", name="Save").click()

    expect(info.get_by_role("button", name="Save")).to_have_count(0)
    expect(info.get_by_text("1 rue de la Paix")).to_be_visible()
    expect(info.get_by_text("Individual")).to_be_visible()
    # The header heard clientUpdated and shows the new name; focus is back on Edit.
    expect(page.get_by_role("heading", level=1, name="Acme Studio")).to_be_visible()
    expect(info.get_by_role("link", name="Edit basic information")).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page).to_have_url(f"{live_server.url}/clients/{client_id}")
    axe(page, "profile after an inline save")
    client = stored(live_server.app, client_id)
    assert (client.name, client.type, client.version) == ("Acme Studio", "individual", 2)
    assert client.address.splitlines() == ["1 rue de la Paix", "75002 Paris"]


def test_inline_edit_cancel(live_server, signed_in, axe):
    page = signed_in("admin")
    client_id = add_client(live_server.app, name="Acme", phone="01 23")
    info = open_profile(live_server, page, client_id)
    info.get_by_role("link", name="Edit basic information").click()
    expect(info.get_by_label("Name")).to_be_focused()  # settled: typing now is safe
    info.get_by_label("Name").fill("Not kept")
    info.get_by_role("link", name="Cancel").click()

    expect(info.get_by_role("textbox")).to_have_count(0)
    expect(info.get_by_role("link", name="01 23")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Acme")).to_be_visible()
    expect(info.get_by_role("link", name="Edit basic information")).to_be_focused()
    expect(page).to_have_url(f"{live_server.url}/clients/{client_id}")
    axe(page, "profile after cancel")
    assert stored(live_server.app, client_id).name == "Acme"


def test_inline_edit_errors_show_in_place(live_server, signed_in, axe):
    page = signed_in("admin")
    add_client(live_server.app, name="Globex", code="GX-1")
    client_id = add_client(live_server.app, name="Acme")
    info = open_profile(live_server, page, client_id)
    info.get_by_role("link", name="Edit basic information").click()
    expect(info.get_by_label("Name")).to_be_focused()  # settled: typing now is safe
    info.get_by_label("Name").fill("")
    info.get_by_label("Code").fill("gx-1")
    info.get_by_label("Email").fill("not an email")
    with page.expect_response(re.compile(r"/info$")) as answer:
        info.get_by_role("button", name="Save").click()
    assert answer.value.status == 422

    expect(info.get_by_text("Enter the client's name.")).to_be_visible()
    expect(info.get_by_text("The code gx-1 is already used by Globex.")).to_be_visible()
    expect(info.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    # The first field in error has focus and is described by its message.
    name = info.get_by_label("Name")
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description("Enter the client's name.")
    expect(page.get_by_role("alert").filter(has_text="Please correct the errors below.")).to_be_visible()
    axe(page, "Basic information with errors")
    assert stored(live_server.app, client_id).name == "Acme"

    name.fill("Acme Events")
    info.get_by_label("Code").fill("")
    info.get_by_label("Email").fill("hello@acme.test")
    info.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Acme Events")).to_be_visible()
    assert stored(live_server.app, client_id).email == "hello@acme.test"


def test_someone_elses_save_is_shown_not_overwritten(live_server, signed_in, axe):
    page = signed_in("admin")
    client_id = add_client(live_server.app, name="Acme")
    info = open_profile(live_server, page, client_id)
    info.get_by_role("link", name="Edit basic information").click()
    expect(info.get_by_label("Name")).to_be_focused()  # settled: typing now is safe
    info.get_by_label("Name").fill("Mine")

    with live_server.app.app_context():  # a colleague saves meanwhile
        db.session.get(Client, client_id).name = "Theirs"
        db.session.commit()

    info.get_by_role("button", name="Save").click()
    conflict = page.get_by_role("alert").filter(has_text="Changed by someone else.")
    expect(conflict).to_be_visible()
    expect(conflict.get_by_text("Theirs")).to_be_visible()
    expect(info.get_by_label("Name")).to_have_value("Mine")
    axe(page, "conflict")
    assert stored(live_server.app, client_id).name == "Theirs"
    expect(page.get_by_role("heading", level=1, name="Theirs")).to_be_visible()

    conflict.get_by_role("link", name="Load the current values").click()
    expect(info.get_by_label("Name")).to_have_value("Theirs")
    expect(page.get_by_text("Changed by someone else.")).to_have_count(0)


def test_archived_profile_shows_its_banner(live_server, signed_in, axe):
    page = signed_in("admin")
    app = live_server.app
    client_id = add_client(app, name="Old Co", code="OLD",
                           archived_at=datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc),
                           archive_reason="Stopped trading")
    with app.app_context():
        db.session.add(Project(name="Farewell party", client_id=client_id,
                               start_date=date(2025, 2, 1)))
        db.session.commit()
    open_profile(live_server, page, client_id)
    expect(page.get_by_text("Archived on Mar 14, 2025.")).to_be_visible()
    expect(page.get_by_text("Reason: Stopped trading")).to_be_visible()
    expect(page.locator("#profile-head .badge")).to_have_text("Archived")
    projects = page.get_by_role("table", name="Projects for Old Co, newest first")
    expect(projects.get_by_role("link", name="Farewell party")).to_be_visible()
    axe(page, "archived profile")

    page.get_by_role("button", name="Unarchive").click()
    expect(page).to_have_url(f"{live_server.url}/clients/{client_id}")
    expect(page.locator("#profile-head .badge")).to_have_text("Active")
    expect(page.get_by_text("Archived on")).to_have_count(0)
    assert stored(app, client_id).archived_at is None


def test_full_create_page(live_server, signed_in, axe):
    page = signed_in("manager")
    app = live_server.app
    existing_id = add_client(app, name="Globex GmbH")
    page.goto(f"{live_server.url}/clients/new")
    expect(page.get_by_role("heading", name="New client")).to_be_visible()
    axe(page, "create page")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter the client's name.")).to_be_visible()
    axe(page, "create page with errors")

    page.get_by_label("Name").fill("GLOBEX")
    page.get_by_label("Code").fill("GX")
    page.get_by_label("Address").fill("Unter den Linden 1\n10117 Berlin")
    page.get_by_label("Email").fill("info@globex.test")
    page.get_by_label("Phone").fill("+49 30 1234")
    page.get_by_role("button", name="Save").click()

    warning = page.get_by_role("alert").filter(has_text="similar name")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Globex GmbH")).to_have_attribute(
        "href", f"/clients/{existing_id}")
    axe(page, "create page asking to confirm a look-alike name")
    page.get_by_role("button", name="Save anyway").click()

    expect(page.get_by_role("heading", level=1, name="GLOBEX")).to_be_visible()
    expect(page.get_by_text("Code: GX")).to_be_visible()
    expect(page.locator("#client-info").get_by_text("10117 Berlin")).to_be_visible()
    axe(page, "profile of the new client")
    with app.app_context():
        assert db.session.query(Client).filter_by(code="GX").one().email == "info@globex.test"


def test_full_edit_page_from_the_profile(live_server, signed_in, axe):
    page = signed_in("admin")
    client_id = add_client(live_server.app, name="Acme")
    open_profile(live_server, page, client_id)
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit Acme")).to_be_visible()
    axe(page, "edit page")
    page.get_by_label("Phone").fill("+33 1 23 45 67 89")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/clients/{client_id}")
    expect(page.get_by_role("link", name="+33 1 23 45 67 89")).to_be_visible()


def test_viewer_sees_no_edit_controls(live_server, signed_in, axe):
    page = signed_in("viewer")
    client_id = add_client(live_server.app, name="Acme")
    open_profile(live_server, page, client_id)
    expect(page.get_by_role("heading", level=1, name="Acme")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    axe(page, "profile for a viewer")


def test_the_profile_menu_archives_unarchives_exports_and_deletes(live_server, signed_in, axe):
    """The header's menu opens the same dialogs as the list's (they are not filtered out by
    the header's own refresh), and each action says what it did."""
    page = signed_in("manager")
    app = live_server.app
    client_id = add_client(app, name="Menu Co")
    open_profile(live_server, page, client_id)
    menu_button = page.get_by_role("button", name="Actions for Menu Co")

    menu_button.click()
    page.get_by_role("menuitem", name="Archive").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    axe(page, "archive dialog from the profile")
    dialog.get_by_label("Reason (optional)").fill("Paused")
    dialog.get_by_role("button", name="Archive").click()
    expect(page.locator("#profile-head .badge")).to_have_text("Archived")
    expect(page.locator("#notices")).to_contain_text("archived")
    assert stored(app, client_id).archive_reason == "Paused"

    page.get_by_role("button", name="Unarchive").click()
    expect(page.locator("#profile-head .badge")).to_have_text("Active")
    expect(page.locator("#notices")).to_contain_text("active again")

    page.get_by_role("button", name="Actions for Menu Co").click()
    page.get_by_role("menuitem", name="Export").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Actions for Menu Co").click()
    page.get_by_role("menuitem", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live_server.url}/clients")
    assert stored(app, client_id) is None
