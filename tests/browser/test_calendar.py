"""The calendar in the browser: walk the days with the arrow keys (across a week's end),
Next by keyboard, a project's chip with its client, Back, a day opened with Enter, and the
phone-width agenda; axe on each."""
from datetime import date, datetime, timedelta, timezone

from playwright.sync_api import expect

from clientapp.extensions import db
from clientapp.projects.models import Project
from ..factories import add_client
from .test_foundation_journey import assert_no_sideways_scroll

PHONE = {"width": 390, "height": 844}


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_walk_the_calendar_by_keyboard_and_read_it_on_a_phone(live_server, signed_in, axe):
    app = live_server.app
    today = datetime.now(timezone.utc).date()
    later = next_month(today)
    client_id = add_client(app, name="Acme <Events>")
    with app.app_context():
        db.session.add(Project(name="Summer fair", client_id=client_id,
                               start_date=later.replace(day=14), end_date=later.replace(day=15)))
        db.session.commit()
    page = signed_in("viewer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1, name="Calendar")).to_be_visible()
    title = page.locator("#calendar-title")
    expect(title).to_have_text(today.strftime("%B %Y"))
    grid = page.get_by_role("table")
    expect(grid.get_by_role("columnheader")).to_have_count(7)
    axe(page, "calendar month")

    # Today's link is the day in the tab order; the arrows walk from it, across the end of
    # its week into the next (or, in the last week, from the week before).
    start = page.locator("a.day-link[tabindex='0']")
    expect(start).to_have_attribute("aria-current", "date")
    start.focus()
    column = start.evaluate("a => a.closest('td').cellIndex")
    last_row = start.evaluate("a => !a.closest('tr').nextElementSibling")
    target = today
    if last_row:
        page.keyboard.press("ArrowUp")
        target -= timedelta(days=7)
    for _ in range(7 - column):
        page.keyboard.press("ArrowRight")
    target += timedelta(days=7 - column)
    focused = page.locator("a.day-link:focus")
    expect(focused).to_have_attribute("tabindex", "0")
    expect(focused.locator(".day-label")).to_have_text(
        f"{target:%A}, {target:%B} {target.day}, {target.year}")
    assert focused.evaluate("a => a.closest('td').cellIndex") == 0
    expect(page.locator("a.day-link[tabindex='0']")).to_have_count(1)

    # Next, by keyboard: the month swaps in place and the address follows.
    page.get_by_role("link", name="Next", exact=True).focus()
    page.keyboard.press("Enter")
    expect(title).to_have_text(later.strftime("%B %Y"))
    expect(page).to_have_url(f"{live_server.url}/calendar?year={later.year}&month={later.month}")
    expect(page.get_by_role("link", name="Next", exact=True)).to_be_focused()
    chip = page.locator(".chip").first
    expect(chip.get_by_role("link", name="Summer fair")).to_be_visible()
    expect(chip.get_by_role("link", name="Acme <Events>")).to_have_attribute(
        "href", f"/clients/{client_id}")
    expect(page.locator(".chip-project")).to_have_count(2)
    axe(page, "calendar, the next month")

    # Back shows the month before again (htmx keeps no copy of pages: it loads it anew).
    page.go_back()
    expect(title).to_have_text(today.strftime("%B %Y"))
    expect(page).to_have_url(f"{live_server.url}/calendar")
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Next", exact=True).click()
    expect(title).to_have_text(later.strftime("%B %Y"))

    # Enter on a day opens it.
    fair = page.locator("td", has=page.locator(".chip-project")).first.locator("a.day-link")
    fair.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("row", name="Summer fair")).to_be_visible()
    expect(page).to_have_url(
        f"{live_server.url}/calendar?view=day&year={later.year}&month={later.month}&day=14")
    axe(page, "calendar day")

    # On a phone the month is a day-by-day agenda: the days with projects, each named.
    page.goto(f"{live_server.url}/calendar?year={later.year}&month={later.month}")
    page.set_viewport_size(PHONE)
    expect(page.locator("table thead")).to_be_hidden()
    days = page.locator("td.day:visible")
    expect(days).to_have_count(2)
    first_day = later.replace(day=14)
    expect(days.first.locator(".day-label")).to_have_text(
        f"{first_day:%A}, {first_day:%B} 14, {first_day.year}")
    expect(days.first.locator(".day-label")).to_be_visible()
    expect(days.first.get_by_role("link", name="Acme <Events>")).to_be_visible()
    assert_no_sideways_scroll(page, "calendar agenda at 390 px")
    axe(page, "calendar agenda on a phone")


