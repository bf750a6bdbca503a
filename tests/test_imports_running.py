"""The import run: slices that commit, all or nothing by taking back, progress seen by other
connections, a worker killed halfway, conflicts found at run time; and undo."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from clientapp import jobs
from clientapp.clients.models import Client
from clientapp.clients.services import client_params, count_clients
from clientapp.db.time import utcnow
from clientapp.extensions import db
from clientapp.imports import running, undo
from clientapp.imports.models import ImportFile, ImportJob, ImportRow
from clientapp.projects.models import Project

from .factories import count, job_of
from .test_imports_checking import add_client, check

ROOT = Path(__file__).resolve().parent.parent


def queue(app, job_id: int, from_states=("checked",)) -> bool:
    with app.app_context():
        queued = jobs.queue(ImportJob, job_id, from_states)
        db.session.commit()
        return queued


def run(app, job_id: int) -> str:
    with app.app_context():
        return running.run_job(job_id)


def rows_csv(count: int, start: int = 0) -> bytes:
    return ("Name,Code,Address\n" + "".join(
        f"Client {i},C{i},{i} Main Street\n" for i in range(start, start + count))).encode()


def created_by(app, job_id: int) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(Client.id).where(Client.import_job_id == job_id)
                                  .order_by(Client.id)).all()


def test_a_run_creates_every_client_with_its_search_keys(app):
    job_id = check(app, b"Name,Code,Email\n\xc3\x89cole Fran\xc3\xa7aise SARL,EF-1,a@b.fr\nAcme,,\n")
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    job = job_of(app, job_id)
    assert (job.state, job.created_count, job.done_rows, job.percent) == ("done", 2, 2, 100)
    with app.app_context():
        clients = db.session.scalars(select(Client).order_by(Client.id)).all()
        assert [c.name for c in clients] == ["École Française SARL", "Acme"]
        assert created_by(app, job_id) == [c.id for c in clients]
        for client in clients:
            keys = (client.name_key, client.code_key, client.match_key, client.search_text)
            client.refresh_keys()
            assert keys == (client.name_key, client.code_key, client.match_key,
                            client.search_text)
            assert client.type == "company" and client.version == 1
        assert db.session.get(ImportFile, job_id) is None  # the upload is no longer kept


def test_a_run_records_its_import_and_a_failed_one_nothing(app, monkeypatch):
    from clientapp.activity import Event

    job_id = check(app, rows_csv(3))
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    failed = check(app, rows_csv(2, start=10))
    monkeypatch.setattr(running, "_after_slice", lambda job_id, done: 1 / 0)
    assert queue(app, failed)
    assert run(app, failed) == "failed"
    with app.app_context():
        recorded = [(e.kind, e.data) for e in db.session.scalars(select(Event))]
    assert recorded == [("import.done", {"job": job_id, "file": "clients.csv", "created": 3,
                                         "updated": 0})]


def test_a_second_start_does_nothing(app):
    job_id = check(app, rows_csv(3))
    assert queue(app, job_id)
    assert not queue(app, job_id)  # the double click
    assert run(app, job_id) == "done"
    assert run(app, job_id) == "done"  # not claimable twice
    assert count(app, Client) == 3


def test_a_job_with_errors_cannot_be_started(app, manager_client):
    job_id = check(app, b"Name,Email\nA,bad\n")
    assert manager_client.post(f"/clients/import/{job_id}/start").status_code == 303
    assert job_of(app, job_id).state == "checked"


def test_a_failure_halfway_takes_back_what_the_slices_wrote(app, monkeypatch):
    changed = add_client(app, name="Before", code="U1", email="before@example.com")
    data = "Name,Code,Email\nAfter,U1,after@example.com\n" + "".join(
        f"Client {i},C{i},\n" for i in range(9))
    job_id = check(app, data.encode(), mode="update")
    monkeypatch.setattr(running, "CREATE_SLICE", 2)
    calls = []

    def fail_after_some_rows(job_id, done):
        # Another connection sees what the slices committed so far.
        calls.append((done, count(app, Client)))
        if done >= 5:
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(running, "_after_slice", fail_after_some_rows)
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    assert calls == [(1, 1), (3, 3), (5, 5)]  # the update, then two slices of new clients
    job = job_of(app, job_id)
    assert job.state == "failed" and job.failure == {"code": "unexpected"}
    assert count(app, Client) == 1  # taken back
    with app.app_context():
        kept = db.session.get(Client, changed)
        assert (kept.name, kept.email) == ("Before", "before@example.com")
        assert db.session.scalar(select(func.count()).select_from(ImportRow).where(
            ImportRow.before.is_not(None))) == 0

    monkeypatch.setattr(running, "_after_slice", lambda job_id, done: None)
    assert queue(app, job_id, ("failed", "interrupted"))
    assert run(app, job_id) == "done"
    assert count(app, Client) == 10
    with app.app_context():
        assert db.session.get(Client, changed).name == "After"


def test_other_writers_are_never_kept_waiting_between_slices(app, monkeypatch, tmp_path):
    """On SQLite the run holds the write lock for one slice at a time: between two, another
    connection writes at once (a busy timeout of 0 would fail on a held lock)."""
    job_id = check(app, rows_csv(6))
    monkeypatch.setattr(running, "CREATE_SLICE", 2)
    wrote = []

    def write_elsewhere(job_id, done):
        with app.app_context():
            if db.engine.dialect.name == "sqlite":
                other = sqlite3.connect(db.engine.url.database, timeout=0)
                other.execute("UPDATE users SET name = name")
                other.commit()
                other.close()
            else:
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '1ms'")
                    conn.execute(update(ImportJob).where(ImportJob.id == job_id)
                                 .values(filename=ImportJob.filename))
        wrote.append(done)

    monkeypatch.setattr(running, "_after_slice", write_elsewhere)
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    assert wrote == [2, 4, 6]


def test_a_code_taken_since_the_check_fails_the_run_cleanly(app):
    job_id = check(app, rows_csv(3))
    add_client(app, name="Someone Else", code="C1")
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    assert job_of(app, job_id).failure == {"code": "code_taken", "lines": [3], "value": "C1",
                                           "name": "Someone Else"}
    assert count(app, Client) == 1


def test_a_code_taken_between_two_slices_takes_the_run_back(app, monkeypatch):
    job_id = check(app, rows_csv(4))
    monkeypatch.setattr(running, "CREATE_SLICE", 2)

    def take_a_code(job_id, done):
        if done == 2:
            add_client(app, name="Quick", code="C3")

    monkeypatch.setattr(running, "_after_slice", take_a_code)
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    assert job_of(app, job_id).failure == {"code": "code_taken_meanwhile"}
    with app.app_context():
        assert db.session.scalars(select(Client.name)).all() == ["Quick"]


def test_a_client_deleted_since_the_check_fails_the_run_cleanly(app):
    gone = add_client(app, name="Old", code="G1")
    job_id = check(app, b"Name,Code\nNew,G1\nOther,G2\n", mode="update")
    with app.app_context():
        db.session.delete(db.session.get(Client, gone))
        db.session.commit()
    assert queue(app, job_id)
    assert run(app, job_id) == "failed"
    assert job_of(app, job_id).failure["code"] == "client_gone"
    assert count(app, Client) == 0


def test_progress_is_seen_by_other_connections_slice_by_slice(app, monkeypatch):
    job_id = check(app, rows_csv(10))
    monkeypatch.setattr(running, "CREATE_SLICE", 2)
    seen = []

    def look(job_id, done):
        # Another app context: another session and connection, as another worker.
        with app.app_context():
            job = db.session.get(ImportJob, job_id)
            seen.append((job.state, job.done_rows, job.percent))

    monkeypatch.setattr(running, "_after_slice", look)
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    assert seen == [("running", n, n * 10) for n in (2, 4, 6, 8, 10)]


def test_a_stale_heartbeat_is_recovered_and_taken_back(app):
    job_id = check(app, rows_csv(2))
    assert queue(app, job_id)
    with app.app_context():
        assert jobs.recover_stale() == 0  # fresh: someone is on it
        # A worker that wrote one client, then stopped beating five minutes ago.
        db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            state="running", heartbeat_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    add_client(app, name="Half", code="H1", import_job_id=job_id)
    with app.app_context():
        assert jobs.is_stale(db.session.get(ImportJob, job_id))
        assert jobs.recover_stale() == 1
    assert job_of(app, job_id).state == "interrupted"
    assert count(app, Client) == 0
    assert queue(app, job_id, ("failed", "interrupted"))
    assert run(app, job_id) == "done"
    assert count(app, Client) == 2


def test_a_slow_worker_whose_job_was_recovered_stops_and_keeps_nothing(app, monkeypatch):
    job_id = check(app, rows_csv(4))
    monkeypatch.setattr(running, "CREATE_SLICE", 2)

    def recovered_meanwhile(job_id, done):
        with app.app_context():
            db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
                heartbeat_at=utcnow() - timedelta(minutes=5)))
            db.session.commit()
            assert jobs.recover_stale() == 1

    monkeypatch.setattr(running, "_after_slice", recovered_meanwhile)
    assert queue(app, job_id)
    assert run(app, job_id) == "interrupted"
    assert job_of(app, job_id).state == "interrupted"
    assert count(app, Client) == 0


KILLED_WORKER = textwrap.dedent("""
    import sys, time
    from clientapp import create_app, jobs
    from clientapp.imports import running
    from clientapp.imports.models import ImportJob

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "killed"})
    running.CREATE_SLICE = 2

    def hang(job_id, done):
        print("written", done, flush=True)
        time.sleep(120)

    running._after_slice = hang
    jobs.lifecycle.run_in_app(app, running.run_job, int(sys.argv[2]))
