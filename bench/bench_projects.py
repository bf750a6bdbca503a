"""The projects list's speed, and a client profile with 500 projects: median server times.

    .venv/bin/python bench/bench_projects.py                 100,000 projects
    .venv/bin/python bench/bench_projects.py 10000 100000    those sizes
    .venv/bin/python bench/bench_projects.py --postgresql postgresql+psycopg://postgres@127.0.0.1/postgres

As bench_clients.py does (whose helpers it uses): a fresh database through the migrations,
filled in a child process (5,000 clients, the projects spread over the ten years up to
today and the year ahead, lasting one to four days,
one in twenty archived, nine in ten for a client, the locations over a hundred towns, and one
client with 500 projects), an administrator, and the app called through WSGI. Budgets are
the client list's (issue 3) and issue 10's profile budget; printed, never asserted.
"""
import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_clients import TOWNS, WORDS, database, wsgi_timer  # noqa: E402
from signin import session_cookie  # noqa: E402

BUDGETS_MS = {"list page 1": 8, "list page 20": 8, "search (~1 %)": 15, "upcoming": 8,
              "ongoing": 8, "past": 8, "profile, 500 projects": 15}
POSTGRESQL_BUDGETS_MS = {**BUDGETS_MS, "search (~1 %)": 30}
CLIENTS = 5_000
BIG_CLIENT_PROJECTS = 500
KINDS = ("Gala", "Salon", "Séminaire", "Festival", "Conférence", "Dîner", "Lancement", "Forum")


def fill(app, count: int) -> None:
    from sqlalchemy import insert

    from clientapp.clients.models import Client
    from clientapp.db import search
    from clientapp.extensions import db
    from clientapp.projects.models import Project
    from clientapp.text import fold

    rng = random.Random(count)
    now = datetime.now(timezone.utc)
    with app.app_context():
        rows = []
        for i in range(CLIENTS):
            client = Client(type="company", name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                            created_at=now, updated_at=now, version=1)
            client.refresh_keys()
            rows.append({c: getattr(client, c) for c in ("type", "name", "created_at",
                                                         "updated_at", "version", "name_key",
                                                         "code_key", "match_key",
                                                         "search_text")})
        db.session.execute(insert(Client), rows)
        names = dict(db.session.execute(db.select(Client.id, Client.name)).all())
        ids = sorted(names)
        big = ids[-1]  # the profile's client: its 500 projects come first
        # Ten years of an agency's work up to a year ahead of today.
        last_day = now.date() + timedelta(days=365)
        first_day = last_day - timedelta(days=11 * 365)
        span = (last_day - first_day).days
        batch = []
        for i in range(count):
            client_id = big if i < BIG_CLIENT_PROJECTS else (
                rng.choice(ids) if rng.random() < 0.9 else None)
            start = first_day + timedelta(days=rng.randrange(span))
            end = start + timedelta(days=rng.choice((0, 0, 1, 2, 3)))
            name = f"{rng.choice(KINDS)} {rng.choice(WORDS)} {i}"
            location = f"{rng.randint(1, 300)} rue {rng.choice(WORDS)}, {TOWNS[i % len(TOWNS)]}"
            batch.append({
                "name": name, "client_id": client_id, "start_date": start, "end_date": end,
                "start_time": None, "end_time": None, "location": location, "notes": None,
                "archived_at": now if i % 20 == 0 else None, "created_at": now,
                "updated_at": now, "version": 1, "name_key": fold(name)[:200],
                "search_text": search.search_text(name, location, names.get(client_id))})
            if len(batch) == 5000:
                db.session.execute(insert(Project), batch)
                batch = []
        if batch:
            db.session.execute(insert(Project), batch)
        db.session.commit()


def build(url: str, count: int) -> None:
    import logging

    from clientapp import create_app
    from clientapp.extensions import db
    from clientapp.schema import upgrade_schema

    logging.basicConfig(level=logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    upgrade_schema(app)
    fill(app, count)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # As autovacuum leaves a live database: statistics, and the visibility map that
            # lets a count read an index alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(db.text("VACUUM ANALYZE"))
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()


def bench_size(count: int, runs: int, rounds: int, server: str | None = None) -> dict:
    from sqlalchemy import func, select

    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.extensions import db
    from clientapp.projects import services
    from clientapp.projects.models import Project

    with tempfile.TemporaryDirectory() as folder, database(folder, server) as url:
        os.environ["CLIENTAPP_INSTANCE_PATH"] = folder
        began = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(target=build, args=(url, count))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit(f"building the {count:,} projects failed")
        filled = time.perf_counter() - began
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CLIENTAPP_ARGON2_TIME_COST": 1, "CLIENTAPP_ARGON2_MEMORY_KIB": 1024})
        with app.app_context():
            user_id = create_user("Bench", "bench@example.com", "bench password 1", "admin").id
            db.session.commit()
            town = TOWNS[7].lower()
            day = services.today()
            counts = services.tab_counts(services.project_params(), day)
            matches = services.tab_counts(services.project_params(q=town), day)["all"]
            big = db.session.scalar(select(Project.client_id).where(Project.client_id.is_not(None))
                                    .group_by(Project.client_id)
                                    .order_by(func.count().desc()).limit(1))
        call = wsgi_timer(app, session_cookie(app, user_id))
        pages = {
            "list page 1": "/projects",
            "list page 20": "/projects?page=20",
            "search (~1 %)": f"/projects?q={town}",
            "upcoming": "/projects?when=upcoming",
            "ongoing": "/projects?when=ongoing",
            "past": "/projects?when=past",
            "profile, 500 projects": f"/clients/{big}",
        }
        figures = {}
        for label, path in pages.items():
            for _ in range(10):
                call(path)
            figures[label] = min(statistics.median(call(path) for _ in range(runs))
                                 for _ in range(rounds)) * 1000
        with app.app_context():
            db.engine.dispose()
    return {"count": count, "counts": counts, "matches": matches, "town": town,
            "filled": filled, "figures": figures}


def main(argv=None) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--runs", type=int, default=100, help="requests per round (median)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page (the best)")
    parser.add_argument("--postgresql", metavar="URL", default=None,
                        help="a PostgreSQL server URL: bench there instead of SQLite")
    args = parser.parse_args(argv)
    budgets = POSTGRESQL_BUDGETS_MS if args.postgresql else BUDGETS_MS
    print(f"Median server time per request, {'PostgreSQL' if args.postgresql else 'SQLite'}, "
          f"signed in as an administrator (best of {args.rounds} rounds of {args.runs})")
    for count in args.sizes:
        result = bench_size(count, args.runs, args.rounds, args.postgresql)
        print(f"{count:,} projects (filled in {result['filled']:.1f} s); tabs: "
              + ", ".join(f"{k} {v:,}" for k, v in result["counts"].items())
              + f"; the search for “{result['town']}” finds {result['matches']:,}")
        for label, budget in budgets.items():
            ms = result["figures"][label]
            print(f"  {label:<24} {ms:>8.2f} ms   budget {budget:>3} ms{'  !' if ms > budget else ''}")
    print("! = over budget")


if __name__ == "__main__":
    main()
