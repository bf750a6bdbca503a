"""Files out: the import template, the client list export, the rows that still have errors.

The client list goes out in three formats: CSV (UTF-8 with a BOM, so Excel shows accents,
and commas), CSV for Excel set up in French (the same with semicolons, the list separator
of French Windows; decimal commas do not matter here, every value is text), and an Excel
workbook. In the CSVs every cell is neutralised against formula injection
(reading.neutralise); the workbook's cells are typed as text, which no spreadsheet runs as
a formula and which shows a phone number as typed. The import takes either back, so an
export imported again with "Update clients matched by Code" changes nothing.
"""
import csv
import io
import tempfile
from datetime import date

from flask import Response, abort, stream_with_context, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, select

from ..clients.models import Client
from ..contacts.models import Contact
from ..clients.services import CLIENTS, Params, client_query, count_clients, ordered
from ..extensions import db
from ..htmx import render, wants_fragment
from . import targets
from .checking import TYPE_LABELS, issue_message
from .models import ImportIssue, ImportJob, ImportRow
from .reading import IMPORT_FIELDS, neutralise, text_cell

BOM = "\ufeff"
HEADERS = {"name": "Name", "code": "Code", "address": "Address", "email": "Email",
           "phone": "Phone", "type": "Type", "contact_name": "Contact name",
           "contact_email": "Contact email", "contact_phone": "Contact phone"}
FIELDS = IMPORT_FIELDS  # the export's columns: the client's, then its primary contact's
TEMPLATE_FIELDS = ("name", "code", "address")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# ?format= of the export: the CSV delimiter, or None for the workbook.
FORMATS = {"csv": ",", "csv-fr": ";", "xlsx": None}
FILE_SUFFIX = {"csv": ".csv", "csv-fr": "-excel-fr.csv", "xlsx": ".xlsx"}
XLSX_WIDTHS = {"name": 36, "code": 14, "address": 48, "email": 30, "phone": 20, "type": 14,
               "contact_name": 28, "contact_email": 30, "contact_phone": 20}
XLSX_CHUNK = 64 * 1024


