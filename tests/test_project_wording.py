"""The project pages' words: one French for "Notes to staff", "Details" edited as "les
détails du projet" (not a person's "coordonnées"), the start-time message, calendar headings that
start with a capital."""
from datetime import date

from .factories import add_project
from .html import find, one, words


def test_project_page_edit_labels_in_french(app, admin_client):
    project_id = add_project(app, None, name="Gala", start=date(2030, 12, 10))
    admin_client.post("/locale", data={"locale": "fr"})
    page = admin_client.get(f"/projects/{project_id}")
    assert words(one(page, "#project-details-edit")) == "Modifier les détails du projet"
    assert words(one(page, "#project-notes-edit")) == "Modifier les notes au personnel"
    headings = [words(h) for h in find(page, "h2, h3")]
    assert "Notes au personnel" in headings
    assert "Notes pour le personnel" not in headings


def test_a_start_time_without_a_start_date_says_what_to_enter(app, admin_client):
    data = {"name": "Gala", "client": "", "start_date": "", "end_date": "",
            "start_time": "10:00", "end_time": "", "location": "", "notes": ""}
    response = admin_client.post("/projects/new", data=data)
    assert response.status_code == 422
    assert words(one(response, "#start_date-error")) == "Enter a start date for this start time."
    admin_client.post("/locale", data={"locale": "fr"})
    response = admin_client.post("/projects/new", data=data)
    assert words(one(response, "#start_date-error")) == \
        "Saisissez une date de début pour cette heure de début."


def test_calendar_headings_start_with_a_capital_in_french(app, admin_client):
    admin_client.post("/locale", data={"locale": "fr"})
    month = admin_client.get("/calendar?year=2026&month=12")
    assert words(one(month, "#calendar-title")) == "Décembre 2026"
    day = admin_client.get("/calendar?view=day&year=2026&month=12&day=15", htmx=True)
    assert words(one(day, "#calendar-title")) == "Mardi 15 décembre 2026"
