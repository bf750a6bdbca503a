"""Management teams: a client's team section (add by name or email, role and switch saved in
place, remove), its events on the client's timeline, the copy a new project starts with, and
"Apply to upcoming projects"."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clientapp.activity import Event
from clientapp.extensions import db
from clientapp.teams import services
from clientapp.teams.models import ClientTeamMember, ProjectTeamMember

from .conftest import make_user
from .factories import add_client, add_project, count
from .html import attr, find, one, texts, words


@pytest.fixture
def client_id(app):
    return add_client(app, "Acme")


@pytest.fixture
def alice(app, admin_id):
    return make_user(app, "viewer", email="alice@agency.local", name="Alice Martin")


def team(app, client_id) -> list[tuple]:
    with app.app_context():
        return [(m.user.name, m.role, m.in_discussions)
                for m in services.members("client", client_id)]


def kinds(app, client_id) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(Event.kind).where(Event.client_id == client_id)
                                  .order_by(Event.id)).all()


def test_the_section_shows_on_the_profile_as_page_and_fragment(app, manager_client, client_id):
    page = manager_client.get(f"/clients/{client_id}")
    section = one(page, "#client-team")
    assert words(one(page, "#client-team-title")) == "Management team"
    assert "No management team yet." in words(section)
    fragment = manager_client.get(f"/clients/{client_id}/team", htmx=True)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    form = manager_client.get(f"/clients/{client_id}/team/new", htmx=True)
    assert words(one(form, "label[for=member]")).startswith("Member")
    assert texts(form, ".team-add button") == ["Add"]
    # The candidates: active users, by name, with their email.
    options = [o.attributes["value"] for o in find(form, "datalist option")]
    assert options == ["Ada Admin <admin@example.com>", "Max Manager <manager@example.com>"]


@pytest.mark.parametrize("typed", ["alice@agency.local", "ALICE@agency.local", "Alice Martin",
                                   "Alice Martin <alice@agency.local>"])
def test_add_a_member_by_name_or_email(app, manager_client, client_id, alice, typed):
    response = manager_client.post(f"/clients/{client_id}/team/new", htmx=True,
                                   data={"member": typed})
    assert response.status_code == 200
    assert texts(response, ".team-who strong") == ["Alice Martin"]
    assert team(app, client_id) == [("Alice Martin", None, True)]
    assert kinds(app, client_id) == ["team.added"]
    assert response.headers["HX-Trigger"]


@pytest.mark.parametrize("typed, reason", [
    ("", "Choose a user by name or email."),
    ("nobody@example.com", "No user has this name or email."),
])
def test_an_unknown_member_is_refused_in_place(app, manager_client, client_id, typed, reason):
    response = manager_client.post(f"/clients/{client_id}/team/new", htmx=True,
                                   data={"member": typed})
    assert response.status_code == 422
    assert words(one(response, "#member-error")) == reason
    assert attr(response, "#member", "value") == typed
    assert team(app, client_id) == [] and kinds(app, client_id) == []


def test_a_deactivated_user_or_a_member_already_there_cannot_be_added(app, manager_client,
                                                                     client_id, alice):
    manager_client.post(f"/clients/{client_id}/team/new", data={"member": "alice@agency.local"})
    again = manager_client.post(f"/clients/{client_id}/team/new", htmx=True,
                                data={"member": "alice@agency.local"})
    assert again.status_code == 422
    assert words(one(again, "#member-error")) == "Alice Martin is on the team already."
    gone = make_user(app, "viewer", email="gone@example.com", name="Gone Person", active=False)
    refused = manager_client.post(f"/clients/{client_id}/team/new", htmx=True,
                                  data={"member": "gone@example.com"})
    assert refused.status_code == 422
    assert "deactivated" in words(one(refused, "#member-error"))
    assert count(app, ClientTeamMember) == 1 and gone


def test_role_and_switch_save_in_place_and_are_recorded(app, manager_client, client_id, alice):
    manager_client.post(f"/clients/{client_id}/team/new", data={"member": "Alice Martin"})
    url = f"/clients/{client_id}/team/{alice}"
    saved = manager_client.post(url, htmx=True, data={"role": "  Account   lead "})
    assert saved.status_code == 200
    # The switch was not sent: she is out of the discussions now.
    assert team(app, client_id) == [("Alice Martin", "Account lead", False)]
    assert attr(saved, f"#client-team-{alice}-role", "value") == "Account lead"
    assert "checked" not in one(saved, f"#client-team-{alice}-discussions").attributes
    manager_client.post(url, htmx=True, data={"role": "Account lead", "in_discussions": "y"})
    assert team(app, client_id) == [("Alice Martin", "Account lead", True)]
    # Saving the same values again records nothing.
    manager_client.post(url, htmx=True, data={"role": "Account lead", "in_discussions": "y"})
    assert kinds(app, client_id) == ["team.added", "team.changed", "team.changed"]
    # The timeline says what changed, old → new.
    profile = manager_client.get(f"/clients/{client_id}")
    changes = [words(li) for li in find(profile, "#client-interactions .timeline-changes li")]
    assert "In team discussions: No → Yes" in changes
    assert "Role on the team: empty → Account lead" in changes
    too_long = manager_client.post(url, htmx=True, data={"role": "x" * 201, "in_discussions": "y"})
    assert too_long.status_code == 422
    assert words(one(too_long, f"#client-team-{alice}-role-error")) == \
        "Use at most 200 characters."
    assert team(app, client_id) == [("Alice Martin", "Account lead", True)]


def test_remove_a_member(app, manager_client, client_id, alice):
    manager_client.post(f"/clients/{client_id}/team/new", data={"member": "Alice Martin"})
    response = manager_client.post(f"/clients/{client_id}/team/{alice}/remove", htmx=True)
    assert response.status_code == 200 and team(app, client_id) == []
    assert "removed from the management team" in response.get_data(as_text=True)
    assert kinds(app, client_id) == ["team.added", "team.removed"]
    assert manager_client.post(f"/clients/{client_id}/team/{alice}/remove").status_code == 404


def test_viewers_read_the_team_and_cannot_change_it(app, viewer_client, client_id, alice):
    with app.app_context():
        db.session.add(ClientTeamMember(client_id=client_id, user_id=alice, role="Lead"))
        db.session.commit()
    page = viewer_client.get(f"/clients/{client_id}")
    assert texts(page, "#client-team .team-who strong") == ["Alice Martin"]
    assert not find(page, "#client-team form") and not find(page, "#client-team-add")
    assert viewer_client.post(f"/clients/{client_id}/team/new",
                              data={"member": "x"}).status_code == 403
    assert viewer_client.post(f"/clients/{client_id}/team/{alice}",
                              data={"role": "Boss"}).status_code == 403
    assert viewer_client.get(f"/clients/{client_id}/team/new").status_code == 403


def test_a_new_project_copies_the_client_team_and_later_changes_stay_apart(app, client_id,
                                                                           alice, manager_id):
    with app.app_context():
        db.session.add_all([ClientTeamMember(client_id=client_id, user_id=alice, role="Lead"),
                            ClientTeamMember(client_id=client_id, user_id=manager_id,
                                             in_discussions=False)])
        db.session.commit()
    project_id = add_project(app, client_id, "Launch")
    with app.app_context():
        services.copy_client_team(client_id, project_id)
        db.session.commit()
        copied = {(m.user_id, m.role, m.in_discussions)
                  for m in services.members("project", project_id)}
        assert copied == {(alice, "Lead", True), (manager_id, None, False)}
        # The project's team changes alone; the client's stays.
        db.session.delete(services.member("project", project_id, alice))
        db.session.commit()
        assert len(services.members("client", client_id)) == 2


def test_apply_to_upcoming_projects(app, manager_client, client_id, alice, manager_id):
    today = date.today()
    upcoming = add_project(app, client_id, "Next month", start=today + timedelta(days=30))
    undated = add_project(app, client_id, "Some day")
    changed = add_project(app, client_id, "Changed", start=today + timedelta(days=60))
    past = add_project(app, client_id, "Last year", start=today - timedelta(days=365),
                       end=today - timedelta(days=360))
    with app.app_context():
        db.session.add(ProjectTeamMember(project_id=upcoming, user_id=alice, role="Old role"))
        db.session.add(ClientTeamMember(client_id=client_id, user_id=alice, role="Lead"))
        db.session.commit()
    # Someone gives "Changed" a team of its own, on its page.
    manager_client.post(f"/projects/{changed}/team/new", data={"member": "manager@example.com"})
    page = manager_client.get(f"/clients/{client_id}")
    assert texts(page, "#client-team a.button-small")[-1] == "Apply to upcoming projects"
    dialog = manager_client.get(f"/clients/{client_id}/team/apply", htmx=True)
    lists = find(dialog, "dialog ul")
    assert [words(li) for li in lists[0].css("li")] == [
        f"Next month · {fmt(today + timedelta(days=30))}", "Some day"]
    assert [words(li) for li in lists[1].css("li")] == [
        f"Changed · {fmt(today + timedelta(days=60))}"]
    done = manager_client.post(f"/clients/{client_id}/team/apply", htmx=True)
    assert "given to 2 upcoming projects" in done.get_data(as_text=True)
    with app.app_context():
        assert [m.role for m in services.members("project", upcoming)] == ["Lead"]
        assert [m.role for m in services.members("project", undated)] == ["Lead"]
        assert [m.user_id for m in services.members("project", changed)] == [manager_id]
        assert services.members("project", past) == []
    assert kinds(app, client_id)[-1] == "team.applied"


def fmt(day: date) -> str:
    return day.strftime("%b %-d, %Y")


def test_the_project_page_has_its_team_and_its_discussion(app, manager_client, client_id,
                                                          alice, manager_id):
    with app.app_context():
        db.session.add(ClientTeamMember(client_id=client_id, user_id=alice, role="Lead"))
        db.session.commit()
    # A project created through the form for this client starts with its team.
    created = manager_client.post("/projects/new", data={
        "name": "Launch", "client": str(client_id), "start_date": "2030-05-01",
        "end_date": "2030-05-02"})
    assert created.status_code in (302, 303), created.get_data(as_text=True)[:400]
    project_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = manager_client.get(f"/projects/{project_id}")
    assert texts(page, "#project-team .team-who strong") == ["Alice Martin"]
    assert attr(page, f"#project-team-{alice}-role", "value") == "Lead"
    # The manager is not on the team: the discussion says who takes part, not its messages.
    assert words(one(page, "#discussion-title")) == "Team discussion"
    assert "Alice Martin" in words(one(page, ".discussion-people"))
    assert not find(page, "#discussion-form")
    # Adding oneself to the project's team opens the discussion; the client's team stays.
    added = manager_client.post(f"/projects/{project_id}/team/new", htmx=True,
                                data={"member": "manager@example.com"})
    assert added.status_code == 200 and added.headers["HX-Trigger"]
    assert find(manager_client.get(f"/projects/{project_id}"), "#discussion-form")
    with app.app_context():
        assert [m.user_id for m in services.members("client", client_id)] == [alice]
    assert find(manager_client.get(f"/projects/{project_id}/thread", htmx=True), "#discussion")
    assert manager_id
