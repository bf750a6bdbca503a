"""Project defaults (issue 11): a client profile with all five defaults and 200 documents,
and creating a project that inherits them: median server times.

    .venv/bin/python bench/bench_defaults.py
    .venv/bin/python bench/bench_defaults.py --postgresql postgresql+psycopg://postgres@127.0.0.1/postgres

A fresh database through the migrations (bench/measure.py), 1,000 clients, one of
them with a default location, notes, three field report templates, five excluded staff
members and 200 small documents (stored files on disk), an administrator, the app called
through WSGI. Creating posts the New project form (CSRF off for the bench) and so copies
the five defaults, the 200 documents as references to the same files. Printed, never
asserted.
"""
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402  (bench/ is on the path: scripts run from it)

BUDGETS_MS = {"profile, 5 defaults, 200 documents": 15, "create a project inheriting them": 30}
DOCUMENTS = 200
CLIENT = "Salle Pleyel SA"


def build(url: str) -> None:
    app = measure.schema(url)
    fill(app)
    measure.analyze(app)


def fill(app) -> None:
    from werkzeug.datastructures import FileStorage

    from clientapp.clients.models import Client
    from clientapp.defaults import services
    from clientapp.defaults.models import FieldReportTemplate
    from clientapp.extensions import db
    from clientapp.staff.models import StaffMember

    with app.app_context(), app.test_request_context():
        db.session.add_all(Client(name=f"Client {i}") for i in range(1000))
        client = Client(name=CLIENT)
        db.session.add(client)
        db.session.flush()
        templates = [FieldReportTemplate(name=f"Report {i}", questions=[
            {"text": "All good?", "type": "yes_no", "required": True, "options": []}])
            for i in range(3)]
        staff = [StaffMember(name=f"Staff {i}") for i in range(5)]
        db.session.add_all(templates + staff)
        db.session.flush()
        services.set_values(client, {"location_name": "Salle Pleyel",
                                     "location_address": "252 rue du Faubourg Saint-Honoré\n"
                                                         "75008 Paris",
                                     "notes": "Badge at the door.\nNo photos.",
                                     "field_reports": [t.id for t in templates]}, "location")
        for member in staff:
            services.exclude(client, member, "Asked by the client")
        uploads = [FileStorage(io.BytesIO(f"Document {i}\nfor the staff.\n".encode()),
                               filename=f"brief-{i:03}.txt") for i in range(DOCUMENTS)]
        services.add_documents("client", client, uploads, None)
        db.session.commit()


def bench(runs: int, rounds: int, server: str | None = None) -> dict:
    from clientapp.clients.models import Client
    from clientapp.extensions import db

    # CSRF off: the bench posts the New project form as it is.
    with measure.prepared(server, build, WTF_CSRF_ENABLED=False) as bench:
        with bench.app.app_context():
            client_id = db.session.scalar(db.select(Client.id).where(Client.name == CLIENT))
        form = {"name": "Gala", "client": str(client_id), "start_date": "2031-07-01",
                "end_date": "", "start_time": "", "end_time": "", "location": "", "notes": ""}
        timed = {"runs": runs, "rounds": rounds, "warm": 5}
        return {
            "profile, 5 defaults, 200 documents": measure.median_ms(
                bench.call, f"/clients/{client_id}", **timed),
            "(a profile without defaults)": measure.median_ms(bench.call, "/clients/1", **timed),
            "create a project inheriting them": measure.median_ms(
                measure.wsgi_timer(bench.app, bench.cookie, ok="303"), "/projects/new",
                data=form, **timed),
        }


def main(argv=None) -> None:
    parser = measure.parser(__doc__.splitlines()[0], runs=50, rounds=3)
    args = parser.parse_args(argv)
    print(f"Median server time per request, {measure.engine_name(args.postgresql)}, "
          f"signed in as an administrator (best of {args.rounds} rounds of {args.runs})")
    measure.print_figures(bench(args.runs, args.rounds, args.postgresql), BUDGETS_MS, width=36)


if __name__ == "__main__":
    main()
