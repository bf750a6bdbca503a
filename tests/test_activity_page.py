"""Admins' Activity page: every event across clients, filtered by user, client, type and
dates, paged, and exported as CSV with formulas neutralised."""
import csv
import io
from datetime import datetime, timezone

from clientapp.activity import Event
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .factories import add_client
from .html import find, one, texts


def add_events(app, admin_id, manager_id):
    acme, globex = add_client(app, name="Acme"), add_client(app, name="Globex")
    rows = [(acme, "client.created", admin_id, {}, None, datetime(2026, 3, 1, 9)),
            (acme, "interaction.call", manager_id, {}, "=HYPERLINK(\"x\")", datetime(2026, 3, 2, 9)),
            (globex, "interaction.note", admin_id, {}, "Note on Globex", datetime(2026, 3, 5, 9)),
            (None, "import.done", admin_id, {"file": "c.csv", "created": 2, "updated": 0},
             None, datetime(2026, 3, 6, 9))]
    with app.app_context():
        for client_id, kind, actor, data, summary, at in rows:
            db.session.add(Event(client_id=client_id, kind=kind, actor_id=actor, data=data,
                                 summary=summary, at=at.replace(tzinfo=timezone.utc)))
        db.session.commit()
    return acme, globex


def rows_of(response) -> list[list[str]]:
    return [[" ".join(td.text().split()) for td in tr.css("td")]
            for tr in find(response, "#event-list tbody tr")]


def test_admins_only_and_the_sidebar_link(app, admin_client, manager_client, viewer_client):
    assert manager_client.get("/activity").status_code == 403
    assert viewer_client.get("/activity/export.csv").status_code == 403
    page = admin_client.get("/activity")
    assert_page(page)
    assert texts(page, "nav.sidebar a") [-1] == "Activity"
    assert "Activity" not in texts(manager_client.get("/"), "nav.sidebar a")
    assert_fragment(admin_client.get("/activity", htmx=True), "event-list")


def test_filters_user_client_type_and_dates(app, admin_client, admin_id, manager_id):
    add_events(app, admin_id, manager_id)
    assert len(rows_of(admin_client.get("/activity"))) == 4
    assert [r[2] for r in rows_of(admin_client.get(f"/activity?user={manager_id}"))] == ["Acme"]
    assert [r[3] for r in rows_of(admin_client.get("/activity?q=acme"))] == ["Call", "App event"]
    assert [r[4] for r in rows_of(admin_client.get("/activity?type=logged"))] == [
        "Note Note on Globex", 'Call =HYPERLINK("x")']
    dated = rows_of(admin_client.get("/activity?from=2026-03-02&to=2026-03-05"))
    assert [r[2] for r in dated] == ["Globex", "Acme"]
    # Nonsense filters fall back to their defaults.
    assert len(rows_of(admin_client.get("/activity?from=x&user=0&type=zz"))) == 4


def test_paginated(app, admin_client, admin_id):
    client_id = add_client(app)
    with app.app_context():
        db.session.add_all([Event(client_id=client_id, kind="client.edited", actor_id=admin_id,
                                  data={"changes": {"phone": [str(n), str(n + 1)]}},
                                  at=datetime(2026, 1, 1, tzinfo=timezone.utc))
                            for n in range(30)])
        db.session.commit()
    first = admin_client.get("/activity?size=25")
    assert len(rows_of(first)) == 25
    assert len(rows_of(admin_client.get("/activity?size=25&page=2"))) == 5
    assert one(first, "nav.pagination")


def test_csv_export_is_neutralised(app, admin_client, admin_id, manager_id):
    add_events(app, admin_id, manager_id)
    evil = add_client(app, name="=cmd|' /C calc'!A0")
    with app.app_context():
        db.session.add(Event(client_id=evil, kind="interaction.email", actor_id=admin_id,
                             data={}, summary="x", at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
    response = admin_client.get("/activity/export.csv?type=logged")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Date", "Who", "Client", "Type", "What"]
    assert rows[1][2:] == ["Globex", "Note", "Note Note on Globex"]
    assert rows[2][2:4] == ["Acme", "Call"]
    assert rows[2][4] == 'Call =HYPERLINK("x")'
    assert rows[3][2] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
