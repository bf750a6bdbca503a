"""Search: one definition of the index for every searchable table, used by the models, the
migrations and the queries.

A searchable table has a `search_text` column: its searchable fields, each reduced by
search_key() (no case, no accents, ligatures spelt out, punctuation as spaces), one per
line. A search is cut into words reduced the same way; a row matches when its text holds
every word, anywhere and in any order: "fetes generale" finds "Société Générale des Fêtes",
"cote d azur" finds "Côte d'Azur". A word with an apostrophe is also kept joined ("loreal"
finds "L'Oréal").

- SQLite: an FTS5 trigram index `<table>_fts` over search_text (external content: it keeps
  only the index), kept in step by three triggers. A word of three characters or more goes
  through the index; shorter ones are a LIKE on the rows the index found.
- PostgreSQL: a GIN trigram index (pg_trgm) over search_text, which LIKE '%word%' uses.

Migrations create, drop and repair the index through this module (create_index,
drop_index, batch_alter_table), so each table's index is written down once. SQLite's
batch mode rebuilds a table by copying it, which drops its triggers without a word:
batch_alter_table() here puts them back, and tests/test_search.py checks at head that every
searchable table has its index and its triggers.
"""
import re
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Integer, column, false, text

from ..extensions import db
from ..text import fold

# Every ASCII character but letters and digits, and the typographic marks people paste,
# become spaces.
_PUNCTUATION = str.maketrans({c: " " for c in [chr(i) for i in range(128)
                                               if not chr(i).isalnum()]})
_NOT_WORD = re.compile(r"[\W_]+")
TRIGRAM = 3  # the index helps from this many characters on


def search_key(value: str | None) -> str:
    """What search compares: words of letters and digits, folded (clientapp.text.fold),
    separated by one space: "Champs-Élysées" -> "champs elysees", "Œuvre" -> "oeuvre"."""
    folded = fold(value)
    if folded.isascii():
        return " ".join(folded.translate(_PUNCTUATION).split())
    return " ".join(_NOT_WORD.sub(" ", folded).split())


# A word with an apostrophe inside ("L'Oréal", "aujourd’hui"): typed with it, with a space
# or without it. search_key() splits it ("l oreal"); search_text() adds it joined too.
_ELIDED = re.compile(r"\w+(?:['\u2018\u2019\u02bc\uff07]\w+)+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\uff07]")


def joined_words(value: str | None) -> str:
    """The words of `value` that hold an apostrophe, without it and reduced like the rest:
    "L'Oréal Événements" -> "loreal"; "" when there is none."""
    if not value or not _APOSTROPHES.search(value):
        return ""
    return search_key(" ".join(_APOSTROPHES.sub("", word) for word in _ELIDED.findall(value)))


def search_text(*values) -> str:
    """The search_text of a row whose searchable fields are `values`: each one's words, and
    its words with an apostrophe also written without it (so "loreal", "l'oreal", "l oreal"
    and "oreal" all find "L'Oréal")."""
    keys = []
    for value in values:
        key = search_key(value)
        if key:
            keys.append(key)
            joined = joined_words(value)
            if joined:
                keys.append(joined)
    return "\n".join(keys)


def words(query: str | None) -> list[str]:
    """The words of a search, reduced like the text they are looked for in, each once."""
    return list(dict.fromkeys(search_key(query).split()))


