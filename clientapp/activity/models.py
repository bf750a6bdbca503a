from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db


SUMMARY_MAX = 200


class EventKind(StrEnum):
    CLIENT_CREATED = "client.created"
    CLIENT_EDITED = "client.edited"  # data: {"changes": {field: [old, new]}}
    CLIENT_ARCHIVED = "client.archived"  # data: {"reason": ...}
    CLIENT_UNARCHIVED = "client.unarchived"
    CLIENT_DELETED = "client.deleted"  # data: {"name": ...} (the client is gone)
    IMPORT_DONE = "import.done"  # data: {"job": id, "file": ..., "created": n, "updated": n}
    IMPORT_UNDONE = "import.undone"  # data: {"job": id, "file": ..., "removed": n, ...}
    CONTACT_ADDED = "contact.added"  # data: {"contact": id, "name": ...}
    CONTACT_REMOVED = "contact.removed"  # data: {"contact": id, "name": ...}
    PROJECT_CREATED = "project.created"  # data: {"project": id, "name": ...}
    # On the client it left and the one it joined: {"project": id, "name": ...,
    # "from"/"to": the other client's name, or None for no client}
    PROJECT_MOVED_OUT = "project.moved_out"
    PROJECT_MOVED_IN = "project.moved_in"
    TEAM_MEMBER_ADDED = "team.added"  # data: {"user": id, "name": ..., "role": ...}
    TEAM_MEMBER_CHANGED = "team.changed"  # data: {"user": id, "name": ..., "changes": {...}}
    TEAM_MEMBER_REMOVED = "team.removed"  # data: {"user": id, "name": ...}
    TEAM_APPLIED = "team.applied"  # data: {"projects": n} (given to its upcoming projects)
    DEFAULTS_CHANGED = "defaults.changed"  # data: {"part": one of defaults.models.PARTS}
    DEFAULTS_APPLIED = "defaults.applied"  # data: {"projects": n}
    # Interactions users log (summary, details, contact_id); the only events anyone edits.
    NOTE = "interaction.note"
    CALL = "interaction.call"
    EMAIL = "interaction.email"
    MEETING = "interaction.meeting"


LOGGED_KINDS = (EventKind.NOTE, EventKind.CALL, EventKind.EMAIL, EventKind.MEETING)


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_client_at", "client_id", "at", "id"),
        Index("ix_events_at", "at", "id"),
        # The dashboard's latest interactions, across clients.
        Index("ix_events_kind_at", "kind", "at", "id"),
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
    # A logged interaction's own fields (None on the app's events). The contact it was
    # with; removing the contact leaves the interaction, without it.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True)
    summary: Mapped[str | None] = mapped_column(String(SUMMARY_MAX), nullable=True)
    details: Mapped[str | None] = mapped_column(Text, nullable=True)

    actor = relationship("User")
    contact = relationship("Contact")
    client = relationship("Client")

    @property
    def logged(self) -> bool:
        return self.kind in LOGGED_KINDS
