"""Journey 9 in the browser: a primary contact added in place, a call logged with that
contact, the timeline filtered, Load more, and the edit of Basic information on the
timeline; axe on every step."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from clientapp.activity import Event
from clientapp.auth.models import User
from clientapp.extensions import db
from ..factories import add_client
from .conftest import settled


def test_contacts_and_the_interactions_timeline(live_server, signed_in, axe):
    expect.set_options(timeout=15_000)  # a busy machine: each step waits for its swap
    page = signed_in("manager")
    app = live_server.app
    client_id = add_client(app, name="Acme", phone="01 00")
    with app.app_context():
        manager = db.session.scalar(db.select(User.id).where(User.email == "manager@example.com"))
        start = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
        db.session.add_all([Event(client_id=client_id, kind="interaction.note", data={},
                                  actor_id=manager, summary=f"Old note {n}",
                                  at=start + timedelta(hours=n)) for n in range(25)])
        db.session.commit()
    page.goto(f"{live_server.url}/clients/{client_id}")
    contacts = page.get_by_role("region", name="Contacts")
    timeline = page.get_by_role("region", name="Interactions")
    expect(contacts.get_by_text("No contacts yet.")).to_be_visible()
    axe(page, "profile")

    # A primary contact, added in place.
    contacts.get_by_role("link", name="Add contact").click()
    expect(contacts.get_by_label("First name")).to_be_focused()
    axe(page, "the new contact form")
    contacts.get_by_label("First name").fill("Jean")
    contacts.get_by_label("Last name").fill("Dupont")
    contacts.get_by_label("Email").fill("jean@acme.test")
    contacts.get_by_label("Primary contact").check()
    contacts.get_by_role("button", name="Save").click()
    expect(contacts.locator(".contact-name")).to_have_text("Jean Dupont Primary contact")
    expect(contacts.get_by_role("link", name="Add contact")).to_be_focused()
    expect(page.locator(".profile-contact").get_by_role("link", name="jean@acme.test")
           ).to_be_visible()
    # The timeline heard clientUpdated: the contact's event is on it.
    expect(timeline.get_by_text("Contact “Jean Dupont” added.")).to_be_visible()
    axe(page, "profile with a contact")

    # A call with that contact, logged in place, at once at its place in time (the top).
    timeline.get_by_role("link", name="Log interaction").click()
    form = timeline.locator("form.interaction-form")
    expect(form.get_by_label("Type")).to_be_focused()
    axe(page, "the log interaction form")
    form.get_by_label("Type").select_option(label="Call")
    form.get_by_label("Contact").select_option(label="Jean Dupont")
    form.get_by_label("Summary").fill("Called about the spring fair")
    form.get_by_label("Details").fill("Wants a quote\nby Friday")
    form.get_by_role("button", name="Save").click()
    entries = timeline.locator("#timeline-entries > li.timeline-entry")
    expect(entries.first).to_contain_text("Called about the spring fair")
    expect(entries.first).to_contain_text("with Jean Dupont")
    axe(page, "timeline with the call")

    # Filtered to calls: the call alone. (Each filter swaps the section: the next change
    # waits until htmx has settled it, as a person's next choice would.)
    settled(page)
    timeline.get_by_label("Type").select_option(label="Calls")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Called about the spring fair")
    settled(page)
    timeline.get_by_label("Type").select_option(label="All entries")
    expect(entries).to_have_count(20)

    # Load more: the next entries in place, the oldest note last.
    timeline.get_by_role("button", name="Load more").click()
    expect(entries).to_have_count(27)  # the 25 notes, the contact added, the call
    expect(entries.last).to_contain_text("Old note 0")
    expect(timeline.get_by_role("button", name="Load more")).to_have_count(0)
    axe(page, "timeline after Load more")

    # An inline edit of Basic information shows on the timeline with its old and new value.
    info = page.locator("#client-info")
    info.get_by_role("link", name="Edit basic information").click()
    expect(info.get_by_label("Name")).to_be_focused()
    info.get_by_label("Phone").fill("01 99")
    info.get_by_role("button", name="Save").click()
    edited = timeline.locator("li.timeline-entry").filter(has_text="Client edited.")
    expect(edited).to_contain_text("01 00")
    expect(edited).to_contain_text("01 99")
    axe(page, "timeline with the edit")