@dataclass(frozen=True)
class Searchable:
    table: str
    column: str = "search_text"
    key: str = "id"

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    @property
    def triggers(self) -> tuple[str, str, str]:
        return (f"{self.fts}_insert", f"{self.fts}_delete", f"{self.fts}_update")

    @property
    def trigram_index(self) -> str:
        return f"ix_{self.table}_{self.column}_trgm"

    def sqlite_table(self) -> str:
        # columnsize=0: only ranking reads the column sizes, and lists sort, never rank.
        return (f"CREATE VIRTUAL TABLE {self.fts} USING fts5({self.column}, "
                f"content='{self.table}', content_rowid='{self.key}', tokenize='trigram', "
                "columnsize=0)")

    def sqlite_triggers(self) -> list[str]:
        t, c, k, fts = self.table, self.column, self.key, self.fts
        insert, delete, update = self.triggers
        return [
            f"CREATE TRIGGER {insert} AFTER INSERT ON {t} BEGIN "
            f"INSERT INTO {fts}(rowid, {c}) VALUES (new.{k}, new.{c}); END",
            f"CREATE TRIGGER {delete} AFTER DELETE ON {t} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {c}) VALUES ('delete', old.{k}, old.{c}); END",
            f"CREATE TRIGGER {update} AFTER UPDATE OF {c} ON {t} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {c}) VALUES ('delete', old.{k}, old.{c}); "
            f"INSERT INTO {fts}(rowid, {c}) VALUES (new.{k}, new.{c}); END",
        ]


SEARCHABLE: dict[str, Searchable] = {}


def register(table: str, column: str = "search_text") -> Searchable:
    """Declare `table` searchable (its model module calls this); returns its definition."""
    found = SEARCHABLE.setdefault(table, Searchable(table, column))
    return found


# --- Migrations ---------------------------------------------------------------------------------
def _run(op, statement: str) -> None:
    op.execute(statement)


def create_index(op, table: str, column: str = "search_text") -> None:
    """Create the search index of `table` (its rows already in it are indexed)."""
    index = Searchable(table, column)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(op, index.sqlite_table())
        _run(op, f"INSERT INTO {index.fts}({index.fts}) VALUES ('rebuild')")
        for statement in index.sqlite_triggers():
            _run(op, statement)
    elif dialect == "postgresql":
        _run(op, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
        _run(op, f"CREATE INDEX {index.trigram_index} ON {table} "
                 f"USING gin ({column} gin_trgm_ops)")


def drop_index(op, table: str, column: str = "search_text") -> None:
    index = Searchable(table, column)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in index.triggers:
            _run(op, f"DROP TRIGGER IF EXISTS {name}")
        _run(op, f"DROP TABLE IF EXISTS {index.fts}")
    elif dialect == "postgresql":
        _run(op, f"DROP INDEX IF EXISTS {index.trigram_index}")


def restore_triggers(op, table: str, column: str = "search_text") -> None:
    """Put back the SQLite triggers of `table` (after a batch rebuild dropped them)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    index = Searchable(table, column)
    for name in index.triggers:
        _run(op, f"DROP TRIGGER IF EXISTS {name}")
    for statement in index.sqlite_triggers():
        _run(op, statement)


@contextmanager
def batch_alter_table(op, table: str, column: str = "search_text", **kwargs):
    """op.batch_alter_table() for a searchable table: the same, with its triggers put back."""
    with op.batch_alter_table(table, **kwargs) as batch:
        yield batch
    restore_triggers(op, table, column)


# --- Queries ----------------------------------------------------------------------------------
def matching(query, model, q: str, alias: str = "search_matches"):
    """Narrow the select() `query` over `model` to the rows whose search text holds every word
    of `q`. On SQLite the words of three characters or more go through the FTS5 index,
    joined (not IN), so SQLite starts from the few matches."""
    index = SEARCHABLE[model.__tablename__]
    found = words(q)
    if not found:
        return query.where(false())  # punctuation alone: there is nothing to look for
    target = getattr(model, index.column)
    short = found
    if db.session.get_bind().dialect.name == "sqlite":
        long = [word for word in found if len(word) >= TRIGRAM]
        short = [word for word in found if len(word) < TRIGRAM]
        if long:
            # A quoted FTS5 phrase per word; phrases side by side must all match.
            phrase = " ".join('"' + word.replace('"', '""') + '"' for word in long)
            matches = (text(f"SELECT rowid FROM {index.fts} WHERE {index.fts} MATCH :phrase")
                       .bindparams(phrase=phrase).columns(column("rowid", Integer))
                       .subquery(alias))
            query = query.join(matches, getattr(model, index.key) == matches.c.rowid)
    # Words hold letters and digits only (search_key), so none is a LIKE wildcard.
    for word in short:
        query = query.where(target.like(f"%{word}%"))
    return query
