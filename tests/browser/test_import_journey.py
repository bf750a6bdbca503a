"""The import journey in a real browser: from the list's More actions menu to a checked
file with an error, the error fixed in place, the import started and watched to 100 %,
then undone; axe on every state."""
import re
import time

from playwright.sync_api import expect
from sqlalchemy import func, select

from clientapp.clients.models import Client
from clientapp.extensions import db

from .conftest import check_csv


def client_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Client))


def test_check_fix_import_watch_and_undo(live_server, signed_in, axe):
    page = signed_in("manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Import").click()
    expect(page.get_by_role("heading", name="Import clients")).to_be_visible()
    expect(page.get_by_role("link", name="Download template")).to_be_visible()
    axe(page, "import page")

    errors, start = check_csv(page, "clients.csv", "Name,Code,Email\r\n"
                              "Café Crème,CC-1,allo@cafe.example\r\n"
                              "<b>Bold</b> Bakery,BB-2,not-an-email\r\n")
    expect(errors.get_by_role("cell", name="not-an-email", exact=True)).to_be_visible()
    expect(errors.get_by_text("Enter a valid email address")).to_be_visible()
    expect(page.get_by_text("<b>Bold</b> Bakery").first).to_be_visible()  # markup as text
    axe(page, "check with an error")

    page.get_by_label("New value for Email on line 3").fill("hello@bold.example")
    page.get_by_role("button", name="Fix Email on line 3").click()
    expect(page.get_by_text("No errors: every row can be imported.")).to_be_visible()
    expect(start).to_be_enabled()
    expect(start).to_be_focused()  # the next step, once no error is left
    axe(page, "check fixed")
    assert client_count(live_server.app) == 0  # nothing written before the start

    start.click()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=15_000)
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(page.get_by_role("link", name="Café Crème")).to_be_visible()
    expect(page.get_by_role("link", name="<b>Bold</b> Bakery")).to_be_visible()
    assert client_count(live_server.app) == 2
    axe(page, "import finished")

    page.get_by_role("link", name="Undo import").click()
    dialog = page.get_by_role("dialog", name="Undo this import?")
    expect(dialog).to_be_visible()
    axe(page, "undo dialog")
    dialog.get_by_role("button", name="Undo import").click()
    expect(page.get_by_role("heading", name="Import undone")).to_be_visible()
    expect(page.get_by_text(re.compile(r"2 clients removed"))).to_be_visible()
    assert client_count(live_server.app) == 0
    axe(page, "import undone")

    page.get_by_role("link", name="Imports", exact=True).click()
    expect(page.get_by_role("heading", name="Imports")).to_be_visible()
    expect(page.get_by_role("link", name="clients.csv")).to_be_visible()
    axe(page, "imports history")


def test_cancel_closes_the_undo_dialog_and_a_file_without_names_asks_for_columns(
        live_server, signed_in, axe):
    page = signed_in("admin")
    page.goto(live_server.url + "/clients/import")
    page.get_by_label("File").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv",
         "buffer": "Société;Mail\r\nAcme;a@acme.example\r\n".encode("cp1252")})
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("No column is named Name")).to_be_visible()
    axe(page, "mapping step")
    page.get_by_label("Name *", exact=True).select_option(label="Société")
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_role("button", name="Start import")).to_be_enabled()
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=15_000)

    page.get_by_role("link", name="Undo import").click()
    dialog = page.get_by_role("dialog", name="Undo this import?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("link", name="Undo import")).to_be_focused()
    assert client_count(live_server.app) == 1


def test_a_bad_file_shows_its_message_in_place(live_server, signed_in, axe):
    page = signed_in("manager")
    page.goto(live_server.url + "/clients/import")
    page.get_by_label("File").set_input_files(
        {"name": "clients.csv", "mimeType": "text/csv", "buffer": b"Name,Code\r\n"})
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("alert").filter(has_text="header line but no rows")).to_be_visible()
    expect(page.get_by_label("File")).to_have_attribute("aria-invalid", "true")
    axe(page, "bad file")


def test_the_progress_bar_is_polled_to_100_and_polling_stops(live_server, signed_in, axe,
                                                             monkeypatch):
    from clientapp.imports import running

    # A slow import (the server runs in this process): one row per slice, a pause each.
    monkeypatch.setattr(running, "CREATE_SLICE", 1)
    monkeypatch.setattr(running, "_after_slice", lambda job_id, done: time.sleep(0.6))
    page = signed_in("manager")
    page.clock.install()  # time flows as usual until the test moves it
    page.goto(live_server.url + "/clients/import")
    rows = "".join(f"Client {i},K{i}\r\n" for i in range(5))
    page.get_by_label("File").set_input_files(
        {"name": "slow.csv", "mimeType": "text/csv", "buffer": ("Name,Code\r\n" + rows).encode()})
    page.get_by_role("button", name="Check file").click()
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/status" in request.url else None)
    page.get_by_role("button", name="Start import").click()

    expect(page.get_by_role("heading", name=re.compile("Importing|Waiting"))).to_be_visible()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", re.compile(r"^([1-9][0-9]?)$"), timeout=10_000)
    expect(page.get_by_text(re.compile(r"[1-4] of 5 rows"))).to_be_visible()
    axe(page, "import running")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=15_000)
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Import finished: 5 created")).to_be_visible()
    seen = len(polls)
    assert seen >= 2
    # No more polling once the job has ended: the final fragment polls no more, and three
    # seconds of the page's own clock send nothing.
    expect(page.locator("#import-status")).not_to_have_attribute("hx-trigger", re.compile("."))
    page.clock.run_for(3000)
    page.wait_for_timeout(200)  # (a request the timers had sent would show by now)
    assert len(polls) == seen
