"""Migration 0008 (projects in full, staff, project_staff), up and down with data in place."""
from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from clientapp.db import search
from clientapp.extensions import db
from clientapp.projects.models import Project


def test_projects_migration_keeps_projects_and_makes_them_searchable(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/projects.sqlite3")
    with app.app_context():
        upgrade(revision="0007")
        db.session.execute(text(
            "INSERT INTO clients (id, type, name, name_key, match_key, search_text, created_at, "
            "updated_at, version) VALUES (7, 'company', 'Société Générale', 'societe generale', "
            "'societe generale', 'societe generale', '2026-01-01', '2026-01-01', 1)"))
        db.session.execute(text(
            "INSERT INTO projects (id, name, client_id, start_date, end_date, created_at) "
            "VALUES (3, 'Salon de l''Été', 7, '2026-06-01', '2026-06-03', '2026-01-01')"))
        db.session.commit()

        upgrade(revision="0008")
        project = db.session.get(Project, 3)
        assert (project.name_key, project.version, project.client_id) == ("salon de l'ete", 1, 7)
        assert project.start_date == date(2026, 6, 1) and project.updated_at is not None
        for words in ("salon ete", "generale"):
            found = db.session.scalars(search.matching(select(Project.id), Project, words)).all()
            assert found == [3], words
        # Ids are not given again once a project is deleted (AUTOINCREMENT).
        db.session.execute(text("DELETE FROM projects WHERE id = 3"))
        db.session.add(Project(name="Next", client_id=7))
        db.session.commit()
        assert db.session.scalar(select(Project.id).where(Project.name == "Next")) == 4
        assert {"staff", "project_staff"} <= set(inspect(db.engine).get_table_names())

        downgrade(revision="0007")
        assert "staff" not in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT name, client_id FROM projects")).one() == ("Next", 7)
        upgrade(revision="0008")
        assert db.session.execute(text("SELECT name_key FROM projects")).scalar() == "next"


def test_projects_list_index_up_and_down(make_app, tmp_path):
    """0009_projects_list adds the Ongoing tab's index, and takes it away again."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/list.sqlite3")

    def indexes():
        return {index["name"] for index in inspect(db.engine).get_indexes("projects")}

    with app.app_context():
        upgrade(revision="0009_projects_list")
        assert "ix_projects_archived_end_start" in indexes()
        downgrade(revision="0008")
        assert "ix_projects_archived_end_start" not in indexes()
        assert "ix_projects_archived_end" in indexes()
        upgrade(revision="0009_projects_list")
        assert "ix_projects_archived_end_start" in indexes()
