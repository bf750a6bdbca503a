"""What a hands-on pass asked of the app: on a phone the list tables keep their row actions
in reach and a notice shows where the user is; a contact's Remove and an interaction's
Delete ask first; Escape cancels an inline form without losing what was typed; after each
in-place swap focus lands on something sensible, never on the page's body."""
from datetime import date, datetime, timedelta, timezone

from playwright.sync_api import expect

from clientapp.activity import Event
from clientapp.contacts.models import Contact
from clientapp.extensions import db
from ..factories import add_client, add_project, add_staff, load_client
from .conftest import settled
from .test_foundation_journey import assert_no_sideways_scroll

PHONE = {"width": 390, "height": 844}
LONG = "Alpha Consulting Group International Holdings"


def add_contact(app, client_id, first="Jean", last="Dupont", **fields) -> int:
    with app.app_context():
        contact = Contact(client_id=client_id, first_name=first, last_name=last, **fields)
        db.session.add(contact)
        db.session.commit()
        return contact.id


def add_notes(app, client_id, actor_id, count) -> None:
    start = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add_all([Event(client_id=client_id, kind="interaction.note", data={},
                                  actor_id=actor_id, summary=f"Note {n}",
                                  at=start + timedelta(days=n)) for n in range(count)])
        db.session.commit()


def user_id(app, email):
    from clientapp.auth.models import User

    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.email == email))


def contacts_of(app, client_id) -> list[str]:
    with app.app_context():
        return [c.name for c in db.session.scalars(
            db.select(Contact).where(Contact.client_id == client_id).order_by(Contact.id))]


def summaries(app, client_id) -> list[str]:
    with app.app_context():
        return sorted(e.summary for e in db.session.scalars(
            db.select(Event).where(Event.client_id == client_id, Event.summary.is_not(None))))


def fits_its_box(page, selector) -> bool:
    return page.locator(selector).evaluate(
        "t => t.scrollWidth <= t.closest('.table-wrap').clientWidth")


