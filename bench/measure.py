"""What the benches share: a database of their own, filled in a child process, the app signed
in as an administrator, a timer that calls it through WSGI, and the median they report.

    with measure.prepared(args.postgresql, build, count) as bench:
        figures = {label: measure.median_ms(bench.call, path, args.runs, args.rounds)
                   for label, path in pages.items()}

`build(url, *args)` runs in a forked child (measure.schema(url) gives it the migrated app,
measure.analyze(app) the planner's statistics), so the process that measures starts as
small as a server. The figure is the server's own time: routing, queries, templates; no
network, no browser.
"""
import argparse
import contextlib
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from signin import session_cookie  # noqa: E402  (bench/ is on the path: scripts run from it)

# Argon2 at its cheapest: signing the bench's user in is not what is measured.
APP_CONFIG = {"SECRET_KEY": "bench", "CLIENTAPP_ARGON2_TIME_COST": 1,
              "CLIENTAPP_ARGON2_MEMORY_KIB": 1024}


def parser(description: str, runs: int = 100, rounds: int = 5) -> argparse.ArgumentParser:
    """The options every timing bench takes: --runs, --rounds, --postgresql."""
    logging.basicConfig(level=logging.WARNING)  # no migration chatter between the figures
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=runs, help="requests per round (median)")
    parser.add_argument("--rounds", type=int, default=rounds, help="rounds (the best)")
    parser.add_argument("--postgresql", metavar="URL", default=None,
                        help="a PostgreSQL server URL: bench there instead of SQLite")
    return parser


def engine_name(server: str | None) -> str:
    return "PostgreSQL" if server else "SQLite"


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


def new_app(url: str, **config):
    from clientapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, **APP_CONFIG, **config})


def schema(url: str, **config):
    """The app on `url`, its schema made by the migrations (in a build child)."""
    from clientapp.schema import upgrade_schema

    logging.basicConfig(level=logging.WARNING)
    app = new_app(url, **config)
    upgrade_schema(app)
    return app


def analyze(app) -> None:
    """Statistics for the planner, and on PostgreSQL the vacuum that autovacuum would have
    run after the bulk writes (the visibility map lets a count read an index alone); then
    the connections closed, as a build child ends."""
    from clientapp.extensions import db

    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql"
                                 else "ANALYZE")
        db.engine.dispose()


def build_in_child(build: Callable, *args) -> float:
    """Run build(*args) in a forked child; the seconds it took. A failure stops the bench."""
    began = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(target=build, args=args)
    child.start()
    child.join()
    if child.exitcode:
        raise SystemExit(f"building the bench's database failed ({build.__module__})")
    return time.perf_counter() - began


def client_row(**values) -> dict:
    """A clients row for insert_rows(): `values` and the keys the model derives from them."""
    from clientapp.clients.models import Client

    client = Client(**values)
    client.refresh_keys()
    return {**values, **{key: getattr(client, key)
                         for key in ("name_key", "code_key", "match_key", "search_text")}}


def insert_rows(model, rows, batch: int = 5000) -> None:
    """Insert the dicts of `rows` (any iterable) into `model`'s table, `batch` at a time, in
    the current session (the caller commits)."""
    from sqlalchemy import insert

    from clientapp.extensions import db

    pending = []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            db.session.execute(insert(model), pending)
            pending = []
    if pending:
        db.session.execute(insert(model), pending)


def wsgi_timer(app, cookie: str, ok: str = "200"):
    """A function that calls the app for a path and returns the seconds it took: htmx=True
    asks as htmx does for a fragment, `data` posts a form. An answer whose status does not
    start with `ok` stops the bench."""
    from werkzeug.test import EnvironBuilder

    def call(path: str, htmx: bool = False, data: dict | None = None) -> float:
        headers = {"Cookie": cookie, **({"HX-Request": "true"} if htmx else {})}
        environ = EnvironBuilder(path=path, headers=headers, data=data,
                                 method="GET" if data is None else "POST").get_environ()
        status = []
        began = time.perf_counter()
        chunks = app(environ, lambda s, h, e=None: status.append(s))
        for _ in chunks:
            pass
        if hasattr(chunks, "close"):
            chunks.close()
        elapsed = time.perf_counter() - began
        if not status[0].startswith(ok):
            raise RuntimeError(f"{path} answered {status[0]}")
        return elapsed

    return call


def create_admin(app, role: str = "admin", email: str = "bench@example.com") -> int:
    from clientapp.auth.services import create_user
    from clientapp.extensions import db

    with app.app_context():
        user_id = create_user("Bench", email, "bench password 1", role).id
        db.session.commit()
    return user_id


def median_ms(call: Callable, *args, runs: int, rounds: int, warm: int = 10, **kwargs) -> float:
    """call(*args, **kwargs) `warm` times (the caches warm, as a running server has them),
    then the median of each of `rounds` rounds of `runs`, in milliseconds: the best round,
    as timeit reports, so that another process busy on the machine for a while does not
    count."""
    for _ in range(warm):
        call(*args, **kwargs)
    return min(statistics.median(call(*args, **kwargs) for _ in range(runs))
               for _ in range(rounds)) * 1000


@dataclass
class Bench:
    app: object
    url: str
    folder: str
    filled: float  # seconds the build took
    user_id: int
    cookie: str  # the administrator's session
    call: Callable  # wsgi_timer() with that cookie


@contextlib.contextmanager
def prepared(server: str | None, build: Callable, *args, **config):
    """A Bench: a fresh database (SQLite in a temporary folder, or one of its own on the
    PostgreSQL `server`), build(url, *args) run in a child, the app on it with `config`,
    an administrator signed in. The database goes when the block ends."""
    with tempfile.TemporaryDirectory() as folder, database(folder, server) as url:
        os.environ["CLIENTAPP_INSTANCE_PATH"] = folder
        filled = build_in_child(build, url, *args)
        app = new_app(url, **config)
        user_id = create_admin(app)
        cookie = session_cookie(app, user_id)
        try:
            yield Bench(app, url, folder, filled, user_id, cookie, wsgi_timer(app, cookie))
        finally:
            from clientapp.extensions import db

            with app.app_context():
                db.engine.dispose()


def print_figures(figures: dict, budgets: dict, width: int = 28) -> None:
    """One line a figure, its budget beside it and "!" when over."""
    for label, ms in figures.items():
        budget = budgets.get(label)
        line = f"  {label:<{width}} {ms:>8.2f} ms"
        if budget is not None:
            line += f"   budget {budget:>3} ms{'  !' if ms > budget else ''}"
        print(line)
    print("! = over budget")
