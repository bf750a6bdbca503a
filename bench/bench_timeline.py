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
import os
import random
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402  (bench/ is on the path: scripts run from it)
from bench_clients import fill  # noqa: E402

BUDGETS_MS = {"profile with the timeline": 15, "Load more": 10, "dashboard": 30}
KINDS = ("interaction.note", "interaction.call", "interaction.email", "interaction.meeting",
         "client.edited", "contact.added")


def build(url: str, clients: int, entries: int) -> None:
    from sqlalchemy import select, update

    from clientapp.activity import Event
    from clientapp.clients.models import Client
    from clientapp.extensions import db

    app = measure.schema(url)
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
        measure.insert_rows(Event, rows)
        db.session.commit()
    # (analyze: on PostgreSQL a VACUUM too, as autovacuum would have run after the update of
    # every client's last interaction.)
    measure.analyze(app)


def main(argv=None) -> None:
    parser = measure.parser(__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from clientapp.clients.models import Client
    from clientapp.extensions import db
    from clientapp.interactions.timeline import client_timeline

    with measure.prepared(args.postgresql, build, args.clients, args.entries) as bench:
        with bench.app.app_context():
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
        timed = {"runs": args.runs, "rounds": args.rounds}
        figures = {
            "profile with the timeline": measure.median_ms(bench.call, f"/clients/{busy}",
                                                           **timed),
            "Load more": max(measure.median_ms(
                bench.call, f"/clients/{busy}/interactions/more?before={c}", htmx=True, **timed)
                for c in cursors),
            "dashboard": measure.median_ms(bench.call, "/", **timed),
        }
    print(f"Median server time per request, {measure.engine_name(args.postgresql)}, "
          f"{args.clients:,} clients, one with {args.entries:,} timeline entries "
          f"(best of {args.rounds} rounds of {args.runs}; filled in {bench.filled:.1f} s)")
    measure.print_figures(figures, BUDGETS_MS)
    print("  (Load more: the slowest of pages taken at the top, middle and end of the timeline;"
          " dashboard: the whole page, Needs attention and latest interactions included)")


if __name__ == "__main__":
    main()
