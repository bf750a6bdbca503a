"""Migration 0013 (project defaults) up and down with data in place: clients, projects,
staff and their search stay; the new tables come and go."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from clientapp.clients.models import Client
from clientapp.db import search
from clientapp.extensions import db
from clientapp.projects.models import Project
from clientapp.staff.models import StaffMember

NEW = {"stored_files", "documents", "client_defaults", "client_excluded_staff",
       "project_settings", "field_report_templates"}


def test_defaults_migration_up_and_down_with_data(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/defaults.sqlite3")
    with app.app_context():
        upgrade(revision="0013")
        client = Client(name="Salle Pleyel SA")
        db.session.add(client)
        db.session.flush()
        db.session.add(Project(name="Gala", client=client))
        # The staff table as it is at 0013 (the model has gained columns since).
        db.session.execute(text(
            "INSERT INTO staff (name, active, created_at, updated_at, version, name_key, "
            "search_text) VALUES ('Bob', 1, '2026-01-01', '2026-01-01', 1, 'bob', 'bob')"))
        db.session.commit()
        assert not NEW & set(inspect(db.engine).get_table_names())

        upgrade(revision="0014")
        assert NEW <= set(inspect(db.engine).get_table_names())
        db.session.execute(text(
            "INSERT INTO client_defaults (client_id, location_name, notes, field_reports, "
            "updated_at, version) VALUES (1, 'Pleyel', 'Badge', '[]', '2026-01-01', 1)"))
        db.session.execute(text(
            "INSERT INTO stored_files (id, stored_name, content_type, size, created_at) "
            "VALUES (1, 'abc', 'application/pdf', 10, '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO documents (file_id, client_id, name, created_at) "
            "VALUES (1, 1, 'plan.pdf', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO client_excluded_staff (client_id, staff_id, reason, created_at) "
            "VALUES (1, 1, 'Late', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO project_settings (project_id, field_reports, excluded, "
            "location_changed, documents_changed, reports_changed, notes_changed, "
            "excluded_changed) VALUES (1, '[]', '[{\"staff\": 1}]', 0, 0, 0, 1, 0)"))
        db.session.commit()
        assert db.session.execute(text("SELECT count(*) FROM client_excluded_staff")
                                  ).scalar() == 1
        db.session.remove()

        downgrade(revision="0013")
        assert not NEW & set(inspect(db.engine).get_table_names())
        assert db.session.execute(text("SELECT name FROM projects")).scalar() == "Gala"
        for model, words in ((Project, "gala"), (Client, "pleyel"), (StaffMember, "bob")):
            assert db.session.scalars(search.matching(select(model.id), model, words)).all()
        db.session.remove()
        upgrade(revision="0014")
        assert db.session.execute(text("SELECT count(*) FROM client_defaults")).scalar() == 0