""")


def test_a_worker_killed_halfway_is_taken_back_and_runs_again(make_app, database_url,
                                                             tmp_path, monkeypatch):
    app = make_app(CLIENTAPP_JOB_STALE_SECONDS=0)
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
        assert line.strip() == "written 2", line  # one slice committed, halfway
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()
    assert job_of(app, job_id).state == "running"  # as the dead worker left it

    page = manager.get(f"/clients/import/{job_id}")
    body = page.get_data(as_text=True)
    assert "The import was interrupted" in body and "Run again" in body
    assert job_of(app, job_id).state == "running"  # a GET reads, it never writes

    monkeypatch.setattr(jobs, "start",
                        lambda application, model, job: jobs.lifecycle.run_in_app(
                            application, running.run_job, job))
    response = manager.post(f"/clients/import/{job_id}/run-again")
    assert response.status_code == 303
    assert job_of(app, job_id).state == "done"
    assert count(app, Client) == 10
    assert len(created_by(app, job_id)) == 10


def test_recover_jobs_command_takes_back_a_dead_workers_import(make_app):
    app = make_app(CLIENTAPP_JOB_STALE_SECONDS=0)
    job_id = check(app, rows_csv(2))
    assert queue(app, job_id)
    with app.app_context():
        db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            state="running", heartbeat_at=utcnow() - timedelta(seconds=5)))
        db.session.commit()
    add_client(app, name="Half", code="H1", import_job_id=job_id)
    result = app.test_cli_runner().invoke(args=["recover-jobs"])
    assert result.exit_code == 0, result.output
    assert "1 job" in result.output
    assert job_of(app, job_id).state == "interrupted"
    assert count(app, Client) == 0


# --- Undo -------------------------------------------------------------------------------------
def do_undo(app, job_id: int, remove_touched: bool = False):
    with app.app_context():
        report = undo.undo_job(db.session.get(ImportJob, job_id), None, remove_touched)
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
    new_a, new_b = created_by(app, job_id)
    with app.app_context():
        db.session.add(Project(name="Gala", client_id=new_b))
        # Someone edits one updated client's phone after the import.
        db.session.get(Client, edited_since).phone = "444"
        db.session.commit()

    report = do_undo(app, job_id)
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
        assert job.state == "undone" and job.undo_report == report
    assert do_undo(app, job_id) is None  # once only
    with app.app_context():
        from clientapp.activity import Event

        undone = db.session.scalars(select(Event).where(Event.kind == "import.undone",
                                                        Event.client_id.is_(None))).one()
        # And on the timeline of each client it made or changed that is still there.
        assert sorted(db.session.scalars(select(Event.client_id).where(
            Event.kind == "import.undone", Event.client_id.is_not(None)))) == sorted(
            [new_b, updated, edited_since])
        assert undone.data == {"job": job_id, "file": "clients.csv", "removed": 1,
                               "restored": 2}


def test_undo_never_deletes_a_client_the_import_did_not_create(app):
    """Import three, delete the last, create one by hand: on SQLite without AUTOINCREMENT
    it got the freed id, and undo deleted it. Ids are never reused, and undo goes by the
    import each client records."""
    job_id = check(app, rows_csv(3))
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    last = created_by(app, job_id)[-1]
    with app.app_context():
        db.session.delete(db.session.get(Client, last))
        db.session.commit()
    by_hand = add_client(app, name="By Hand")
    assert by_hand > last
    report = do_undo(app, job_id)
    assert report["removed"] == 2
    with app.app_context():
        assert db.session.scalars(select(Client.name)).all() == ["By Hand"]


def test_import_job_ids_are_never_reused(app):
    first = check(app, rows_csv(1))
    with app.app_context():
        db.session.delete(db.session.get(ImportJob, first))
        db.session.commit()
    assert check(app, rows_csv(1)) > first


def test_undo_keeps_clients_edited_since_unless_asked(app):
    job_id = check(app, rows_csv(50))
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    edited = created_by(app, job_id)[7]
    with app.app_context():
        db.session.get(Client, edited).phone = "+1 514 555 0000"
        db.session.commit()
        plan = undo.undo_plan(db.session.get(ImportJob, job_id))
    assert plan["created"] == 50
    assert plan["touched"] == {"count": 1, "names": [{"id": edited, "name": "Client 7"}]}
    assert plan["with_projects"]["count"] == 0

    report = do_undo(app, job_id)
    assert report["removed"] == 49
    assert report["touched"] == [{"id": edited, "name": "Client 7"}]
    with app.app_context():
        assert db.session.scalars(select(Client.id)).all() == [edited]


def test_undo_removes_edited_clients_too_when_asked(app):
    job_id = check(app, rows_csv(5))
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    ids = created_by(app, job_id)
    with app.app_context():
        db.session.get(Client, ids[0]).phone = "123"
        db.session.add(Project(name="Kept", client_id=ids[1]))
        db.session.commit()
    report = do_undo(app, job_id, remove_touched=True)
    assert report["removed"] == 4
    assert report["kept"] == [{"id": ids[1], "name": "Client 1"}]  # projects need it
    with app.app_context():
        assert db.session.scalars(select(Client.id)).all() == [ids[1]]


# --- The search index survives a bulk import (SQLite fills it in bulk, not per row). ---

TRIGGERS = {"clients_fts_insert", "clients_fts_update", "clients_fts_delete"}


def triggers(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return TRIGGERS
        # The clients' triggers: other searchable tables (projects, staff) have their own.
        return {r[0] for r in db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='clients'"))}


def big(n, start=0, word="Zebra"):
    return ("Name,Code,Address\n" + "".join(
        f"{word} {i},K{i},{i} Main Street\n" for i in range(start, start + n))).encode()


def test_a_large_import_is_searchable_and_keeps_the_triggers(app, monkeypatch):
    add_client(app, name="Before Zebra", code="B0")
    # Two slices, each filling the index in bulk.
    monkeypatch.setattr(running, "CREATE_SLICE", running.BULK_INDEX_MIN + 3)
    job_id = check(app, big(2 * running.BULK_INDEX_MIN + 5))
    with app.app_context():
        assert jobs.queue(ImportJob, job_id, ("checked",))
        db.session.commit()
        assert running.run_job(job_id) == "done"
    assert triggers(app) == TRIGGERS
    total = 2 * running.BULK_INDEX_MIN + 5
    with app.app_context():
        assert count_clients(client_params(q="zebra 100")) == 12  # 100, 1000..1009, 2000..
        assert count_clients(client_params(q="zebra")) == total + 1
        assert count_clients(client_params(q="street main")) == total
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("INSERT INTO clients_fts(clients_fts) VALUES('integrity-check')"))
            # The run's settings of the index are put back as FTS5's defaults.
            settings = dict(db.session.execute(text("SELECT k, v FROM clients_fts_config")).all())
            assert settings["automerge"] == 4 and settings["hashsize"] == 1024 * 1024
        # The triggers work again after the run: an edit is found under its new name.
        client = db.session.scalar(select(Client).where(Client.code == "K5"))
        client.name = "Okapi"
        db.session.commit()
        assert count_clients(client_params(q="okapi")) == 1


def test_a_failed_large_import_keeps_the_triggers(app, monkeypatch):
    monkeypatch.setattr(running, "CREATE_SLICE", running.BULK_INDEX_MIN + 3)
    job_id = check(app, big(2 * running.BULK_INDEX_MIN + 5))

    def boom(job_id, done):
        raise RuntimeError("boom")
    monkeypatch.setattr(running, "_after_slice", boom)
    with app.app_context():
        assert jobs.queue(ImportJob, job_id, ("checked",))
        db.session.commit()
        assert running.run_job(job_id) == "failed"
    assert triggers(app) == TRIGGERS
    with app.app_context():
        assert count_clients(client_params(q="zebra")) == 0
        db.session.rollback()  # (a transaction sees its own snapshot: end it to see more)
        add_client(app, name="Zebra Later", code="ZL")
        assert count_clients(client_params(q="zebra")) == 1
    monkeypatch.setattr(running, "_after_slice", lambda job_id, done: None)
    with app.app_context():
        assert jobs.queue(ImportJob, job_id, ("failed",))
        db.session.commit()
        assert running.run_job(job_id) == "done"
        assert count_clients(client_params(q="zebra")) == 2 * running.BULK_INDEX_MIN + 6


def test_an_import_that_renames_a_client_refreshes_its_projects_search(app):
    """A client renamed by an import (update mode), then by its undo: a search by its name
    finds its projects each time."""
    from datetime import date

    from clientapp.projects import services as projects

    from .factories import add_project

    client_id = add_client(app, name="Acme", code="U1")
    add_project(app, client_id, "Gala", date(2026, 7, 1))

    def found(q):
        with app.test_request_context():
            day = projects.today()
            return [p.name for p in projects.list_page(projects.project_params(q=q), day)[0].items]

    job_id = check(app, b"Name,Code\nGlobex Studio,U1\n", mode="update")
    assert queue(app, job_id)
    assert run(app, job_id) == "done"
    assert found("globex") == ["Gala"] and found("acme") == []
    do_undo(app, job_id)
    assert found("acme") == ["Gala"] and found("globex") == []
