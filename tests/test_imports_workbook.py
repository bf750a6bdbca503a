"""Workbooks built to exhaust the server (a zip bomb, XML entities, rows without end) are
refused before openpyxl opens them, with a message and nothing stored; real workbooks,
shared strings and all, still import."""
import io
import zipfile

import pytest
from sqlalchemy import select

from clientapp.clients.models import Client
from clientapp.extensions import db
from clientapp.imports import workbook_guard
from clientapp.imports.models import ImportFile, ImportJob
from clientapp.imports.reading import FileProblem, read_table

from .factories import count
from .test_imports import checked, run, started, text, upload  # noqa: F401  (started: a fixture)
from .test_imports_samples import xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                "sharedStrings+xml")
STRINGS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "sharedStrings")
MB = 1024 * 1024


def shared_strings_workbook(write_strings, sheet_xml: bytes | None = None,
                            level: int = 9, extra: dict | None = None) -> bytes:
    """A workbook as Excel writes it: its texts in xl/sharedStrings.xml (written by
    `write_strings`, streamed into the zip at compression `level`), the sheet pointing at
    them. `extra` adds parts (name -> bytes)."""
    base = zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["Acme"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        for info in base.infolist():
            data = base.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
                    "</Types>").encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdStrings" Type="{STRINGS_REL}" '
                    'Target="sharedStrings.xml"/></Relationships>').encode())
            elif info.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml
            book.writestr(info.filename, data)
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
            write_strings(part)
            part.write(b"</sst>")
        for name, data in (extra or {}).items():
            book.writestr(name, data)
    return out.getvalue()


def sheet(rows_xml: bytes) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
            .encode() + rows_xml + b"</sheetData></worksheet>")


def string_cells(rows) -> bytes:
    """Rows of cells that point into the shared strings, numbered from 0 in reading order."""
    out, index = [], 0
    for number, cells in enumerate(rows, start=1):
        xml = []
        for column, _value in zip("ABCDEF", cells):
            xml.append(f'<c r="{column}{number}" t="s"><v>{index}</v></c>')
            index += 1
        out.append(f'<row r="{number}" spans="1:{len(cells)}">{"".join(xml)}</row>')
    return "".join(out).encode()


def texts(*values):
    def write(part):
        for value in values:
            part.write(f"<si><t>{value}</t></si>".encode())
    return write


def zip_bomb() -> bytes:
    """A workbook of under a megabyte whose shared strings unpack to 228 MB."""
    chunk = b"<si><t>" + b"A" * 1000 + b"</t></si>"

    def write(part):
        for _ in range(228):
            part.write(chunk * 1000)
    return shared_strings_workbook(write)


def problem(data: bytes, **options) -> str:
    with pytest.raises(FileProblem) as caught:
        list(read_table(data, "clients.xlsx", **options).rows)
    return caught.value.message


# --- Through the upload page -------------------------------------------------------------
def test_a_zip_bomb_is_refused_before_it_is_opened_and_nothing_is_stored(app, manager_client):
    bomb = zip_bomb()
    archive = zipfile.ZipFile(io.BytesIO(bomb))
    assert len(bomb) < MB
    assert archive.getinfo("xl/sharedStrings.xml").file_size > 200 * MB
    response = upload(manager_client, bomb, "clients.xlsx")
    assert response.status_code == 422
    assert ("This Excel workbook unpacks to more than 100 MB, more than an import can take."
            in text(response))
    assert count(app, ImportJob) == 0 and count(app, ImportFile) == 0
    fragment = upload(manager_client, bomb, "clients.xlsx", htmx=True)
    assert fragment.status_code == 422 and 'id="import-upload"' in text(fragment)
    assert 'role="alert"' in text(fragment) and count(app, ImportJob) == 0


def test_the_unpacked_limit_comes_from_the_configuration(make_app, manager_id):
    from .conftest import sign_in

    app = make_app(CLIENTAPP_IMPORT_MAX_UNPACKED_BYTES=20_000)
    data = shared_strings_workbook(texts(*(f"Client {i}" for i in range(1000))))
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 20_000
    response = upload(sign_in(app, manager_id), data, "clients.xlsx")
    assert response.status_code == 422
    assert "unpacks to more than 0.0190735 MB" in text(response)
    assert count(app, ImportJob) == 0


def test_a_real_workbook_with_shared_strings_still_imports(app, manager_client, started):
    rows = [["Name", "Code", "Phone"], ["Café Crème", "CAF-1", "+33 1 23 45 67 89"],
            ["Œuvres d’Étienne", "OEU-2", "418 555 0102"]]
    data = shared_strings_workbook(texts(*(cell for row in rows for cell in row)),
                                   sheet(string_cells(rows)))
    job_id = checked(manager_client, data, "clients.xlsx")
    manager_client.post(f"/clients/import/{job_id}/start")
    assert run(app, job_id) == "done"
    with app.app_context():
        stored = db.session.execute(select(Client.name, Client.code, Client.phone)
                                    .order_by(Client.code)).all()
    assert [tuple(row) for row in stored] == [tuple(row) for row in rows[1:]]


