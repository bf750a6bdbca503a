"""Checking every row before anything is written.

Each row is cleaned and validated exactly as the client form does it (clients/validation.py),
then against the rest of the file (a code twice) and the database (a code already used, a
client to update, a name that looks like an existing client). The outcome is stored in
import_rows and import_issues; nothing touches the clients table here.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, insert, select, update

from ..clients.models import Client, client_keys, code_key
from ..clients.validation import clean, field_errors
from ..extensions import db
from .models import ImportIssue, ImportJob, ImportRow, ImportState, IssueKind, RowStatus
from .reading import CONTACT_FIELDS, FIELDS, IMPORT_FIELDS, FileProblem, Table, header_key, unneutralise

BATCH = 1000  # rows per database round trip
# Rows checked between two commits of a new file's check: checked first, then written at
# once, so that the write lock is held for the writing only.
SLICE = 10_000
NO_ROWS = _l("The file has a header line but no rows to import.")
PREVIEW_ROWS = 5
PREVIEW_CELL = 200

# The words a Type cell may hold, in English and French, folded; the export writes the label.
TYPE_WORDS = {
    "company": "company", "entreprise": "company", "societe": "company",
    "organisation": "company", "organization": "company", "business": "company",
    "individual": "individual", "particulier": "individual", "individu": "individual",
    "person": "individual", "personne": "individual", "personnephysique": "individual",
}
TYPE_LABELS = {"company": _l("Company"), "individual": _l("Individual")}
FIELD_LABELS = {"name": _l("Name"), "code": _l("Code"), "address": _l("Address"),
                "email": _l("Email"), "phone": _l("Phone"), "type": _l("Type"),
                "contact_name": _l("Contact name"), "contact_email": _l("Contact email"),
                "contact_phone": _l("Contact phone")}


def contact_values(values: dict) -> dict | None:
    """The primary contact a row describes (contacts.services' fields), or None."""
    from ..contacts.services import split_name

    if not any(values.get(name) for name in CONTACT_FIELDS):
        return None
    first, last = split_name(values.get("contact_name"))
    return {"first_name": first, "last_name": last, "email": values.get("contact_email"),
            "phone": values.get("contact_phone")}


def contact_row(contact) -> dict:
    """A contact as the contact columns of a file would hold it."""
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return {"contact_name": name or None, "contact_email": contact.email,
            "contact_phone": contact.phone}


def row_keys(values: dict) -> tuple:
    """client_keys() of a row, its contact's name and email searched with the client."""
    from ..db.search import search_text

    return client_keys(values.get("name"), values.get("code"), values.get("address"),
                       values.get("email"), search_text(values.get("contact_name"),
                                                        values.get("contact_email")))


def row_errors(values: dict) -> dict:
    """The client form's rules, and the contact form's for the contact columns."""
    from ..contacts.services import contact_errors

    errors = field_errors({name: values[name] for name in values if name in FIELDS})
    contact = contact_values(values)
    if contact is not None:
        found = contact_errors(contact)
        if contact["email"] and "last_name" in found:
            # A file may name a contact by its email alone (an update of its address).
            del found["last_name"]
        names = {"first_name": "contact_name", "last_name": "contact_name",
                 "email": "contact_email", "phone": "contact_phone"}
        for name, message in found.items():
            errors.setdefault(names.get(name, "contact_name"), message)
    return errors


_TYPES_SEEN = {}  # a file holds a handful of distinct Type words: fold each once


def normalise_type(value: str | None) -> str | None:
    if value is None:
        return None
    found = _TYPES_SEEN.get(value)
    if found is None:
        found = TYPE_WORDS.get(header_key(value), value)
        if len(_TYPES_SEEN) < 1000:
            _TYPES_SEEN[value] = found
    return found


def cells_to_values(cells: list, mapping: dict) -> dict:
    """The cleaned values of one file row: trimmed, a neutralised formula taken back, empty
    as None, the type word as company or individual."""
    values = {}
    width = len(cells)
    for name, index in mapping.items():
        # clean(), inlined: the readers give text cells (this runs 600,000 times a file).
        value = cells[index].strip() or None if index < width else None
        if value is not None and value[0] == "'":
            value = clean(unneutralise(value))
        values[name] = value
    if "type" in values:
        values["type"] = normalise_type(values["type"])
    return values


# --- The check itself ------------------------------------------------------------------------
@dataclass(slots=True)
class Row:
    line: int
    values: dict  # field -> cleaned value (None when empty); only the file's fields
    keys: tuple  # client_keys()
    skip: bool = False
    status: str = RowStatus.NEW
    warned: bool = False
    client_id: int | None = None


@dataclass
class Counts:
    total: int = 0
    new: int = 0
    update: int = 0
    same: int = 0
    error: int = 0
    warning: int = 0
    skip: int = 0
    duplicate: int = 0

    def add(self, row: Row):
        self.total += 1
        setattr(self, row.status, getattr(self, row.status) + 1)
        if row.warned:
            self.warning += 1


PRELOAD_MAX = 200_000  # up to this many clients, their keys are read once, not per batch


@dataclass
class Checker:
    """Checks rows batch by batch, in line order, remembering what earlier rows held."""

    job_id: int
    mode: str
    fields: tuple  # the fields the file has
    keep_empty: bool = True  # update mode: an empty cell keeps the client's value
    counts: Counts = field(default_factory=Counts)
    issues: list = field(default_factory=list)
    first_code_line: dict = field(default_factory=dict)
    first_match_line: dict = field(default_factory=dict)
    code_index: dict | None = None  # code_key -> (id, name) of every client, when preloaded
    match_index: dict | None = None  # match_key -> (id, name) of the oldest such client
    contact_fields: tuple = ()  # the contact columns the file has
    primaries: dict = field(default_factory=dict)  # client_id -> contact_row() (update mode)

    def issue(self, row, kind, field_name, code, detail=None):
        self.issues.append({"job_id": self.job_id, "line": row.line, "kind": kind,
                            "field": field_name, "code": code, "detail": detail or None})

    def preload(self) -> None:
        """One read of every client's keys instead of two queries per batch, while the
        table is small enough for that to be cheaper."""
        if db.session.scalar(select(func.count()).select_from(Client)) > PRELOAD_MAX:
            return
        self.code_index = {key: (client_id, name) for client_id, key, name in db.session.execute(
            select(Client.id, Client.code_key, Client.name).where(Client.code_key.is_not(None)))}
        self.match_index = {}
        for client_id, key, name in db.session.execute(
                select(Client.id, Client.match_key, Client.name).where(Client.match_key != "")
                .order_by(Client.id)):
            self.match_index.setdefault(key, (client_id, name))

    def check_batch(self, rows: list) -> None:
        codes = {row.keys[1] for row in rows if row.keys[1] and not row.skip}
        matches = {row.keys[2] for row in rows if row.keys[2] and not row.skip}
        if self.code_index is not None:
            owners = {key: self.code_index[key] for key in codes if key in self.code_index}
            lookalikes = {key: self.match_index[key] for key in matches if key in self.match_index}
        else:
            owners, lookalikes = {}, {}
            if codes:
                owners = {key: (client_id, name) for client_id, key, name in db.session.execute(
                    select(Client.id, Client.code_key, Client.name)
                    .where(Client.code_key.in_(codes)))}
            if matches:
                for client_id, key, name in db.session.execute(
                        select(Client.id, Client.match_key, Client.name)
                        .where(Client.match_key.in_(matches)).order_by(Client.id)):
                    lookalikes.setdefault(key, (client_id, name))
        current = {}
        self.primaries = {}
        if self.mode == "update" and owners:
            columns = [getattr(Client, name) for name in FIELDS]
            ids = [client_id for client_id, _name in owners.values()]
            for found in db.session.execute(select(Client.id, *columns).where(
                    Client.id.in_(ids))):
                current[found.id] = found
            if any(name in self.contact_fields for name in CONTACT_FIELDS):
                from ..contacts.services import primary_contacts

                self.primaries = {client_id: contact_row(contact) for client_id, contact
                                  in primary_contacts(ids).items()}
        for row in rows:
            self.check_row(row, owners, lookalikes, current)
            self.counts.add(row)

    def check_row(self, row: Row, owners: dict, lookalikes: dict, current: dict) -> None:
        row.warned = False
        row.client_id = None
        if row.skip:
            row.status = RowStatus.SKIP
            return
        errors = row_errors(row.values)
        for name in errors:
            self.issue(row, IssueKind.ERROR, name, "field")
        _, the_code_key, the_match_key, _ = row.keys
        if the_code_key and "code" not in errors:
            first = self.first_code_line.setdefault(the_code_key, row.line)
            owner = owners.get(the_code_key)
            if first != row.line:
                errors["code"] = True
                self.issue(row, IssueKind.ERROR, "code", "code_twice", {"line": first})
            elif owner is not None and self.mode == "create":
                errors["code"] = True
                self.issue(row, IssueKind.ERROR, "code", "code_used",
                           {"name": owner[1], "id": owner[0]})
            elif owner is not None:
                row.client_id = owner[0]
        if errors:
            row.status = RowStatus.ERROR
            row.client_id = None
            return
        owner = current.get(row.client_id) if row.client_id is not None else None
        if owner is not None:
            changed = False
            for name in self.fields:
                new, old = row.values.get(name), getattr(owner, name)
                if new is None and (self.keep_empty or name == "type"):
                    continue  # an empty cell keeps the client's value (Type always)
                if name == "code" and code_key(new) == code_key(old):
                    continue  # the code it was matched by, whatever its case
                if new != old:
                    changed = True
                    self.issue(row, IssueKind.CHANGE, name, "change", {"old": old, "new": new})
            primary = self.primaries.get(row.client_id, {})
            for name in self.contact_fields:
                new, old = row.values.get(name), primary.get(name)
                if new is None and self.keep_empty:
                    continue
                if new != old:
                    changed = True
                    self.issue(row, IssueKind.CHANGE, name, "change", {"old": old, "new": new})
            row.status = RowStatus.UPDATE if changed else RowStatus.SAME
            return
        row.status = RowStatus.NEW
        row.client_id = None  # (matched by a client deleted since: a new client again)
        if the_match_key:
            first = self.first_match_line.setdefault(the_match_key, row.line)
            lookalike = lookalikes.get(the_match_key)
            if lookalike is not None and not the_code_key:
                # Nothing tells it apart from the client we have (quick add's rule): most
                # likely the same client imported again.
                row.status = RowStatus.DUPLICATE
                self.issue(row, IssueKind.DUPLICATE, "name", "duplicate",
                           {"name": lookalike[1], "id": lookalike[0]})
            elif lookalike is not None:
                row.warned = True
                self.issue(row, IssueKind.WARNING, "name", "similar",
                           {"name": lookalike[1], "id": lookalike[0]})
            elif first != row.line:
                row.warned = True
                self.issue(row, IssueKind.WARNING, "name", "similar_line", {"line": first})


ROW_COLUMNS = ("job_id", "line", "status", "warned", "type", "name", "code", "address", "email",
               "phone", "name_key", "code_key", "match_key", "search_text", "client_id",
               "contact_name", "contact_email", "contact_phone")


def _insert_rows(job_id: int, rows: list) -> None:
    """Straight to the driver, in the session's transaction: executemany on SQLite, COPY on
    PostgreSQL. 100,000 rows without per-row SQLAlchemy work."""
    connection = db.session.connection()
    quote = connection.dialect.identifier_preparer.quote
    table = quote(ImportRow.__tablename__)
    columns = ", ".join(quote(c) for c in ROW_COLUMNS)
    records = []
    for row in rows:
        values = row.values
        records.append((job_id, row.line, row.status, row.warned, values.get("type"),
                        values.get("name"), values.get("code"), values.get("address"),
                        values.get("email"), values.get("phone"), *row.keys, row.client_id,
                        values.get("contact_name"), values.get("contact_email"),
                        values.get("contact_phone")))
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join([mark] * len(ROW_COLUMNS))})",
        records)


