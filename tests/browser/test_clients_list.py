"""The client list in a real browser, each state checked with axe: quick add, the row menu
by keyboard alone, archive and undo, Show archives and the back button, bulk archive,
delete refused and allowed, the list in French, and the list without JavaScript."""
import re

from playwright.sync_api import expect

from clientapp.clients.models import Client
from clientapp.extensions import db

from ..conftest import PASSWORD, make_user
from ..test_clients_list import add_client, add_project, archive_now, load


def open_list(page, axe, context="client list"):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    axe(page, context)


def rows(page):
    return page.locator("#client-rows tr th[scope=row] a")


def notice(page):
    return page.locator("#notices")


def test_quick_add(live_server, signed_in, axe):
    add_client(live_server.app, "Alpha")
    existing = add_client(live_server.app, "Acme, Inc.")
    page = signed_in("manager")
    open_list(page, axe)

    page.get_by_role("button", name="Add client").click()
    name = page.get_by_label("Name")
    expect(name).to_be_focused()
    axe(page, "quick add form")
    name.fill("Zulu Corp")
    page.get_by_role("button", name="Create", exact=True).click()
    # At the top of the list at once, whatever the sort, and the form ready for the next.
    expect(rows(page).first).to_have_text("Zulu Corp")
    expect(page.locator("#client-rows tr").first.get_by_text("New", exact=True)).to_be_visible()
    expect(notice(page)).to_contain_text("Client “Zulu Corp” created.")
    expect(page.get_by_label("Name")).to_have_value("")
    expect(page.get_by_label("Name")).to_be_focused()
    axe(page, "after quick add")

    # A look-alike name asks first and links the existing client.
    page.get_by_label("Name").fill("ACME")
    page.get_by_role("button", name="Create", exact=True).click()
    warning = page.get_by_role("alert").filter(has_text="similar name")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Acme, Inc.")).to_have_attribute(
        "href", f"/clients/{existing}")
    axe(page, "look-alike warning")
    page.get_by_role("button", name="Create anyway").click()
    expect(rows(page).first).to_have_text("ACME")
    with live_server.app.app_context():
        assert db.session.query(Client).filter_by(name="ACME").count() == 1

    # An empty name is refused in place.
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_text("Enter the client's name.")).to_be_visible()
    axe(page, "quick add error")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_label("Name")).to_have_count(0)


