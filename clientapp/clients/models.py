from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import search
from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db
from ..text import fold, folded_match_key

CLIENT_TYPES = ("company", "individual")
NAME_MAX = 200
CODE_MAX = 50
EMAIL_MAX = 254
PHONE_MAX = 50
ADDRESS_MAX = 2000


def code_key(code: str | None) -> str | None:
    """What makes two codes the same: case is ignored ("ab-1" = "AB-1")."""
    return code.strip().casefold()[:CODE_MAX] if code and code.strip() else None


def client_keys(name, code, address, email, contact_words: str | None = "") -> tuple:
    """(name_key, code_key, match_key, search_text) for these values: what the listener
    below stores on every save, and what the importer's bulk inserts (which skip ORM
    events) store for each row. `contact_words`: the client's contacts' names and emails
    (contacts.services keeps them), searched with the client's own fields."""
    folded = fold(name)
    return (folded[:NAME_MAX], code_key(code), folded_match_key(folded)[:NAME_MAX],
            search.search_text(name, code, address, email, contact_words))


class Client(db.Model):
    __tablename__ = "clients"
    # AUTOINCREMENT on SQLite: an id is never given again once its client is deleted, so
    # nothing that remembers an id (an import's undo, a link, an event) can reach another.
    __table_args__ = (
        Index("ix_clients_archived_name", "archived_at", "name_key", "id"),
        Index("ix_clients_archived_created", "archived_at", "created_at", "id"),
        Index("ix_clients_archived_code", "archived_at", "code_key", "id"),
        Index("ix_clients_match_key", "match_key"),
        Index("ix_clients_import_job_id", "import_job_id"),
        # The list's Last interaction sort, and the dashboard's Needs attention (never
        # interacted with: by creation).
        Index("ix_clients_archived_interaction", "archived_at", "last_interaction_at",
              "created_at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16), default="company")
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    code: Mapped[str | None] = mapped_column(String(CODE_MAX), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX), nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    archive_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # The import that created this client: "Undo import" removes exactly these.
    import_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="SET NULL"), nullable=True)
    # Optimistic locking: SQLAlchemy adds "AND version = ?" to every UPDATE and raises
    # StaleDataError when another writer got there first.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    # Derived keys, kept in step by the listener below, so sorting, search and the
    # duplicate check use plain indexed columns on SQLite and PostgreSQL alike.
    name_key: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    # Unique among all clients ignoring case; NULL when there is no code.
    code_key: Mapped[str | None] = mapped_column(String(CODE_MAX), nullable=True, unique=True)
    match_key: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The search words of the client's contacts (contacts.services writes them with
    # search_text, without moving the version: a contact is not an edit of the client).
    contact_words: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the latest logged interaction took place (interactions.services keeps it, the
    # same way): the list sorts by it, the dashboard's "Needs attention" reads it.
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    projects = relationship("Project", back_populates="client", passive_deletes="all")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def refresh_keys(self) -> None:
        self.name_key, self.code_key, self.match_key, self.search_text = client_keys(
            self.name, self.code, self.address, self.email, self.contact_words)


search.register(Client.__tablename__)


@event.listens_for(Client, "before_insert")
@event.listens_for(Client, "before_update")
def _keys(mapper, connection, target: Client):
    target.refresh_keys()
