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
import os
import random
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402  (bench/ is on the path: scripts run from it)

MONTH = date(2028, 6, 1)
IN_MONTH = 2000
BUDGETS_MS = {"month": 50, "month, one client": 50, "week": 50, "busiest day": 50}


def fill(app, others: int) -> None:
    from clientapp.clients.models import Client
    from clientapp.db import search
    from clientapp.extensions import db
    from clientapp.projects.models import Project
    from clientapp.staff.models import StaffMember

    rng = random.Random(10)
    with app.app_context():
        measure.insert_rows(Client, (measure.client_row(name=f"Client {i:03d}", type="company",
                                                        version=1) for i in range(500)))
        db.session.add(StaffMember(name="Sam"))
        db.session.commit()
        names = dict(db.session.execute(db.select(Client.id, Client.name)).all())

        def project(name, start, days, client_id):
            return {"name": name, "client_id": client_id, "start_date": start,
                    "end_date": start + timedelta(days=days - 1), "location": "Hall",
                    "version": 1, "name_key": name.lower(),
                    "search_text": search.search_text(name, "Hall", names[client_id])}

        def rows():
            for i in range(IN_MONTH):
                yield project(f"June project {i}", MONTH + timedelta(days=rng.randrange(30)),
                              rng.randint(1, 5), rng.randint(1, 500))
            span = (date(2040, 12, 31) - date(2000, 1, 1)).days
            for i in range(others):
                start = date(2000, 1, 1) + timedelta(days=rng.randrange(span))
                if date(2028, 5, 1) <= start <= date(2028, 7, 31):
                    start = start.replace(year=2030)
                yield project(f"Other project {i}", start, rng.randint(1, 5),
                              rng.randint(1, 500))

        measure.insert_rows(Project, rows())
        db.session.commit()


def build(url: str, others: int) -> None:
    app = measure.schema(url)
    fill(app, others)
    measure.analyze(app)


def run(others: int, runs: int, rounds: int, server: str | None) -> dict:
    with measure.prepared(server, build, others) as bench:
        base = f"/calendar?year={MONTH.year}&month={MONTH.month}"
        pages = {"month": base, "month, one client": base + "&client=7",
                 "week": base + "&view=week&day=14", "busiest day": base + "&view=day&day=15"}
        return {label: measure.median_ms(bench.call, path, runs=runs, rounds=rounds, warm=5)
                for label, path in pages.items()}


def main(argv=None) -> None:
    parser = measure.parser(__doc__.splitlines()[0], runs=30, rounds=3)
    parser.add_argument("--others", type=int, default=50_000,
                        help="projects in other months (default 50,000)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    figures = run(args.others, args.runs, args.rounds, args.postgresql)
    print(f"Calendar, median server time per request, "
          f"{measure.engine_name(args.postgresql)}: {IN_MONTH:,} projects in "
          f"{MONTH:%B %Y}, {args.others:,} in other months (best of {args.rounds} rounds of "
          f"{args.runs}; {time.perf_counter() - began:.0f} s in all)")
    measure.print_figures(figures, BUDGETS_MS, width=20)


if __name__ == "__main__":
    main()