def _row_record(job_id: int, row: Row) -> dict:
    values = row.values
    name_key, the_code_key, match_key, search_text = row.keys
    return {"job_id": job_id, "line": row.line, "status": row.status, "warned": row.warned,
            "type": values.get("type"), "name": values.get("name"), "code": values.get("code"),
            "address": values.get("address"), "email": values.get("email"),
            "phone": values.get("phone"), "name_key": name_key, "code_key": the_code_key,
            "match_key": match_key, "search_text": search_text, "client_id": row.client_id,
            **{name: values.get(name) for name in CONTACT_FIELDS}}


def _batches(iterable, size=BATCH):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_issues(checker: Checker) -> None:
    if checker.issues:
        db.session.execute(insert(ImportIssue.__table__), checker.issues)
        checker.issues.clear()


def _finish(job: ImportJob, checker: Checker) -> None:
    _write_issues(checker)
    counts = checker.counts
    job.total_rows = counts.total
    job.new_count, job.update_count, job.same_count = counts.new, counts.update, counts.same
    job.error_count, job.warning_count, job.skip_count = counts.error, counts.warning, counts.skip
    job.duplicate_count = counts.duplicate
    job.done_rows = 0
    job.state = ImportState.CHECKED


def _clear(job: ImportJob, rows: bool) -> None:
    db.session.execute(delete(ImportIssue).where(ImportIssue.job_id == job.id))
    if rows:
        db.session.execute(delete(ImportRow).where(ImportRow.job_id == job.id))


