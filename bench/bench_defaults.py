"""Project defaults (issue 11): a client profile with all five defaults and 200 documents,
and creating a project that inherits them: median server times.

    .venv/bin/python bench/bench_defaults.py
    .venv/bin/python bench/bench_defaults.py --postgresql postgresql+psycopg://postgres@127.0.0.1/postgres

A fresh database through the migrations (bench_clients.database()), 1,000 clients, one of
them with a default location, notes, three field report templates, five excluded staff
members and 200 small documents (stored files on disk), an administrator, the app called
through WSGI. Creating posts the New project form (CSRF off for the bench) and so copies
the five defaults, the 200 documents as references to the same files. Printed, never
asserted.
"""
import argparse
import io
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_clients import database, session_cookie, wsgi_timer  # noqa: E402

BUDGETS_MS = {"profile, 5 defaults, 200 documents": 15, "create a project inheriting them": 30}
DOCUMENTS = 200


def fill(app) -> int:
    from werkzeug.datastructures import FileStorage

    from clientapp.clients.models import Client
    from clientapp.defaults import services
    from clientapp.defaults.models import FieldReportTemplate
    from clientapp.extensions import db
    from clientapp.staff.models import StaffMember

    with app.app_context(), app.test_request_context():
        db.session.add_all(Client(name=f"Client {i}") for i in range(1000))
        client = Client(name="Salle Pleyel SA")
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
        return client.id


def post_timer(app, cookie: str):
    from werkzeug.test import EnvironBuilder

    def call(path: str, data: dict) -> float:
        environ = EnvironBuilder(path=path, method="POST", data=data,
                                 headers={"Cookie": cookie}).get_environ()
        status = []
        began = time.perf_counter()
        chunks = app(environ, lambda s, h, e=None: status.append(s))
        for _ in chunks:
            pass
        if hasattr(chunks, "close"):
            chunks.close()
        elapsed = time.perf_counter() - began
        if not status[0].startswith("303"):
            raise RuntimeError(f"{path} answered {status[0]}")
        return elapsed

    return call


def bench(runs: int, rounds: int, server: str | None = None) -> dict:
    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.extensions import db
    from clientapp.schema import upgrade_schema

    with tempfile.TemporaryDirectory() as folder, database(folder, server) as url:
        os.environ["CLIENTAPP_INSTANCE_PATH"] = folder
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False,
                          "CLIENTAPP_ARGON2_TIME_COST": 1, "CLIENTAPP_ARGON2_MEMORY_KIB": 1024})
        upgrade_schema(app)
        client_id = fill(app)
        with app.app_context():
            user_id = create_user("Bench", "bench@example.com", "bench password 1", "admin").id
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        cookie = session_cookie(app, user_id)
        get, post = wsgi_timer(app, cookie), post_timer(app, cookie)
        form = {"name": "Gala", "client": str(client_id), "start_date": "2031-07-01",
                "end_date": "", "start_time": "", "end_time": "", "location": "", "notes": ""}
        figures = {}
        timed = {"profile, 5 defaults, 200 documents": lambda: get(f"/clients/{client_id}"),
                 "(a profile without defaults)": lambda: get("/clients/1"),
                 "create a project inheriting them": lambda: post("/projects/new", form)}
        for label, call in timed.items():
            for _ in range(5):
                call()
            figures[label] = min(statistics.median(call() for _ in range(runs))
                                 for _ in range(rounds)) * 1000
        with app.app_context():
            db.engine.dispose()
    return figures


def main(argv=None) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="requests per round (median)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the best)")
    parser.add_argument("--postgresql", metavar="URL", default=None)
    args = parser.parse_args(argv)
    print(f"Median server time per request, {'PostgreSQL' if args.postgresql else 'SQLite'}, "
          f"signed in as an administrator (best of {args.rounds} rounds of {args.runs})")
    figures = bench(args.runs, args.rounds, args.postgresql)
    for label, ms in figures.items():
        budget = BUDGETS_MS.get(label)
        if budget is None:
            print(f"  {label:<36} {ms:>8.2f} ms")
            continue
        print(f"  {label:<36} {ms:>8.2f} ms   budget {budget:>3} ms{'  !' if ms > budget else ''}")
    print("! = over budget")


if __name__ == "__main__":
    main()