def test_list_tables_keep_their_actions_in_reach_on_a_phone(live_server, signed_in, axe):
    app = live_server.app
    client_id = add_client(app, LONG, code="ACG", email="hello@alpha-consulting.example",
                           address="1 High Street, Canary Wharf, London E14 5AB")
    add_contact(app, client_id, first="Jean-Baptiste", last="Dupont-Lefèvre", is_primary=True)
    add_project(app, client_id, "A rather long project name for a small screen",
                date(2030, 7, 1), date(2030, 7, 3), location="1 High Street, London")
    add_staff(app, "Maximilian Longname-Staffmember", role="Photographer and videographer",
              email="maximilian.longname@agency.example", phone="+44 20 7946 0000")
    page = signed_in("admin")
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + "/clients")
    row = page.locator(f"#client-row-{client_id}")
    expect(row.get_by_role("link", name=LONG)).to_be_visible()
    # Address, email, type, code and date added give way; the row's menu is on screen
    # without scrolling the table sideways.
    for column in ("Address", "Email", "Added"):
        expect(page.get_by_role("columnheader", name=column)).to_be_hidden()
    actions = row.get_by_role("button", name=f"Actions for {LONG}")
    expect(actions).to_be_in_viewport()
    box = actions.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert_no_sideways_scroll(page, "client list at 390 px")
    axe(page, "client list on a phone")
    actions.click()
    expect(page.get_by_role("menuitem", name="Archive")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(actions).to_be_focused()

    page.goto(live_server.url + "/projects")
    expect(page.get_by_role("link", name="A rather long project name for a small screen")) \
        .to_be_visible()
    # Location gives way; the rest fits, or scrolls inside the table's own box.
    expect(page.get_by_role("columnheader", name="Location")).to_be_hidden()
    status = page.get_by_role("cell", name="Upcoming")
    status.scroll_into_view_if_needed()
    expect(status).to_be_in_viewport()
    assert_no_sideways_scroll(page, "projects list at 390 px")
    axe(page, "projects list on a phone")

    page.goto(live_server.url + "/staff")
    expect(page.get_by_role("link", name="Maximilian Longname-Staffmember")).to_be_visible()
    expect(page.get_by_role("cell", name="+44 20 7946 0000")).to_be_in_viewport()
    assert fits_its_box(page, "table.staff-table"), "the staff table scrolls sideways"
    assert_no_sideways_scroll(page, "staff list at 390 px")
    axe(page, "staff list on a phone")

    # A wide screen keeps every column.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/clients")
    for column in ("Address", "Email", "Added", "Code"):
        expect(page.get_by_role("columnheader", name=column)).to_be_visible()


def test_a_notice_shows_where_the_user_is_on_a_phone(live_server, signed_in, axe):
    app = live_server.app
    page = signed_in("manager")
    client_id = add_client(app, "Acme")
    add_notes(app, client_id, user_id(app, "manager@example.com"), 12)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/clients/{client_id}")
    timeline = page.get_by_role("region", name="Interactions")
    entry = timeline.get_by_role("listitem").filter(has_text="Note 0")
    entry.get_by_role("link", name="Edit Note 0").click()
    expect(timeline.locator("form.interaction-form").get_by_label("Type")).to_be_focused()
    timeline.get_by_label("Summary").fill("Note 0, corrected")
    timeline.get_by_role("button", name="Save").click()
    saved = page.get_by_role("status").get_by_text("Saved.")
    expect(saved).to_be_in_viewport()
    assert page.evaluate("scrollY") > PHONE["height"], "the edit was not far down the page"
    expect(timeline.get_by_role("link", name="Edit Note 0, corrected")).to_be_focused()
    axe(page, "a notice far down a profile on a phone")


def test_removing_a_contact_or_an_interaction_asks_first(live_server, signed_in, axe):
    app = live_server.app
    page = signed_in("manager")
    client_id = add_client(app, "Acme")
    add_contact(app, client_id, first="Jean", last="Dupont")
    add_notes(app, client_id, user_id(app, "manager@example.com"), 2)
    page.goto(f"{live_server.url}/clients/{client_id}")
    contacts = page.get_by_role("region", name="Contacts")

    remove = contacts.get_by_role("link", name="Remove Jean Dupont")
    remove.click()
    dialog = page.get_by_role("dialog", name="Remove “Jean Dupont”?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("The contact is removed from Acme for good.")
    axe(page, "the removal question")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(remove).to_be_focused()
    assert contacts_of(app, client_id) == ["Jean Dupont"]
    # Escape is a Cancel too.
    remove.click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert contacts_of(app, client_id) == ["Jean Dupont"]

    remove.click()
    dialog.get_by_role("button", name="Remove").click()
    expect(dialog).to_have_count(0)
    expect(contacts.get_by_text("No contacts yet.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("“Jean Dupont” removed.")
    expect(contacts.get_by_role("link", name="Add contact")).to_be_focused()
    assert contacts_of(app, client_id) == []

    timeline = page.get_by_role("region", name="Interactions")
    timeline.get_by_role("link", name="Delete Note 1").click()
    dialog = page.get_by_role("dialog", name="Delete this interaction?")
    expect(dialog).to_contain_text("“Note 1” is deleted from the timeline for good.")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_have_count(0)
    expect(timeline.get_by_text("Note 1")).to_have_count(0)
    expect(timeline.get_by_role("link", name="Log interaction")).to_be_focused()
    assert summaries(app, client_id) == ["Note 0"]
    axe(page, "the profile after a removal")


def test_escape_cancels_an_inline_form_without_losing_typed_changes(live_server, signed_in, axe):
    app = live_server.app
    page = signed_in("manager")
    client_id = add_client(app, "Acme")
    add_contact(app, client_id, first="Jean", last="Dupont")
    page.goto(f"{live_server.url}/clients/{client_id}")
    settled(page)
    info = page.get_by_role("region", name="Basic information")
    edit = info.get_by_role("link", name="Edit basic information")

    # Nothing typed: Escape is Cancel, back on the Edit button.
    edit.click()
    expect(info.get_by_label("Name")).to_be_focused()
    settled(page)  # the form has settled in, as a person's next key would find it
    page.keyboard.press("Escape")
    expect(info.get_by_role("textbox")).to_have_count(0)
    expect(edit).to_be_focused()

    # Something typed: asked first; "no" keeps the form and what was typed.
    edit.click()
    name = info.get_by_label("Name")
    expect(name).to_be_focused()
    name.fill("Acme Studio")
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    settled(page)  # the form has settled in, as a person's next key would find it
    page.keyboard.press("Escape")
    expect(name).to_have_value("Acme Studio")
    assert questions == ["Discard the changes you typed?"]
    # "Yes" discards them: nothing saved.
    page.once("dialog", lambda d: d.accept())
    settled(page)
    name.press("Escape")
    expect(info.get_by_role("textbox")).to_have_count(0)
    expect(edit).to_be_focused()
    assert load_client(app, client_id).name == "Acme"

    # An item's form: Escape goes back to that item's Edit button.
    contacts = page.get_by_role("region", name="Contacts")
    contacts.get_by_role("link", name="Edit Jean Dupont").click()
    expect(contacts.get_by_label("First name")).to_be_focused()
    settled(page)  # the form has settled in, as a person's next key would find it
    page.keyboard.press("Escape")
    expect(contacts.get_by_role("textbox")).to_have_count(0)
    expect(contacts.get_by_role("link", name="Edit Jean Dupont")).to_be_focused()
    axe(page, "the profile after Escape")


def test_focus_after_each_in_place_swap(live_server, signed_in, axe):
    app = live_server.app
    page = signed_in("manager")
    client_id = add_client(app, "Acme")
    add_contact(app, client_id, first="Jean", last="Dupont")
    add_contact(app, client_id, first="Anne", last="Martin")
    add_notes(app, client_id, user_id(app, "manager@example.com"), 3)
    page.goto(f"{live_server.url}/clients/{client_id}")
    contacts = page.get_by_role("region", name="Contacts")

    # Save: the saved contact's Edit button, even though the whole section came back.
    contacts.get_by_role("link", name="Edit Anne Martin").click()
    expect(contacts.get_by_label("First name")).to_be_focused()
    contacts.get_by_label("Job title").fill("Buyer")
    contacts.get_by_role("button", name="Save").click()
    expect(contacts.get_by_role("link", name="Edit Anne Martin")).to_be_focused()
    # A refusal (422): the first field in error.
    contacts.get_by_role("link", name="Edit Jean Dupont").click()
    expect(contacts.get_by_label("First name")).to_be_focused()
    contacts.get_by_label("Email").fill("not an email")
    contacts.get_by_role("button", name="Save").click()
    expect(contacts.get_by_label("Email")).to_be_focused()
    expect(contacts.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    # Cancel: that contact's Edit button.
    contacts.get_by_role("link", name="Cancel").click()
    expect(contacts.get_by_role("link", name="Edit Jean Dupont")).to_be_focused()
    assert contacts_of(app, client_id) == ["Jean Dupont", "Anne Martin"]

    timeline = page.get_by_role("region", name="Interactions")
    timeline.get_by_role("link", name="Log interaction").click()
    expect(timeline.locator("form.interaction-form").get_by_label("Type")).to_be_focused()
    timeline.get_by_role("link", name="Cancel").click()
    expect(timeline.get_by_role("link", name="Log interaction")).to_be_focused()
    timeline.get_by_role("link", name="Edit Note 1").click()
    expect(timeline.locator("form.interaction-form").get_by_label("Type")).to_be_focused()
    timeline.get_by_role("link", name="Cancel").click()
    expect(timeline.get_by_role("link", name="Edit Note 1")).to_be_focused()
    timeline.get_by_role("link", name="Edit Note 2").click()
    expect(timeline.locator("form.interaction-form").get_by_label("Type")).to_be_focused()
    timeline.get_by_label("Summary").fill("Note 2, longer")
    timeline.get_by_role("button", name="Save").click()
    expect(timeline.get_by_role("link", name="Edit Note 2, longer")).to_be_focused()
    assert summaries(app, client_id) == ["Note 0", "Note 1", "Note 2, longer"]
    axe(page, "the profile after its swaps")
