"""Logged interactions: written as events (with their summary, details and contact), and
the client's last_interaction_at kept in step, around the ORM (no version move: logging a
call is no edit of the client)."""
from flask_login import current_user
from sqlalchemy import func, select, update

from ..activity import LOGGED_KINDS, Event
from ..clients.models import Client
from ..extensions import db


def refresh_last_interaction(client_id: int) -> None:
    db.session.flush()
    latest = (select(func.max(Event.at)).where(Event.client_id == client_id,
                                               Event.kind.in_(LOGGED_KINDS))
              .scalar_subquery())
    table = Client.__table__
    db.session.execute(update(table).where(table.c.id == client_id)
                       .values(last_interaction_at=latest))
    client = db.session.get(Client, client_id)
    if client is not None:
        db.session.expire(client, ["last_interaction_at"])


def log_interaction(client: Client, values: dict) -> Event:
    event = Event(client_id=client.id, actor_id=current_user.id, data={}, **values)
    db.session.add(event)
    refresh_last_interaction(client.id)
    return event


def update_interaction(event: Event, values: dict) -> None:
    for name, value in values.items():
        setattr(event, name, value)
    refresh_last_interaction(event.client_id)


def delete_interaction(event: Event) -> None:
    client_id = event.client_id
    db.session.delete(event)
    refresh_last_interaction(client_id)
