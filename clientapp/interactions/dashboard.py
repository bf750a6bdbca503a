"""The dashboard's Interactions box: the latest logged interactions across clients, and the
active clients that need attention (no interaction for CLIENTAPP_STALE_DAYS)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..activity import LOGGED_KINDS, Event
from ..clients.models import Client
from ..db.time import utcnow
from ..extensions import db

SHOWN = 10
COUNT_CAP = 1000


def latest_interactions(limit: int = 5) -> list[Event]:
    return db.session.scalars(
        select(Event).where(Event.kind.in_(LOGGED_KINDS))
        .options(selectinload(Event.client), selectinload(Event.actor))
        .order_by(Event.at.desc(), Event.id.desc()).limit(limit)).all()


def needs_attention(limit: int = SHOWN) -> dict:
    """{"count", "more", "clients", "days"}: active clients whose last interaction (or, never
    interacted with, their creation) is older than the stale days, the oldest first.

    Two range scans of ix_clients_archived_interaction, one for clients never interacted
    with (by creation), one for the others (by their last interaction), merged here."""
    days = current_app.config["CLIENTAPP_STALE_DAYS"]
    cutoff = utcnow() - timedelta(days=days)
    active = Client.archived_at.is_(None)
    never = (active, Client.last_interaction_at.is_(None), Client.created_at < cutoff)
    stale = (active, Client.last_interaction_at < cutoff)
    # Counted up to COUNT_CAP: past it the box says "more than", and a count never reads
    # more than that many index entries however many clients there are.
    capped = [select(func.count()).select_from(
        select(Client.id).where(*where).limit(COUNT_CAP + 1).subquery()).scalar_subquery()
        for where in (never, stale)]
    count = db.session.scalar(select(capped[0] + capped[1]))
    # Ordered by the index's own columns, archived_at and last_interaction_at included
    # although the first is NULL throughout (and the second in `never`): PostgreSQL then
    # reads the index in order and stops at `limit`, instead of sorting every stale client.
    in_index_order = (Client.archived_at, Client.last_interaction_at, Client.created_at,
                      Client.id)
    first = db.session.scalars(select(Client).where(*never)
                               .order_by(*in_index_order).limit(limit)).all()
    second = db.session.scalars(select(Client).where(*stale)
                                .order_by(*in_index_order).limit(limit)).all()
    oldest = sorted(first + second, key=lambda c: (c.last_interaction_at or c.created_at, c.id))
    return {"count": min(count, COUNT_CAP), "more": count > COUNT_CAP,
            "clients": oldest[:limit], "days": days}