# --- The zip's directory ---------------------------------------------------------------------
def test_a_part_packed_more_than_100_to_1_is_refused():
    # 30 MB of one repeated text: under the unpacked limit, far over the ratio.
    data = shared_strings_workbook(lambda part: [part.write(b"<si><t>A</t></si>" * 100_000)
                                                 for _ in range(18)])
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml")
    assert info.file_size > 100 * info.compress_size and info.file_size < 100 * MB
    assert "put together in a way no spreadsheet writes" in problem(data)


def test_a_small_part_may_pack_beyond_100_to_1():
    padding = b"<!-- " + b" " * 900_000 + b" -->"
    data = shared_strings_workbook(texts("Name", "Acme"), sheet(string_cells([["Name"], ["Acme"]])),
                                   extra={"xl/padding.xml": padding + b"<padding/>"})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/padding.xml")
    assert info.file_size > 100 * info.compress_size and info.file_size < workbook_guard.RATIO_FLOOR
    table = read_table(data, "clients.xlsx")
    assert table.headers == ["Name"] and list(table.rows) == [(2, ["Acme"])]


# --- The XML inside ---------------------------------------------------------------------------
def test_entities_that_multiply_the_xml_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "<si><t>lol</t></si>">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<sst xmlns="' + MAIN.encode() + b'">' + b"&b;" * 1000 + b"</sst>")
    data = shared_strings_workbook(texts("x"))
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for info in archive.infolist():
            book.writestr(info.filename, laughs if info.filename == "xl/sharedStrings.xml"
                          else archive.read(info.filename))
    assert "put together in a way no spreadsheet writes" in problem(out.getvalue())


def test_more_shared_texts_than_the_server_would_hold_are_refused(monkeypatch):
    data = shared_strings_workbook(texts(*(f"Client {i}" for i in range(2000))))
    assert list(read_table(data, "clients.xlsx").rows) == [(2, ["Acme"])]
    monkeypatch.setattr(workbook_guard, "HELD_BUDGET", 2000 * workbook_guard.HELD_PER_STRING)
    assert "too large to check at once" in problem(data)


def test_rows_with_heights_count_for_more_than_bare_rows(monkeypatch):
    bare = shared_strings_workbook(texts("x"), sheet(b"".join(
        b'<row r="%d"/>' % n for n in range(1, 5001))))
    tall = shared_strings_workbook(texts("x"), sheet(b"".join(
        b'<row r="%d" ht="30" customHeight="1"/>' % n for n in range(1, 5001))))
    monkeypatch.setattr(workbook_guard, "HELD_BUDGET", 2 * 5000 * workbook_guard.HELD_PER_ROW)
    assert problem(bare) == "The file is empty."  # past the guard, read, and empty
    assert "too large to check at once" in problem(tall)


def test_a_row_wider_than_excel_allows_is_refused():
    cells = b"".join(b"<c><v>%d</v></c>" % n for n in range(16_385))
    data = shared_strings_workbook(texts("x"), sheet(b'<row r="1">' + cells + b"</row>"))
    assert "put together in a way no spreadsheet writes" in problem(data)


def test_a_jump_in_row_numbers_does_not_run_on():
    rows = string_cells([["Name"]]) + b'<row r="900000000"><c t="inlineStr"><is><t>Far</t></is></c></row>'
    data = shared_strings_workbook(texts("Name"), sheet(rows))
    assert "The sheet has more than 21 rows, empty ones included." in problem(data, max_rows=10)


def test_broken_xml_inside_a_workbook():
    data = shared_strings_workbook(lambda part: part.write(b"<si><t>unclosed"))
    assert "This Excel workbook cannot be read." in problem(data)


def test_texts_count_as_python_stores_them(monkeypatch):
    # The same number of characters; one emoji makes every character of its text four bytes.
    plain = shared_strings_workbook(texts(*(f"{i:04d}" + "a" * 995 for i in range(200))))
    wide = shared_strings_workbook(texts(*(f"{i:04d}" + "a" * 994 + "😀" for i in range(200))))
    monkeypatch.setattr(workbook_guard, "HELD_BUDGET", 600_000)
    assert list(read_table(plain, "clients.xlsx").rows) == [(2, ["Acme"])]
    assert "too large to check at once" in problem(wide)


def test_what_a_sheet_keeps_besides_its_rows_counts(monkeypatch):
    rows = string_cells([["Name"], ["Acme"]])
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (n, n) for n in range(3, 2003))
    plain = shared_strings_workbook(texts("Name", "Acme"), sheet(rows))
    merged = shared_strings_workbook(texts("Name", "Acme"), sheet(rows)[:-len(b"</worksheet>")]
                                     + b"<mergeCells>" + merges + b"</mergeCells></worksheet>")
    monkeypatch.setattr(workbook_guard, "HELD_BUDGET",
                        1000 * workbook_guard.HELD_PER_ELEMENT + 200_000)
    assert list(read_table(plain, "clients.xlsx").rows) == [(2, ["Acme"])]
    assert "too large to check at once" in problem(merged)


def test_a_row_counts_whole_while_it_is_read(monkeypatch):
    long_cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"x" * 900_000 + b"</t></is></c></row>"
    data = shared_strings_workbook(texts("Name"), sheet(string_cells([["Name"]]) + long_cell))
    monkeypatch.setattr(workbook_guard, "HELD_BUDGET", 800_000)
    assert "too large to check at once" in problem(data)
    monkeypatch.setattr(workbook_guard, "HELD_BUDGET", 2_000_000)
    assert "more than 100,000 characters" in problem(data)  # read, then refused as a value
