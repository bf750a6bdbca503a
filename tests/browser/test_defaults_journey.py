"""Project defaults in the browser (issue 11): set a client's five defaults, create a
project for it and see them marked "From client defaults", override one, reset it, and
find the excluded person unpickable in the staff picker."""
from playwright.sync_api import expect

from clientapp.defaults.models import FieldReportTemplate
from clientapp.extensions import db

from ..factories import add_client, add_staff


def test_defaults_flow_into_a_new_project(live_server, signed_in, axe, tmp_path):
    page = signed_in("manager")
    app = live_server.app
    app.config["CLIENTAPP_UPLOAD_DIR"] = str(tmp_path / "uploads")
    client_id = add_client(app, name="Acme Events")
    add_staff(app, "Bob Banned", role="Waiter")
    add_staff(app, "Sam Waiter", role="Waiter")
    with app.app_context():
        db.session.add(FieldReportTemplate(name="Site visit", questions=[
            {"text": "All good?", "type": "yes_no", "required": True, "options": []}]))
        db.session.commit()
    base = live_server.url

    page.goto(f"{base}/clients/{client_id}")
    defaults = page.get_by_role("region", name="Project defaults")
    expect(defaults).to_be_visible()
    axe(page, "profile with empty project defaults")

    defaults.get_by_role("link", name="Edit default location").click()
    defaults.get_by_label("Name of the place").fill("Salle Pleyel")
    defaults.get_by_label("Address").fill("252 rue du Faubourg Saint-Honoré\n75008 Paris")
    axe(page, "default location form")
    defaults.get_by_role("button", name="Save").click()
    expect(defaults.get_by_text("Salle Pleyel")).to_be_visible()

    defaults.get_by_role("link", name="Edit notes to staff").click()
    defaults.get_by_role("textbox", name="Notes to staff").fill("Badge at the door.\nNo photos.")
    defaults.get_by_role("button", name="Save").click()
    expect(defaults.get_by_text("No photos.")).to_be_visible()

    defaults.get_by_role("link", name="Edit field reports").click()
    defaults.get_by_label("Site visit").check()
    defaults.get_by_role("button", name="Save").click()
    expect(defaults.get_by_role("listitem").filter(has_text="Site visit")).to_be_visible()

    defaults.locator("input[type=file]").set_input_files(
        files=[{"name": "brief.txt", "mimeType": "text/plain",
                "buffer": "Arrive at 8, entrance B.".encode()}])
    defaults.get_by_role("button", name="Upload documents").click()
    expect(defaults.get_by_role("link", name="brief.txt", exact=True)).to_be_visible()
    # A file dropped onto the section is uploaded the same way.
    page.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File(["Dropped notes"], "dropped.txt", {type: "text/plain"}));
        const zone = document.querySelector("#client-defaults h2");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true,
                                                      cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true,
                                                  cancelable: true}));
    }""")
    expect(defaults.get_by_role("link", name="dropped.txt", exact=True)).to_be_visible()

    defaults.get_by_role("link", name="Exclude staff member").click()
    defaults.get_by_label("Staff member").select_option(label="Bob Banned")
    defaults.get_by_label("Reason (optional)").fill("Asked by the client")
    axe(page, "exclude staff member form")
    defaults.get_by_role("button", name="Exclude", exact=True).click()
    expect(defaults.get_by_text("Asked by the client")).to_be_visible()
    axe(page, "profile with its five defaults")

    # A new project for the client inherits them.
    page.goto(f"{base}/projects/new?client={client_id}")
    page.get_by_label("Name").fill("Gala")
    page.get_by_label("Start date").fill("2030-07-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Gala")).to_be_visible()
    settings = page.get_by_role("region", name="Project settings")
    expect(settings.get_by_text("From client defaults")).to_have_count(5)
    expect(settings.get_by_role("link", name="brief.txt", exact=True)).to_be_visible()
    expect(settings.get_by_role("link", name="dropped.txt", exact=True)).to_be_visible()
    axe(page, "project settings from the client's defaults")

    # Override one, then reset it.
    settings.get_by_role("link", name="Edit notes to staff").click()
    settings.get_by_role("textbox", name="Notes to staff").fill("Our own notes")
    settings.get_by_role("button", name="Save").click()
    expect(settings.get_by_text("Changed for this project")).to_have_count(1)
    axe(page, "project settings with a changed value")
    settings.get_by_role("link", name="Reset to client default (notes to staff)").click()
    dialog = page.get_by_role("dialog", name="Reset “Notes to staff” to the client's default?")
    axe(page, "the reset question")
    dialog.get_by_role("button", name="Reset to client default").click()
    expect(settings.get_by_text("From client defaults")).to_have_count(5)
    expect(settings.get_by_role("link", name="Edit notes to staff")).to_be_focused()
    expect(settings.get_by_text("No photos.")).to_be_visible()

    # The excluded person cannot be picked.
    staff = page.get_by_role("region", name="Staff", exact=True)
    staff.get_by_role("button", name="Add staff").click()
    picker = staff.get_by_label("Staff member")
    expect(picker.locator("option", has_text="Bob Banned")).to_be_disabled()
    expect(picker.locator("option", has_text="Bob Banned")).to_contain_text("excluded")
    axe(page, "staff picker with an excluded person")
