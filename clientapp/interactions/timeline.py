"""Reading the timeline: one page of events, newest first, by keyset on (at, id).

A page ends with a cursor (the last entry's time in microseconds and its id); the next page
is what comes strictly before it, so entries with equal times are neither skipped nor
repeated, and an entry logged meanwhile does not shift the pages."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import not_, select, tuple_
from sqlalchemy.orm import selectinload

from ..activity import LOGGED_KINDS, Event, EventKind
from ..extensions import db
from ..ids import as_id

PAGE_SIZE = 20
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)

LOGGED_LABELS = {EventKind.NOTE: _l("Note"), EventKind.CALL: _l("Call"),
                 EventKind.EMAIL: _l("Email"), EventKind.MEETING: _l("Meeting")}
# The timeline's "Type" filter: everything, what users logged (all or one kind), the app's.
TYPE_CHOICES = ("all", "logged", "note", "call", "email", "meeting", "app")


def type_labels() -> dict:
    return {"all": _l("All entries"), "logged": _l("Logged interactions"),
            "note": _l("Notes"), "call": _l("Calls"), "email": _l("Emails"),
            "meeting": _l("Meetings"), "app": _l("App events")}


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.at - EPOCH) // _MICROSECOND}-{self.id}"

    @classmethod
    def parse(cls, raw: str | None) -> "Cursor | None":
        micros, _, ident = (raw or "").partition("-")
        if not micros.isdigit() or len(micros) > 18 or as_id(ident) is None:
            return None
        try:
            return cls(EPOCH + int(micros) * _MICROSECOND, as_id(ident))
        except OverflowError:
            return None


def read_type(raw: str | None) -> str:
    return raw if raw in TYPE_CHOICES else "all"


def narrowed(query, kind: str = "all", who: int | None = None):
    """`query` over events, narrowed to a Type filter value and an author."""
    if kind == "logged":
        query = query.where(Event.kind.in_(LOGGED_KINDS))
    elif kind == "app":
        query = query.where(not_(Event.kind.in_(LOGGED_KINDS)))
    elif kind in TYPE_CHOICES[2:6]:
        query = query.where(Event.kind == f"interaction.{kind}")
    if who is not None:
        query = query.where(Event.actor_id == who)
    return query


def page_of(query, before: Cursor | None = None, size: int = PAGE_SIZE):
    """(entries, cursor of the next page or None) of `query` (a select(Event), filtered)."""
    if before is not None:
        query = query.where(tuple_(Event.at, Event.id) < tuple_(before.at, before.id))
    entries = db.session.scalars(
        query.options(selectinload(Event.actor), selectinload(Event.contact))
        .order_by(Event.at.desc(), Event.id.desc()).limit(size + 1)).all()
    more = len(entries) > size
    entries = entries[:size]
    return entries, (Cursor(entries[-1].at, entries[-1].id) if more else None)


def client_timeline(client_id: int, kind: str = "all", who: int | None = None,
                    before: Cursor | None = None, size: int = PAGE_SIZE):
    return page_of(narrowed(select(Event).where(Event.client_id == client_id), kind, who),
                   before, size)
