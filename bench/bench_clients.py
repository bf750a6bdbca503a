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
import os
import random
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402  (bench/ is on the path: scripts run from it)

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
    from clientapp.clients.models import Client
    from clientapp.extensions import db

    rng = random.Random(count)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)

    def rows():
        for i in range(count):
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}{rng.choice(SUFFIXES)}"
            town = TOWNS[i % len(TOWNS)]
            yield measure.client_row(
                type="company", name=name, code=f"C{i:06d}",
                address=f"{rng.randint(1, 300)} rue {rng.choice(WORDS)}\n{town}",
                email=f"contact{i}@example.com", phone="+33 1 23 45 67 89",
                archived_at=start if i % 20 == 0 else None, archive_reason=None,
                created_at=start + timedelta(minutes=i), updated_at=start, version=1)

    with app.app_context():
        measure.insert_rows(Client, rows())
        db.session.commit()


def build(url: str, count: int) -> None:
    """The database: schema from the migrations, `count` clients, statistics for the planner."""
    app = measure.schema(url)
    fill(app, count)
    measure.analyze(app)


def bench_size(count: int, runs: int, rounds: int, server: str | None = None) -> dict:
    from sqlalchemy import func, select

    from clientapp.clients.models import Client
    from clientapp.clients.services import client_params, count_clients
    from clientapp.extensions import db

    with measure.prepared(server, build, count) as bench:
        with bench.app.app_context():
            town = TOWNS[7].lower()
            matches = count_clients(client_params(q=town))
            active = db.session.scalar(select(func.count()).select_from(Client)
                                       .where(Client.archived_at.is_(None)))
            profile_id = db.session.scalar(select(Client.id).where(Client.archived_at.is_(None))
                                           .order_by(Client.id.desc()).limit(1))
        pages = {
            "list page 1": "/clients",
            "list sorted by name": "/clients?sort=-name",
            "search (~1 %)": f"/clients?q={town}",
            "profile": f"/clients/{profile_id}",
        }
        figures = {label: measure.median_ms(bench.call, path, runs=runs, rounds=rounds)
                   for label, path in pages.items()}
    return {"count": count, "active": active, "matches": matches, "town": town,
            "filled": bench.filled, "figures": figures}


def main(argv=None) -> None:
    parser = measure.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    args = parser.parse_args(argv)
    budgets = POSTGRESQL_BUDGETS_MS if args.postgresql else BUDGETS_MS
    print(f"Median server time per request, {measure.engine_name(args.postgresql)}, "
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
