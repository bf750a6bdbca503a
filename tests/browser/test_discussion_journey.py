"""Journey 7's team, end to end in two people's browsers: a manager builds a client's
management team, creates a project for the client (it gets the team), and posts in its Team
discussion; the other member's page, open all along, gets the message within 3 s without a
reload; the author edits it, then deletes it."""
import pytest
from playwright.sync_api import expect

from ..conftest import make_user
from ..factories import add_client
from .conftest import sign_in_through_the_form

pytestmark = pytest.mark.browser


def test_build_a_team_and_talk(live_server, signed_in, browser, axe):
    app = live_server.app
    base = live_server.url
    page = signed_in("manager")
    make_user(app, "viewer", email="mia@example.com", name="Mia Martin")
    client_id = add_client(app, "Acme")

    # The client's team: Mia, then the manager himself.
    page.goto(f"{base}/clients/{client_id}")
    team = page.get_by_role("region", name="Management team")
    for who in ("Mia Martin <mia@example.com>", "manager@example.com"):
        team.get_by_role("link", name="Add member").click()
        member = team.get_by_label("Member")
        expect(member).to_be_focused()
        member.fill(who)
        team.get_by_role("button", name="Add").click()
        expect(team.get_by_role("link", name="Add member")).to_be_visible()
    expect(team.locator(".team-who strong")).to_have_text(["Manager", "Mia Martin"])
    team.get_by_label("Role on the team (Mia Martin)").fill("Account lead")
    team.get_by_label("Role on the team (Mia Martin)").press("Tab")
    expect(page.locator("#notices")).to_contain_text("Management team saved: Mia Martin.")
    axe(page, "the client's management team")

    # A project for the client starts with that team.
    page.get_by_role("region", name="Projects").get_by_role(
        "link", name="New project for Acme").click()
    page.get_by_label("Name").fill("Spring launch")
    page.get_by_label("Start date").fill("2031-04-01")
    page.get_by_label("End date").fill("2031-04-02")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Spring launch")).to_be_visible()
    project_team = page.get_by_role("region", name="Management team")
    expect(project_team.get_by_label("Role on the team (Mia Martin)")).to_have_value(
        "Account lead")
    project_url = page.url

    # Mia opens the project in her own browser.
    other_context = browser.new_context(locale="en-GB", bypass_csp=True)
    other = other_context.new_page()
    sign_in_through_the_form(other, base, "mia@example.com")
    other.wait_for_url(base + "/")
    other.goto(project_url)
    expect(other.get_by_role("heading", name="Team discussion")).to_be_visible()
    expect(other.get_by_text("No messages yet.")).to_be_visible()

    box = page.get_by_label("Message")
    box.fill("Hello Mia,")
    box.press("Shift+Enter")
    box.type("the venue is https://example.com/venue")
    box.press("Enter")
    mine = page.locator("#discussion-messages .message").last
    expect(mine.locator(".message-body")).to_have_text(
        "Hello Mia,\nthe venue is https://example.com/venue")
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.locator("#discussion-messages .message")).to_have_count(1)
    axe(page, "the project page with a message")

    # Mia's page gets it within 3 s; her typing is not disturbed.
    other.get_by_label("Message").fill("I am typing")
    arrived = other.locator("#discussion-messages .message-body")
    expect(arrived).to_have_text(["Hello Mia,\nthe venue is https://example.com/venue"],
                                 timeout=3000)
    expect(other.get_by_label("Message")).to_be_focused()
    expect(other.get_by_label("Message")).to_have_value("I am typing")
    expect(arrived.get_by_role("link", name="https://example.com/venue")).to_be_visible()

    # The author edits it in place, then deletes it.
    mine.get_by_role("link", name="Edit").click()
    page.locator(".message-editing textarea").fill("Hello Mia, see you there")
    page.locator(".message-editing").get_by_role("button", name="Save").click()
    expect(mine.locator(".message-body")).to_have_text("Hello Mia, see you there")
    expect(mine.get_by_text("edited")).to_be_visible()
    mine.get_by_role("link", name="Delete").click()
    axe(page, "asking to delete a message")
    page.locator(".message-deleting").get_by_role("button", name="Delete").click()
    expect(page.locator(".message-deleted")).to_have_text("Message deleted")

    # Mia's open page shows the deletion too, without a reload; her typing stays.
    expect(other.locator(".message-deleted")).to_have_text("Message deleted", timeout=5000)
    expect(other.get_by_label("Message")).to_have_value("I am typing")
    # A discussion she has read shows no unread count.
    other.reload()
    expect(other.locator("nav.sidebar .badge")).to_have_count(0)
    axe(other, "the discussion as the other member")
    other_context.close()
