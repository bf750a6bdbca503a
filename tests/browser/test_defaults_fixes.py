"""Project defaults in the browser, after the QA pass of issue 11: an exclusion on the
client holds on its existing projects; location and notes live in Project settings only and
the sections that depend on each other reload; the client-change question takes the focus;
documents ask before removal, keep the focus and show errors by the upload form; "More
questions" keeps what was typed. Every state is checked with axe."""
from datetime import date, timedelta

from playwright.sync_api import expect

from clientapp.defaults import services
from clientapp.extensions import db
from clientapp.projects.models import Project

from ..factories import add_client, add_staff, assign_staff


def _project(app, client_id, name, days=20) -> int:
    """A project for the client, created (with the client's defaults at that time) before
    what the test does next."""
    with app.app_context():
        from clientapp.projects.services import create_project
        from clientapp.clients.models import Client

        project = create_project({"name": name, "client": db.session.get(Client, client_id),
                                  "start_date": date.today() + timedelta(days=days)})
        db.session.commit()
        return project.id


def test_an_exclusion_holds_on_existing_projects_and_sections_reload(live_server, signed_in,
                                                                      axe):
    page = signed_in("manager")
    app = live_server.app
    client_id = add_client(app, name="Café Élysée")
    project_id = _project(app, client_id, "Gala Élysée")
    add_staff(app, "Bob Banned")
    dan = add_staff(app, "Dan Staffed")
    assign_staff(app, project_id, dan)
    base = live_server.url

    page.goto(f"{base}/clients/{client_id}")
    defaults = page.get_by_role("region", name="Project defaults")
    defaults.get_by_role("link", name="Exclude staff member").click()
    defaults.get_by_label("Staff member").select_option(label="Bob Banned")
    defaults.get_by_label("Reason (optional)").fill("Rude to the client")
    defaults.get_by_role("button", name="Exclude", exact=True).click()
    expect(defaults.get_by_text("Rude to the client")).to_be_visible()

    page.goto(f"{base}/projects/{project_id}")
    # Location and notes show once, in Project settings.
    expect(page.get_by_role("heading", name="Notes to staff")).to_have_count(1)
    expect(page.locator("#project-details")).not_to_contain_text("Location")
    settings = page.get_by_role("region", name="Project settings")
    excluded = settings.get_by_role("group", name="Excluded staff")
    expect(excluded.get_by_text("From client defaults, before they changed")).to_be_visible()
    expect(excluded).to_contain_text("excluded by the client's defaults")
    axe(page, "project created before the client's exclusion")

    staff = page.get_by_role("region", name="Staff", exact=True)
    staff.get_by_role("button", name="Add staff").click()
    option = staff.get_by_label("Staff member").locator("option", has_text="Bob Banned")
    expect(option).to_be_disabled()
    expect(option).to_contain_text("excluded: Rude to the client")
    staff.get_by_role("link", name="Cancel").click()

    # The project's own exclusion: Bob is not offered again; excluding Dan, who works the
    # project, and removing him reloads the Staff section.
    excluded.get_by_role("link", name="Exclude staff member").click()
    picker = excluded.get_by_label("Staff member")
    expect(picker.locator("option", has_text="Bob Banned")).to_have_count(0)
    picker.select_option(label="Dan Staffed")
    excluded.get_by_role("button", name="Exclude", exact=True).click()
    remove = excluded.get_by_role("button", name="Exclude and remove from these projects")
    expect(remove).to_be_focused()
    axe(page, "excluding a staffed person asks")
    remove.click()
    expect(staff.get_by_text("Dan Staffed")).to_have_count(0)
    expect(staff.get_by_text("No staff on this project yet.")).to_be_visible()
    axe(page, "after excluding and removing, the staff section reloaded")


def test_the_client_change_question_takes_the_focus_and_settings_reload(live_server,
                                                                        signed_in, axe):
    page = signed_in("manager")
    app = live_server.app
    first = add_client(app, name="Acme Events")
    other = add_client(app, name="Zoë & Co")
    with app.app_context():
        from clientapp.clients.models import Client

        services.set_values(db.session.get(Client, other), {"notes": "Zoë's own notes"}, "notes")
        db.session.commit()
    project_id = _project(app, first, "Launch")
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/projects/{project_id}")
    details = page.locator("#project-details")
    details.get_by_role("link", name="Edit").click()
    details.get_by_label("Client", exact=True).select_option(label="Zoë & Co")
    details.get_by_role("button", name="Save").click()
    take = details.get_by_role("button", name="Save and take its defaults")
    expect(take).to_be_focused()
    expect(take).to_be_in_viewport()
    axe(page, "the client change question")
    take.click()
    settings = page.get_by_role("region", name="Project settings")
    expect(settings.get_by_text("Zoë's own notes")).to_be_visible()
    with app.app_context():
        assert db.session.get(Project, project_id).client_id == other

    # A new project for a client says what an empty field inherits.
    page.goto(f"{base}/projects/new?client={other}")
    expect(page.get_by_text("Left empty: the default notes to staff of “Zoë & Co” are used."
                            )).to_be_visible()
    axe(page, "new project form with the inherited hints")


