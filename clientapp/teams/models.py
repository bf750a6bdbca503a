"""A client's management team, copied to each project created for it; each member is in or
out of the project's team discussion."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db

ROLE_MAX = 200


class TeamMember:
    """What a member is on any team: a user, a role on the team, in discussions or not."""

    @declared_attr
    def user_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    role: Mapped[str | None] = mapped_column(String(ROLE_MAX), nullable=True)
    in_discussions: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def user(cls):
        return relationship("User", lazy="joined")

    @property
    def id(self) -> int:
        """A member is known on its team by its user's id (the section's item id)."""
        return self.user_id


class ClientTeamMember(TeamMember, db.Model):
    __tablename__ = "client_team_members"
    __table_args__ = (Index("ix_client_team_members_user", "user_id"),)

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)


class ProjectTeamMember(TeamMember, db.Model):
    __tablename__ = "project_team_members"
    __table_args__ = (Index("ix_project_team_members_user", "user_id", "in_discussions"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)


class ProjectTeamChange(db.Model):
    """A project whose team someone changed by hand: "Apply to upcoming projects" leaves
    its team alone (as project defaults leave a value changed for the project)."""

    __tablename__ = "project_team_changes"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
