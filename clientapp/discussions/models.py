from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db

BODY_MAX = 5000
SEND_KEY_MAX = 64


class Message(db.Model):
    __tablename__ = "discussion_messages"
    __table_args__ = (
        Index("ix_discussion_messages_project", "project_id", "id"),
        Index("ix_discussion_messages_changed", "project_id", "changed_at"),
        # One message per press of Send: the form's key, sent again by a double Enter or a
        # retried request, finds the message already there.
        UniqueConstraint("author_id", "send_key", name="uq_discussion_messages_send_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # A user deleted since leaves their messages, unattributed.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    send_key: Mapped[str | None] = mapped_column(String(SEND_KEY_MAX), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A deleted message stays in place as "Message deleted", its text gone.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The last edit or deletion: open pages ask for the messages changed since they looked.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    author = relationship("User")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ReadMark(db.Model):
    """How far a user has read a project's discussion."""

    __tablename__ = "discussion_reads"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
