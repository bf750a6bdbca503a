"""The client list's export at 100,000 clients: time and peak memory of each format.

    .venv/bin/python bench/bench_export.py [--clients 100000]

Fills a fresh SQLite database (bench_clients.fill), then each format is downloaded by a
child process that has built the app and signed in first, reading the streamed body in
chunks and keeping none; it prints its peak resident memory (the whole process, SQLite's
memory map of the database file included) and what it was before the download. Prints figures; asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from signin import signed_in  # noqa: E402  (bench/ is on the path: scripts run from it)

FORMATS = ("csv", "csv-fr", "xlsx")


def child(database: str, user_id: int, export_format: str) -> None:
    import logging

    logging.disable(logging.WARNING)
    from check_memory import peak_mb
    from clientapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    client = signed_in(app, user_id)
    before = peak_mb()
    start = time.perf_counter()
    response = client.get(f"/clients/export?format={export_format}", buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    print(json.dumps({"seconds": time.perf_counter() - start, "before": before,
                      "peak": peak_mb(), "bytes": size, "status": response.status_code}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, user_id, export_format = args.child
        child(database, int(user_id), export_format)
        return

    from bench_clients import build

    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    os.environ["CLIENTAPP_INSTANCE_PATH"] = str(workdir)
    path = str(workdir / "clients.sqlite3")
    build("sqlite:///" + path, args.clients)
    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + path, "SECRET_KEY": "bench"})
    with app.app_context():
        user_id = create_user("Bench", "bench@example.com", "correct horse battery", "viewer").id
        db.session.commit()
        db.engine.dispose()
    print(f"export of {args.clients:,} clients (the Active tab, by name), each in a fresh "
          f"process:")
    for export_format in FORMATS:
        done = subprocess.run([sys.executable, __file__, "--child", "sqlite:///" + path,
                               str(user_id), export_format], capture_output=True, text=True)
        if done.returncode:
            print(f"  {export_format}: failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {export_format}: {figures['seconds']:.1f} s, {figures['bytes'] / 1e6:.1f} MB, "
              f"peak memory {figures['peak']:.0f} MB (before the download "
              f"{figures['before']:.0f} MB)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
