from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db


class EventKind(StrEnum):
    CLIENT_CREATED = "client.created"
    CLIENT_EDITED = "client.edited"  # data: {"changes": {field: [old, new]}}
    CLIENT_ARCHIVED = "client.archived"  # data: {"reason": ...}
    CLIENT_UNARCHIVED = "client.unarchived"
    CLIENT_DELETED = "client.deleted"  # data: {"name": ...} (the client is gone)
    IMPORT_DONE = "import.done"  # data: {"job": id, "file": ..., "created": n, "updated": n}
    IMPORT_UNDONE = "import.undone"  # data: {"job": id, "file": ..., "removed": n, ...}
    PROJECT_CREATED = "project.created"  # data: {"project": id, "name": ...}


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_client_at", "client_id", "at", "id"),
        Index("ix_events_at", "at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))  # EventKind, or a kind a feature adds
    # Who did it (None: the app itself, or a user deleted since).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # What it is about. A deleted client's events stay (client.deleted names it).
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")
