"""Migration 0009_contacts up and down with data in place: clients, their events and their
search index survive both ways; contacts and logged interactions come and go with it."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from clientapp.extensions import db

TRIGGERS = {"clients_fts_insert", "clients_fts_delete", "clients_fts_update"}


def test_contacts_migration_keeps_clients_events_and_search(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/contacts.sqlite3")
    with app.app_context():
        upgrade(revision="0009")
        db.session.execute(text(
            "INSERT INTO clients (id, type, name, name_key, match_key, search_text, created_at, "
            "updated_at, version) VALUES (7, 'company', 'Acme', 'acme', 'acme', 'acme', "
            "'2026-01-01', '2026-01-01', 1)"))
        db.session.execute(text(
            "INSERT INTO events (id, at, kind, client_id, data) "
            "VALUES (1, '2026-01-01', 'client.created', 7, '{}')"))
        db.session.commit()

        upgrade(revision="0010")
        assert db.session.execute(text(
            "SELECT contact_words, last_interaction_at FROM clients")).one() == ("", None)
        assert db.session.execute(text("SELECT kind, client_id, contact_id FROM events")
                                  ).one() == ("client.created", 7, None)
        db.session.execute(text(
            "INSERT INTO contacts (id, client_id, first_name, last_name, is_primary, "
            "created_at, updated_at, version) VALUES (3, 7, 'Jean', 'Dupont', 1, "
            "'2026-01-02', '2026-01-02', 1)"))
        db.session.execute(text(
            "INSERT INTO events (id, at, kind, client_id, data, contact_id, summary) "
            "VALUES (2, '2026-01-03', 'interaction.call', 7, '{}', 3, 'Called')"))
        db.session.execute(text("UPDATE clients SET search_text = 'acme dupont' WHERE id = 7"))
        db.session.commit()
        assert db.session.execute(text(
            "SELECT rowid FROM clients_fts WHERE clients_fts MATCH 'dupont'")).scalar() == 7
        # A second primary contact for the client is refused by the database itself.
        try:
            with db.session.begin_nested():
                db.session.execute(text(
                    "INSERT INTO contacts (client_id, first_name, last_name, is_primary, "
                    "created_at, updated_at, version) VALUES (7, 'A', 'B', 1, "
                    "'2026-01-02', '2026-01-02', 1)"))
            raise AssertionError("two primary contacts")
        except Exception as exc:  # IntegrityError
            assert "UNIQUE" in str(exc).upper()
        # Removing the contact keeps the interaction, without it.
        db.session.execute(text("DELETE FROM contacts WHERE id = 3"))
        assert db.session.execute(text("SELECT contact_id FROM events WHERE id = 2")
                                  ).scalar() is None
        db.session.commit()

        downgrade(revision="0009")
        assert "contacts" not in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT name FROM clients")).scalar() == "Acme"
        assert db.session.execute(text("SELECT count(*) FROM events")).scalar() == 2
        names = set(db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        assert TRIGGERS <= names
        assert db.session.execute(text(
            "SELECT rowid FROM clients_fts WHERE clients_fts MATCH 'dupont'")).scalar() == 7
        upgrade(revision="0010")
        assert db.session.execute(text("SELECT count(*) FROM events")).scalar() == 2
