"""Migration 0015 up and down with data in place: earlier import jobs read as client imports,
staff members keep their rows, ids and search index (SQLite rebuilds the table in batch
mode: its triggers and AUTOINCREMENT are put back)."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from clientapp.extensions import db

TRIGGERS = {"staff_fts_insert", "staff_fts_delete", "staff_fts_update"}


def staff_found(word: str) -> list:
    return db.session.execute(text(
        "SELECT rowid FROM staff_fts WHERE staff_fts MATCH :word ORDER BY rowid"),
        {"word": word}).scalars().all()


def test_staff_import_migration_keeps_jobs_staff_and_search(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/staff_import.sqlite3")
    with app.app_context():
        upgrade(revision="0014")
        db.session.execute(text(
            "INSERT INTO import_jobs (id, state, mode, filename, kind, headers, mapping, preview, "
            "total_rows, new_count, update_count, same_count, error_count, warning_count, "
            "skip_count, duplicate_count, create_duplicates, keep_empty, created_count, "
            "updated_count, unchanged_count, created_at, done_rows) VALUES (4, 'done', 'create', "
            "'old.csv', 'csv', '[]', '{}', '[]', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, "
            "'2026-01-01', 0)"))
        db.session.execute(text(
            "INSERT INTO staff (id, name, email, active, created_at, updated_at, version, "
            "name_key, search_text) VALUES (9, 'Nina Nox', 'nina@crew.local', 1, '2026-01-01', "
            "'2026-01-01', 1, 'nina nox', 'nina nox nina crew local')"))
        db.session.commit()

        upgrade(revision="0015")
        assert db.session.execute(text("SELECT id, target FROM import_jobs")).one() == (4, "clients")
        assert db.session.execute(text("SELECT id, name, import_job_id FROM staff")
                                  ).one() == (9, "Nina Nox", None)
        triggers = set(db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'staff'"
        )).scalars())
        assert triggers == TRIGGERS
        assert staff_found("nina") == [9]
        # The triggers work: a new member is found, and a deleted id is never given again.
        db.session.execute(text(
            "INSERT INTO staff (name, active, created_at, updated_at, version, name_key, "
            "search_text, import_job_id) VALUES ('Omar', 1, '2026-01-02', '2026-01-02', 1, "
            "'omar', 'omar', 4)"))
        db.session.execute(text("DELETE FROM staff WHERE name = 'Omar'"))
        db.session.execute(text(
            "INSERT INTO staff (name, active, created_at, updated_at, version, name_key, "
            "search_text) VALUES ('Pia', 1, '2026-01-02', '2026-01-02', 1, 'pia', 'pia')"))
        db.session.commit()
        assert staff_found("pia") == [11] and staff_found("omar") == []
        # Deleting the job that created a member leaves the member, without it.
        db.session.execute(text("UPDATE staff SET import_job_id = 4 WHERE id = 11"))
        db.session.execute(text("DELETE FROM import_jobs WHERE id = 4"))
        assert db.session.execute(text("SELECT import_job_id FROM staff WHERE id = 11")
                                  ).scalar() is None
        db.session.commit()

        downgrade(revision="0014")
        columns = {c["name"] for c in inspect(db.engine).get_columns("staff")}
        assert "import_job_id" not in columns
        assert "target" not in {c["name"] for c in inspect(db.engine).get_columns("import_jobs")}
        assert staff_found("nina") == [9] and staff_found("pia") == [11]