def check_table(job: ImportJob, table: Table, mapping: dict):
    """Check every row of the file into `job`, slice by slice: a generator that flushes each
    slice and yields, for the caller to commit, so that a large file never holds SQLite's
    write lock for long. The job reads "checking" until the last slice, then "checked".
    FileProblem may come from a row halfway through a large file."""
    fields = tuple(name for name in FIELDS if name in mapping)
    contact_fields = tuple(name for name in CONTACT_FIELDS if name in mapping)
    job.headers = table.headers
    job.mapping = mapping
    job.kind, job.encoding, job.delimiter = table.kind, table.encoding, table.delimiter
    job.problem = None
    job.state = ImportState.CHECKING
    _clear(job, rows=True)
    db.session.flush()
    yield  # (committed at once: the rows are checked outside any write transaction)
    checker = Checker(job.id, job.mode, fields, job.keep_empty, contact_fields=contact_fields)
    checker.preload()
    preview = []

    def rows():
        for line, cells in table.rows:
            if len(preview) < PREVIEW_ROWS:
                preview.append([cell[:PREVIEW_CELL] for cell in cells])
            values = cells_to_values(cells, mapping)
            yield Row(line, values, row_keys(values))

    waiting = []
    for batch in _batches(rows()):
        checker.check_batch(batch)
        waiting.append(batch)
        if len(waiting) * BATCH >= SLICE:
            _write_slice(job, checker, waiting)
            yield
    if checker.counts.total == 0:
        raise FileProblem(NO_ROWS)
    _write_slice(job, checker, waiting)
    job.preview = preview
    _finish(job, checker)


