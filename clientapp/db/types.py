"""Column types shared by the models."""
from datetime import timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from .time import aware


class UTCDateTime(TypeDecorator):
    """A moment in time, stored in UTC and always read back aware.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps text without one and hands back
    naive datetimes: both come out of this type aware and in UTC, so no caller converts."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return aware(value).astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return aware(value).astimezone(timezone.utc)
