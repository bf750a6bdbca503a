"""The Staff section: add an active staff member, remove one, conflicts flagged (never
refused), inactive or unknown staff refused with 422."""
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from clientapp.extensions import db
from clientapp.projects import services
from clientapp.projects.models import Assignment

from .conftest import assert_fragment, assert_page
from .factories import add_project, add_staff, assign_staff, count
from .html import attr, find, one, text_of, texts, words


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(services, "clock", lambda: datetime(2026, 6, 15, 12, tzinfo=timezone.utc))


def staff_on(app, project_id) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(Assignment.staff_id)
                                  .where(Assignment.project_id == project_id)
                                  .order_by(Assignment.staff_id)).all()


def test_add_staff_form_offers_active_staff_not_yet_on_it(app, manager_client):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    sam = add_staff(app, "Sam", role="Waiter")
    add_staff(app, "Ina Inactive", active=False)
    kim = add_staff(app, "Kim")
    assign_staff(app, project_id, kim)
    fragment = manager_client.get(f"/projects/{project_id}/staff/edit", htmx=True)
    assert_fragment(fragment, "project-staff")
    assert one(fragment, "label[for=staff]").text() == "Staff member"
    assert [(o.attributes["value"], o.text()) for o in find(fragment, "#staff option")] == [
        ("", "Choose a staff member"), (str(sam), "Sam (Waiter)")]
    assert texts(fragment, "#project-staff-form button") == ["Add"]
    assert_page(manager_client.get(f"/projects/{project_id}/staff/edit"))


def test_add_and_remove(app, manager_client, manager_id):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    sam = add_staff(app, "Sam <Boss>", role="Chef")
    response = manager_client.post(f"/projects/{project_id}/staff", htmx=True,
                                   data={"staff": str(sam)})
    assert_fragment(response, "project-staff")
    assert "projectStaffed" in response.headers["HX-Trigger"]
    region = one(response, "#project-staff")
    assert "Sam <Boss>" in words(region) and "Chef" in words(region)
    assert "&lt;Boss&gt;" in response.get_data(as_text=True)
    assert "Sam <Boss> added." in text_of(response)
    assert staff_on(app, project_id) == [sam]
    with app.app_context():
        assert db.session.get(Assignment, (project_id, sam)).added_by_id == manager_id
    # Adding again changes nothing.
    manager_client.post(f"/projects/{project_id}/staff", data={"staff": str(sam)})
    assert staff_on(app, project_id) == [sam]

    removed = manager_client.post(f"/projects/{project_id}/staff/{sam}/remove", htmx=True)
    assert_fragment(removed, "project-staff")
    assert "No staff on this project yet." in text_of(removed)
    assert staff_on(app, project_id) == []
    assign_staff(app, project_id, sam)
    plain = manager_client.post(f"/projects/{project_id}/staff/{sam}/remove")
    assert plain.status_code == 303 and plain.headers["Location"] == f"/projects/{project_id}"
    assert staff_on(app, project_id) == []


@pytest.mark.parametrize("value, message", [
    ("", "Choose a staff member."),
    ("999", "This staff member does not exist"),
    ("x", "This staff member does not exist"),
    ("inactive", "Ina is inactive: choose an active staff member."),
])
def test_inactive_or_missing_staff_is_422(app, admin_client, value, message):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    inactive = add_staff(app, "Ina", active=False)
    value = str(inactive) if value == "inactive" else value
    response = admin_client.post(f"/projects/{project_id}/staff", htmx=True,
                                 data={"staff": value})
    assert_fragment(response, "project-staff", 422)
    assert message in words(one(response, "#staff-error"))
    assert attr(response, "#staff", "aria-invalid") == "true"
    assert_page(admin_client.post(f"/projects/{project_id}/staff", data={"staff": value}), 422)
    assert count(app, Assignment) == 0


def test_viewer_cannot_staff(app, viewer_client):
    project_id = add_project(app, None, "Gala")
    sam = add_staff(app, "Sam")
    assign_staff(app, project_id, sam)
    page = viewer_client.get(f"/projects/{project_id}")
    assert "Sam" in words(one(page, "#project-staff"))
    assert not find(page, "#project-staff form") and not find(page, "#project-staff-add")
    assert viewer_client.post(f"/projects/{project_id}/staff",
                              data={"staff": str(sam)}).status_code == 403
    assert viewer_client.post(f"/projects/{project_id}/staff/{sam}/remove").status_code == 403
    assert staff_on(app, project_id) == [sam]


def test_overlapping_projects_are_flagged_not_refused(app, admin_client):
    gala = add_project(app, None, "Gala", date(2026, 7, 1), date(2026, 7, 3))
    fair = add_project(app, None, "Fair", date(2026, 7, 3), date(2026, 7, 5))
    later = add_project(app, None, "Later", date(2026, 7, 4))
    archived = add_project(app, None, "Archived", date(2026, 7, 2),
                           archived_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    sam = add_staff(app, "Sam")
    for project_id in (fair, later, archived):
        assign_staff(app, project_id, sam)
    response = admin_client.post(f"/projects/{gala}/staff", htmx=True, data={"staff": str(sam)})
    assert response.status_code == 200 and staff_on(app, gala) == [sam]
    conflict = one(response, ".conflict")
    assert "Conflict" in words(conflict)
    assert texts(response, ".conflict a") == ["Fair"]
    assert attr(response, ".conflict a", "href") == f"/projects/{fair}"


def test_times_on_the_same_day_decide_the_overlap(app, admin_client):
    morning = add_project(app, None, "Morning", date(2026, 7, 1), start_time=time(8),
                          end_time=time(12))
    afternoon = add_project(app, None, "Afternoon", date(2026, 7, 1), start_time=time(13),
                            end_time=time(17))
    lunch = add_project(app, None, "Lunch", date(2026, 7, 1), start_time=time(11, 30),
                        end_time=time(14))
    sam = add_staff(app, "Sam")
    for project_id in (morning, afternoon, lunch):
        assign_staff(app, project_id, sam)
    assert not find(admin_client.get(f"/projects/{morning}"), ".conflict a[href='/projects/%d']"
                    % afternoon)
    assert texts(admin_client.get(f"/projects/{lunch}"), ".conflict a") == ["Morning",
                                                                           "Afternoon"]


def test_staff_name_links_to_a_staff_page_only_where_there_is_one(app, admin_client):
    project_id = add_project(app, None, "Gala")
    assign_staff(app, project_id, add_staff(app, "Sam"))
    page = admin_client.get(f"/projects/{project_id}")
    links = find(page, "#project-staff a[href^='/staff/']")
    has_staff_pages = any(rule.rule.startswith("/staff/") for rule in app.url_map.iter_rules())
    assert bool(links) == has_staff_pages
    assert "Sam" in words(one(page, "#project-staff .staff-member"))
