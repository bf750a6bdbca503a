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


def add_project(app, client_id, name="Launch", start=None, end=None, **fields) -> int:
    with app.app_context():
        # The client itself, not its id: the search text holds the client's name.
        client = db.session.get(Client, client_id) if client_id else None
        project = Project(name=name, client=client, start_date=start, end_date=end, **fields)
        db.session.add(project)
        db.session.commit()
        return project.id


def add_staff(app, name="Sam Staff", **fields) -> int:
    from clientapp.staff.models import StaffMember

    with app.app_context():
        member = StaffMember(name=name, **fields)
        db.session.add(member)
        db.session.commit()
        return member.id


def assign_staff(app, project_id, staff_id) -> None:
    from clientapp.projects.models import Assignment

    with app.app_context():
        db.session.add(Assignment(project_id=project_id, staff_id=staff_id))
        db.session.commit()


def load_project(app, project_id) -> Project | None:
    """The project as stored now, detached."""
    with app.app_context():
        project = db.session.get(Project, project_id)
        if project is not None:
            db.session.expunge(project)
        return project


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
