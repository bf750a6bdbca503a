"""The record of what happened: events written in the same transaction as the change they
record, so that both commit together or not at all (services flush, the route commits).

record() adds an event to the session; record_with(conn, ...) writes one on a Core
connection (a background job's transaction). What an event says is made when it is read,
from its kind and data, in the reader's language.
"""
from .models import LOGGED_KINDS, Event, EventKind
from .recording import record, record_with

__all__ = ["LOGGED_KINDS", "Event", "EventKind", "record", "record_with"]