def _write_slice(job: ImportJob, checker: Checker, waiting: list) -> None:
    for batch in waiting:
        _insert_rows(job.id, batch)
    waiting.clear()
    _write_issues(checker)
    db.session.flush()


_STORED = ("status", "warned", "client_id")


def recheck(job: ImportJob, changed: dict | None = None) -> None:
    """Check the stored rows again (after a fix, a skipped row or another mode), writing back
    only the rows whose outcome changed. `changed` maps a line to its new values."""
    mapping = job.mapping
    fields = tuple(name for name in IMPORT_FIELDS if name in mapping)
    changed = changed or {}
    checker = Checker(job.id, job.mode, tuple(name for name in fields if name in FIELDS),
                      job.keep_empty,
                      contact_fields=tuple(name for name in fields if name in CONTACT_FIELDS))
    checker.preload()
    table = ImportRow.__table__
    columns = [table.c.line, table.c.status, table.c.warned, table.c.client_id,
               table.c.name_key, table.c.code_key, table.c.match_key, table.c.search_text,
               *(table.c[name] for name in fields)]
    stored = db.session.execute(select(*columns).where(table.c.job_id == job.id)
                                .order_by(table.c.line))
    # Every row is checked before anything is written, so that the write lock is held for
    # the writes only.
    updates = []
    for batch in _batches(stored):
        rows, before = [], {}
        for record in batch:
            values = {name: record._mapping[name] for name in fields}
            keys = (record.name_key, record.code_key, record.match_key, record.search_text)
            new_values = changed.get(record.line)
            if new_values is not None:
                values = new_values.get("values", values)
                keys = row_keys(values)
            skip = record.status == RowStatus.SKIP
            if new_values is not None and "skip" in new_values:
                skip = new_values["skip"]
            rows.append(Row(record.line, values, keys, skip=skip))
            before[record.line] = record
        checker.check_batch(rows)
        for row in rows:
            old = before[row.line]
            if (row.line in changed or old.status != row.status or old.warned != row.warned
                    or old.client_id != row.client_id):
                record = _row_record(job.id, row)
                updates.append({("b_" + key): value for key, value in record.items()})
    _clear(job, rows=False)
    if updates:
        statement = (update(table)
                     .where(and_(table.c.job_id == bindparam("b_job_id"),
                                 table.c.line == bindparam("b_line")))
                     .values({key: bindparam("b_" + key) for key in (
                         "status", "warned", "client_id", "type", "name", "code", "address",
                         "email", "phone", "name_key", "code_key", "match_key",
                         "search_text", *CONTACT_FIELDS)}))
        db.session.execute(statement, updates)
    _finish(job, checker)


