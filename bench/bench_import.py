"""Import benchmark: a 100,000-row file checked and imported, against a bare baseline.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--database-url URL]

Prints figures; asserts nothing. The targets (issue 4): check + import under 5 s on SQLite,
within 4x of the baseline (Python's csv module reading the same file into a bare table
with sqlite3 executemany), progress committed at least once a second, peak memory under
300 MB. On SQLite it also prints the floor: the same clients, prepared beforehand, only
written into the app's clients table, its indexes and its search index, which no import
design can go below. Then bench/check_memory.py's figures: the peak memory of checking the
largest uploads, CSV and .xlsx, each in a process of its own (issue 9: under 400 MB).
"""
import argparse
import csv
import io
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from signin import signed_in  # noqa: E402  (bench/ is on the path: scripts run from it)

FIRST = ["Café", "Boulangerie", "Garage", "Atelier", "Studio", "Cabinet", "Agence", "Hôtel",
         "Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Dupont"]
SECOND = ["du Lac", "Martin", "Lefèvre", "& Fils", "Services", "Consulting", "Québec",
          "Montréal", "Design", "Logistics", "Média", "Études", "Group", "Partners"]
SUFFIX = ["Inc.", "SARL", "Ltd", "SAS", "", "", "LLC", "GmbH"]
STREETS = ["rue de la Paix", "Main Street", "boulevard Saint-Laurent", "avenue des Érables",
           "chemin du Moulin", "High Street", "place d'Youville"]
CITIES = ["Montréal QC", "Québec QC", "Toronto ON", "Lyon", "Paris", "Genève", "Ottawa ON"]


def make_file(path: Path, rows: int) -> None:
    random.seed(4)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Name", "Code", "Address", "Email", "Phone", "Type"])
        for i in range(rows):
            name = f"{random.choice(FIRST)} {random.choice(SECOND)} {i} {random.choice(SUFFIX)}".strip()
            address = f"{random.randint(1, 9999)} {random.choice(STREETS)}, {random.choice(CITIES)}"
            writer.writerow([name, f"C-{i:06d}", address, f"contact{i}@example.com",
                             f"+1 514 555 {i % 10000:04d}", random.choice(["Company", "Individual", ""])])