def test_row_menu_by_keyboard_alone(live_server, signed_in, axe):
    client_id = add_client(live_server.app, "Acme")
    page = signed_in("admin")
    open_list(page, axe)
    button = page.get_by_role("button", name="Actions for Acme")
    menu = page.get_by_role("menu", name="Actions for Acme")
    button.focus()

    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem", name="View")).to_be_focused()
    axe(page, "row menu open")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Edit")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="New project")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Archive")).to_be_focused()
    page.keyboard.press("End")
    expect(menu.get_by_role("menuitem", name="Delete")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="View")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Space")
    expect(menu.get_by_role("menuitem", name="View")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowDown")
    expect(menu).to_be_visible()
    # The menu opens on its toggle event, then takes focus: keys pressed before land nowhere.
    expect(menu.get_by_role("menuitem", name="View")).to_be_focused()
    for _ in range(3):  # Edit, New project, Archive
        page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Archive")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Archive “Acme”?")
    expect(dialog).to_be_visible()
    axe(page, "archive dialog")
    # Escape closes the dialog and brings focus back to the row's button; nothing changed.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(button).to_be_focused()
    assert load(live_server.app, client_id).archived_at is None

    # View by keyboard opens the profile.
    page.keyboard.press("Enter")
    expect(menu.get_by_role("menuitem", name="View")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/clients/{client_id}")


def test_click_outside_closes_the_menu(live_server, signed_in, axe):
    add_client(live_server.app, "Acme")
    page = signed_in("admin")
    open_list(page, axe)
    page.get_by_role("button", name="Actions for Acme").click()
    menu = page.get_by_role("menu", name="Actions for Acme")
    expect(menu).to_be_visible()
    page.get_by_role("heading", name="Clients", exact=True).click()
    expect(menu).to_be_hidden()


def test_archive_through_the_dialog_then_undo(live_server, signed_in, axe):
    client_id = add_client(live_server.app, "Acme")
    add_client(live_server.app, "Globex")
    page = signed_in("manager")
    open_list(page, axe)

    page.get_by_role("button", name="Actions for Acme").click()
    page.get_by_role("menuitem", name="Archive").click()
    dialog = page.get_by_role("dialog", name="Archive “Acme”?")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Reason (optional)").fill("Contract ended")
    axe(page, "archive dialog with a reason")
    dialog.get_by_role("button", name="Archive").click()

    expect(dialog).to_have_count(0)
    expect(rows(page)).to_have_text(["Globex"])
    expect(notice(page)).to_contain_text("“Acme” archived.")
    expect(page.locator("#client-list-summary")).to_be_focused()
    axe(page, "archived, with the undo notice")
    client = load(live_server.app, client_id)
    assert client.archived_at is not None and client.archive_reason == "Contract ended"

    notice(page).get_by_role("button", name="Undo").click()
    expect(rows(page)).to_have_text(["Acme", "Globex"])
    expect(notice(page)).to_contain_text("“Acme” is active again.")
    assert load(live_server.app, client_id).archived_at is None
    # The notices leave after a few seconds.
    expect(notice(page).get_by_role("button", name="Undo")).to_have_count(0, timeout=15000)

    # Unarchive from the menu of an archived client.
    archive_now(live_server.app, client_id)
    page.get_by_role("link", name="Archived", exact=True).click()
    expect(page).to_have_url(re.compile(r"/clients\?view=archived$"))
    page.get_by_role("button", name="Actions for Acme").click()
    page.get_by_role("menuitem", name="Unarchive").click()
    expect(page.get_by_text("No archived clients.")).to_be_visible()
    axe(page, "archived tab, empty")
    assert load(live_server.app, client_id).archived_at is None


def test_show_archives_switch_and_the_back_button(live_server, signed_in, axe):
    add_client(live_server.app, "Alpha")
    archive_now(live_server.app, add_client(live_server.app, "Old Co"))
    page = signed_in("admin")
    open_list(page, axe)
    switch = page.get_by_role("switch", name="Show archives")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(rows(page)).to_have_text(["Alpha"])

    page.evaluate("window.__sameDocument = true")
    switch.click()
    expect(page).to_have_url(re.compile(r"/clients\?view=all$"))
    expect(rows(page)).to_have_text(["Alpha", "Old Co"])
    old_row = page.locator("#client-rows tr").filter(has_text="Old Co")
    expect(old_row.get_by_text("Archived", exact=True)).to_be_visible()
    expect(page.get_by_role("switch", name="Show archives")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("switch", name="Show archives")).to_be_focused()
    # No full reload: the same document, swapped in place.
    assert page.evaluate("window.__sameDocument") is True
    axe(page, "archives shown")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/clients$"))
    expect(rows(page)).to_have_text(["Alpha"])
    expect(page.get_by_role("switch", name="Show archives")).to_have_attribute("aria-checked", "false")
    axe(page, "after back")
    page.go_forward()
    expect(rows(page)).to_have_text(["Alpha", "Old Co"])
    page.reload()
    expect(rows(page)).to_have_text(["Alpha", "Old Co"])
    expect(page.get_by_role("switch", name="Show archives")).to_have_attribute("aria-checked", "true")


def test_search_as_you_type_sort_and_pages_stay_in_the_url(live_server, signed_in, axe):
    with live_server.app.app_context():
        db.session.add_all([Client(name=f"Client {i:02d}") for i in range(55)])
        db.session.add(Client(name="Émile Zola"))
        db.session.commit()
    page = signed_in("admin")
    open_list(page, axe)
    expect(page.get_by_text("1–50 of 56 clients")).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/clients\?page=2$"))
    expect(rows(page)).to_have_count(6)
    axe(page, "page 2")

    page.get_by_label("Search clients").press_sequentially("emile", delay=30)
    expect(page).to_have_url(re.compile(r"/clients\?q=emile$"))
    expect(rows(page)).to_have_text(["Émile Zola"])
    expect(page.get_by_label("Search clients")).to_be_focused()
    # Every word, anywhere: "client" and a "0" (00 to 09, 10, 20, 30, 40, 50).
    page.get_by_label("Search clients").fill("client 0")
    expect(rows(page)).to_have_count(15)
    page.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"/clients\?q=client\+0&sort=-name$"))
    expect(rows(page).first).to_have_text("Client 50")
    axe(page, "search sorted")
    page.reload()
    expect(page.get_by_label("Search clients")).to_have_value("client 0")
    expect(rows(page).first).to_have_text("Client 50")
    page.get_by_label("Search clients").fill("nothing like it")
    expect(page.get_by_text("No client matches “nothing like it”.")).to_be_visible()
    axe(page, "no match")


