"""The search index at head: every searchable table has its index (and on SQLite its three
triggers) and keeps it current; search compares words the way people type them; the
migration that brought words in keeps every client findable."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from clientapp.clients.models import Client
from clientapp.clients.services import client_params, count_clients, list_page
from clientapp.db import search
from clientapp.extensions import db

from .factories import add_client
from .html import find


def searchable_tables():
    return sorted(search.SEARCHABLE)


def test_every_searchable_model_registers_its_table():
    assert "clients" in searchable_tables()


@pytest.mark.parametrize("table", searchable_tables())
def test_every_searchable_table_has_its_index_and_triggers(app, table):
    index = search.SEARCHABLE[table]
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            names = set(db.session.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": table}).scalars())
            assert set(index.triggers) <= names
            assert db.session.execute(text(
                "SELECT count(*) FROM sqlite_master WHERE name = :n"), {"n": index.fts}).scalar()
        else:
            indexes = {i["name"] for i in inspect(db.engine).get_indexes(table)}
            assert index.trigram_index in indexes


def _found(app, model, q) -> list:
    with app.app_context():
        query = search.matching(select(getattr(model, "id")), model, q)
        return db.session.scalars(query).all()


def test_a_row_is_found_after_insert_and_update_and_not_after_delete(app):
    """Through the index as the triggers (SQLite) or the trigram index (PostgreSQL) keep it."""
    client_id = add_client(app, name="Quetzalcoatl Voyages")
    assert _found(app, Client, "quetzal") == [client_id]
    with app.app_context():
        db.session.get(Client, client_id).name = "Tlaloc Voyages"
        db.session.commit()
    assert _found(app, Client, "quetzal") == []
    assert _found(app, Client, "tlaloc") == [client_id]
    with app.app_context():
        db.session.delete(db.session.get(Client, client_id))
        db.session.commit()
    assert _found(app, Client, "tlaloc") == []


@pytest.mark.parametrize("typed,stored", [
    ("champs elysees", "Champs-Élysées Events"),
    ("saint eloi", "Clinique Saint-Éloi"),
    ("cote d azur", "Côte d'Azur Traiteur"),
    ("cote d'azur", "Côte d’Azur Traiteur"),
    ("oeuvre", "L'Œuvre Collective"),
    ("fetes generale", "Société Générale des Fêtes"),
    ("strasse", "Hauptstraße GmbH"),
    ("ab 12", "Code AB-12"),
])
def test_search_folds_punctuation_ligatures_and_takes_words_in_any_order(app, typed, stored):
    wanted = add_client(app, name=stored)
    add_client(app, name="Someone Else Entirely")
    assert _found(app, Client, typed) == [wanted]


def test_every_word_must_match(app):
    add_client(app, name="Société Générale des Fêtes")
    assert _found(app, Client, "fetes generale banque") == []


def test_a_short_word_narrows_what_the_index_found(app):
    keep = add_client(app, name="Cote d'Azur")
    add_client(app, name="Cote Bleue")
    assert _found(app, Client, "cote d") == [keep]
    assert _found(app, Client, "d") == [keep]


def test_search_keys_are_one_line_per_field():
    assert search.search_text("Acme, Inc.", "AB-1", "1 rue de l'Église\nParis", None) \
        == "acme inc\nab 1\n1 rue de l eglise paris\nleglise"
    assert search.words("  Côte-d’Azur  côte ") == ["cote", "d", "azur"]


@pytest.mark.parametrize("typed", ["loreal", "l'oreal", "l’oréal", "l oreal", "oreal",
                                   "LOREAL evenements", "evenements loreal"])
def test_a_word_with_an_apostrophe_is_found_joined_or_split(app, admin_client, typed):
    """Clients and projects: "loreal" finds "L'Oréal Événements" as "l'oreal" does."""
    from .factories import add_project

    wanted = add_client(app, name="L’Oréal Événements")
    add_client(app, name="Oreo Loisirs")
    project = add_project(app, None, name="Salon L'Oréal")
    add_project(app, None, name="Salon Oreo")
    clients = admin_client.get("/clients", query_string={"q": typed})
    assert [a.attributes["href"] for a in find(clients, "tbody th a")] == [f"/clients/{wanted}"]
    if "evenements" not in typed:
        projects = admin_client.get("/projects", query_string={"q": typed})
        assert [a.attributes["href"] for a in find(projects, "tbody th a")] \
            == [f"/projects/{project}"]


def test_migration_0016_writes_joined_words_for_every_searchable_table(make_app, tmp_path):
    """Rows written before 0016 (no joined words) are found by "loreal" after it: clients
    (their contacts' words too), projects (their client's name too) and staff; the FTS
    index follows; rows without an apostrophe are left as they were."""
    assert set(search.SEARCHABLE) == {"clients", "projects", "staff"}
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/m16.sqlite3")
    with app.app_context():
        upgrade(revision="0015")
        now = "'2026-01-01', '2026-01-01', 1"
        db.session.execute(text(
            "INSERT INTO clients (id, type, name, name_key, match_key, search_text, "
            f"created_at, updated_at, version) VALUES (4, 'company', 'L''Oréal', 'l''oreal', "
            f"'l oreal', 'l oreal', {now}), (5, 'company', 'Acme', 'acme', 'acme', 'acme', "
            f"{now})"))
        db.session.execute(text(
            "INSERT INTO contacts (id, client_id, first_name, last_name, is_primary, "
            f"created_at, updated_at, version) VALUES (1, 5, 'Sean', 'O''Neill', 1, {now})"))
        db.session.execute(text("UPDATE clients SET contact_words = 'sean\no neill', "
                                "search_text = 'acme\nsean o neill' WHERE id = 5"))
        db.session.execute(text(
            "INSERT INTO projects (id, name, client_id, name_key, search_text, created_at, "
            f"updated_at, version) VALUES (6, 'Gala', 4, 'gala', 'gala\nl oreal', {now})"))
        db.session.execute(text(
            "INSERT INTO staff (id, name, active, name_key, search_text, created_at, "
            f"updated_at, version) VALUES (7, 'Zoé D’Arc', 1, 'zoe d''arc', 'zoe d arc', {now})"))
        db.session.commit()
        upgrade(revision="0016")

        def found(table, word):
            return db.session.execute(text(
                f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :w ORDER BY rowid"),
                {"w": f'"{word}"'}).scalars().all()

        assert found("clients", "loreal") == [4] and found("clients", "oneill") == [5]
        assert found("projects", "loreal") == [6] and found("staff", "darc") == [7]
        assert found("clients", "oreal") == [4]
        assert db.session.execute(text("SELECT contact_words, version FROM clients WHERE id = 5")
                                  ).one() == ("sean\no neill\noneill", 1)
        triggers = set(db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        for index in search.SEARCHABLE.values():
            assert set(index.triggers) <= triggers
        downgrade(revision="0015")
        assert found("clients", "loreal") == [4]
        db.session.remove()
        db.engine.dispose()


def test_migration_0004_keeps_clients_and_their_import(make_app, tmp_path):
    """From 0003, with a client a done import created (recorded by id range): 0004 records
    the import on the client, makes ids never reused, and rebuilds the search text by words;
    down again, the ranges come back."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/m4.sqlite3")
    with app.app_context():
        upgrade(revision="0003")
        db.session.execute(text(
            "INSERT INTO import_jobs (id, state, mode, filename, kind, headers, mapping, "
            "preview, total_rows, new_count, update_count, same_count, error_count, "
            "warning_count, skip_count, done_rows, created_count, updated_count, "
            "unchanged_count, created_ids, created_at) VALUES (3, 'done', 'create', 'a.csv', "
            "'csv', '[]', '{\"name\": 0}', '[]', 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, '[[7, 8]]', "
            "'2026-01-01')"))
        for client_id, name in ((7, "Champs-Élysées"), (8, "Œuvre"), (9, "By hand")):
            db.session.execute(text(
                "INSERT INTO clients (id, type, name, name_key, match_key, search_text, "
                "created_at, updated_at, version) VALUES (:id, 'company', :name, '', '', "
                "'', '2026-01-01', '2026-01-01', 1)"), {"id": client_id, "name": name})
        db.session.commit()
        upgrade()
        assert db.session.execute(text(
            "SELECT id, import_job_id FROM clients ORDER BY id")).all() == [(7, 3), (8, 3),
                                                                            (9, None)]
        assert count_clients(client_params(q="champs elysees")) == 1
        assert [c.id for c in list_page(client_params(q="oeuvre")).items] == [8]
        for table in ("clients", "import_jobs"):
            assert "AUTOINCREMENT" in db.session.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
        triggers = set(db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        assert set(search.SEARCHABLE["clients"].triggers) <= triggers
        db.session.execute(text("DELETE FROM clients WHERE id = 9"))
        db.session.commit()
        add_client(app, name="After")
        assert db.session.execute(text("SELECT max(id) FROM clients")).scalar() == 10
        db.session.remove()
        downgrade(revision="0003")
        assert db.session.execute(text(
            "SELECT created_ids FROM import_jobs WHERE id = 3")).scalar() == "[[7, 8]]"
