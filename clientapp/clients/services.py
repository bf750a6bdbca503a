"""Client queries and rules shared by the routes, the dashboard and the importer."""
from sqlalchemy import func, select

from ..extensions import db
from .models import Client


def dashboard_figures() -> dict:
    active, archived = db.session.execute(
        select(
            func.count().filter(Client.archived_at.is_(None)),
            func.count().filter(Client.archived_at.is_not(None)),
        ).select_from(Client)
    ).one()
    latest = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None))
        .order_by(Client.created_at.desc(), Client.id.desc()).limit(5)
    ).all()
    return {"active": active, "archived": archived, "latest": latest}