def baseline(path: Path, workdir: Path) -> float:
    db_path = workdir / "baseline.sqlite3"
    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (name, code, address, email, phone, type)")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader)
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def database_floor(path: Path, app_database: str, workdir: Path) -> tuple[float, float]:
    """The writes an import cannot avoid, with no Python work timed: the file's clients,
    their keys computed beforehand, inserted with sqlite3 executemany into a fresh copy of
    the app's clients table (its indexes), then its search index filled in one statement
    and committed. Returns (seconds without the search index, seconds with it)."""
    from clientapp.clients.models import client_keys

    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader)
        records = [("company", name, code, address, email, phone,
                    *client_keys(name, code, address, email), "2026-01-01 00:00:00", 1)
                   for name, code, address, email, phone, _type in reader]
    schema_source = sqlite3.connect(app_database)  # the schema as the migrations made it
    schema = [sql for (sql,) in schema_source.execute(
        "SELECT sql FROM sqlite_master WHERE (tbl_name IN ('users', 'clients') AND sql IS NOT NULL "
        "AND type IN ('table', 'index')) OR name = 'clients_fts' ORDER BY type DESC, "
        "name = 'clients_fts'")]
    schema_source.close()
    conn = sqlite3.connect(workdir / "floor.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-32768")
    for sql in schema:  # the tables, the search index as the migrations define it, indexes
        conn.execute(sql)
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO clients (type, name, code, address, email, phone, name_key, code_key, "
        "match_key, search_text, created_at, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record + (record[-2],) for record in records])
    middle = time.perf_counter()
    conn.execute("INSERT INTO clients_fts(clients_fts, rank) VALUES ('automerge', 0)")
    conn.execute("INSERT INTO clients_fts(clients_fts, rank) VALUES ('hashsize', 67108864)")
    conn.execute("INSERT INTO clients_fts(rowid, search_text) SELECT id, search_text FROM clients")
    conn.execute("COMMIT")
    end = time.perf_counter()
    conn.close()
    return middle - start, end - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--without-search-index", action="store_true",
                        help="SQLite: drop the clients_fts triggers of this throwaway database "
                             "first, to see what the full-text index costs the import")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    os.environ["CLIENTAPP_INSTANCE_PATH"] = str(workdir / "instance")
    path = workdir / "clients.csv"
    make_file(path, args.rows)
    data = path.read_bytes()
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB")

    base = baseline(path, workdir)
    print(f"baseline (csv + sqlite3 executemany, bare table): {base:.2f} s")

    from sqlalchemy import func, select

    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.clients.models import Client
    from clientapp.extensions import db
    from clientapp import jobs
    from clientapp.imports import running
    from clientapp.imports.models import ImportJob
    from clientapp.schema import upgrade_schema

    url = args.database_url or "sqlite:///" + str(workdir / "app.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    upgrade_schema(app)
    with app.app_context():
        if args.without_search_index and db.engine.dialect.name == "sqlite":
            from sqlalchemy import text

            with db.engine.begin() as conn:
                for trigger in ("clients_fts_insert", "clients_fts_update", "clients_fts_delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            print("(clients_fts triggers dropped in this benchmark's database)")
        user = create_user("Bench", "bench@example.com", "correct horse battery", "manager")
        user_id = user.id
        db.session.commit()
    client = signed_in(app, user_id)

    # Check: the upload as the browser sends it, through the real route.
    start = time.perf_counter()
    response = client.post("/clients/import", data={"file": (io.BytesIO(data), "clients.csv"),
                                                     "mode": "create"})
    check_seconds = time.perf_counter() - start
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        print(f"check: {check_seconds:.2f} s  (new {job.new_count:,}, errors {job.error_count:,}, "
              f"warnings {job.warning_count:,})")
        assert jobs.queue(ImportJob, job_id, ("checked",))
        db.session.commit()

    # Import: the run as the app's thread runs it; progress read as a poll would.
    samples = []
    done = threading.Event()

    def poll():
        # What the status fragment shows, read every 50 ms as another worker would.
        with app.app_context():
            while not done.is_set():
                job = db.session.get(ImportJob, job_id)
                db.session.refresh(job)
                samples.append((time.perf_counter(), job.state, job.done_rows,
                                job.heartbeat_at))
                db.session.rollback()
                time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    start = time.perf_counter()
    jobs.lifecycle.run_in_app(app, running.run_job, job_id)
    import_seconds = time.perf_counter() - start
    time.sleep(0.1)
    done.set()
    poller.join()

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        created = db.session.scalar(select(func.count()).select_from(Client))
    print(f"import: {import_seconds:.2f} s  (state {job.state}, created {job.created_count:,}, "
          f"clients in the table {created:,})")

    # The longest time a watcher saw no new progress commit while the job was active.
    changes = []
    last = None
    for at, state, rows_done, heartbeat in samples:
        key = (state, rows_done, heartbeat)
        if key != last:
            changes.append((at, state, rows_done))
            last = key
    active = [at for at, state, _ in changes if state in ("queued", "running")]
    ends = [at for at, state, _ in changes if state not in ("queued", "running")]
    points = active + ends[:1]
    gap = max((b - a for a, b in zip(points, points[1:])), default=0.0)
    print(f"progress: {len(changes)} distinct states seen; longest gap between progress "
          f"commits {gap:.2f} s")

    total = check_seconds + import_seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total check + import: {total:.2f} s (target < 5 s)")
    print(f"ratio to baseline: {total / base:.1f}x (target <= 4x)")
    print(f"throughput: {args.rows / total:,.0f} rows/s")
    print(f"peak memory (max RSS of this process, file and baseline included): {peak_mb:.0f} MB "
          f"(target < 300 MB)")
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':', 1)[0]}")
    if url.startswith("sqlite:"):
        # What no import design can go below: the clients themselves, written once.
        table_only, with_index = database_floor(path, url.split("///", 1)[1], workdir)
        print(f"floor, the same clients prepared beforehand and only written (executemany "
              f"into the clients table and its indexes): {table_only:.2f} s; with the search "
              f"index filled and committed: {with_index:.2f} s = {with_index / base:.1f}x the "
              f"baseline, before any reading or checking")
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)

    # Issue 9: the peak memory of checking the largest uploads, each in a process of its own.
    from check_memory import print_figures

    print_figures(args.rows, args.database_url)


if __name__ == "__main__":
    main()