def test_pick_any_client_in_the_calendar_filter(live_server, signed_in, axe):
    """A client with no project in the month shown is found with "Find a client" and
    chosen: the calendar follows, the address too."""
    app = live_server.app
    today = datetime.now(timezone.utc).date()
    later = next_month(next_month(today))
    add_client(app, name="Acme")
    cafe = add_client(app, name="Café Élysée")
    with app.app_context():
        db.session.add(Project(name="Gala Élysée", client_id=cafe,
                               start_date=later.replace(day=10)))
        db.session.commit()
    page = signed_in("viewer")
    page.goto(f"{live_server.url}/calendar")
    select = page.get_by_label("Client", exact=True)
    expect(select.locator("option")).to_have_text(["All clients", "Acme", "Café Élysée"])
    page.get_by_label("Find a client").fill("elysee")
    expect(select.locator("option")).to_have_text(["All clients", "Café Élysée"])
    select.select_option(label="Café Élysée")
    expect(page).to_have_url(f"{live_server.url}/calendar?client={cafe}")
    expect(page.get_by_label("Client", exact=True)).to_have_value(str(cafe))
    expect(page.locator(".calendar-none")).to_be_visible()
    axe(page, "calendar filtered by a client")
    page.get_by_role("link", name="Next", exact=True).click()
    page.get_by_role("link", name="Next", exact=True).click()
    expect(page.get_by_role("link", name="Gala Élysée")).to_be_visible()
    expect(page).to_have_url(
        f"{live_server.url}/calendar?year={later.year}&month={later.month}&client={cafe}")


def test_arrows_past_the_edge_and_page_keys_walk_into_other_months(live_server, signed_in,
                                                                    axe):
    """ArrowDown on the grid's last row opens the next month on the day reached; PageUp and
    PageDown move by a month; in a week, an arrow past its end opens the next week."""
    page = signed_in("viewer")
    base = live_server.url
    page.goto(f"{base}/calendar?year=2030&month=11")
    title = page.locator("#calendar-title")
    expect(title).to_have_text("November 2030")
    focused = page.locator("a.day-link:focus")

    page.locator("a[data-day='2030-11-30']").focus()
    page.keyboard.press("ArrowDown")
    expect(title).to_have_text("December 2030")
    expect(focused).to_have_attribute("data-day", "2030-12-07")
    expect(focused).to_have_attribute("tabindex", "0")
    expect(page.locator("a.day-link[tabindex='0']")).to_have_count(1)
    expect(page).to_have_url(f"{base}/calendar?year=2030&month=12")

    page.keyboard.press("PageUp")
    expect(title).to_have_text("November 2030")
    expect(focused).to_have_attribute("data-day", "2030-11-07")
    page.keyboard.press("PageDown")
    expect(title).to_have_text("December 2030")
    expect(focused).to_have_attribute("data-day", "2030-12-07")
    # The first day shown, ArrowLeft: the month before, on that day.
    first = page.locator("a[data-day]").first
    first_day = date.fromisoformat(first.get_attribute("data-day"))
    first.focus()
    page.keyboard.press("ArrowLeft")
    before = first_day - timedelta(days=1)
    expect(title).to_have_text(before.strftime("%B %Y"))
    expect(focused).to_have_attribute("data-day", before.isoformat())
    axe(page, "calendar after walking months by keyboard")

    # A week: ArrowRight past its last day opens the next week on the day after.
    page.goto(f"{base}/calendar?view=week&year=2030&month=11&day=13")
    start = page.locator("a.day-link[tabindex='0']")
    expect(start).to_have_attribute("data-day", "2030-11-13")
    start.focus()
    column = start.evaluate("a => a.closest('td').cellIndex")
    for _ in range(7 - column):
        page.keyboard.press("ArrowRight")
    reached = date(2030, 11, 13) + timedelta(days=7 - column)
    expect(focused).to_have_attribute("data-day", reached.isoformat())
    expect(page).to_have_url(f"{base}/calendar?view=week&year={reached.year}"
                             f"&month={reached.month}&day={reached.day}")
    assert focused.evaluate("a => a.closest('td').cellIndex") == 0
