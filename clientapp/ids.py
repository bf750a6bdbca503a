"""Ids from URLs and forms: whole numbers the database can hold, or nothing.

A number past what an id column holds (2**31 - 1 on PostgreSQL) would reach the database
and fail there (OverflowError on SQLite, "integer out of range" on PostgreSQL): such a URL
is a 404 like any id that does not exist, and such a form value is no id at all.
"""
from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1


def _numbers_up_to(limit: int) -> str:
    """A regex for the whole numbers from 1 to `limit`, without leading zeros."""
    digits = str(limit)
    parts = [r"[1-9]\d{0,%d}" % (len(digits) - 2)] if len(digits) > 1 else []
    for i, digit in enumerate(digits):  # as many digits as `limit`, a smaller one at i
        low = 1 if i == 0 else 0
        if int(digit) > low:
            parts.append(f"{digits[:i]}[{low}-{int(digit) - 1}]\\d{{{len(digits) - i - 1}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<id:client_id>`: a positive id within range. The range is in the regex itself, so a
    URL with any other number matches no rule at all: a 404 whatever the method (a value
    refused only after matching would give 405 where another method's rule has the path)."""

    regex = _numbers_up_to(ID_MAX)

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=ID_MAX)


def as_id(value) -> int | None:
    """`value` (a form or query string) as an id, or None."""
    if isinstance(value, int):
        number = value
    else:
        text = (value or "").strip()
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(ID_MAX)):
            return None
        number = int(text)
    return number if 1 <= number <= ID_MAX else None


def as_ids(values) -> list[int]:
    return [number for number in map(as_id, values) if number is not None]


def init_app(app) -> None:
    app.url_map.converters["id"] = IdConverter
