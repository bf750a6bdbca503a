"""Saves while a large import is checked and run: how long a person's save waits.

    .venv/bin/python bench/bench_lock.py [--rows 200000] [--editors 10] [--database-url URL]

Prints figures; asserts nothing. Issue 9 asks that no save fails because an import runs and
that an edit waits at most 2 s: on SQLite the import may hold the database's write lock only
in short slices. Ten editors save clients through the real route (Basic information), in a
loop, while the same process checks a file of --rows rows (the upload route) and runs it
(the import job's own thread). Printed: the check and run times, the number of saves, how
many failed, and the worst and 99th-percentile wait of a save during each phase.
"""
import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from signin import signed_in  # noqa: E402  (bench/ is on the path: scripts run from it)

from bench_import import make_file  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-lock-"))
    os.environ["CLIENTAPP_INSTANCE_PATH"] = str(workdir / "instance")
    # --rows rows may weigh more than the upload limit's default (20 MB): the lock, not the
    # limit, is what this measures.
    os.environ.setdefault("CLIENTAPP_IMPORT_MAX_BYTES", str(64 * 1024 * 1024))
    path = workdir / "clients.csv"
    make_file(path, args.rows)
    data = path.read_bytes()

    from clientapp import create_app, jobs
    from clientapp.auth.services import create_user
    from clientapp.clients.models import Client
    from clientapp.extensions import db
    from clientapp.imports import running
    from clientapp.imports.models import ImportJob
    from clientapp.schema import upgrade_schema

    url = args.database_url or "sqlite:///" + str(workdir / "app.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    upgrade_schema(app)
    with app.app_context():
        user_id = create_user("Bench", "bench@example.com", "correct horse battery", "manager").id
        mine = [Client(name=f"Edited {i}") for i in range(args.editors)]
        db.session.add_all(mine)
        db.session.commit()
        client_ids = [c.id for c in mine]
    print(f"{url.split(':')[0]}: {args.rows:,} rows "
          f"({len(data) / 1e6:.1f} MB), {args.editors} editors")


    phase = {"name": "before"}
    waits = {}  # phase -> [seconds]
    failures = []
    stop = threading.Event()

    # Signed in one after the other, before the clock starts.
    browsers = {client_id: signed_in(app, user_id) for client_id in client_ids}

    def editor(client_id: int):
        client = browsers[client_id]
        n = 0
        while not stop.is_set():
            with app.app_context():
                version = db.session.get(Client, client_id).version
            n += 1
            started = time.perf_counter()
            response = client.post(f"/clients/{client_id}/info", headers={"HX-Request": "true"},
                                   data={"name": f"Edited {client_id} {n}", "type": "company",
                                         "version": str(version)})
            waited = time.perf_counter() - started
            waits.setdefault(phase["name"], []).append(waited)
            if response.status_code != 200:
                failures.append((phase["name"], response.status_code))
            time.sleep(0.05)

    editors = [threading.Thread(target=editor, args=(i,)) for i in client_ids]
    for thread in editors:
        thread.start()
    time.sleep(1)

    uploader = signed_in(app, user_id)
    phase["name"] = "check"
    started = time.perf_counter()
    response = uploader.post("/clients/import", data={"file": (io.BytesIO(data), "clients.csv"),
                                                       "mode": "create"})
    check_seconds = time.perf_counter() - started
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert jobs.queue(ImportJob, job_id, ("checked",))
        db.session.commit()

    phase["name"] = "run"
    started = time.perf_counter()
    jobs.lifecycle.run_in_app(app, running.run_job, job_id)
    run_seconds = time.perf_counter() - started
    phase["name"] = "after"
    time.sleep(1)
    stop.set()
    for thread in editors:
        thread.join()
    with app.app_context():
        state = db.session.get(ImportJob, job_id).state

    print(f"check {check_seconds:.2f} s, run {run_seconds:.2f} s (job {state})")
    for name in ("before", "check", "run", "after"):
        seen = sorted(waits.get(name, []))
        if not seen:
            continue
        p99 = seen[min(len(seen) - 1, int(len(seen) * 0.99))]
        print(f"  saves during {name:6}: {len(seen):5}  median {statistics.median(seen) * 1000:6.1f} ms"
              f"  p99 {p99 * 1000:7.1f} ms  worst {seen[-1] * 1000:7.1f} ms")
    print(f"failed saves: {len(failures)}" + (f" {failures[:5]}" if failures else ""))


if __name__ == "__main__":
    main()
