"""The import's tables on a phone: below 600 px each row of the errors table and of the
history is a card whose cells carry their column's name, so Reason and Fix show without
any sideways scrolling, the page's or the table's own; on a desktop they stay tables."""
import re

import pytest
from playwright.sync_api import expect

from .test_foundation_journey import assert_no_sideways_scroll, upload_for_check

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def assert_scroller_fits(scroller, context):
    sizes = scroller.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"{context}: the table scrolls sideways in its box {sizes}"


def label_of(cell) -> str:
    """The column name the cell shows before its value ("" for none). It is shown only: its
    alternative text is empty, so the cell's accessible name stays its value."""
    content = cell.evaluate("el => getComputedStyle(el, '::before').content")
    if content == "none":
        return ""
    shown, alternative = re.fullmatch(r'"(.*)" / "(.*)"', content).groups()
    assert alternative == ""
    return shown


def assert_within_the_screen(locator, width, context):
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{context}: {box}"


def test_the_errors_and_the_history_stack_on_a_phone(live_server, signed_in, axe):
    page = signed_in("manager")
    page.set_viewport_size(PHONE)
    upload_for_check(page)
    errors = page.locator("#import-errors")
    assert_no_sideways_scroll(page, "import check with errors at 390 px")
    assert_scroller_fits(errors.locator(".table-wrap"), "errors table at 390 px")
    # Still a table to assistive technology: its cells keep their role.
    reason = errors.get_by_role("cell", name=re.compile("Enter a valid email")).first
    expect(reason).to_be_visible()
    assert label_of(reason) == "Reason"
    assert_within_the_screen(reason, PHONE["width"], "a Reason cell")
    fix_field = page.get_by_label("New value for Email on line 4")
    expect(fix_field).to_be_visible()
    assert_within_the_screen(fix_field, PHONE["width"], "a Fix field")
    fix_button = page.get_by_role("button", name="Fix Email on line 4")
    assert_within_the_screen(fix_button, PHONE["width"], "a Fix button")
    assert label_of(fix_field.locator("xpath=ancestor::td")) == "Fix"
    expect(errors.locator("thead")).not_to_be_in_viewport()
    axe(page, "import check with errors at 390 px")

    page.goto(live_server.url + "/clients/imports")
    file_link = page.get_by_role("link", name="clients.csv")
    expect(file_link).to_be_visible()
    assert_no_sideways_scroll(page, "imports history at 390 px")
    assert_scroller_fits(page.locator("#import-history .table-wrap"), "history at 390 px")
    state = page.get_by_role("cell", name="Checked, not started")
    assert label_of(state) == "State"
    assert_within_the_screen(state, PHONE["width"], "the State cell")
    axe(page, "imports history at 390 px")


def test_the_tables_stay_tables_on_a_desktop(live_server, signed_in, axe):
    page = signed_in("manager")
    page.set_viewport_size(DESKTOP)
    upload_for_check(page)
    table = page.locator("#import-errors table")
    assert table.evaluate("el => getComputedStyle(el).display") == "table"
    expect(table.get_by_role("columnheader", name="Reason")).to_be_visible()
    reason = table.get_by_role("cell", name=re.compile("Enter a valid email")).first
    assert label_of(reason) == ""
    axe(page, "import check at 1280 px")
    page.goto(live_server.url + "/clients/imports")
    expect(page.locator("#import-history").get_by_role("columnheader", name="State")).to_be_visible()