def fix_cell(job: ImportJob, line: int, field_name: str, value: str) -> bool:
    """Set one cell of a stored row to what the user typed, then check again."""
    mapping = job.mapping
    row = db.session.get(ImportRow, (job.id, line))
    if row is None or field_name not in mapping:
        return False
    values = {name: getattr(row, name) for name in IMPORT_FIELDS if name in mapping}
    cleaned = clean(value)
    values[field_name] = normalise_type(cleaned) if field_name == "type" else cleaned
    recheck(job, {line: {"values": values}})
    return True


def skip_row(job: ImportJob, line: int, skip: bool = True) -> bool:
    if db.session.get(ImportRow, (job.id, line)) is None:
        return False
    recheck(job, {line: {"skip": skip}})
    return True


def restore_skipped(job: ImportJob) -> None:
    lines = db.session.scalars(select(ImportRow.line).where(
        ImportRow.job_id == job.id, ImportRow.status == RowStatus.SKIP)).all()
    recheck(job, {line: {"skip": False} for line in lines})


# --- What an issue says, in the reader's language ---------------------------------------------
def issue_message(issue, row_values: dict | None) -> str:
    detail = issue.detail or {}
    if issue.code == "field":
        message = row_errors(row_values or {}).get(issue.field)
        return str(message) if message else _("Checked again: this value is now fine.")
    if issue.code == "code_twice":
        return _("This code is also on line %(line)s.", line=detail.get("line"))
    if issue.code == "code_used":
        code = (row_values or {}).get("code") or ""
        return _("The code %(code)s is already used by %(name)s.", code=code,
                 name=detail.get("name"))
    if issue.code == "similar":
        return _("Looks like the existing client %(name)s.", name=detail.get("name"))
    if issue.code == "similar_line":
        return _("Looks like the client on line %(line)s.", line=detail.get("line"))
    return issue.code
