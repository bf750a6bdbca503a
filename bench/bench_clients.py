"""The client list's speed: median server time of the pages people wait for.

    .venv/bin/python bench/bench_clients.py                  1,000 / 10,000 / 100,000 clients
    .venv/bin/python bench/bench_clients.py 1000 10000       only those sizes
    .venv/bin/python bench/bench_clients.py --runs 200 1000  more requests per round
    .venv/bin/python bench/bench_clients.py --postgresql postgresql+psycopg://postgres@127.0.0.1/postgres

For each size it builds a fresh database through the migrations (SQLite in a temporary
folder, or a database of its own on the PostgreSQL server given, dropped afterwards), fills it with clients (one in twenty archived, addresses spread over a hundred
towns), signs in an administrator and calls the app directly through WSGI (no network, no
browser), so the figure is the server's own time: routing, queries, templates. Budgets
come from issue 3; the figures are printed, never asserted.
"""
import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BUDGETS_MS = {"list page 1": 8, "list sorted by name": 8, "search (~1 %)": 15, "profile": 8}
POSTGRESQL_BUDGETS_MS = {**BUDGETS_MS, "search (~1 %)": 30}
TOWNS = [f"{prefix}{suffix}" for prefix in ("Saint-", "Mont", "Belle", "Ville", "Port",
                                             "Val", "Roche", "Beau", "Clair", "Grand")
         for suffix in ("ville", "mont", "fort", "bourg", "lac", "rive", "champ", "pré",
                        "bois", "mer")]
WORDS = ("Alpha", "Nord", "Sud", "Atelier", "Maison", "Studio", "Groupe", "Conseil", "Bâti",
         "Événements", "Logistique", "Médias", "Santé", "Voyages", "Design", "Énergie")
SUFFIXES = ("", " SARL", " SAS", " Inc.", " Ltd", " GmbH", "")


def fill(app, count: int) -> None:
    """`count` clients written in batches, derived keys computed as the model does."""
    from sqlalchemy import insert

    from clientapp.clients.models import Client
    from clientapp.extensions import db

    rng = random.Random(count)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    columns = ("type", "name", "code", "address", "email", "phone", "archived_at",
               "archive_reason", "created_at", "updated_at", "version", "name_key", "code_key",
               "match_key", "search_text")
    with app.app_context():
        batch = []
        for i in range(count):
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}{rng.choice(SUFFIXES)}"
            town = TOWNS[i % len(TOWNS)]
            client = Client(
                type="company", name=name, code=f"C{i:06d}",
                address=f"{rng.randint(1, 300)} rue {rng.choice(WORDS)}\n{town}",
                email=f"contact{i}@example.com", phone="+33 1 23 45 67 89",
                archived_at=start if i % 20 == 0 else None, archive_reason=None,
                created_at=start + timedelta(minutes=i), updated_at=start, version=1)
            client.refresh_keys()
            batch.append({column: getattr(client, column) for column in columns})
            if len(batch) == 5000:
                db.session.execute(insert(Client), batch)
                batch = []
        if batch:
            db.session.execute(insert(Client), batch)
        db.session.commit()


def wsgi_timer(app, cookie: str):
    """A function that calls the app for a path and returns the seconds it took."""
    from werkzeug.test import EnvironBuilder

    def call(path: str) -> float:
        environ = EnvironBuilder(path=path, headers={"Cookie": cookie}).get_environ()
        status = []
        began = time.perf_counter()
        chunks = app(environ, lambda s, h, e=None: status.append(s))
        for _ in chunks:
            pass
        if hasattr(chunks, "close"):
            chunks.close()
        elapsed = time.perf_counter() - began
        if not status[0].startswith("200"):
            raise RuntimeError(f"{path} answered {status[0]}")
        return elapsed

    return call


def session_cookie(app, user_id: int) -> str:
    """The cookie of a session signed in as the app signs people in (a session row)."""
    from flask import session

    from clientapp.auth import sessions
    from clientapp.auth.models import User
    from clientapp.extensions import db

    client = app.test_client()
    with app.test_request_context():
        sessions.sign_in(db.session.get(User, user_id))
        db.session.commit()
        values = dict(session)
    with client.session_transaction() as sess:
        sess.update(values)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return f"{cookie.key}={cookie.value}"