def test_bulk_archive(live_server, signed_in, axe):
    for name in ("Alpha", "Bravo", "Charlie"):
        add_client(live_server.app, name)
    page = signed_in("manager")
    open_list(page, axe)
    # Nothing ticked yet: the dialog says what to do.
    page.get_by_role("button", name="Archive selected").click()
    dialog = page.get_by_role("dialog", name="No client selected")
    expect(dialog).to_be_visible()
    axe(page, "bulk with nothing selected")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("button", name="Archive selected")).to_be_focused()

    page.get_by_label("Select Alpha").check()
    page.get_by_label("Select Charlie").check()
    page.get_by_role("button", name="Archive selected").click()
    dialog = page.get_by_role("dialog", name="Archive 2 clients?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("listitem")).to_have_text(["Alpha", "Charlie"])
    axe(page, "bulk archive dialog")
    dialog.get_by_role("button", name="Archive").click()
    expect(rows(page)).to_have_text(["Bravo"])
    expect(notice(page)).to_contain_text("2 clients archived.")
    axe(page, "after bulk archive")

    page.get_by_role("link", name="Archived", exact=True).click()
    expect(rows(page)).to_have_text(["Alpha", "Charlie"])
    page.get_by_label("Select Alpha").check()
    page.get_by_role("button", name="Unarchive selected").click()
    dialog = page.get_by_role("dialog", name="Unarchive 1 client?")
    dialog.get_by_role("button", name="Unarchive").click()
    expect(rows(page)).to_have_text(["Charlie"])


def test_delete_refused_with_a_project_allowed_without(live_server, signed_in, axe):
    busy = add_client(live_server.app, "Busy Co")
    add_project(live_server.app, busy, "Gala")
    idle = add_client(live_server.app, "Idle Co")
    page = signed_in("admin")
    open_list(page, axe)

    page.get_by_role("button", name="Actions for Busy Co").click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("dialog", name="“Busy Co” cannot be deleted")
    expect(dialog).to_contain_text("1 project is attached to this client.")
    expect(dialog.get_by_role("button", name="Delete")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Archive")).to_be_visible()
    axe(page, "delete refused")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Actions for Busy Co")).to_be_focused()

    page.get_by_role("button", name="Actions for Idle Co").click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete “Idle Co”?")
    expect(dialog).to_be_visible()
    axe(page, "delete dialog")
    dialog.get_by_role("button", name="Delete").click()
    expect(rows(page)).to_have_text(["Busy Co"])
    expect(notice(page)).to_contain_text("“Idle Co” deleted.")
    assert load(live_server.app, idle) is None
    assert load(live_server.app, busy) is not None

    # Offered instead: archive the client with a project.
    page.get_by_role("button", name="Actions for Busy Co").click()
    page.get_by_role("menuitem", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Archive").click()
    expect(page.get_by_text("No clients yet.")).to_be_visible()
    assert load(live_server.app, busy).archived_at is not None


def test_the_list_in_french(live_server, signed_in, axe):
    add_client(live_server.app, "Émile Zola")
    add_client(live_server.app, "Globex")
    page = signed_in("admin")
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    axe(page, "list in French")
    expect(page.get_by_role("button", name="Ajouter un client")).to_be_visible()
    expect(page.get_by_role("switch", name="Afficher les archives")).to_be_visible()
    expect(page.get_by_role("link", name="Actifs")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Archivés")).to_be_visible()
    expect(page.get_by_text("1–2 sur 2 clients")).to_be_visible()

    page.get_by_label("Rechercher des clients").fill("emile")
    expect(rows(page)).to_have_text(["Émile Zola"])
    page.get_by_role("button", name="Actions pour Émile Zola").click()
    menu = page.get_by_role("menu", name="Actions pour Émile Zola")
    for item in ("Voir", "Modifier", "Archiver", "Supprimer"):
        expect(menu.get_by_role("menuitem", name=item)).to_be_visible()
    axe(page, "menu in French")
    menu.get_by_role("menuitem", name="Archiver").click()
    dialog = page.get_by_role("dialog", name="Archiver « Émile Zola » ?")
    expect(dialog.get_by_label("Motif (facultatif)")).to_be_visible()
    axe(page, "archive dialog in French")
    dialog.get_by_role("button", name="Archiver").click()
    expect(notice(page)).to_contain_text("« Émile Zola » archivé.")
    expect(notice(page).get_by_role("button", name="Annuler")).to_be_visible()
    expect(page.get_by_text("Aucun client ne correspond à « emile ».")).to_be_visible()
    axe(page, "archived in French")

    page.get_by_role("button", name="Ajouter un client").click()
    page.get_by_label("Nom").fill("Initech")
    page.get_by_role("button", name="Créer", exact=True).click()
    expect(notice(page)).to_contain_text("Client « Initech » créé.")


def test_the_list_without_javascript(live_server, browser):
    """Every action still works as links and form posts."""
    make_user(live_server.app, "admin", email="nojs@example.com")
    client_id = add_client(live_server.app, "Acme")
    context = browser.new_context(java_script_enabled=False, bypass_csp=True, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login")
        page.get_by_label("Email").fill("nojs@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(live_server.url + "/clients")
        # The menu is a popover: its button opens it without JavaScript.
        page.get_by_role("button", name="Actions for Acme").click()
        expect(page.get_by_role("menuitem", name="View")).to_be_visible()
        page.keyboard.press("Escape")

        page.get_by_role("button", name="Add client").click()
        page.get_by_label("Name").fill("Zulu")
        page.get_by_role("button", name="Create", exact=True).click()
        expect(rows(page).first).to_have_text("Zulu")

        page.get_by_role("button", name="Actions for Acme").click()
        page.locator(f"#client-menu-{client_id}").get_by_role("menuitem", name="Archive").click()
        expect(page.get_by_role("heading", name="Archive “Acme”?")).to_be_visible()
        page.get_by_label("Reason (optional)").fill("Closed")
        page.get_by_role("button", name="Archive").click()
        expect(page).to_have_url(re.compile(r"/clients$"))
        expect(page.get_by_text("“Acme” archived.")).to_be_visible()
        assert load(live_server.app, client_id).archive_reason == "Closed"

        page.get_by_role("switch", name="Show archives").click()
        expect(page).to_have_url(re.compile(r"/clients\?view=all$"))
        expect(rows(page)).to_have_text(["Acme", "Zulu"])
    finally:
        context.close()
