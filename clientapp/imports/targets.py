"""What an import brings in: an ImportTarget per kind of record (clients, staff members).

The importer is one for every target: reading.py reads the file, checking.py checks its
rows into import_rows and import_issues, running.py runs the job, undo.py takes it back,
routes.py has the pages (under /clients/import and /staff/import). A target says only what
is its own: the fields a file may have and the header names they are known by, a row's
rules, the key that matches a row to an existing record (a client's code, a staff member's
email), how its records are found, written and given back, and where they link to.

The clients' target is imports/clients_target.py; the staff's is staff/importing.py.
"""
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True, eq=False)
class ImportTarget:
    name: str  # import_jobs.target and the URL's first part (/clients/import, /staff/import)
    fields: tuple  # every field a file may have, in the order the column settings show
    record_fields: tuple  # those stored on the record itself (the rest: a related record)
    header_names: dict  # field -> header names it is recognised by, folded (reading.header_key)
    field_labels: dict  # field -> its label
    key_field: str  # the field a row is matched to an existing record by
    key: Callable  # value -> its matching key (None when empty): what "the same" means
    row_keys: Callable  # values -> (name_key, key, match_key, search_text) of the row
    row_errors: Callable  # values -> {field: message}: the record form's rules
    model: type  # the records' model; its table has id, name, version, import_job_id
    # The records' indexes for a check: owners(keys) -> {key: (id, name)};
    # lookalikes(match_keys) -> {match_key: (id, name)} (the oldest such record); with
    # None, every record (preloaded once while the table is small).
    owners: Callable
    lookalikes: Callable
    writer: Callable  # () -> running.Run's subclass that writes the rows
    # issue code (code_twice, code_used: of the key field; similar, similar_line: of the
    # name) -> (detail, row values) -> what it says, in the reader's language
    messages: dict
    record_endpoint: str  # a record's page, and the name of its id argument
    record_arg: str
    list_endpoint: str
    template: Callable  # () -> the template CSV's Response
    # An empty cell never erases these (a client's type: a client always has one).
    always_keep: tuple = ()
    # {record id: {related field: value}} of the matched records (a client's primary
    # contact), for the check to say what an update changes; None: no related fields.
    related: Callable | None = None
    # For undo (undo.py): SQL conditions on the records' table, as functions called when
    # the statement is built. kept: a record that must stay (it has projects, it works
    # projects); touched: someone worked on it since (kept unless the user asks).
    kept: Callable = None
    touched: Callable = None
    # values -> the derived columns to store with a record's restored values.
    record_keys: Callable = None
    # After undo gave records their names back: {id: name} (a client's projects are searched
    # by it). (session or connection, {id: name}) -> None.
    renamed: Callable | None = None
    extra: dict = field(default_factory=dict)

    def header_lookup(self) -> dict:
        return {alias: name for name, aliases in self.header_names.items() for alias in aliases}


TARGETS: dict[str, ImportTarget] = {}


def register(target: ImportTarget) -> ImportTarget:
    TARGETS[target.name] = target
    return target


def get(name: str | None) -> ImportTarget:
    """The target of that name (the clients' for a job from before targets existed)."""
    _load()
    return TARGETS.get(name or "clients") or TARGETS["clients"]


def of(job) -> ImportTarget:
    return get(getattr(job, "target", None))


def _load() -> None:
    # The targets register themselves when their modules are imported; the staff's lives in
    # its own package, which imports this one.
    if "staff" not in TARGETS:
        from ..staff import importing  # noqa: F401
    if "clients" not in TARGETS:
        from . import clients_target  # noqa: F401