def build(url: str, count: int) -> None:
    """The database: schema from the migrations, `count` clients, statistics for the planner.
    Runs in a child process, so the process that measures starts as small as a server."""
    import logging

    from clientapp import create_app
    from clientapp.extensions import db
    from clientapp.schema import upgrade_schema

    logging.basicConfig(level=logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    upgrade_schema(app)
    fill(app, count)
    with app.app_context():
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


@contextlib.contextmanager
def database(folder: str, server: str | None):
    """The URL of an empty database: a SQLite file in `folder`, or a new database on the
    PostgreSQL `server`, dropped afterwards."""
    if not server:
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server)
    name = f"clientapp_bench_{os.getpid()}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_size(count: int, runs: int, rounds: int, server: str | None = None) -> dict:
    import multiprocessing

    from sqlalchemy import func, select

    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.clients.models import Client
    from clientapp.clients.services import client_params, count_clients
    from clientapp.extensions import db

    with tempfile.TemporaryDirectory() as folder, database(folder, server) as url:
        os.environ["CLIENTAPP_INSTANCE_PATH"] = folder
        began = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(target=build, args=(url, count))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit(f"building the {count:,} clients failed")
        filled = time.perf_counter() - began
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CLIENTAPP_ARGON2_TIME_COST": 1, "CLIENTAPP_ARGON2_MEMORY_KIB": 1024})
        with app.app_context():
            user_id = create_user("Bench", "bench@example.com", "bench password 1", "admin").id
            db.session.commit()
            town = TOWNS[7].lower()
            matches = count_clients(client_params(q=town))
            active = db.session.scalar(select(func.count()).select_from(Client)
                                       .where(Client.archived_at.is_(None)))
            profile_id = db.session.scalar(select(Client.id).where(Client.archived_at.is_(None))
                                           .order_by(Client.id.desc()).limit(1))
        call = wsgi_timer(app, session_cookie(app, user_id))
        pages = {
            "list page 1": "/clients",
            "list sorted by name": "/clients?sort=-name",
            "search (~1 %)": f"/clients?q={town}",
            "profile": f"/clients/{profile_id}",
        }
        figures = {}
        for label, path in pages.items():
            for _ in range(10):  # warm the caches as a running server has them
                call(path)
            # The median of each round; the best round is reported, as timeit does, so
            # that another process busy on the machine for a while does not count.
            figures[label] = min(statistics.median(call(path) for _ in range(runs))
                                 for _ in range(rounds)) * 1000
        with app.app_context():
            db.engine.dispose()
    return {"count": count, "active": active, "matches": matches, "town": town,
            "filled": filled, "figures": figures}


def main(argv=None) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)  # no migration chatter between the figures
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=100, help="requests per round (median)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page (the best)")
    parser.add_argument("--postgresql", metavar="URL", default=None,
                        help="a PostgreSQL server URL: bench there instead of SQLite")
    args = parser.parse_args(argv)
    budgets = POSTGRESQL_BUDGETS_MS if args.postgresql else BUDGETS_MS
    print(f"Median server time per request, {'PostgreSQL' if args.postgresql else 'SQLite'}, "
          f"signed in as an administrator (best of {args.rounds} rounds of {args.runs})")
    print(f"{'clients':>9}  " + "  ".join(f"{label:>20}" for label in budgets))
    print(f"{'budget':>9}  " + "  ".join(f"{f'{ms} ms':>20}" for ms in budgets.values()))
    for count in args.sizes:
        result = bench_size(count, args.runs, args.rounds, args.postgresql)
        cells = []
        for label, budget in budgets.items():
            ms = result["figures"][label]
            cells.append(f"{ms:>14.2f} ms{' !' if ms > budget else '  '}  ")
        print(f"{count:>9,}  " + "".join(cells).rstrip())
        print(f"{'':>9}  ({result['active']:,} active; the search for "
              f"“{result['town']}” finds {result['matches']:,} active clients, "
              f"{result['matches'] / max(1, result['active']):.1%}; filled in "
              f"{result['filled']:.1f} s)")
    print("! = over budget")


if __name__ == "__main__":
    main()