def _csv_line(cells, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()


def _download(body, filename: str, content_type: str = "text/csv; charset=utf-8") -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_response(fields=TEMPLATE_FIELDS, example=None,
                      filename: str = "client-import-template.csv") -> Response:
    """An import target's template: its header line (in English, which every language's
    import reads) and an example row."""
    if example is None:
        example = [_("Example Company Inc."), "EX-001", _("1 Main Street, Springfield")]
    body = BOM + _csv_line([HEADERS[name] for name in fields]) + _csv_line(example)
    return _download(body.encode("utf-8"), filename)


def type_label(value: str | None) -> str:
    label = TYPE_LABELS.get(value)
    return str(label) if label else (value or "")


def _export_format(args) -> str:
    """The ?format= asked for: CSV when none is; 404 for one that does not exist."""
    chosen = args.get("format") or "csv"
    if chosen not in FORMATS:
        abort(404)
    return chosen


def _export_filename(params: Params, chosen: str) -> str:
    suffix = {"active": "", "archived": "-archived", "all": "-all"}[params.view]
    return f"clients{suffix}-{date.today().isoformat()}{FILE_SUFFIX[chosen]}"


def _client_rows(params: Params):
    """The exported values of the view's clients, in its order, read in partitions."""
    query = ordered(client_query(params), params.sort).with_only_columns(
        Client.name, Client.code, Client.address, Client.email, Client.phone, Client.type,
        Contact.first_name, Contact.last_name, Contact.email, Contact.phone,
    ).outerjoin(Contact, and_(Contact.client_id == Client.id, Contact.is_primary.is_(True)))
    result = db.session.execute(query.execution_options(yield_per=2000))
    for partition in result.partitions():
        yield [(name, code, address, email, phone, type_label(kind),
                " ".join(part for part in (first, last) if part), contact_email, contact_phone)
               for name, code, address, email, phone, kind, first, last, contact_email,
               contact_phone in partition]


def export_response(args) -> Response:
    """The clients of the list view these query args describe, in its order, in the format
    ?format= names (csv, csv-fr or xlsx)."""
    params = CLIENTS.params(args)
    chosen = _export_format(args)
    filename = _export_filename(params, chosen)
    if FORMATS[chosen] is None:
        return _download(_xlsx_body(params), filename, XLSX_TYPE)
    delimiter = FORMATS[chosen]

    def generate():
        yield (BOM + _csv_line([HEADERS[name] for name in FIELDS], delimiter)).encode("utf-8")
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        for rows in _client_rows(params):
            writer.writerows([neutralise(value) for value in row] for row in rows)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()

    return _download(stream_with_context(generate()), filename)


def formats_response(args) -> Response:
    """The choice of format for the list view these query args describe: a dialog over the
    list for htmx, a page of its own otherwise."""
    params = CLIENTS.params(args)
    view_args = params.args(page=1)
    links = {chosen: url_for("imports.export_clients", format=chosen, **view_args)
             for chosen in FORMATS}
    return render("imports/export.html", "export_dialog", modal=wants_fragment(),
                  params=params, total=count_clients(params), links=links,
                  list_url=url_for("clients.list_clients", **params.args()))


def _xlsx_body(params: Params):
    """The workbook, built in a temporary file and sent from it in chunks: openpyxl's
    write-only mode writes each row out as it comes, so a long list never sits in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Clients"))
    for index, name in enumerate(FIELDS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS[name]
    sheet.freeze_panes = "A2"

    def text_row(values):
        cells = []
        for value in values:
            value = text_cell(value)
            if value.startswith("=") or value in ERROR_CODES:
                # openpyxl types any other text as text itself; these it would take for a
                # formula or an error, so only their cells are typed by hand (a cell object
                # for every value costs far more time).
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            cells.append(value or None)
        return cells

    sheet.append(text_row([HEADERS[name] for name in FIELDS]))
    for rows in _client_rows(params):
        for row in rows:
            sheet.append(text_row(row))
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)

    def generate():
        with out:
            while chunk := out.read(XLSX_CHUNK):
                yield chunk

    return generate()


def error_rows_response(job: ImportJob) -> Response:
    """The rows that still have errors, in the file's own columns, with what is wrong."""
    headers = job.headers
    mapping = job.mapping
    fields = sorted(mapping, key=mapping.get)  # the file's column order
    columns = [(headers[mapping[name]] if mapping[name] < len(headers) else "") or HEADERS[name]
               for name in fields]

    def generate():
        yield (BOM + _csv_line(columns + [_("Errors")])).encode("utf-8")
        rows = db.session.scalars(select(ImportRow).where(
            ImportRow.job_id == job.id, ImportRow.status == "error").order_by(ImportRow.line)
            .execution_options(yield_per=1000))
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 1000:
                yield _error_lines(job, fields, batch).encode("utf-8")
                batch = []
        if batch:
            yield _error_lines(job, fields, batch).encode("utf-8")

    return _download(stream_with_context(generate()), f"import-{job.id}-errors.csv")


def _error_lines(job, fields, rows) -> str:
    target = targets.of(job)
    issues = db.session.scalars(select(ImportIssue).where(
        ImportIssue.job_id == job.id, ImportIssue.kind == "error",
        ImportIssue.line.in_([row.line for row in rows])).order_by(ImportIssue.id)).all()
    by_line = {}
    for issue in issues:
        by_line.setdefault(issue.line, []).append(issue)
    out = []
    for row in rows:
        values = {name: getattr(row, name) for name in fields}
        shown = dict(values, type=type_label(values["type"])) if "type" in values else values
        reasons = "; ".join(
            _("Line %(line)s, %(field)s: %(reason)s", line=row.line,
              field=target.field_labels[issue.field] if issue.field else "",
              reason=issue_message(issue, values, target))
            for issue in by_line.get(row.line, []))
        out.append(_csv_line([shown[name] or "" for name in fields] + [reasons]))
    return "".join(out)
