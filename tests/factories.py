"""Rows the tests need, written straight to the database (not through the pages)."""
from sqlalchemy import func, select

from clientapp.clients.models import Client
from clientapp.extensions import db
from clientapp.imports.models import ImportJob
from clientapp.projects.models import Project


def add_client(app, name="Acme", **fields) -> int:
    with app.app_context():
        client = Client(name=name, **fields)
        db.session.add(client)
        db.session.commit()
        return client.id


def add_project(app, client_id, name="Launch", start=None, end=None) -> int:
    with app.app_context():
        project = Project(name=name, client_id=client_id, start_date=start, end_date=end)
        db.session.add(project)
        db.session.commit()
        return project.id


def load_client(app, client_id) -> Client | None:
    """The client as stored now, detached so a test can read it after the context ends."""
    with app.app_context():
        client = db.session.get(Client, client_id)
        if client is not None:
            db.session.expunge(client)
        return client


def job_of(app, job_id: int) -> ImportJob:
    """The import job as stored now, detached so a test can read it after the context ends."""
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        db.session.expunge(job)
        return job


def count(app, model) -> int:
    """How many rows of `model` the database holds now."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))
