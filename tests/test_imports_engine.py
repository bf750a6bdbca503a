"""The import run: all or nothing, progress seen by other connections, a worker killed
halfway, conflicts found at run time, undo."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text, update

from clientapp.auth.models import utcnow
from clientapp.clients.models import Client
from clientapp.clients.services import ListParams, count_clients
from clientapp.extensions import db
from clientapp.imports import engine
from clientapp.imports.models import ImportFile, ImportJob, ImportRow
from clientapp.projects.models import Project

from .factories import count, job_of
from .test_imports_checking import add_client, check

ROOT = Path(__file__).resolve().parent.parent


def queue(app, job_id: int, from_states=("checked",)) -> bool:
    with app.app_context():
        return engine.queue(job_id, from_states)


def run(app, job_id: int) -> str:
    with app.app_context():
        return engine.run_job(job_id)


def rows_csv(count: int, start: int = 0) -> bytes:
    return ("Name,Code,Address\n" + "".join(
        f"Client {i},C{i},{i} Main Street\n" for i in range(start, start + count))).encode()


def test_a_run_creates_every_client_with_its_search_keys(app):
    job_id = check(app, b"Name,Code,Email\n\xc3\x89cole Fran\xc3\xa7aise SARL,EF-1,a@b.fr\nAcme,,\n")
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    job = job_of(app, job_id)
    assert (job.state, job.created_count, job.done_rows, job.percent) == ("done", 2, 2, 100)
    with app.app_context():
        clients = db.session.scalars(select(Client).order_by(Client.id)).all()
        assert [c.name for c in clients] == ["École Française SARL", "Acme"]
        assert engine.created_ids(job) == [c.id for c in clients]
        for client in clients:
            keys = (client.name_key, client.code_key, client.match_key, client.search_text)
            client.refresh_keys()
            assert keys == (client.name_key, client.code_key, client.match_key,
                            client.search_text)
            assert client.type == "company" and client.version == 1
        assert db.session.get(ImportFile, job_id) is None  # the upload is no longer kept


def test_a_second_start_does_nothing(app):
    job_id = check(app, rows_csv(3))
    assert queue(app, job_id)
    assert not queue(app, job_id)  # the double click
    assert run(app, job_id) == "done"
    assert run(app, job_id) == "done"  # not claimable twice
    assert count(app, Client) == 3


def test_a_job_with_errors_cannot_be_queued(app):
    job_id = check(app, b"Name,Email\nA,bad\n")
    assert not queue(app, job_id)
    assert job_of(app, job_id).state == "checked"


def test_a_failure_halfway_writes_nothing(app, monkeypatch):
    changed = add_client(app, name="Before", code="U1", email="before@example.com")
    data = "Name,Code,Email\nAfter,U1,after@example.com\n" + "".join(
        f"Client {i},C{i},\n" for i in range(9))
    job_id = check(app, data.encode(), mode="update")
    monkeypatch.setattr(engine, "CHUNK", 2)
    calls = []

    def fail_after_some_rows(job_id, done):
        calls.append(done)
        if done >= 5:
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine, "_after_chunk", fail_after_some_rows)
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    assert calls[-1] >= 5  # it did fail halfway through the writes
    job = job_of(app, job_id)
    assert job.state == "failed" and json.loads(job.failure) == {"code": "unexpected"}
    assert count(app, Client) == 1
    with app.app_context():
        kept = db.session.get(Client, changed)
        assert (kept.name, kept.email, kept.version) == ("Before", "before@example.com", 1)
        assert db.session.scalar(select(func.count()).select_from(ImportRow).where(
            ImportRow.before.is_not(None))) == 0

    monkeypatch.setattr(engine, "_after_chunk", lambda job_id, done: None)
    assert queue(app, job_id, ("failed", "interrupted"))
    assert run(app, job_id) == "done"
    assert count(app, Client) == 10
    with app.app_context():
        assert db.session.get(Client, changed).name == "After"


def test_a_code_taken_since_the_check_fails_the_run_cleanly(app):
    job_id = check(app, rows_csv(3))
    add_client(app, name="Someone Else", code="C1")
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    failure = json.loads(job_of(app, job_id).failure)
    assert failure == {"code": "code_taken", "lines": [3], "value": "C1", "name": "Someone Else"}
    assert count(app, Client) == 1


def test_a_client_deleted_since_the_check_fails_the_run_cleanly(app):
    gone = add_client(app, name="Old", code="G1")
    job_id = check(app, b"Name,Code\nNew,G1\nOther,G2\n", mode="update")
    with app.app_context():
        db.session.delete(db.session.get(Client, gone))
        db.session.commit()
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    assert json.loads(job_of(app, job_id).failure)["code"] == "client_gone"
    assert count(app, Client) == 0


def test_progress_is_seen_by_other_connections_while_the_run_writes(app, monkeypatch):
    job_id = check(app, rows_csv(10))
    monkeypatch.setattr(engine, "CHUNK", 2)
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 0)
    seen = []

    def look(job_id, done):
        # Another app context: another session and connection, as another worker.
        with app.app_context():
            job = db.session.get(ImportJob, job_id)
            seen.append((job.state, engine.live_progress(job)["done"],
                         db.session.scalar(select(func.count()).select_from(Client))))

    monkeypatch.setattr(engine, "_after_chunk", look)
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    assert seen == [("running", n, 0) for n in (2, 4, 6, 8, 10)]


def test_a_stale_heartbeat_marks_the_job_interrupted(app):
    job_id = check(app, rows_csv(2))
    assert queue(app, job_id)
    with app.app_context():
        assert engine.recover_stale() == 0  # fresh: someone is on it
        db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            state="running", heartbeat_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        assert engine.recover_stale() == 1
    assert job_of(app, job_id).state == "interrupted"
    assert queue(app, job_id, ("failed", "interrupted"))
    assert run(app, job_id) == "done"
    assert count(app, Client) == 2


KILLED_WORKER = textwrap.dedent("""
    import sys, time
    from clientapp import create_app
    from clientapp.imports import engine

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "killed"})
    engine.CHUNK = 2

    def hang(job_id, done):
        print("written", done, flush=True)
        time.sleep(120)

    engine._after_chunk = hang
    engine.run_in_app(app, int(sys.argv[2]))