def test_documents_ask_before_removal_keep_focus_and_show_errors_by_the_form(
        live_server, signed_in, axe, tmp_path):
    page = signed_in("manager")
    app = live_server.app
    app.config["CLIENTAPP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["CLIENTAPP_UPLOAD_MAX_BYTES"] = 2000
    client_id = add_client(app, name="Acme Events")
    page.goto(f"{live_server.url}/clients/{client_id}")
    defaults = page.get_by_role("region", name="Project defaults")
    files = defaults.locator("input[type=file]")
    upload = defaults.get_by_role("button", name="Upload documents")

    files.set_input_files(files=[
        {"name": "a.txt", "mimeType": "text/plain", "buffer": b"first"},
        {"name": "b.txt", "mimeType": "text/plain", "buffer": b"second"}])
    upload.click()
    expect(defaults.get_by_role("link", name="b.txt", exact=True)).to_be_visible()
    expect(defaults.get_by_role("button", name="Upload documents")).to_be_focused()

    defaults.get_by_role("link", name="Rename b.txt").click()
    defaults.get_by_label("New name").fill("Arrival")
    defaults.get_by_label("New name").press("Enter")
    expect(defaults.get_by_role("link", name="Arrival", exact=True)).to_be_focused()

    # A refused file, then one over the limit: the newest error replaces the other, by the
    # form, and the progress bar and the chosen file go.
    files.set_input_files(files=[{"name": "fake.png", "mimeType": "image/png",
                                  "buffer": b"<html><script>x</script></html>"}])
    upload.click()
    error = defaults.locator("#client-documents-upload [role=alert]")
    expect(error).to_contain_text("fake.png")
    expect(defaults.locator("input[type=file]")).to_be_focused()
    axe(page, "a refused upload")
    files.set_input_files(files=[{"name": "big.txt", "mimeType": "text/plain",
                                  "buffer": b"x" * 3000}])
    upload.click()
    expect(error).to_contain_text("nothing was stored")
    expect(error).not_to_contain_text("fake.png")
    expect(defaults.locator("progress")).to_be_hidden()
    assert files.evaluate("input => input.files.length") == 0
    axe(page, "an upload over the limit")

    # Remove asks first, in a dialog; focus then lands on the next document.
    defaults.get_by_role("link", name="Remove Arrival").click()
    dialog = page.get_by_role("dialog", name="Remove “Arrival”?")
    assert "other projects that have it keep their copy" in dialog.inner_text()
    axe(page, "the document removal question")
    dialog.get_by_role("button", name="Cancel").click()
    expect(defaults.get_by_role("link", name="Arrival", exact=True)).to_be_visible()
    defaults.get_by_role("link", name="Remove Arrival").click()
    dialog.get_by_role("button", name="Remove").click()
    expect(defaults.get_by_role("link", name="Arrival", exact=True)).to_have_count(0)
    expect(defaults.get_by_role("link", name="a.txt", exact=True)).to_be_focused()
    axe(page, "after a document was removed")

    # On a phone the documents stack: the page does not scroll sideways.
    files.set_input_files(files=[{"name": "consignes-arrivee-du-personnel-2026.txt",
                                  "mimeType": "text/plain", "buffer": b"Gate B"}])
    upload.click()
    expect(defaults.get_by_role("link", name="consignes-arrivee-du-personnel-2026.txt", exact=True)
           ).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(defaults.get_by_role("link", name="a.txt", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("""() => {
        const part = document.querySelector('#client-defaults table.documents').parentElement;
        return [...part.querySelectorAll('table.documents a, table.documents button')].every(
            (el) => el.getBoundingClientRect().right <= part.getBoundingClientRect().right + 1);
    }"""), "a document's name or button sticks out of the card"
    axe(page, "documents on a phone")


def test_more_questions_keeps_what_was_typed(live_server, signed_in, axe):
    page = signed_in("admin")
    page.goto(f"{live_server.url}/field-reports/new")
    page.get_by_label("Name").fill("Site visit")
    page.locator("#q0-text").fill("Arrived on time?")
    page.get_by_role("button", name="More questions").click()
    expect(page.locator("#q3-text")).to_be_focused()
    expect(page.get_by_label("Name")).to_have_value("Site visit")
    expect(page.locator("#q0-text")).to_have_value("Arrived on time?")
    axe(page, "more questions")


def test_another_parts_button_asks_before_typed_text_is_lost(live_server, signed_in, axe):
    page = signed_in("manager")
    client_id = add_client(live_server.app, name="Acme Events")
    page.goto(f"{live_server.url}/clients/{client_id}")
    defaults = page.get_by_role("region", name="Project defaults")
    defaults.get_by_role("link", name="Edit notes to staff").click()
    notes = defaults.get_by_role("textbox", name="Notes to staff")
    notes.fill("Typed, not saved")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    defaults.get_by_role("link", name="Edit default location").click()
    expect(notes).to_have_value("Typed, not saved")
    assert asked == ["Discard the changes you typed?"]
    page.once("dialog", lambda dialog: dialog.accept())
    defaults.get_by_role("link", name="Edit default location").click()
    expect(defaults.get_by_label("Name of the place")).to_be_visible()
    expect(notes).to_have_count(0)
    axe(page, "after agreeing to lose the typed notes")
