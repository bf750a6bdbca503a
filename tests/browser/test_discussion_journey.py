"""A project's team discussion in two people's browsers: a message posted in one arrives in
the other within 3 s, without a reload; its author edits it, then deletes it."""
import pytest
from playwright.sync_api import expect

from clientapp.auth.models import User
from clientapp.extensions import db
from clientapp.teams.models import ProjectTeamMember

from ..conftest import make_user
from ..factories import add_client, add_project
from .conftest import sign_in_through_the_form

pytestmark = pytest.mark.browser


def test_two_team_members_talk(live_server, signed_in, browser, axe):
    app = live_server.app
    page = signed_in("manager")
    mia = make_user(app, "viewer", email="mia@example.com", name="Mia Member")
    project_id = add_project(app, add_client(app, "Acme"), "Spring launch")
    with app.app_context():
        manager = User.by_email("manager@example.com").id
        db.session.add_all([ProjectTeamMember(project_id=project_id, user_id=manager),
                            ProjectTeamMember(project_id=project_id, user_id=mia)])
        db.session.commit()

    other_context = browser.new_context(locale="en-GB", bypass_csp=True)
    other = other_context.new_page()
    sign_in_through_the_form(other, live_server.url, "mia@example.com")
    other.wait_for_url(live_server.url + "/")
    other.goto(f"{live_server.url}/projects/{project_id}/discussion")
    expect(other.get_by_role("heading", name="Team discussion")).to_be_visible()
    expect(other.get_by_text("No messages yet.")).to_be_visible()

    page.goto(f"{live_server.url}/projects/{project_id}/discussion")
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
    axe(page, "discussion with a message")

    # Mia's page, open all along, gets it within 3 s; her typing is not disturbed.
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
    page.get_by_role("button", name="Save").click()
    expect(mine.locator(".message-body")).to_have_text("Hello Mia, see you there")
    expect(mine.get_by_text("edited")).to_be_visible()
    mine.get_by_role("link", name="Delete").click()
    axe(page, "asking to delete a message")
    page.locator(".message-deleting").get_by_role("button", name="Delete").click()
    expect(page.locator(".message-deleted")).to_have_text("Message deleted")

    # Mia sees it on her next visit; a discussion she has read shows no unread count.
    other.reload()
    expect(other.locator(".message-deleted")).to_have_text("Message deleted")
    expect(other.locator("nav.sidebar .badge")).to_have_count(0)
    axe(other, "the discussion as the other member")
    other_context.close()
