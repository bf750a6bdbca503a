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
import os
import random
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402  (bench/ is on the path: scripts run from it)
from bench_clients import TOWNS, WORDS  # noqa: E402

BUDGETS_MS = {"list page 1": 8, "list page 20": 8, "search (~1 %)": 15, "upcoming": 8,
              "ongoing": 8, "past": 8, "profile, 500 projects": 15}
POSTGRESQL_BUDGETS_MS = {**BUDGETS_MS, "search (~1 %)": 30}
CLIENTS = 5_000
BIG_CLIENT_PROJECTS = 500
KINDS = ("Gala", "Salon", "Séminaire", "Festival", "Conférence", "Dîner", "Lancement", "Forum")


def fill(app, count: int) -> None:
    from clientapp.clients.models import Client
    from clientapp.db import search
    from clientapp.extensions import db
    from clientapp.projects.models import Project
    from clientapp.text import fold

    rng = random.Random(count)
    now = datetime.now(timezone.utc)
    with app.app_context():
        measure.insert_rows(Client, (
            measure.client_row(type="company", name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                               created_at=now, updated_at=now, version=1)
            for i in range(CLIENTS)))
        names = dict(db.session.execute(db.select(Client.id, Client.name)).all())
        ids = sorted(names)
        big = ids[-1]  # the profile's client: its 500 projects come first
        # Ten years of an agency's work up to a year ahead of today.
        last_day = now.date() + timedelta(days=365)
        first_day = last_day - timedelta(days=11 * 365)
        span = (last_day - first_day).days

        def rows():
            for i in range(count):
                client_id = big if i < BIG_CLIENT_PROJECTS else (
                    rng.choice(ids) if rng.random() < 0.9 else None)
                start = first_day + timedelta(days=rng.randrange(span))
                end = start + timedelta(days=rng.choice((0, 0, 1, 2, 3)))
                name = f"{rng.choice(KINDS)} {rng.choice(WORDS)} {i}"
                location = (f"{rng.randint(1, 300)} rue {rng.choice(WORDS)}, "
                            f"{TOWNS[i % len(TOWNS)]}")
                yield {
                    "name": name, "client_id": client_id, "start_date": start,
                    "end_date": end, "start_time": None, "end_time": None,
                    "location": location, "notes": None,
                    "archived_at": now if i % 20 == 0 else None, "created_at": now,
                    "updated_at": now, "version": 1, "name_key": fold(name)[:200],
                    "search_text": search.search_text(name, location, names.get(client_id))}

        measure.insert_rows(Project, rows())
        db.session.commit()


def build(url: str, count: int) -> None:
    app = measure.schema(url)
    fill(app, count)
    measure.analyze(app)


def bench_size(count: int, runs: int, rounds: int, server: str | None = None) -> dict:
    from sqlalchemy import func, select

    from clientapp.extensions import db
    from clientapp.projects import services
    from clientapp.projects.models import Project

    with measure.prepared(server, build, count) as bench:
        with bench.app.app_context():
            town = TOWNS[7].lower()
            day = services.today()
            counts = services.tab_counts(services.project_params(), day)
            matches = services.tab_counts(services.project_params(q=town), day)["all"]
            big = db.session.scalar(select(Project.client_id).where(Project.client_id.is_not(None))
                                    .group_by(Project.client_id)
                                    .order_by(func.count().desc()).limit(1))
        pages = {
            "list page 1": "/projects",
            "list page 20": "/projects?page=20",
            "search (~1 %)": f"/projects?q={town}",
            "upcoming": "/projects?when=upcoming",
            "ongoing": "/projects?when=ongoing",
            "past": "/projects?when=past",
            "profile, 500 projects": f"/clients/{big}",
        }
        figures = {label: measure.median_ms(bench.call, path, runs=runs, rounds=rounds)
                   for label, path in pages.items()}
    return {"count": count, "counts": counts, "matches": matches, "town": town,
            "filled": bench.filled, "figures": figures}


def main(argv=None) -> None:
    parser = measure.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    args = parser.parse_args(argv)
    budgets = POSTGRESQL_BUDGETS_MS if args.postgresql else BUDGETS_MS
    print(f"Median server time per request, {measure.engine_name(args.postgresql)}, "
          f"signed in as an administrator (best of {args.rounds} rounds of {args.runs})")
    for count in args.sizes:
        result = bench_size(count, args.runs, args.rounds, args.postgresql)
        print(f"{count:,} projects (filled in {result['filled']:.1f} s); tabs: "
              + ", ".join(f"{k} {v:,}" for k, v in result["counts"].items())
              + f"; the search for “{result['town']}” finds {result['matches']:,}")
        measure.print_figures(result["figures"], budgets, width=24)


if __name__ == "__main__":
    main()
