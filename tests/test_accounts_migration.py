"""Migration 0007 (sessions, reset links, the users' new columns), up and down with data in
place: nothing of the users, their clients or their imports is lost either way."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from clientapp.extensions import db


def test_accounts_migration_keeps_users_and_what_they_made(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/accounts.sqlite3")
    with app.app_context():
        upgrade(revision="0006")
        db.session.execute(text(
            "INSERT INTO users (id, name, email, password_hash, role, active, created_at) "
            "VALUES (1, 'Ada', 'ada@example.com', 'h', 'admin', 1, '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO clients (id, type, name, name_key, match_key, search_text, created_at, "
            "updated_at, version, created_by_id) VALUES (7, 'company', 'Acme', 'acme', 'acme', "
            "'acme', '2026-01-01', '2026-01-01', 1, 1)"))
        db.session.commit()

        upgrade(revision="0007")
        assert db.session.execute(text(
            "SELECT version, timezone, last_sign_in_address FROM users")).one() == (1, None, None)
        tables = inspect(db.engine).get_table_names()
        assert {"user_sessions", "password_resets"} <= set(tables)
        db.session.execute(text(
            "INSERT INTO user_sessions (id, user_id, created_at, last_seen_at, user_agent, "
            "address) VALUES ('s', 1, '2026-01-01', '2026-01-01', '', '')"))
        db.session.commit()

        downgrade(revision="0006")
        assert "user_sessions" not in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT email FROM users")).scalar() == "ada@example.com"
        # The users table was altered in place, not rebuilt under its foreign keys.
        assert db.session.execute(text("SELECT created_by_id FROM clients")).scalar() == 1
        upgrade(revision="0007")
        assert db.session.execute(text("SELECT created_by_id FROM clients")).scalar() == 1
