"""Projects in the browser: from a client's profile create a project for it, find it in
the profile's history, open its page, follow its client link, staff it; the list."""
import re

from playwright.sync_api import expect

from ..factories import add_client, add_staff
from .conftest import settled


def delete_from_its_menu(page, name, axe):
    """On a project's page: its menu's Delete, the confirmation (axe), Delete."""
    page.get_by_role("button", name=f"Actions for {name}").click()
    page.get_by_role("menuitem", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    axe(page, "delete dialog from the project page")
    dialog.get_by_role("button", name="Delete").click()


def test_create_a_project_for_a_client_and_staff_it(live_server, signed_in, axe):
    page = signed_in("manager")
    app = live_server.app
    client_id = add_client(app, name="Acme Events")
    add_client(app, name="Globex")
    add_staff(app, "Sam Waiter", role="Waiter")
    base = live_server.url

    page.goto(f"{base}/clients/{client_id}")
    history = page.get_by_role("region", name="Projects")
    expect(history.get_by_text("No projects for this client yet.")).to_be_visible()
    axe(page, "profile without projects")
    history.get_by_role("link", name="New project for Acme Events").click()

    expect(page.get_by_role("heading", level=1, name="New project")).to_be_visible()
    expect(page.get_by_label("Client", exact=True)).to_have_value(str(client_id))
    axe(page, "new project form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter the project's name.")).to_be_visible()
    axe(page, "new project form with an error")

    page.get_by_label("Name").fill("Summer <gala>")
    page.get_by_label("Start date").fill("2030-07-01")
    page.get_by_label("End date").fill("2030-07-03")
    page.get_by_label("Location").fill("Quai Branly\nParis")
    page.get_by_label("Notes to staff").fill("Black tie.\nArrive at 8.")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1, name="Summer <gala>")).to_be_visible()
    head = page.locator("#project-head")
    expect(head.get_by_text("Upcoming")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Project “Summer <gala>” created.")
    axe(page, "project page")

    # Staff it.
    staff = page.get_by_role("region", name="Staff")
    staff.get_by_role("button", name="Add staff").click()
    picker = staff.get_by_label("Staff member")
    expect(picker).to_be_focused()
    axe(page, "add staff form")
    picker.select_option(label="Sam Waiter (Waiter)")
    staff.get_by_role("button", name="Add").click()
    expect(staff.locator(".staff-member strong")).to_have_text("Sam Waiter")
    expect(staff.get_by_role("button", name="Remove Sam Waiter")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Sam Waiter added.")
    axe(page, "project page with its staff")

    # The details edited in place: the header follows.
    details = page.get_by_role("region", name="Details")
    details.get_by_role("link", name="Edit project details").click()
    expect(details.get_by_label("Name")).to_be_focused()
    details.get_by_label("Name").fill("Summer gala")
    details.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Summer gala")).to_be_visible()
    expect(details.get_by_role("link", name="Edit project details")).to_be_focused()

    # The client's link, and the project in its history.
    head.get_by_role("link", name="Acme Events").click()
    expect(page).to_have_url(f"{base}/clients/{client_id}")
    history = page.get_by_role("region", name="Projects")
    row = history.get_by_role("row").filter(has_text="Summer gala")
    expect(row.get_by_text("Upcoming")).to_be_visible()
    axe(page, "profile with its project")
    row.get_by_role("link", name="Summer gala").click()
    expect(page.get_by_role("heading", level=1, name="Summer gala")).to_be_visible()
    page.locator("#project-details").get_by_role("link", name="Acme Events").click()
    expect(page).to_have_url(f"{base}/clients/{client_id}")

    # The list finds it by its client's name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", level=1, name="Projects")).to_be_visible()
    page.get_by_label("Search projects").fill("acme")
    expect(page.get_by_role("link", name="Summer gala")).to_be_visible()
    expect(page).to_have_url(f"{base}/projects?q=acme")
    axe(page, "projects list")

    # The client filter: "Find a client" narrows its choices, choosing one filters the list.
    page.get_by_label("Search projects").fill("")
    expect(page).to_have_url(f"{base}/projects")
    page.get_by_label("Find a client").fill("glob")
    choices = page.get_by_label("Client", exact=True)
    expect(choices.locator("option")).to_have_text(["All clients", "Globex"])
    choices.select_option(label="Globex")
    expect(page.get_by_text("No projects here.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects\?client=\d+$"))
    axe(page, "projects list filtered by a client")


def test_projects_pages_on_a_phone(live_server, signed_in, axe):
    """390 px wide: nothing on the projects pages widens the page (tables scroll inside
    their own box), and they stay accessible."""
    from datetime import date

    from ..factories import add_project, assign_staff
    from .test_foundation_journey import assert_no_sideways_scroll

    app = live_server.app
    client_id = add_client(app, name="Alpha Consulting Group International")
    project_id = add_project(app, client_id, "A rather long project name for a small screen",
                             date(2030, 7, 1), date(2030, 7, 3),
                             location="1 High Street\nLondon")
    other_id = add_project(app, None, "Overlapping", date(2030, 7, 2))
    staff_id = add_staff(app, "Sam Waiter", role="Waiter")
    assign_staff(app, project_id, staff_id)
    assign_staff(app, other_id, staff_id)
    page = signed_in("admin")
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    for path, label in (("/projects", "projects list"), (f"/projects/{project_id}", "project page"),
                        ("/projects/new", "new project"), (f"/clients/{client_id}", "profile"),
                        ("/", "dashboard")):
        page.goto(base + path)
        assert_no_sideways_scroll(page, label)
        axe(page, f"{label} on a phone")
    page.goto(f"{base}/projects/{project_id}")
    expect(page.locator(".conflict")).to_contain_text("Overlapping")
    page.get_by_role("button", name="Add staff").click()
    expect(page.get_by_label("Staff member")).to_be_focused()
    assert_no_sideways_scroll(page, "add staff")


def test_the_project_page_menu_opens_its_forms_and_dialogs(live_server, signed_in, axe):
    """The header's menu is inside a part of the page that refreshes itself by selecting its
    own part (hx-select): its items must not inherit that."""
    from ..factories import add_project, load_project

    page = signed_in("manager")
    app = live_server.app
    project_id = add_project(app, add_client(app, name="Acme"), "Expo")
    page.goto(f"{live_server.url}/projects/{project_id}")
    menu_button = page.get_by_role("button", name="Actions for Expo")

    menu_button.click()
    page.get_by_role("menuitem", name="Edit").click()
    expect(page.locator("#project-details").get_by_label("Name")).to_be_visible()
    page.locator("#project-details").get_by_role("link", name="Cancel").click()

    menu_button.click()
    page.get_by_role("menuitem", name="Archive").click()
    expect(page.locator("#notices")).to_contain_text("archived")
    expect(page.locator("#project-head")).to_contain_text("Archived")
    settled(page)

    page.get_by_role("button", name="Actions for Expo").click()
    page.get_by_role("menuitem", name="Unarchive").click()
    expect(page.locator("#notices")).to_contain_text("Expo")
    # The header refreshes itself (its menu with it): the next click waits for that.
    expect(page.locator("#project-head")).not_to_contain_text("Archived")
    settled(page)

    delete_from_its_menu(page, "Expo", axe)
    expect(page).to_have_url(re.compile(rf"/clients/\d+$"))
    assert load_project(app, project_id) is None


def test_a_delete_confirmation_opened_as_a_page_goes_on_after_deleting(live_server, signed_in):
    from ..factories import add_project, load_project

    page = signed_in("manager")
    app = live_server.app
    project_id = add_project(app, None, "Lone")
    page.goto(f"{live_server.url}/projects/{project_id}/delete")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/projects$"))
    expect(page.locator("#notices")).to_contain_text("deleted")
    assert load_project(app, project_id) is None


def test_projects_list_fits_a_desk_screen(live_server, signed_in, axe):
    """At 1280 px the whole table shows without scrolling inside it: a long location is cut
    with an ellipsis (its full text in the title), every column still there."""
    from datetime import date, time

    from ..factories import add_project

    page = signed_in("viewer")
    page.set_viewport_size({"width": 1280, "height": 800})
    app = live_server.app
    client_id = add_client(app, name="Salle Pleyel Productions")
    long_place = "Salle Pleyel, 252 rue du Faubourg Saint-Honoré, 75008 Paris, entrée des artistes"
    add_project(app, client_id, name="Gala Élysée", start=date(2030, 12, 10),
                end=date(2030, 12, 11), start_time=time(18), end_time=time(23, 30),
                location=long_place)
    add_project(app, client_id, name="Markup <img src=x onerror=alert(1)> long name",
                start=date(2030, 12, 1), location="<b>loc</b>")
    page.goto(f"{live_server.url}/projects")
    wrap = page.locator(".table-wrap")
    expect(page.get_by_role("row")).to_have_count(3)
    widths = wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert widths[0] <= widths[1], f"the table is wider than its box: {widths}"
    cell = page.get_by_role("row", name=re.compile("Gala Élysée")).locator("td.address-col")
    expect(cell.locator(".one-line")).to_have_attribute("title", long_place)
    assert cell.locator(".one-line").evaluate("s => s.scrollWidth > s.clientWidth")
    axe(page, "projects list at 1280 px")
