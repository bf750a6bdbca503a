"""Browser tests: a live server on the test database, Debian's Chromium, axe-core.

Playwright never downloads a browser here: it drives /usr/bin/chromium. Without it the
browser tests are skipped with the reason, unless CLIENTAPP_REQUIRE_BROWSER=1 (CI), which
turns the skip into a failure.
"""
import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ..conftest import PASSWORD, make_user

CHROMIUM = os.environ.get("CLIENTAPP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser/ carries the `browser` marker (`-m "not browser"` is
    the quick suite); without Chromium they are skipped, or fail under
    CLIENTAPP_REQUIRE_BROWSER=1."""
    here = str(Path(__file__).parent)
    browser_items = [item for item in items if str(item.fspath).startswith(here)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CLIENTAPP_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"CLIENTAPP_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # bypass_csp lets the tests inject axe-core; the app's own pages never need it.
    return {**browser_context_args, "bypass_csp": True, "locale": "en-GB"}


@pytest.fixture
def live_server(make_app):
    """The app served on a free loopback port for the duration of one test."""
    application = make_app(TESTING=False)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = application
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)


def sign_in_through_the_form(page, base_url: str, email: str, password: str = PASSWORD):
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def signed_in(live_server, page):
    """Sign in through the real form as a user of the given role; returns the page."""

    def as_role(role: str = "admin", email: str | None = None):
        email = email or f"{role}@example.com"
        if role != "admin":
            make_user(live_server.app, "admin", email="first-admin@example.com")
        make_user(live_server.app, role, email=email)
        sign_in_through_the_form(page, live_server.url, email)
        page.wait_for_url(live_server.url + "/")
        return page

    return as_role


def check_csv(page, filename: str, csv_text: str):
    """On an import page: choose `csv_text` as the file `filename`, press Check file, and
    wait for the check. Returns (the errors table, the Start import button, still disabled)."""
    from playwright.sync_api import expect

    page.get_by_label("File").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": csv_text.encode("utf-8")})
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Check before import")).to_be_visible()
    start = page.get_by_role("button", name="Start import")
    expect(start).to_be_disabled()
    return page.locator("#import-errors"), start


def settled(page):
    """htmx has finished its swaps (the new elements listen to their events)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def check_a11y(page, context: str = ""):
    """axe-core on the page as it is now: zero WCAG 2 A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    violations = [
        {"id": v["id"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"axe violations {context}: " + json.dumps(violations, indent=1)


@pytest.fixture
def axe():
    return check_a11y