""")


def test_a_worker_killed_halfway_leaves_nothing_and_runs_again(make_app, database_url,
                                                              tmp_path, monkeypatch):
    app = make_app(CLIENTAPP_IMPORT_STALE_SECONDS=0)
    from .conftest import make_user, sign_in

    manager = sign_in(app, make_user(app, "manager"))
    job_id = check(app, rows_csv(10))
    assert queue(app, job_id)
    script = tmp_path / "worker.py"
    script.write_text(KILLED_WORKER)
    env = dict(os.environ, PYTHONPATH=str(ROOT), CLIENTAPP_INSTANCE_PATH=str(tmp_path / "w"))
    worker = subprocess.Popen([sys.executable, str(script), database_url, str(job_id)],
                              stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = worker.stdout.readline()
        assert line.strip() == "written 2", line  # inside its transaction, halfway
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()
    assert count(app, Client) == 0
    assert job_of(app, job_id).state == "running"  # as the dead worker left it

    page = manager.get(f"/clients/import/{job_id}")  # the next request finds it
    body = page.get_data(as_text=True)
    assert "The import was interrupted" in body and "Run again" in body
    assert job_of(app, job_id).state == "interrupted"
    assert count(app, Client) == 0

    monkeypatch.setattr(engine, "start_in_background",
                        lambda application, job: engine.run_in_app(application, job))
    response = manager.post(f"/clients/import/{job_id}/run-again")
    assert response.status_code == 303
    assert job_of(app, job_id).state == "done"
    assert count(app, Client) == 10


# --- Undo -------------------------------------------------------------------------------------
def undo(app, job_id: int):
    with app.app_context():
        report = engine.undo_job(db.session.get(ImportJob, job_id), None)
        db.session.commit()
        return report


def test_undo_removes_created_restores_updated_and_names_what_it_keeps(app):
    updated = add_client(app, name="Original", code="U1", email="orig@example.com",
                         phone="111")
    edited_since = add_client(app, name="Edited Before", code="U2", phone="222")
    job_id = check(app, b"Name,Code,Phone\nChanged,U1,999\nEdited After,U2,333\n"
                        b"New A,N1,\nNew B,N2,\n", mode="update")
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    job = job_of(app, job_id)
    assert (job.created_count, job.updated_count) == (2, 2)
    with app.app_context():
        new_a, new_b = engine.created_ids(job)
        db.session.add(Project(name="Gala", client_id=new_b))
        # Someone edits one updated client's phone after the import.
        db.session.get(Client, edited_since).phone = "444"
        db.session.commit()

    report = undo(app, job_id)
    assert report["removed"] == 1
    assert report["kept"] == [{"id": new_b, "name": "New B"}]
    assert report["restored"] == 2
    assert report["changed"] == [{"id": edited_since, "name": "Edited After"}]
    with app.app_context():
        assert db.session.get(Client, new_a) is None
        assert db.session.get(Client, new_b) is not None
        first = db.session.get(Client, updated)
        assert (first.name, first.phone, first.email) == ("Original", "111", "orig@example.com")
        assert first.version == 3  # the import's update, then the undo's
        assert first.name_key == "original"
        second = db.session.get(Client, edited_since)
        # The name goes back; the phone someone changed since stays as they set it.
        assert (second.name, second.phone) == ("Edited Before", "444")
        job = db.session.get(ImportJob, job_id)
        assert job.state == "undone" and json.loads(job.undo_report) == report
    assert undo(app, job_id) is None  # once only


# --- The search index survives a bulk import (SQLite fills it in bulk, not per row). ---

TRIGGERS = {"clients_fts_insert", "clients_fts_update", "clients_fts_delete"}


def triggers(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return TRIGGERS
        return {r[0] for r in db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type='trigger'"))}


def big(n, start=0, word="Zebra"):
    return ("Name,Code,Address\n" + "".join(
        f"{word} {i},K{i},{i} Main Street\n" for i in range(start, start + n))).encode()


def test_a_large_import_is_searchable_and_keeps_the_triggers(app, monkeypatch):
    add_client(app, name="Before Zebra", code="B0")
    job_id = check(app, big(engine.BULK_INDEX_MIN + 5))
    # Chunks of 300 and index fills every 700: one fill midway (900 rows), one at the end.
    monkeypatch.setattr(engine, "CHUNK", 300)
    monkeypatch.setattr(engine, "SEARCH_CHUNK", 700)
    with app.app_context():
        assert engine.queue(job_id)
        assert engine.run_job(job_id) == "done"
    assert triggers(app) == TRIGGERS
    with app.app_context():
        assert count_clients(ListParams(q="zebra 100")) == 6  # 100, 1000..1004
        assert count_clients(ListParams(q="zebra")) == engine.BULK_INDEX_MIN + 6
        assert count_clients(ListParams(q="main street")) == engine.BULK_INDEX_MIN + 5
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("INSERT INTO clients_fts(clients_fts) VALUES('integrity-check')"))
            # The run's settings of the index are put back as FTS5's defaults.
            settings = dict(db.session.execute(text("SELECT k, v FROM clients_fts_config")).all())
            assert settings["automerge"] == 4 and settings["hashsize"] == 1024 * 1024
        # The triggers work again after the run: an edit is found under its new name.
        client = db.session.scalar(select(Client).where(Client.code == "K5"))
        client.name = "Okapi"
        db.session.commit()
        assert count_clients(ListParams(q="okapi")) == 1


def test_a_failed_large_import_keeps_the_triggers(app, monkeypatch):
    job_id = check(app, big(engine.BULK_INDEX_MIN + 5))
    monkeypatch.setattr(engine, "CHUNK", 300)

    def boom(job_id, done):
        if done > 600:
            raise RuntimeError("boom")
    monkeypatch.setattr(engine, "_after_chunk", boom)
    with app.app_context():
        assert engine.queue(job_id)
        assert engine.run_job(job_id) == "failed"
    assert triggers(app) == TRIGGERS
    with app.app_context():
        assert count_clients(ListParams(q="zebra")) == 0
        add_client(app, name="Zebra Later", code="ZL")
        assert count_clients(ListParams(q="zebra")) == 1
    monkeypatch.setattr(engine, "_after_chunk", lambda job_id, done: None)
    with app.app_context():
        assert engine.queue(job_id, ("failed",))
        assert engine.run_job(job_id) == "done"
        assert count_clients(ListParams(q="zebra")) == engine.BULK_INDEX_MIN + 6
