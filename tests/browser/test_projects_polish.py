"""The smaller journeys of projects and staff in the browser: Delete from a project page
opened from the list goes back to the list; the client's project history keeps focus when
paging; the phone agenda lists every project of a busy day; adding a namesake and
deactivating someone still staffed warn; axe on each."""
from datetime import date, timedelta

from playwright.sync_api import expect

from ..factories import add_client, add_project, add_staff, assign_staff
from .conftest import settled
from .test_projects_journey import delete_from_its_menu


def test_delete_from_a_project_opened_from_the_list_goes_back_to_it(live_server, signed_in,
                                                                     axe):
    app = live_server.app
    client_id = add_client(app, name="Acme")
    add_project(app, client_id, "Fair one", date(2030, 5, 1))
    add_project(app, client_id, "Fair two", date(2030, 5, 2))
    page = signed_in("admin")
    base = live_server.url
    page.goto(f"{base}/projects?q=fair")
    page.get_by_role("link", name="Fair two").click()
    expect(page.get_by_role("heading", level=1, name="Fair two")).to_be_visible()
    delete_from_its_menu(page, "Fair two", axe)
    expect(page).to_have_url(f"{base}/projects?q=fair")
    expect(page.get_by_role("status")).to_contain_text("“Fair two” deleted.")
    expect(page.get_by_role("link", name="Fair one")).to_be_visible()
    expect(page.get_by_role("link", name="Fair two")).to_have_count(0)


def test_paging_the_project_history_keeps_focus_in_it(live_server, signed_in, axe):
    app = live_server.app
    client_id = add_client(app, name="Acme")
    for day in range(1, 26):
        add_project(app, client_id, f"P{day:02d}", date(2026, 1, day))
    page = signed_in("viewer")
    page.goto(f"{live_server.url}/clients/{client_id}")
    history = page.get_by_role("region", name="Projects")
    history.get_by_role("link", name="Next").click()
    expect(history.get_by_role("link", name="P01")).to_be_visible()
    settled(page)
    expect(history.get_by_role("heading", name="Projects")).to_be_focused()
    axe(page, "history page 2")


def test_the_phone_agenda_lists_every_project_of_a_day(live_server, signed_in, axe):
    app = live_server.app
    client_id = add_client(app, name="Acme")
    for n in range(5):
        add_project(app, client_id, f"Show {n}", date(2030, 5, 10))
    page = signed_in("viewer")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/calendar?year=2030&month=5")
    day = page.locator("td.day:visible")
    expect(day).to_have_count(1)
    expect(day.locator(".chip-project")).to_have_text([f"Show {n}" for n in range(5)])
    expect(day.locator(".chip-more:visible")).to_have_count(0)
    axe(page, "agenda with a busy day")
    # On a wide screen the cell keeps three and "+2 more".
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/calendar?year=2030&month=5")
    cell = page.locator("td", has=page.locator(".chip-project"))
    expect(cell.locator(".chip-project")).to_have_count(3)
    expect(cell.get_by_role("link", name="+2 more")).to_be_visible()


def test_a_namesake_and_a_deactivation_that_leaves_projects_warn(live_server, signed_in,
                                                                 axe):
    app = live_server.app
    add_staff(app, "Jean Dupont", role="Chef", email="jean@crew.local")
    dan = add_staff(app, "Dan")
    assign_staff(app, add_project(app, None, "Gala", date.today() + timedelta(days=30)), dan)
    page = signed_in("manager")
    base = live_server.url
    page.goto(f"{base}/staff")
    page.get_by_role("button", name="Add staff member").click()
    form = page.locator("#staff-add")
    form.get_by_label("Name").fill("Jean Dupont")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", level=1, name="Jean Dupont")).to_be_visible()
    warning = page.locator(".notice-warning")
    expect(warning).to_contain_text("Jean Dupont (Chef, jean@crew.local)")
    axe(page, "namesake warning")

    page.goto(f"{base}/staff/{dan}")
    page.get_by_role("button", name="Actions for Dan").click()
    page.get_by_role("menuitem", name="Deactivate").click()
    warning = page.locator(".notice-warning")
    expect(warning).to_contain_text("They stay on 1 project to come: “Gala”.")
    expect(warning.get_by_role("button", name="Undo")).to_be_visible()
    axe(page, "deactivation warning")
