"""The timeline's speed: median server time of a profile whose client has 10,000 timeline
entries, of each "Load more", and of the dashboard (its "Needs attention") at 100,000
clients.

    .venv/bin/python bench/bench_timeline.py
    .venv/bin/python bench/bench_timeline.py --clients 20000 --entries 5000 --runs 50
    .venv/bin/python bench/bench_timeline.py --postgresql postgresql+psycopg://postgres@127.0.0.1/postgres

It builds a fresh database through the migrations (bench_clients.fill for the clients, one
in three never interacted with, the others last interacted with over the past year), gives
one client `--entries` timeline entries (logged interactions and app events, some at equal
times), signs in an administrator and calls the app through WSGI, as bench_clients does.
Budgets come from issue 13; the figures are printed, never asserted.
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

from bench_clients import database, fill, wsgi_timer  # noqa: E402
from signin import session_cookie  # noqa: E402

BUDGETS_MS = {"profile with the timeline": 15, "Load more": 10, "dashboard": 30}
KINDS = ("interaction.note", "interaction.call", "interaction.email", "interaction.meeting",
         "client.edited", "contact.added")


def build(url: str, clients: int, entries: int) -> None:
    import logging

    from sqlalchemy import insert, select, update

    from clientapp import create_app
    from clientapp.activity import Event
    from clientapp.clients.models import Client
    from clientapp.extensions import db
    from clientapp.schema import upgrade_schema

    logging.basicConfig(level=logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    upgrade_schema(app)
    fill(app, clients)
    rng = random.Random(clients)
    now = datetime.now(timezone.utc)
    with app.app_context():
        table = Client.__table__
        ids = db.session.scalars(select(Client.id).order_by(Client.id)).all()
        changes = [{"b_id": i, "b_at": now - timedelta(days=rng.randint(0, 365))}
                   for i in ids if i % 3]
        from sqlalchemy import bindparam

        for first in range(0, len(changes), 5000):
            db.session.execute(update(table).where(table.c.id == bindparam("b_id"))
                               .values(last_interaction_at=bindparam("b_at")),
                               changes[first:first + 5000])
        busy = ids[-1]
        rows = []
        at = now - timedelta(days=3 * 365)
        for n in range(entries):
            if n % 7:  # every seventh entry at the same time as the one before
                at += timedelta(minutes=rng.randint(1, 300))
            kind = rng.choice(KINDS)
            logged = kind.startswith("interaction.")
            rows.append({"client_id": busy, "kind": kind, "at": at, "actor_id": None,
                         "data": {} if logged else {"changes": {"phone": ["01", "02"]}},
                         "summary": f"Entry {n}" if logged else None,
                         "details": "A few lines\nof details" if logged else None})
        for first in range(0, len(rows), 5000):
            db.session.execute(insert(Event), rows[first:first + 5000])
        db.session.commit()
        # Statistics for the planner; on PostgreSQL a VACUUM too, as autovacuum would have
        # run after the update of every client's last interaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql"
                                 else "ANALYZE")
        db.engine.dispose()


def median_ms(call, path, runs, rounds, htmx=False) -> float:
    for _ in range(10):
        call(path, htmx)
    return min(statistics.median(call(path, htmx) for _ in range(runs))
               for _ in range(rounds)) * 1000


def main(argv=None) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100, help="requests per round (median)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page (the best)")
    parser.add_argument("--postgresql", metavar="URL", default=None)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.clients.models import Client
    from clientapp.extensions import db
    from clientapp.interactions.timeline import client_timeline

    with tempfile.TemporaryDirectory() as folder, database(folder, args.postgresql) as url:
        os.environ["CLIENTAPP_INSTANCE_PATH"] = folder
        began = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(
            target=build, args=(url, args.clients, args.entries))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit("building the database failed")
        filled = time.perf_counter() - began
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CLIENTAPP_ARGON2_TIME_COST": 1, "CLIENTAPP_ARGON2_MEMORY_KIB": 1024})
        with app.app_context():
            user_id = create_user("Bench", "bench@example.com", "bench password 1", "admin").id
            db.session.commit()
            busy = db.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1))
            # Cursors at the top, in the middle and near the end of the timeline.
            cursors, before, seen = [], None, 0
            while True:
                entries, before = client_timeline(busy, before=before, size=500)
                seen += len(entries)
                if before is None:
                    break
                if seen in (500, args.entries // 2, args.entries - 1000) or not cursors:
                    cursors.append(str(before))
        call = wsgi_timer(app, session_cookie(app, user_id))
        figures = {
            "profile with the timeline": median_ms(call, f"/clients/{busy}", args.runs,
                                                   args.rounds),
            "Load more": max(median_ms(call, f"/clients/{busy}/interactions/more?before={c}",
                                       args.runs, args.rounds, htmx=True) for c in cursors),
            "dashboard": median_ms(call, "/", args.runs, args.rounds),
        }
        with app.app_context():
            db.engine.dispose()
    print(f"Median server time per request, {'PostgreSQL' if args.postgresql else 'SQLite'}, "
          f"{args.clients:,} clients, one with {args.entries:,} timeline entries "
          f"(best of {args.rounds} rounds of {args.runs}; filled in {filled:.1f} s)")
    for label, budget in BUDGETS_MS.items():
        ms = figures[label]
        print(f"  {label:<28} {ms:>8.2f} ms   budget {budget} ms{'  over!' if ms > budget else ''}")
    print("  (Load more: the slowest of pages taken at the top, middle and end of the timeline;"
          " dashboard: the whole page, Needs attention and latest interactions included)")


if __name__ == "__main__":
    main()
