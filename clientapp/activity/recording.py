from flask import has_request_context
from flask_login import current_user
from sqlalchemy import insert

from ..db.time import utcnow
from ..extensions import db
from .models import Event


def _current_actor_id() -> int | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


def record(kind: str, client=None, actor_id: int | None = None, **data) -> Event:
    """Add an event to the session, to commit with the change it records."""
    event = Event(kind=kind, client_id=getattr(client, "id", client),
                  actor_id=actor_id if actor_id is not None else _current_actor_id(),
                  data=data, at=utcnow())
    db.session.add(event)
    return event


def record_with(conn, kind: str, client_id: int | None = None, actor_id: int | None = None,
                **data) -> None:
    """Write an event on `conn` (a Core connection), in its transaction."""
    conn.execute(insert(Event.__table__).values(kind=kind, client_id=client_id,
                                                actor_id=actor_id, data=data, at=utcnow()))
