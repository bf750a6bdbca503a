"""The calendar's speed: median server time of a month holding 2,000 projects.

    .venv/bin/python bench/bench_calendar.py
    .venv/bin/python bench/bench_calendar.py --others 200000      more projects in other years
    .venv/bin/python bench/bench_calendar.py --postgresql postgresql+psycopg://postgres@127.0.0.1/postgres

It builds a fresh database through the migrations (SQLite in a temporary folder, or a
database of its own on the PostgreSQL server given, dropped afterwards) with 500 clients,
2,000 projects in June 2028 (one to five days long, a few spanning into July) and, around
them, projects spread over 2000–2040 (--others, 50,000 by default: the month's query must
not read them); signs in an administrator and calls the app through WSGI, so the figure is
the server's own time. The budget comes from issue 10; figures are printed, never asserted.
"""
import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench_clients import database, wsgi_timer  # noqa: E402
from signin import session_cookie  # noqa: E402

MONTH = date(2028, 6, 1)
IN_MONTH = 2000
BUDGETS_MS = {"month": 50, "month, one client": 50, "week": 50, "busiest day": 50}


def fill(app, others: int) -> None:
    from sqlalchemy import insert

    from clientapp.clients.models import Client
    from clientapp.db import search
    from clientapp.extensions import db
    from clientapp.projects.models import Project
    from clientapp.staff.models import StaffMember

    rng = random.Random(10)
    with app.app_context():
        clients = []
        for i in range(500):
            client = Client(name=f"Client {i:03d}", type="company")
            client.refresh_keys()
            clients.append({c: getattr(client, c) for c in
                            ("name", "type", "name_key", "code_key", "match_key",
                             "search_text")} | {"version": 1})
        db.session.execute(insert(Client), clients)
        db.session.add(StaffMember(name="Sam"))
        db.session.commit()
        names = {i + 1: c["name"] for i, c in enumerate(clients)}
        batch = []

        def add(name, start, days, client_id):
            batch.append({"name": name, "client_id": client_id, "start_date": start,
                          "end_date": start + timedelta(days=days - 1), "location": "Hall",
                          "version": 1, "name_key": name.lower(),
                          "search_text": search.search_text(name, "Hall", names[client_id])})
            if len(batch) == 5000:
                db.session.execute(insert(Project), batch)
                batch.clear()

        for i in range(IN_MONTH):
            add(f"June project {i}", MONTH + timedelta(days=rng.randrange(30)),
                rng.randint(1, 5), rng.randint(1, 500))
        span = (date(2040, 12, 31) - date(2000, 1, 1)).days
        for i in range(others):
            start = date(2000, 1, 1) + timedelta(days=rng.randrange(span))
            if date(2028, 5, 1) <= start <= date(2028, 7, 31):
                start = start.replace(year=2030)
            add(f"Other project {i}", start, rng.randint(1, 5), rng.randint(1, 500))
        if batch:
            db.session.execute(insert(Project), batch)
        db.session.commit()


def build(url: str, others: int) -> None:
    import logging

    from clientapp import create_app
    from clientapp.extensions import db
    from clientapp.schema import upgrade_schema

    logging.basicConfig(level=logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    upgrade_schema(app)
    fill(app, others)
    with app.app_context():
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


def run(others: int, runs: int, rounds: int, server: str | None) -> dict:
    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.extensions import db

    with tempfile.TemporaryDirectory() as folder, database(folder, server) as url:
        os.environ["CLIENTAPP_INSTANCE_PATH"] = folder
        child = multiprocessing.get_context("fork").Process(target=build, args=(url, others))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit("building the projects failed")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CLIENTAPP_ARGON2_TIME_COST": 1, "CLIENTAPP_ARGON2_MEMORY_KIB": 1024})
        with app.app_context():
            user_id = create_user("Bench", "bench@example.com", "bench password 1", "admin").id
            db.session.commit()
        call = wsgi_timer(app, session_cookie(app, user_id))
        base = f"/calendar?year={MONTH.year}&month={MONTH.month}"
        pages = {"month": base, "month, one client": base + "&client=7",
                 "week": base + "&view=week&day=14", "busiest day": base + "&view=day&day=15"}
        figures = {}
        for label, path in pages.items():
            for _ in range(5):
                call(path)
            figures[label] = min(statistics.median(call(path) for _ in range(runs))
                                 for _ in range(rounds)) * 1000
        with app.app_context():
            db.engine.dispose()
    return figures


def main(argv=None) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", type=int, default=50_000,
                        help="projects in other months (default 50,000)")
    parser.add_argument("--runs", type=int, default=30, help="requests per round (median)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per page (the best)")
    parser.add_argument("--postgresql", metavar="URL", default=None,
                        help="a PostgreSQL server URL: bench there instead of SQLite")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    figures = run(args.others, args.runs, args.rounds, args.postgresql)
    print(f"Calendar, median server time per request, "
          f"{'PostgreSQL' if args.postgresql else 'SQLite'}: {IN_MONTH:,} projects in "
          f"{MONTH:%B %Y}, {args.others:,} in other months (best of {args.rounds} rounds of "
          f"{args.runs}; {time.perf_counter() - began:.0f} s in all)")
    for label, budget in BUDGETS_MS.items():
        ms = figures[label]
        print(f"  {label:<20} {ms:8.2f} ms   budget {budget} ms{'  ! over' if ms > budget else ''}")


if __name__ == "__main__":
    main()
