"""The export in a real browser: More actions > Export opens the choice of formats for the
list as it is on screen (its search included), a format downloads, Close returns to the
list; axe on the dialog."""
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from ..factories import add_client

pytestmark = pytest.mark.browser


def test_export_the_searched_list_as_a_workbook(live_server, signed_in, axe):
    add_client(live_server.app, "Café Crème", code="CC-1", phone="+33 1 23 45 67 89")
    add_client(live_server.app, "Crèmerie du Lac", code="CL-2")
    add_client(live_server.app, "Northwind", code="NW-3")
    page = signed_in("viewer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_label("Search clients").fill("crème")
    expect(page.get_by_role("link", name="Northwind")).to_have_count(0)

    more = page.get_by_role("button", name="More actions")
    more.click()
    page.get_by_role("menuitem", name="Export").click()
    dialog = page.get_by_role("dialog", name="Export clients")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("2 active clients, in the list's order.")).to_be_visible()
    for name in ("CSV", "CSV for Excel in French", "Excel (.xlsx)"):
        expect(dialog.get_by_role("link", name=name, exact=True)).to_be_visible()
    axe(page, "export dialog")

    with page.expect_download() as download:
        dialog.get_by_role("link", name="Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [["Name", "Code", "Address", "Email", "Phone", "Type", "Contact name",
                     "Contact email", "Contact phone"],
                    ["Café Crème", "CC-1", None, None, "+33 1 23 45 67 89", "Company", None,
                     None, None],
                    ["Crèmerie du Lac", "CL-2", None, None, None, "Company", None, None, None]]

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(more).to_be_focused()
