"""Checking every row before anything is written, for every import target.

Each row is cleaned and validated exactly as its record's form does it (the target's
row_errors), then against the rest of the file (a key twice: a client's code, a staff
member's email) and the database (a key already used, a record to update, a name that looks
like an existing record's). The outcome is stored in import_rows and import_issues; nothing
touches the records' table here.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, insert, select, update

from ..clients.validation import clean
from ..extensions import db
from . import targets
from .models import ImportIssue, ImportJob, ImportRow, ImportState, IssueKind, RowStatus
from .reading import FIELDS, FileProblem, Table, header_key, unneutralise  # noqa: F401
from .targets import ImportTarget

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


PRELOAD_MAX = 200_000  # up to this many records, their keys are read once, not per batch


@dataclass
class Checker:
    """Checks rows batch by batch, in line order, remembering what earlier rows held."""

    job_id: int
    mode: str
    fields: tuple  # the record's fields the file has
    keep_empty: bool = True  # update mode: an empty cell keeps the record's value
    counts: Counts = field(default_factory=Counts)
    issues: list = field(default_factory=list)
    first_code_line: dict = field(default_factory=dict)
    first_match_line: dict = field(default_factory=dict)
    code_index: dict | None = None  # key -> (id, name) of every record, when preloaded
    match_index: dict | None = None  # match_key -> (id, name) of the oldest such record
    contact_fields: tuple = ()  # the related record's columns the file has
    primaries: dict = field(default_factory=dict)  # record id -> its related values
    target: ImportTarget = None

    def __post_init__(self):
        if self.target is None:
            self.target = targets.get("clients")

    def issue(self, row, kind, field_name, code, detail=None):
        self.issues.append({"job_id": self.job_id, "line": row.line, "kind": kind,
                            "field": field_name, "code": code, "detail": detail or None})

    def preload(self) -> None:
        """One read of every record's keys instead of two queries per batch, while the
        table is small enough for that to be cheaper."""
        model = self.target.model
        if db.session.scalar(select(func.count()).select_from(model)) > PRELOAD_MAX:
            return
        self.code_index = self.target.owners(None)
        self.match_index = self.target.lookalikes(None)

    def check_batch(self, rows: list) -> None:
        target = self.target
        codes = {row.keys[1] for row in rows if row.keys[1] and not row.skip}
        matches = {row.keys[2] for row in rows if row.keys[2] and not row.skip}
        if self.code_index is not None:
            owners = {key: self.code_index[key] for key in codes if key in self.code_index}
            lookalikes = {key: self.match_index[key] for key in matches if key in self.match_index}
        else:
            owners = target.owners(codes) if codes else {}
            lookalikes = target.lookalikes(matches) if matches else {}
        current = {}
        self.primaries = {}
        if self.mode == "update" and owners:
            model = target.model
            columns = [getattr(model, name) for name in target.record_fields]
            ids = [record_id for record_id, _name in owners.values()]
            for found in db.session.execute(select(model.id, *columns).where(
                    model.id.in_(ids))):
                current[found.id] = found
            if self.contact_fields and target.related is not None:
                self.primaries = target.related(ids)
        for row in rows:
            self.check_row(row, owners, lookalikes, current)
            self.counts.add(row)

    def check_row(self, row: Row, owners: dict, lookalikes: dict, current: dict) -> None:
        target = self.target
        key_field = target.key_field
        row.warned = False
        row.client_id = None
        if row.skip:
            row.status = RowStatus.SKIP
            return
        errors = target.row_errors(row.values)
        for name in errors:
            self.issue(row, IssueKind.ERROR, name, "field")
        _, the_code_key, the_match_key, _ = row.keys
        if the_code_key and key_field not in errors:
            first = self.first_code_line.setdefault(the_code_key, row.line)
            owner = owners.get(the_code_key)
            if first != row.line:
                errors[key_field] = True
                self.issue(row, IssueKind.ERROR, key_field, "code_twice", {"line": first})
            elif owner is not None and self.mode == "create":
                errors[key_field] = True
                self.issue(row, IssueKind.ERROR, key_field, "code_used",
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
                if new is None and (self.keep_empty or name in target.always_keep):
                    continue  # an empty cell keeps the record's value (a client's type always)
                if name == key_field and target.key(new) == target.key(old):
                    continue  # the key it was matched by, whatever its case
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
        row.client_id = None  # (matched by a record deleted since: a new one again)
        if the_match_key:
            first = self.first_match_line.setdefault(the_match_key, row.line)
            lookalike = lookalikes.get(the_match_key)
            if lookalike is not None and not the_code_key:
                # Nothing tells it apart from the record we have (quick add's rule): most
                # likely the same one imported again.
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


def _checker(job: ImportJob, mapping: dict) -> Checker:
    target = targets.of(job)
    return Checker(job.id, job.mode,
                   tuple(name for name in target.record_fields if name in mapping),
                   job.keep_empty,
                   contact_fields=tuple(name for name in target.fields
                                        if name in mapping and name not in target.record_fields),
                   target=target)


# import_rows' columns for the values of a client's primary contact (no other target has a
# related record yet).
RELATED_COLUMNS = ("contact_name", "contact_email", "contact_phone")
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
            **{name: values.get(name) for name in RELATED_COLUMNS}}


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
    job.headers = table.headers
    job.mapping = mapping
    job.kind, job.encoding, job.delimiter = table.kind, table.encoding, table.delimiter
    job.problem = None
    job.state = ImportState.CHECKING
    _clear(job, rows=True)
    db.session.flush()
    yield  # (committed at once: the rows are checked outside any write transaction)
    checker = _checker(job, mapping)
    checker.preload()
    row_keys = checker.target.row_keys
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
    changed = changed or {}
    checker = _checker(job, mapping)
    fields = tuple(name for name in checker.target.fields if name in mapping)
    row_keys = checker.target.row_keys
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
                         "search_text", *RELATED_COLUMNS)}))
        db.session.execute(statement, updates)
    _finish(job, checker)


def fix_cell(job: ImportJob, line: int, field_name: str, value: str) -> bool:
    """Set one cell of a stored row to what the user typed, then check again."""
    mapping = job.mapping
    row = db.session.get(ImportRow, (job.id, line))
    if row is None or field_name not in mapping:
        return False
    values = {name: getattr(row, name) for name in targets.of(job).fields if name in mapping}
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
def issue_message(issue, row_values: dict | None, target: ImportTarget | None = None) -> str:
    target = target or targets.get("clients")
    if issue.code == "field":
        message = target.row_errors(row_values or {}).get(issue.field)
        return str(message) if message else _("Checked again: this value is now fine.")
    say = target.messages.get(issue.code)
    return say(issue.detail or {}, row_values or {}) if say else issue.code
